"""Charter operations: activations, their lifecycle, tasking requests, agencies' fleet rows,
product collections, item registration and asset uploads.

Every request is audited in the transaction of its work; every status change is recorded in the
activation's history and notified to its actors in that same transaction. An activation (or a
tasking request) the caller takes no part in is a 404, exactly like a missing id.
"""

from __future__ import annotations

import json
from typing import Any, Literal, Optional

from fastapi import APIRouter, Body, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, or_, select, update

from ...errors import ConflictError, InvalidRequestError
from ...store.charter_schema import (FLEET_KINDS, charter_activations, charter_fleet, charter_tasking, stac_blobs,
                                     stac_collections, stac_items)
from .. import charter as ch
from .. import notify
from .. import products as pr
from ..auth import Context
from ..db import now_ns
from ..deps import audited, context, get_db
from ..errors import Forbidden, not_found

router = APIRouter(prefix="/v1/charter", tags=["charter"])
ActId = Path(..., ge=1, le=2**62, description="activation id")
TaskId = Path(..., ge=1, le=2**62, description="tasking request id")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ActivationIn(Strict):
    area: Optional[dict] = Field(None, description="GeoJSON area; omitted with sample=true: the shipped sample flood")
    sample: bool = Field(False, description="use the shipped sample activation area")
    hazard: Optional[str] = Field(None, max_length=40, description="default: the area's 'hazard' property")
    name: Optional[str] = Field(None, max_length=200)
    start: Optional[str] = Field(None, max_length=40, description="ISO UTC; default: the area's, else now")
    hours: Optional[float] = Field(None, gt=0, le=336)
    on_call_agency: str = Field(..., max_length=100, description="the agency on duty (the on-call officer)")
    coverage: float = Field(0.99, gt=0, le=1)
    agencies: Optional[list[str]] = Field(None, max_length=50, description="plan with these agencies' satellites "
                                                                            "(default: the service's members)")
    types: Optional[list[Literal["SAR", "optical"]]] = None
    max_resolution_m: Optional[float] = Field(None, gt=0, le=1e6, description="overrides the hazard profile")
    profile: bool = Field(True, description="apply the hazard's profile (docs/disaster-response.md)")


class AcceptIn(Strict):
    project_manager_agency: str = Field(..., max_length=100)


class ReasonIn(Strict):
    reason: str = Field(..., min_length=1, max_length=2000)


class NoteIn(Strict):
    note: str = Field("", max_length=2000)


class AssetRef(BaseModel):
    href: str = Field(..., max_length=2000)
    type: Optional[str] = Field(None, max_length=200)
    title: Optional[str] = Field(None, max_length=500)
    roles: Optional[list[str]] = None


class TaskingAnswer(Strict):
    status: Literal["accepted", "scheduled", "acquired", "failed", "declined"]
    reason: str = Field("", max_length=2000, description="why it failed or was declined (cloud cover, "
                                                         "conflicting order, ...)")
    collection: Optional[str] = Field(None, max_length=128, description="acquired: the caller's collection for "
                                                                         "the item (default <AGENCY>-charter)")
    item_id: Optional[str] = Field(None, max_length=128)
    cloud_cover: Optional[float] = Field(None, ge=0, le=100)
    polarizations: Optional[list[Literal["HH", "VV", "HV", "VH"]]] = None
    frequency_band: Optional[Literal["P", "L", "S", "C", "X", "Ku", "K", "Ka"]] = None
    product_type: Optional[str] = Field(None, max_length=40)
    processing_level: Optional[str] = Field(None, max_length=40)
    absolute_orbit: Optional[int] = Field(None, ge=0)
    assets: Optional[dict[str, AssetRef]] = None


class CollectionIn(Strict):
    id: str = Field(..., max_length=128)
    title: str = Field("", max_length=500)
    description: str = Field(..., min_length=1, max_length=5000)
    license: str = Field("proprietary", max_length=100)


def _act_row(conn, aid: int, act_id: int):
    r = conn.execute(select(charter_activations).where(and_(charter_activations.c.id == act_id,
                                                            ch.activation_visible(aid)))).first()
    if r is None:
        raise not_found("activation", act_id)
    return r


