"""Event tracks (the history of each encounter), their CDMs, CDM uploads and coordination.

A track is visible to the agencies operating either object, to those whose jobs or CDM
uploads contributed to it, and to partners any of them shares ``events`` with; anything else
is a 404 like a missing id. Coordination records are seen by the two operating agencies only.
Every request audited in the transaction of its work; changes notify (service/notify.py).
"""

from __future__ import annotations

from typing import List, Literal, Optional

import numpy as np
from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field
from sqlalchemy import and_, or_, select

from ...errors import DataError, InvalidRequestError
from ...store import schema
from ...store.service_schema import agencies, events, jobs
from ...store.ssa_schema import INTENTS, coordination_messages, ssa_update_records
from ...timeutil import as_datetime64
from .. import jobs as q
from .. import ssa
from ..auth import Context
from ..deps import audited, context, get_db
from ..errors import not_found
from ..visibility import events_visible
from .ephemerides import parse_for, read_upload

router = APIRouter(prefix="/v1", tags=["tracks", "coordination"])
TrackId = Path(..., ge=1, le=2**62, description="event track id")
UpdateId = Path(..., ge=1, le=2**62, description="update id")
t_tracks, t_updates = schema.event_tracks, schema.event_updates


def _track(r) -> dict:
    return {"id": int(r.id), "norad_lo": int(r.norad_lo), "norad_hi": int(r.norad_hi), "status": r.status,
            "n_updates": int(r.n_updates), "tca": ssa.iso(r.tca_ns), "miss_km": float(r.miss_km),
            "pc": r.pc, "pc_max": r.pc_max, "updated_at": ssa.iso(r.updated_at_ns)}


def _update(r) -> dict:
    return {"id": int(r.id), "run_id": int(r.run_id), "computed_at": ssa.iso(r.computed_at_ns), "source": r.source,
            "source_ref": r.source_ref, "norad_1": int(r.norad_1), "norad_2": int(r.norad_2),
            "tca": ssa.iso(r.tca_ns), "miss_km": float(r.miss_km), "radial_km": r.radial_km,
            "in_track_km": r.in_track_km, "cross_track_km": r.cross_track_km, "rel_speed_km_s": r.rel_speed_km_s,
            "pc": r.pc, "pc_max": r.pc_max, "pc_method": r.pc_method, "covariance_source": r.covariance_source,
            "source_pc": r.source_pc, "agency": r.agency, "job_id": r.job_id, "event_id": r.event_id,
            "has_cdm": bool(r.has_cdm)}


def _encounter_plane(kvn: str, name: str) -> dict | None:
    """The library's encounter-plane summary of a stored CDM (None if it cannot be made)."""
    from ...conjunction.cdm import parse_cdm
    from ...conjunction.pc import encounter_plane_of_cdm
    from ...errors import OrbitwatchError

    try:
        return encounter_plane_of_cdm(parse_cdm(kvn, name))
    except (OrbitwatchError, ValueError, ArithmeticError, np.linalg.LinAlgError):
        return None


def _visible_track(conn, aid: int, track_id: int):
    r = conn.execute(select(t_tracks).where(and_(t_tracks.c.id == track_id, ssa.tracks_visible(aid)))).first()
    if r is None:
        raise not_found("event track", track_id)
    return r


def _ns(field: str, v: Optional[str]) -> Optional[int]:
    if v is None:
        return None
    try:
        return int(as_datetime64(v).astype("datetime64[ns]").astype(np.int64))
    except (ValueError, TypeError, OverflowError):
        raise InvalidRequestError(field, "not an ISO time (e.g. 2023-10-09T12:00Z)", v) from None


