"""Fleets: the catalog objects an agency operates. Private unless shared (``fleet`` agreements).

Visibility is part of every query; an entry the caller may not see is a 404 exactly like one
that does not exist. Every request is audited with its work.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import and_, delete, insert, select

from ...errors import ConflictError, InvalidRequestError
from ...store import schema
from ...store.service_schema import agencies, fleet_objects
from ..accounts import iso
from ..auth import Context
from ..db import now_ns
from ..deps import audited, context, get_db
from ..errors import not_found
from ..schemas import FleetEntry, FleetEntryIn, FleetList
from ..visibility import fleet_visible

router = APIRouter(prefix="/v1/fleet", tags=["fleet"])
EntryId = Path(..., ge=1, le=2**62, description="fleet entry id")


def _select():
    return (select(fleet_objects, agencies.c.name.label("agency"), schema.objects.c.name.label("object_name"))
            .join(agencies, agencies.c.id == fleet_objects.c.agency_id)
            .outerjoin(schema.objects, schema.objects.c.norad_id == fleet_objects.c.norad_id))


def _entry(r) -> dict:
    return {"id": int(r.id), "agency": r.agency, "norad_id": int(r.norad_id), "label": r.label,
            "name": r.object_name, "created_at": iso(r.created_at_ns)}


@router.get("", response_model=FleetList)
def list_fleet(request: Request, ctx: Context = Depends(context)):
    """The caller's fleet and the fleets partners share with it."""
    aid = ctx.principal.agency_id

    def work(conn):
        rows = conn.execute(_select().where(fleet_visible(aid)).order_by(fleet_objects.c.id)).all()
        return [_entry(r) for r in rows]

    entries = audited(get_db(request), ctx, "fleet.list", "fleet", work, detail=lambda e: {"n": len(e)})
    return {"entries": entries}


@router.get("/{entry_id}", response_model=FleetEntry)
def get_entry(request: Request, entry_id: int = EntryId, ctx: Context = Depends(context)):
    """One fleet entry (404 when it does not exist or is not visible to the caller)."""
    aid = ctx.principal.agency_id

    def work(conn):
        r = conn.execute(_select().where(and_(fleet_objects.c.id == entry_id, fleet_visible(aid)))).first()
        if r is None:
            raise not_found("fleet entry", entry_id)
        return _entry(r)

    return audited(get_db(request), ctx, "fleet.read", f"fleet:{entry_id}", work)


@router.post("", status_code=201, response_model=FleetEntry)
def add_entry(body: FleetEntryIn, request: Request, ctx: Context = Depends(context)):
    """Declare that the caller's agency operates a catalog object (analyst role or higher)."""
    p = ctx.principal

    def work(conn):
        p.require("analyst", "declaring fleet objects")
        known = conn.execute(select(schema.objects.c.norad_id).where(
            schema.objects.c.norad_id == body.norad_id)).first()
        if known is None:
            raise InvalidRequestError("norad_id", f"object {body.norad_id} is not in the catalog; upload its "
                                                  "element sets first", body.norad_id)
        if conn.execute(select(fleet_objects.c.id).where(and_(fleet_objects.c.agency_id == p.agency_id,
                                                              fleet_objects.c.norad_id == body.norad_id))).first():
            raise ConflictError(f"object {body.norad_id}", "is in the fleet already")
        eid = conn.execute(insert(fleet_objects).values(agency_id=p.agency_id, norad_id=body.norad_id,
                                                        label=body.label, created_at_ns=now_ns())
                           .returning(fleet_objects.c.id)).scalar_one()
        return _entry(conn.execute(_select().where(fleet_objects.c.id == eid)).one())

    return audited(get_db(request), ctx, "fleet.add", f"object:{body.norad_id}", work,
                   detail=lambda e: {"entry": e["id"]})


@router.delete("/{entry_id}", status_code=204, response_class=Response)
def remove_entry(request: Request, entry_id: int = EntryId, ctx: Context = Depends(context)):
    """Remove an entry of the caller's own fleet (analyst role or higher)."""
    p = ctx.principal

    def work(conn):
        p.require("analyst", "changing the fleet")
        r = conn.execute(delete(fleet_objects).where(and_(fleet_objects.c.id == entry_id,
                                                          fleet_objects.c.agency_id == p.agency_id)))
        if r.rowcount != 1:
            raise not_found("fleet entry", entry_id)

    audited(get_db(request), ctx, "fleet.remove", f"fleet:{entry_id}", work)
    return Response(status_code=204)