def _require_role(conn, act_id: int, aid: int, what: str, *roles: str) -> None:
    if not ch.has_role(conn, act_id, aid, *roles):
        raise Forbidden(" or ".join(roles), "not that actor of this activation", what)


# ===================================================================================== profiles, fleet
@router.get("/profiles")
def hazard_profiles(request: Request, ctx: Context = Depends(context)):
    """The hazard profiles applied by default when planning (resolution per sensor type, hours of penalty)."""
    from ...response.profiles import PROFILES

    return audited(get_db(request), ctx, "charter.profiles", "profiles",
                   lambda conn: {"profiles": [p.to_dict() for p in PROFILES.values()]})


@router.put("/fleet/{kind}")
def put_fleet(request: Request, kind: Literal["satellites", "sensors"],
              csv: str = Body(..., media_type="text/csv", max_length=2_000_000), ctx: Context = Depends(context)):
    """Replace the caller's agency's own satellites or sensors (CSV with the columns of the shipped
    files; the same validation: a bad row names its line and field and nothing is stored)."""
    from ...response.fleet import parse_satellites, parse_sensors

    p = ctx.principal

    def work(conn):
        p.require("analyst", "changing the agency's fleet")
        rows = (parse_satellites if kind == "satellites" else parse_sensors)(csv, f"{kind}.csv")
        if kind == "satellites":
            bad = next((s for s in rows if s.agency.upper() != p.agency.upper()), None)
            if bad is not None:
                raise InvalidRequestError("agency", f"{bad.name}: an agency maintains its own satellites only "
                                                    f"(agency column {p.agency})", bad.agency)
        else:  # sensors of the agency's own platforms only (shipped or its own satellite rows)
            own = {s.platform for s in ch.agency_fleet(conn).satellites if s.agency.upper() == p.agency.upper()}
            mine = conn.execute(select(charter_fleet.c.csv).where(and_(charter_fleet.c.agency_id == p.agency_id,
                                                                       charter_fleet.c.kind == "satellites"))).first()
            if mine is not None:
                own |= {s.platform for s in parse_satellites(mine.csv, "satellites.csv")}
            bad = next((s for s in rows if s.platform not in own), None)
            if bad is not None:
                raise InvalidRequestError("platform", f"{bad.platform}: not a platform of {p.agency}'s satellites "
                                                      "(add the satellite first)", bad.platform)
        cur = conn.execute(select(charter_fleet.c.id).where(and_(charter_fleet.c.agency_id == p.agency_id,
                                                                 charter_fleet.c.kind == kind))).first()
        values = dict(csv=csv, rows=len(rows), updated_at_ns=now_ns())
        if cur is None:
            from sqlalchemy import insert

            conn.execute(insert(charter_fleet).values(agency_id=p.agency_id, kind=kind, **values))
        else:
            conn.execute(update(charter_fleet).where(charter_fleet.c.id == cur.id).values(**values))
        return {"kind": kind, "rows": len(rows)}

    return audited(get_db(request), ctx, "charter.fleet.put", f"fleet:{kind}", work, detail=lambda r: r)


@router.get("/fleet")
def get_fleet(request: Request, ctx: Context = Depends(context)):
    """The caller's agency's own fleet rows (CSV text per kind)."""
    aid = ctx.principal.agency_id

    def work(conn):
        rows = conn.execute(select(charter_fleet).where(charter_fleet.c.agency_id == aid)).all()
        return {k: next(({"csv": r.csv, "rows": r.rows} for r in rows if r.kind == k), None) for k in FLEET_KINDS}

    return audited(get_db(request), ctx, "charter.fleet.read", "fleet", work)