@router.get("/tracks")
def list_tracks(request: Request, norad_id: Optional[int] = Query(None, ge=-2**31, le=999_999_999),
                min_pc: Optional[float] = Query(None, ge=0, le=1), max_miss_km: Optional[float] = Query(None, gt=0),
                tca_from: Optional[str] = Query(None, max_length=40),
                tca_to: Optional[str] = Query(None, max_length=40),
                status: Optional[Literal["new", "updated", "below threshold", "past"]] = None,
                sort: Literal["tca", "pc", "miss", "updated"] = "tca",
                limit: int = Query(100, ge=1, le=10000), offset: int = Query(0, ge=0, le=10_000_000),
                ctx: Context = Depends(context)):
    """Event tracks the caller may see, filtered (catalog number, minimum Pc, maximum miss, TCA range,
    status) and sorted (tca, pc highest first, miss, updated latest first)."""
    aid = ctx.principal.agency_id
    t = t_tracks

    def work(conn):
        stmt = select(t).where(ssa.tracks_visible(aid))
        if norad_id is not None:
            stmt = stmt.where(or_(t.c.norad_lo == norad_id, t.c.norad_hi == norad_id))
        if min_pc is not None:
            stmt = stmt.where(t.c.pc >= min_pc)
        if max_miss_km is not None:
            stmt = stmt.where(t.c.miss_km <= max_miss_km)
        a, b = _ns("tca_from", tca_from), _ns("tca_to", tca_to)
        if a is not None:
            stmt = stmt.where(t.c.tca_ns >= a)
        if b is not None:
            stmt = stmt.where(t.c.tca_ns <= b)
        if status:
            stmt = stmt.where(t.c.status == status)
        order = {"tca": [t.c.tca_ns, t.c.id], "pc": [t.c.pc.desc().nulls_last(), t.c.id],
                 "miss": [t.c.miss_km, t.c.id], "updated": [t.c.updated_at_ns.desc(), t.c.id]}[sort]
        return [_track(r) for r in conn.execute(stmt.order_by(*order).limit(limit).offset(offset)).all()]

    return {"tracks": audited(get_db(request), ctx, "track.list", "tracks", work, detail=lambda x: {"n": len(x)})}


def _updates_select():
    u, rec = t_updates, ssa_update_records
    return (select(u, rec.c.job_id, rec.c.event_id, agencies.c.name.label("agency"),
                   (rec.c.cdm_kvn != "").label("has_cdm"))
            .outerjoin(rec, rec.c.update_id == u.c.id).outerjoin(agencies, agencies.c.id == rec.c.agency_id))


@router.get("/tracks/{track_id}")
def get_track(request: Request, track_id: int = TrackId, ctx: Context = Depends(context)):
    """One track with every update (miss, Pc, RTN against the time of the update), oldest first,
    and whether a coordination is open on it."""
    aid = ctx.principal.agency_id

    def work(conn):
        r = _visible_track(conn, aid, track_id)
        ups = conn.execute(_updates_select().where(t_updates.c.track_id == track_id)
                           .order_by(t_updates.c.computed_at_ns, t_updates.c.id)).all()
        co = ssa.coordination_of(conn, track_id)
        mine = co is not None and aid in (int(co.agency_1_id), int(co.agency_2_id))
        out = [_update(x) for x in ups]
        cdm_ids = [u["id"] for u in out if u["source"] == "cdm" and u["has_cdm"]]
        if cdm_ids:  # the uploaded messages carry both covariances: the encounter plane the Pc used
            kvns = dict(conn.execute(select(ssa_update_records.c.update_id, ssa_update_records.c.cdm_kvn).where(
                ssa_update_records.c.update_id.in_(cdm_ids))).all())
            for u in out:
                if kvns.get(u["id"]):
                    u["encounter_plane"] = _encounter_plane(kvns[u["id"]], f"update {u['id']}")
        return {**_track(r), "updates": out, "coordination": bool(mine)}

    return audited(get_db(request), ctx, "track.read", f"track:{track_id}", work)


def _cdm_response(kvn: str, fmt: str, name: str):
    if fmt == "xml":
        from ...conjunction.cdm import parse_cdm, write_cdm

        body, media = write_cdm(parse_cdm(kvn, name), "xml"), "application/xml"
    else:
        body, media = kvn, "text/plain"
    return PlainTextResponse(body, media_type=media,
                             headers={"Content-Disposition": f'attachment; filename="{name}.{fmt}"'})


