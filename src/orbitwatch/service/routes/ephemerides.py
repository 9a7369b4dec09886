"""Operators' ephemerides (CCSDS OEM; OPM for planned manoeuvres) of fleet objects.

An agency uploads them for its own fleet objects; they are private unless it shares
``ephemerides``. Another agency's ephemeris is a 404 exactly like one that does not exist.
Screening jobs fly them (see :mod:`orbitwatch.service.ssa`). Every request audited.
"""

from __future__ import annotations

from typing import Literal, Optional

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import PlainTextResponse
from sqlalchemy import and_, select

from ...errors import InvalidRequestError
from ...store.service_schema import agencies, fleet_objects
from ...store.ssa_schema import EPHEMERIS_KINDS, ephemerides
from .. import ssa
from ..auth import Context
from ..deps import audited, context, get_db
from ..errors import not_found
from ..ingest import sniff as _sniff
from .catalog import _read_limited

router = APIRouter(prefix="/v1", tags=["ephemerides"])
Norad = Path(..., ge=1, le=999_999_999, description="catalog number of a fleet object")
EphId = Path(..., ge=1, le=2**62, description="ephemeris id")
Download = Literal["oem-kvn", "oem-xml", "opm-kvn", "opm-xml"]


def _select():
    return select(ephemerides, agencies.c.name.label("agency")).join(agencies,
                                                                     agencies.c.id == ephemerides.c.agency_id)


def read_upload(request: Request, file: UploadFile) -> tuple[str, str]:
    """(file name, text) of an uploaded message, within ORBITWATCH_MAX_EPHEMERIS_BYTES."""
    name = (file.filename or "upload").replace("\n", " ")[:200]
    raw = _read_limited(file, name, request.app.state.settings.max_ephemeris_bytes)
    return name, _sniff(raw, name)


def parse_for(conn, p, norad_id: int, name: str, text_: str, kind: str) -> dict:
    """Check the caller operates ``norad_id`` (else 404) and that the message describes it."""
    own = conn.execute(select(fleet_objects.c.id).where(and_(fleet_objects.c.agency_id == p.agency_id,
                                                             fleet_objects.c.norad_id == norad_id))).first()
    if own is None:
        raise not_found("fleet object", norad_id)
    info = ssa.parse_ephemeris(text_, name, kind)
    ssa.check_identity(conn, norad_id, info, name)
    return info


@router.post("/fleet/{norad_id}/ephemerides", status_code=201)
def upload_ephemeris(request: Request, norad_id: int = Norad,
                     file: UploadFile = File(..., description="CCSDS OEM (KVN or XML), or an OPM with manoeuvres; "
                                                              "optionally gzipped"),
                     kind: Literal["operational", "maneuver"] = Form("operational",
                                                                     description="maneuver: a planned manoeuvre"),
                     ctx: Context = Depends(context)):
    """Upload an ephemeris of one of the caller's fleet objects (analyst role or higher).

    The message must name the object (``OBJECT_ID``: its catalog number or international
    designator). A bad file is a 422 naming the file, line and keyword; nothing is stored.
    """
    p = ctx.principal

    def work(conn):
        p.require("analyst", "uploading ephemerides")
        name, text_ = read_upload(request, file)
        info = parse_for(conn, p, norad_id, name, text_, kind)
        eid = ssa.store_ephemeris(conn, p.agency_id, norad_id, info, text_, name, p.actor)
        return ssa.ephemeris_to_dict(conn.execute(_select().where(ephemerides.c.id == eid)).one())

    return audited(get_db(request), ctx, "ephemeris.upload", f"object:{norad_id}", work,
                   detail=lambda e: {"ephemeris": e["id"], "format": e["format"]})