# ===================================================================================== activations
@router.post("/activations", status_code=201)
def request_activation(body: ActivationIn, request: Request, ctx: Context = Depends(context)):
    """Request an activation (an authorized user; analyst role or higher). The area and the planning
    options are checked now, with the library's rules; the on-call agency is notified."""
    from ...response import ResponseRequest

    p = ctx.principal

    def work(conn):
        p.require("analyst", "requesting activations")
        if body.area is None and not body.sample:
            raise InvalidRequestError("area", "give a GeoJSON area, or sample=true")
        if body.area is not None and body.sample:
            raise InvalidRequestError("area", "give an area or sample=true, not both")
        area = body.area
        if area is None:
            from ...response import sample_activation_path

            area = json.loads(sample_activation_path().read_text())
        req = ResponseRequest.resolve(area, hazard=body.hazard, start=body.start, hours=body.hours, name=body.name,
                                      coverage=body.coverage, types=body.types, profile=body.profile)
        on_call = ch.agency_id_of(conn, body.on_call_agency, "on_call_agency")
        fleet = ch.agency_fleet(conn)  # the planning options must leave some sensor to plan with
        ResponseRequest._select(fleet, None if body.agencies is None else tuple(fleet.canonical_agencies(
            body.agencies)), body.types and tuple(body.types), body.max_resolution_m)
        opts = {"coverage": body.coverage, "agencies": body.agencies, "types": body.types,
                "max_resolution_m": body.max_resolution_m, "profile": body.profile}
        t = now_ns()
        act_id = conn.execute(charter_activations.insert().values(
            name=req.name, hazard=req.hazard, status="requested", geojson=json.dumps(area),
            start_ns=int(req.start.astype("datetime64[ns]").astype("int64")), hours=float(req.hours),
            options=json.dumps(opts), created_by=p.actor, created_at_ns=t, updated_at_ns=t)
            .returning(charter_activations.c.id)).scalar_one()
        ch.add_actor(conn, act_id, p.agency_id, "authorized_user")
        ch.add_actor(conn, act_id, on_call, "on_call_officer")
        ch.record_change(conn, act_id, None, "requested", p.actor, p.agency_id, {"hazard": req.hazard})
        return ch.activation_dict(conn, _act_row(conn, p.agency_id, act_id))

    return audited(get_db(request), ctx, "charter.request", "activation", work,
                   detail=lambda a: {"activation": a["id"], "hazard": a["hazard"]})


@router.get("/activations")
def list_activations(request: Request, status: Optional[str] = Query(None, max_length=20),
                     limit: int = Query(100, ge=1, le=1000), ctx: Context = Depends(context)):
    """Activations the caller's agency takes part in, newest first."""
    aid = ctx.principal.agency_id

    def work(conn):
        stmt = select(charter_activations).where(ch.activation_visible(aid))
        if status:
            stmt = stmt.where(charter_activations.c.status == status)
        rows = conn.execute(stmt.order_by(charter_activations.c.id.desc()).limit(limit)).all()
        return [ch.activation_dict(conn, r, full=False) for r in rows]

    return {"activations": audited(get_db(request), ctx, "charter.list", "activations", work,
                                   detail=lambda a: {"n": len(a)})}


@router.get("/activations/{act_id}")
def get_activation(request: Request, act_id: int = ActId, ctx: Context = Depends(context)):
    """One activation: area, actors, status history, current plan."""
    aid = ctx.principal.agency_id
    return audited(get_db(request), ctx, "charter.read", f"activation:{act_id}",
                   lambda conn: ch.activation_dict(conn, _act_row(conn, aid, act_id)))


@router.post("/activations/{act_id}/accept")
def accept_activation(body: AcceptIn, request: Request, act_id: int = ActId, ctx: Context = Depends(context)):
    """The on-call officer validates the request, names the project manager's agency and launches
    planning (a ``charter_plan`` job; coordinator role or higher)."""
    p = ctx.principal

    def work(conn):
        _act_row(conn, p.agency_id, act_id)
        _require_role(conn, act_id, p.agency_id, "accepting", "on_call_officer")
        p.require("coordinator", "accepting activations")
        pm = ch.agency_id_of(conn, body.project_manager_agency, "project_manager_agency")
        ch.add_actor(conn, act_id, pm, "project_manager")
        ch.transition(conn, act_id, "accepted", p.actor, p.agency_id, {"project_manager": body.project_manager_agency})
        jid = ch.queue_plan(conn, act_id, p.agency_id, p.actor, "accepted")
        return {**ch.activation_dict(conn, _act_row(conn, p.agency_id, act_id)), "job_id": jid}

    return audited(get_db(request), ctx, "charter.accept", f"activation:{act_id}", work,
                   detail=lambda a: {"job": a["job_id"]})