@router.get("/tracks/{track_id}/updates/{update_id}/cdm")
def update_cdm(request: Request, track_id: int = TrackId, update_id: int = UpdateId,
               format: Literal["kvn", "xml"] = "kvn", ctx: Context = Depends(context)):
    """The CCSDS CDM of one update: built from the screening (states at TCA, the default TLE
    covariances, the update's Pc), or the uploaded message itself."""
    aid = ctx.principal.agency_id

    def work(conn):
        _visible_track(conn, aid, track_id)
        kvn = conn.execute(select(ssa_update_records.c.cdm_kvn).where(and_(
            ssa_update_records.c.update_id == update_id, ssa_update_records.c.track_id == track_id))).scalar()
        if not kvn:
            raise not_found("CDM of update", update_id)
        return kvn

    kvn = audited(get_db(request), ctx, "track.cdm", f"track:{track_id}/update:{update_id}", work)
    return _cdm_response(kvn, format, f"track-{track_id}-update-{update_id}")


@router.get("/events/{event_id}/cdm")
def event_cdm(request: Request, event_id: int = Path(..., ge=1, le=2**62), format: Literal["kvn", "xml"] = "kvn",
              ctx: Context = Depends(context)):
    """The CCSDS CDM of one event of a screening job (404 when the event is not visible)."""
    aid = ctx.principal.agency_id

    def work(conn):
        if conn.execute(select(events.c.id).where(and_(events.c.id == event_id, events_visible(aid)))).first() is None:
            raise not_found("event", event_id)
        kvn = conn.execute(select(ssa_update_records.c.cdm_kvn)
                           .where(ssa_update_records.c.event_id == event_id)).scalar()
        if not kvn:
            raise not_found("CDM of event", event_id)
        return kvn

    kvn = audited(get_db(request), ctx, "event.cdm", f"event:{event_id}", work)
    return _cdm_response(kvn, format, f"event-{event_id}")


@router.post("/cdms", status_code=201)
def upload_cdms(request: Request, files: List[UploadFile] = File(..., description="CCSDS CDMs (KVN or XML)"),
                ctx: Context = Depends(context)):
    """Ingest CCSDS CDMs into event tracks (analyst role or higher): each message one update of the
    track of its encounter, with orbitwatch's Pc beside the message's own. All or nothing: one bad
    file is a 422 naming it (line, keyword, reason) and nothing is stored."""
    from ...conjunction.cdm import parse_cdm, write_cdm
    from ...conjunction.ingest import COVARIANCE_SOURCE_CDM, _columns, _designator, _row, cdm_source_ref
    from ...conjunction.pc import assess_cdm

    p = ctx.principal
    settings = request.app.state.settings
    if len(files) > 100:
        raise InvalidRequestError("files", "at most 100 CDMs per upload", len(files))

    def work(conn):
        p.require("analyst", "uploading CDMs")
        parsed = []
        for f in files:
            name, text_ = read_upload(request, f)
            cdm = parse_cdm(text_, name)
            _designator(cdm, 0), _designator(cdm, 1)
            try:
                a = assess_cdm(cdm)
            except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
                raise DataError(name, None, "file", f"the CDM cannot be assessed: {exc}") from None
            parsed.append((name, text_, cdm, a))
        parsed.sort(key=lambda g: np.datetime64(g[2].creation_date, "ns"))
        out = []
        seen: set[str] = set()
        for name, text_, cdm, a in parsed:
            ref = cdm_source_ref(cdm)
            lo, hi = sorted((_designator(cdm, 0), _designator(cdm, 1)))
            known = (select(t_updates.c.id).join(t_tracks, t_tracks.c.id == t_updates.c.track_id)
                     .where(and_(t_tracks.c.norad_lo == lo, t_tracks.c.norad_hi == hi, t_updates.c.source == "cdm",
                                 t_updates.c.source_ref == ref)).limit(1))
            dup = ref in seen or conn.execute(known).first() is not None
            seen.add(ref)
            if dup:     # recorded before (same originator and MESSAGE_ID): not again
                out.append({"file": name, "source_ref": ref, "outcome": "duplicate"})
                continue
            ev = _columns([_row(cdm, a)])
            clock = np.datetime64(cdm.creation_date, "ns")
            kvn = text_ if not text_.lstrip().startswith("<") else write_cdm(cdm, "kvn")
            rec = ssa.record_updates(
                conn, agency_id=p.agency_id, events=ev, settings=settings, cdm_texts=[kvn],
                creation_ns=int(clock.astype(np.int64)),
                run_kw=dict(kind="cdm", computed_at=clock, as_of=clock, label=name, source_ref=[cdm_source_ref(cdm)],
                            source_pc=ev.source_pc, pc_method=str(ev.pc_method[0]),
                            covariance_source=COVARIANCE_SOURCE_CDM))
            tid = (rec["tracks_new"] or rec["tracks_updated"] or [None])[0]
            if tid is None:
                tid = int(conn.execute(select(ssa_update_records.c.track_id).where(
                    ssa_update_records.c.update_id == rec["update_ids"][0])).scalar_one())
            out.append({"file": name, "source_ref": ref, "outcome": "new" if rec["tracks_new"] else "updated",
                        "track_id": tid,
                        "update_id": rec["update_ids"][0], "new": bool(rec["tracks_new"]),
                        "miss_km": float(ev.miss_km[0]), "pc": None if not np.isfinite(ev.pc[0]) else float(ev.pc[0]),
                        "source_pc": None if not np.isfinite(ev.source_pc[0]) else float(ev.source_pc[0])})
        return out

    got = audited(get_db(request), ctx, "cdm.upload", "cdms", work, detail=lambda x: {"n": len(x)})
    return {"ingested": got}