def _list(request: Request, ctx: Context, norad_id: Optional[int], kind: Optional[str], limit: int, obj: str):
    aid = ctx.principal.agency_id

    def work(conn):
        stmt = _select().where(ssa.ephemerides_visible(aid))
        if norad_id is not None:
            stmt = stmt.where(ephemerides.c.norad_id == norad_id)
        if kind:
            stmt = stmt.where(ephemerides.c.kind == kind)
        return [ssa.ephemeris_to_dict(r) for r in conn.execute(stmt.order_by(ephemerides.c.id.desc())
                                                               .limit(limit)).all()]

    return {"ephemerides": audited(get_db(request), ctx, "ephemeris.list", obj, work,
                                   detail=lambda e: {"n": len(e)})}


@router.get("/fleet/{norad_id}/ephemerides")
def list_object_ephemerides(request: Request, norad_id: int = Norad,
                            kind: Optional[Literal["operational", "maneuver"]] = None,
                            limit: int = Query(100, ge=1, le=1000), ctx: Context = Depends(context)):
    """Ephemerides of one object that the caller may see (its own, and those shared with it), newest first."""
    return _list(request, ctx, norad_id, kind, limit, f"object:{norad_id}")


@router.get("/ephemerides")
def list_ephemerides(request: Request, norad_id: Optional[int] = Query(None, ge=1, le=999_999_999),
                     kind: Optional[Literal["operational", "maneuver"]] = None,
                     limit: int = Query(100, ge=1, le=1000), ctx: Context = Depends(context)):
    """Every ephemeris the caller may see, newest first."""
    return _list(request, ctx, norad_id, kind, limit, "ephemerides")


def _one(request: Request, ctx: Context, eph_id: int, norad_id: Optional[int], fmt: Optional[str]):
    aid = ctx.principal.agency_id

    def work(conn):
        cond = and_(ephemerides.c.id == eph_id, ssa.ephemerides_visible(aid))
        if norad_id is not None:
            cond = and_(cond, ephemerides.c.norad_id == norad_id)
        r = conn.execute(_select().where(cond)).first()
        if r is None:
            raise not_found("ephemeris", eph_id)
        if fmt is None:
            return ssa.ephemeris_to_dict(r)
        return _convert(r, fmt)

    out = audited(get_db(request), ctx, "ephemeris.download" if fmt else "ephemeris.read", f"ephemeris:{eph_id}",
                  work)
    if fmt is None:
        return out
    media = "application/xml" if fmt.endswith("xml") else "text/plain"
    ext = "xml" if fmt.endswith("xml") else fmt.split("-")[0]
    return PlainTextResponse(out, media_type=media, headers={
        "Content-Disposition": f'attachment; filename="ephemeris-{eph_id}.{ext}"'})


def _convert(r, fmt: str) -> str:
    if fmt == r.format:
        return r.content
    if fmt.split("-")[0] != r.format.split("-")[0]:
        raise InvalidRequestError("format", f"ephemeris {int(r.id)} is an {r.format.split('-')[0].upper()}; "
                                            f"choose {r.format.split('-')[0]}-kvn or {r.format.split('-')[0]}-xml",
                                  fmt)
    from ...odm import dumps, parse_oem, parse_opm

    msg = (parse_oem if r.format.startswith("oem") else parse_opm)(r.content, f"ephemeris:{int(r.id)}")
    return dumps(msg, fmt.split("-")[1])


@router.get("/fleet/{norad_id}/ephemerides/{eph_id}")
def get_object_ephemeris(request: Request, norad_id: int = Norad, eph_id: int = EphId,
                         format: Optional[Download] = Query(None, description="download the message "
                                                                                       "in this form"),
                         ctx: Context = Depends(context)):
    """One ephemeris (JSON), or with ``format`` the message itself (OEM/OPM, KVN or XML)."""
    return _one(request, ctx, eph_id, norad_id, format)


@router.get("/ephemerides/{eph_id}")
def get_ephemeris(request: Request, eph_id: int = EphId,
                  format: Optional[Download] = Query(None, description="download the message in this form"),
                  ctx: Context = Depends(context)):
    """One ephemeris (JSON), or with ``format`` the message itself."""
    return _one(request, ctx, eph_id, None, format)


__all__ = ["router", "read_upload", "parse_for", "EPHEMERIS_KINDS", "Download"]