@router.post("/activations/{act_id}/reject")
def reject_activation(body: ReasonIn, request: Request, act_id: int = ActId, ctx: Context = Depends(context)):
    """The on-call officer refuses the request, with the reason (coordinator role or higher)."""
    p = ctx.principal

    def work(conn):
        _act_row(conn, p.agency_id, act_id)
        _require_role(conn, act_id, p.agency_id, "rejecting", "on_call_officer")
        p.require("coordinator", "rejecting activations")
        ch.transition(conn, act_id, "rejected", p.actor, p.agency_id, {"reason": body.reason}, reason=body.reason)
        return ch.activation_dict(conn, _act_row(conn, p.agency_id, act_id))

    return audited(get_db(request), ctx, "charter.reject", f"activation:{act_id}", work)


@router.post("/activations/{act_id}/replan", status_code=202)
def replan_activation(body: NoteIn, request: Request, act_id: int = ActId, ctx: Context = Depends(context)):
    """Plan again from what is still possible (e.g. fresher element sets arrived): on-call officer
    or project manager, analyst role or higher."""
    p = ctx.principal

    def work(conn):
        r = _act_row(conn, p.agency_id, act_id)
        _require_role(conn, act_id, p.agency_id, "re-planning", "on_call_officer", "project_manager")
        p.require("analyst", "re-planning")
        if r.status not in ("planned", "tasked", "acquired"):
            raise ConflictError(f"activation {act_id}", f"is {r.status}; only a planned activation is re-planned")
        return {"job_id": ch.queue_plan(conn, act_id, p.agency_id, p.actor, body.note or "requested")}

    return audited(get_db(request), ctx, "charter.replan", f"activation:{act_id}", work, detail=lambda r: r)


def _simple_transition(to: str, action: str, roles: tuple[str, ...]):
    def endpoint(body: NoteIn, request: Request, act_id: int = ActId, ctx: Context = Depends(context)):
        p = ctx.principal

        def work(conn):
            _act_row(conn, p.agency_id, act_id)
            _require_role(conn, act_id, p.agency_id, action, *roles)
            p.require("analyst", action)
            ch.transition(conn, act_id, to, p.actor, p.agency_id, {"note": body.note} if body.note else None)
            return ch.activation_dict(conn, _act_row(conn, p.agency_id, act_id))

        return audited(get_db(request), ctx, f"charter.{to}", f"activation:{act_id}", work)

    endpoint.__name__ = f"{to}_activation"
    endpoint.__doc__ = f"Mark the activation {to} ({' or '.join(roles)}; analyst role or higher)."
    return endpoint


router.post("/activations/{act_id}/deliver", name="deliver_activation")(
    _simple_transition("delivered", "delivering", ("project_manager", "on_call_officer")))
router.post("/activations/{act_id}/close", name="close_activation")(
    _simple_transition("closed", "closing", ("project_manager", "on_call_officer")))


# ===================================================================================== tasking
def _tasking_visible(aid: int):
    """A request is visible to the agency asked, and to the activation's on-call officer, project
    manager and authorized user."""
    return or_(charter_tasking.c.agency_id == aid, charter_tasking.c.activation_id.in_(
        ch.my_activations(aid, ("on_call_officer", "project_manager", "authorized_user"))))


@router.get("/tasking")
def list_tasking(request: Request, activation_id: Optional[int] = Query(None, ge=1, le=2**62),
                 status: Optional[str] = Query(None, max_length=20), ctx: Context = Depends(context)):
    """Tasking requests the caller may see (its own agency's, or all of an activation it coordinates)."""
    aid = ctx.principal.agency_id

    def work(conn):
        stmt = select(charter_tasking).where(_tasking_visible(aid))
        if activation_id is not None:
            stmt = stmt.where(charter_tasking.c.activation_id == activation_id)
        if status:
            stmt = stmt.where(charter_tasking.c.status == status)
        return [ch.tasking_dict(r) for r in conn.execute(stmt.order_by(charter_tasking.c.id)).all()]

    return {"tasking": audited(get_db(request), ctx, "charter.tasking.list", "tasking", work,
                               detail=lambda t: {"n": len(t)})}