# ===================================================================================== coordination
class CoordinationIn(BaseModel):
    message: str = Field("", max_length=10000, description="free text to the other operator")
    intent: Optional[Literal["will-maneuver", "will-hold", "no-action-needed"]] = Field(
        None, description="the caller's declared intent")


def _coordination(conn, aid: int, track_id: int):
    _visible_track(conn, aid, track_id)
    co = ssa.coordination_of(conn, track_id)
    if co is None or aid not in (int(co.agency_1_id), int(co.agency_2_id)):
        raise not_found("coordination of track", track_id)
    return co


def _coordination_dict(conn, co) -> dict:
    names = dict(conn.execute(select(agencies.c.id, agencies.c.name).where(
        agencies.c.id.in_([int(co.agency_1_id), int(co.agency_2_id)]))).all())
    cm = coordination_messages
    rows = conn.execute(select(cm).where(cm.c.coordination_id == co.id).order_by(cm.c.id)).all()
    job_ids = [int(r.job_id) for r in rows if r.job_id is not None]
    jobs_by_id = {int(j.id): q.job_to_dict(j) for j in conn.execute(
        select(jobs, agencies.c.name.label("agency")).join(agencies, agencies.c.id == jobs.c.agency_id)
        .where(jobs.c.id.in_(job_ids))).all()} if job_ids else {}
    intents: dict[str, str] = {}
    msgs = []
    for r in rows:
        if r.kind == "intent":
            intents[names[int(r.agency_id)]] = r.intent
        j = jobs_by_id.get(int(r.job_id)) if r.job_id is not None else None
        msgs.append({"id": int(r.id), "agency": names.get(int(r.agency_id)), "author": r.author, "kind": r.kind,
                     "intent": r.intent, "message": r.body, "ephemeris_id": r.ephemeris_id, "job_id": r.job_id,
                     "job": None if j is None else {"status": j["status"], "result": j["result"]},
                     "at": ssa.iso(r.created_at_ns)})
    return {"id": int(co.id), "track_id": int(co.track_id),
            "agencies": [names[int(co.agency_1_id)], names[int(co.agency_2_id)]],
            "intents": intents, "messages": msgs, "created_at": ssa.iso(co.created_at_ns)}


@router.get("/tracks/{track_id}/coordination")
def get_coordination(request: Request, track_id: int = TrackId, ctx: Context = Depends(context)):
    """The coordination of a track between the two operating agencies: messages, each side's
    latest intent, manoeuvre ephemerides and their screenings (404 for anyone else)."""
    aid = ctx.principal.agency_id

    def work(conn):
        return _coordination_dict(conn, _coordination(conn, aid, track_id))

    return audited(get_db(request), ctx, "coordination.read", f"track:{track_id}", work)