@router.post("/tasking/{task_id}")
def answer_tasking(body: TaskingAnswer, request: Request, task_id: int = TaskId, ctx: Context = Depends(context)):
    """The agency asked answers a tasking request: accepted, scheduled, acquired (registers a STAC
    item in its collection), failed or declined (with the reason; the plan is recomputed)."""
    p = ctx.principal

    def work(conn):
        r = conn.execute(select(charter_tasking).where(and_(charter_tasking.c.id == task_id,
                                                            _tasking_visible(p.agency_id)))).first()
        if r is None:
            raise not_found("tasking request", task_id)
        if r.agency_id != p.agency_id:
            raise Forbidden("the agency asked", f"agency {p.agency}", "answering this tasking request")
        p.require("analyst", "answering tasking requests")
        if body.status not in ch.TASKING_ANSWERS[r.status]:
            raise ConflictError(f"tasking request {task_id}", f"is {r.status}; it cannot become {body.status}")
        if body.status in ("failed", "declined") and not body.reason.strip():
            raise InvalidRequestError("reason", f"say why the request {body.status} (e.g. cloud cover, "
                                                "conflicting order)")
        values: dict[str, Any] = {"status": body.status, "reason": body.reason, "updated_at_ns": now_ns()}
        out: dict[str, Any] = {"tasking": task_id, "status": body.status}
        act = conn.execute(select(charter_activations).where(charter_activations.c.id == r.activation_id)).one()
        if body.status == "acquired":
            cid = pr.check_id("collection", body.collection or f"{p.agency}-charter")
            pr.ensure_collection(conn, cid, p.agency_id, description=f"Charter acquisitions of {p.agency}")
            item_id = pr.check_id("item_id", body.item_id or f"act{act.id}-task{task_id}")
            report = body.model_dump(exclude_none=True)
            report["assets"] = {k: a.model_dump(exclude_none=True) for k, a in (body.assets or {}).items()}
            item = pr.item_from_tasking(ch.tasking_dict(r), {"id": act.id, "hazard": act.hazard}, report, cid,
                                        item_id)
            pk = pr.store_item(conn, item, p.agency_id, int(act.id))
            values["item_pk"] = pk
            out["item"] = {"collection": cid, "id": item_id}
            notify.publish(conn, ch.actor_agencies(conn, int(act.id)), "product.registered",
                           f"activation:{act.id}", {"collection": cid, "item": item_id})
            if act.status == "tasked":
                ch.transition(conn, int(act.id), "acquired", p.actor, p.agency_id, {"tasking": task_id})
        conn.execute(update(charter_tasking).where(charter_tasking.c.id == task_id).values(**values))
        now_status = conn.execute(select(charter_activations.c.status).where(
            charter_activations.c.id == act.id)).scalar_one()
        ch.record_change(conn, int(act.id), now_status, now_status, p.actor, p.agency_id,
                         {"tasking": task_id, "tasking_status": body.status, "reason": body.reason},
                         kind="tasking.updated")
        if body.status in ("failed", "declined") and act.status in ("tasked", "acquired", "planned"):
            out["replan_job_id"] = ch.queue_plan(conn, int(act.id), p.agency_id, p.actor,
                                                 f"tasking {task_id} {body.status}: {body.reason}")
        return out

    return audited(get_db(request), ctx, "charter.tasking.answer", f"tasking:{task_id}", work, detail=lambda o: o)


# ===================================================================================== products
@router.post("/collections", status_code=201)
def create_collection(body: CollectionIn, request: Request, ctx: Context = Depends(context)):
    """A STAC collection owned by the caller's agency (analyst role or higher)."""
    p = ctx.principal

    def work(conn):
        p.require("analyst", "creating collections")
        cid = pr.check_id("id", body.id)
        if conn.execute(select(stac_collections.c.id).where(stac_collections.c.id == cid)).first():
            raise ConflictError(f"collection {cid}", "exists already")
        conn.execute(stac_collections.insert().values(id=cid, agency_id=p.agency_id, title=body.title or cid,
                                                      description=body.description, license=body.license,
                                                      created_at_ns=now_ns()))
        return {"id": cid}

    return audited(get_db(request), ctx, "charter.collection.create", f"collection:{body.id}", work)


@router.post("/collections/{collection_id}/items", status_code=201)
def register_item(request: Request, collection_id: str = Path(..., max_length=128),
                  item: dict = Body(..., description="a STAC Item (GeoJSON Feature)"),
                  ctx: Context = Depends(context)):
    """Register a product by posting its STAC Item JSON into one of the caller's collections. A
    ``charter:activation_id`` property links it to an activation the caller's agency takes part in."""
    p = ctx.principal

    def work(conn):
        p.require("analyst", "registering products")
        c = conn.execute(select(stac_collections).where(stac_collections.c.id == collection_id)).first()
        if c is None or int(c.agency_id) != p.agency_id:
            raise not_found("collection", collection_id)
        it = pr.item_from_json(item, collection_id)
        act_id = it.properties.get(pr.ACTIVATION_PROP)
        if act_id is not None:
            if not isinstance(act_id, int) or not ch.has_role(conn, act_id, p.agency_id, *ch.PRODUCT_ROLES):
                raise InvalidRequestError(f"properties.{pr.ACTIVATION_PROP}", "not an activation your agency "
                                                                             "takes part in", act_id)
            act = conn.execute(select(charter_activations.c.hazard).where(charter_activations.c.id == act_id)).one()
            it.properties.setdefault(pr.HAZARD_PROP, act.hazard)
        pk = pr.store_item(conn, it, p.agency_id, act_id)
        if act_id is not None:
            notify.publish(conn, ch.actor_agencies(conn, act_id), "product.registered", f"activation:{act_id}",
                           {"collection": collection_id, "item": it.id})
        return {"collection": collection_id, "id": it.id, "pk": pk}

    return audited(get_db(request), ctx, "charter.item.register", f"collection:{collection_id}", work,
                   detail=lambda r: {"item": r["id"]})


@router.post("/assets", status_code=201)
def upload_asset(request: Request, file: UploadFile = File(...), media_type: str = Form("", max_length=200),
                 ctx: Context = Depends(context)):
    """Upload an asset file: stored content-addressed under the service's data folder (SHA-256),
    size-limited (``max_upload_bytes``); use the returned ``href`` in an item's assets."""
    p = ctx.principal
    s = request.app.state.settings

    def work(conn):
        p.require("analyst", "uploading assets")
        info = pr.save_blob(conn, s.home / "assets", file.file, p.agency_id, media_type or file.content_type or "",
                            s.max_upload_bytes)
        return {**info, "href": str(request.url_for("get_asset", sha256=info["sha256"]))}

    return audited(get_db(request), ctx, "charter.asset.upload", "asset", work,
                   detail=lambda r: {"sha256": r["sha256"], "size_bytes": r["size_bytes"]})


@router.get("/assets/{sha256}", name="get_asset", response_class=FileResponse)
def get_asset(request: Request, sha256: str = Path(..., pattern="^[0-9a-f]{64}$"), ctx: Context = Depends(context)):
    """An uploaded asset: to its uploader's agency, and to whoever sees an item referring to it."""
    p = ctx.principal
    s = request.app.state.settings

    def work(conn):
        b = conn.execute(select(stac_blobs).where(stac_blobs.c.sha256 == sha256)).first()
        if b is None:
            raise not_found("asset", sha256)
        if int(b.agency_id) != p.agency_id:
            ref = conn.execute(select(stac_items.c.pk).where(and_(
                ch.items_visible(p.agency_id), stac_items.c.body.contains(sha256))).limit(1)).first()
            if ref is None:
                raise not_found("asset", sha256)
        return b

    b = audited(get_db(request), ctx, "charter.asset.read", f"asset:{sha256}", work)
    return FileResponse(s.home / "assets" / sha256[:2] / sha256, media_type=b.media_type or None)