@router.post("/tracks/{track_id}/coordination", status_code=201)
def post_coordination(body: CoordinationIn, request: Request, track_id: int = TrackId,
                      ctx: Context = Depends(context)):
    """Send a message and/or declare the caller's intent (coordinator role or higher); the other
    side is notified (coordination.message / coordination.intent)."""
    p = ctx.principal

    def work(conn):
        co = _coordination(conn, p.agency_id, track_id)
        p.require("coordinator", "coordinating")
        if not body.message.strip() and body.intent is None:
            raise InvalidRequestError("message", "give a message, an intent or both", body.message)
        if body.intent is not None:
            ssa.add_message(conn, co, p.agency_id, p.actor, "intent", body=body.message, intent=body.intent)
        else:
            ssa.add_message(conn, co, p.agency_id, p.actor, "message", body=body.message)
        return _coordination_dict(conn, co)

    return audited(get_db(request), ctx, "coordination.post", f"track:{track_id}", work,
                   detail={"intent": body.intent})


@router.post("/tracks/{track_id}/coordination/maneuver", status_code=201)
def post_maneuver(request: Request, track_id: int = TrackId,
                  file: UploadFile = File(..., description="CCSDS OEM of the manoeuvre, for the caller's object"),
                  threshold_km: float = Form(5.0, gt=0, le=200), hours: float = Form(6.0, gt=0, le=168),
                  message: str = Form("", max_length=10000), ctx: Context = Depends(context)):
    """Upload a manoeuvre ephemeris of the caller's object of the track (coordinator role or higher):
    it is stored (kind maneuver), a screening job of it is queued at once (the span: the
    ephemeris' around TCA +- ``hours``/2), and the message linking both is posted; the other side
    is notified. The job's result appears on the coordination when it is done."""
    p = ctx.principal
    s = request.app.state.settings

    def work(conn):
        co = _coordination(conn, p.agency_id, track_id)
        p.require("coordinator", "coordinating")
        tr = conn.execute(select(t_tracks).where(t_tracks.c.id == track_id)).one()
        ops = ssa.operators(conn, [tr.norad_lo, tr.norad_hi])
        mine = [n for n in (int(tr.norad_lo), int(tr.norad_hi)) if p.agency_id in ops[n]]
        name, text_ = read_upload(request, file)
        info = parse_for(conn, p, mine[0], name, text_, "maneuver")
        if not info["format"].startswith("oem"):
            raise InvalidRequestError("file", "a manoeuvre screening needs an OEM (an ephemeris), not an OPM",
                                      name)
        half = int(hours * 3600e9 / 2)
        a, b = max(info["start_ns"], int(tr.tca_ns) - half), min(info["stop_ns"], int(tr.tca_ns) + half)
        if b - a < 60e9:
            raise InvalidRequestError("file", f"{name}: the ephemeris does not cover the track's TCA "
                                              f"{ssa.iso(tr.tca_ns)}", name)
        eid = ssa.store_ephemeris(conn, p.agency_id, mine[0], info, text_, name, p.actor, coordination_id=int(co.id))
        req = q.ScreeningJobRequest.validate(start=ssa.iso(a).rstrip("Z"), stop=ssa.iso(b).rstrip("Z"),
                                             threshold_km=threshold_km, max_hours=s.screening_max_hours)
        mid = ssa.add_message(conn, co, p.agency_id, p.actor, "maneuver", body=message, ephemeris_id=eid)
        jid = q.submit(conn, p.agency_id, "screening", {**req.to_params(), "ephemeris_ids": [eid],
                                                        "coordination_message_id": mid}, p.actor)
        conn.execute(coordination_messages.update().where(coordination_messages.c.id == mid).values(job_id=jid))
        return {"ephemeris_id": eid, "job_id": jid, "message_id": mid}

    return audited(get_db(request), ctx, "coordination.maneuver", f"track:{track_id}", work,
                   detail=lambda x: x)


__all__ = ["router", "INTENTS"]
