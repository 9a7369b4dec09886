"""Screening jobs and their events.

A job is visible to its agency and to agencies it shares ``events`` with; an event also to
every agency operating one of its two objects. All in the SQL; every request audited.
"""

from __future__ import annotations

from typing import Literal, Optional

import numpy as np
from fastapi import APIRouter, Depends, Path, Query, Request
from sqlalchemy import and_, or_, select

from ...store.service_schema import agencies, events, fleet_objects, jobs
from ...timeutil import format_iso
from .. import jobs as q
from ..auth import Context
from ..deps import audited, context, get_db
from ..errors import not_found
from ..schemas import Event, EventList, Job, JobList, ScreeningJobIn
from ..visibility import events_visible, jobs_visible

router = APIRouter(prefix="/v1", tags=["jobs", "events"])
JobId = Path(..., ge=1, le=2**62)
EventId = Path(..., ge=1, le=2**62)


def _jobs_select():
    return select(jobs, agencies.c.name.label("agency")).join(agencies, agencies.c.id == jobs.c.agency_id)


def _event(r) -> dict:
    return {"id": int(r.id), "job_id": int(r.job_id), "agency": r.agency, "norad_1": int(r.norad_1),
            "norad_2": int(r.norad_2), "name_1": r.name_1, "name_2": r.name_2,
            "tca": format_iso(np.datetime64(int(r.tca_ns), "ns"), 6) + "Z", "miss_km": r.miss_km,
            "radial_km": r.radial_km, "in_track_km": r.in_track_km, "cross_track_km": r.cross_track_km,
            "rel_speed_km_s": r.rel_speed_km_s, "volume_ratio": r.volume_ratio, "pc": r.pc}


def _events_select():
    return select(events, agencies.c.name.label("agency")).join(agencies, agencies.c.id == events.c.agency_id)


@router.post("/jobs/screening", status_code=202, response_model=Job)
def submit_screening(body: ScreeningJobIn, request: Request, ctx: Context = Depends(context)):
    """Queue a screening of the caller's fleet against the catalog (analyst role or higher).

    ``start`` (default now) and one of ``stop``/``hours``/``days`` (default 24 h);
    ``threshold_km`` the miss-distance threshold.
    """
    p = ctx.principal
    s = request.app.state.settings

    def work(conn):
        from ...errors import InvalidRequestError

        p.require("analyst", "submitting screening jobs")
        req = q.ScreeningJobRequest.validate(start=body.start, stop=body.stop, hours=body.hours, days=body.days,
                                             threshold_km=body.threshold_km, backend=body.backend,
                                             max_hours=s.screening_max_hours)
        n = conn.execute(select(fleet_objects.c.id).where(fleet_objects.c.agency_id == p.agency_id).limit(1)).first()
        if n is None:
            raise InvalidRequestError("fleet", "declare fleet objects first (POST /v1/fleet): a screening "
                                               "job screens the agency's fleet")
        jid = q.submit(conn, p.agency_id, "screening", req.to_params(), p.actor)
        return q.job_to_dict(conn.execute(_jobs_select().where(jobs.c.id == jid)).one())

    return audited(get_db(request), ctx, "job.submit", "job:screening", work, detail=lambda j: {"job": j["id"]})


@router.get("/jobs", response_model=JobList)
def list_jobs(request: Request, status: Optional[Literal["queued", "running", "done", "failed", "cancelled"]] = None,
              limit: int = Query(100, ge=1, le=1000), ctx: Context = Depends(context)):
    """Jobs visible to the caller, newest first."""
    aid = ctx.principal.agency_id

    def work(conn):
        stmt = _jobs_select().where(jobs_visible(aid))
        if status:
            stmt = stmt.where(jobs.c.status == status)
        return [q.job_to_dict(r) for r in conn.execute(stmt.order_by(jobs.c.id.desc()).limit(limit)).all()]

    return {"jobs": audited(get_db(request), ctx, "job.list", "jobs", work, detail=lambda j: {"n": len(j)})}


def _job(conn, aid: int, job_id: int):
    r = conn.execute(_jobs_select().where(and_(jobs.c.id == job_id, jobs_visible(aid)))).first()
    if r is None:
        raise not_found("job", job_id)
    return r


@router.get("/jobs/{job_id}", response_model=Job)
def get_job(request: Request, job_id: int = JobId, ctx: Context = Depends(context)):
    """One job: status, progress, result summary or error."""
    aid = ctx.principal.agency_id
    return audited(get_db(request), ctx, "job.read", f"job:{job_id}",
                   lambda conn: q.job_to_dict(_job(conn, aid, job_id)))


@router.post("/jobs/{job_id}/cancel", response_model=Job)
def cancel_job(request: Request, job_id: int = JobId, ctx: Context = Depends(context)):
    """Cancel a queued job, or ask a running one to stop (the caller's own agency's jobs, analyst+)."""
    p = ctx.principal

    def work(conn):
        r = conn.execute(_jobs_select().where(and_(jobs.c.id == job_id, jobs.c.agency_id == p.agency_id))).first()
        if r is None:
            raise not_found("job", job_id)
        p.require("analyst", "cancelling jobs")
        q.request_cancel(conn, job_id)
        return q.job_to_dict(conn.execute(_jobs_select().where(jobs.c.id == job_id)).one())

    return audited(get_db(request), ctx, "job.cancel", f"job:{job_id}", work)


@router.get("/jobs/{job_id}/events", response_model=EventList)
def job_events(request: Request, job_id: int = JobId, limit: int = Query(1000, ge=1, le=10000),
               ctx: Context = Depends(context)):
    """Events a visible job found that the caller may see, by TCA."""
    aid = ctx.principal.agency_id

    def work(conn):
        _job(conn, aid, job_id)
        stmt = _events_select().where(and_(events.c.job_id == job_id, events_visible(aid)))
        return [_event(r) for r in conn.execute(stmt.order_by(events.c.tca_ns, events.c.id).limit(limit)).all()]

    return {"events": audited(get_db(request), ctx, "event.list", f"job:{job_id}", work,
                              detail=lambda e: {"n": len(e)})}


@router.get("/events", response_model=EventList)
def list_events(request: Request, norad_id: Optional[int] = Query(None, ge=0, le=999_999_999),
                job_id: Optional[int] = Query(None, ge=1, le=2**62),
                max_miss_km: Optional[float] = Query(None, gt=0, le=1e6),
                limit: int = Query(1000, ge=1, le=10000), offset: int = Query(0, ge=0, le=10_000_000),
                ctx: Context = Depends(context)):
    """Events visible to the caller (own jobs, shared jobs, and any event with one of its objects)."""
    aid = ctx.principal.agency_id

    def work(conn):
        stmt = _events_select().where(events_visible(aid))
        if norad_id is not None:
            stmt = stmt.where(or_(events.c.norad_1 == norad_id, events.c.norad_2 == norad_id))
        if job_id is not None:
            stmt = stmt.where(events.c.job_id == job_id)
        if max_miss_km is not None:
            stmt = stmt.where(events.c.miss_km <= max_miss_km)
        stmt = stmt.order_by(events.c.tca_ns, events.c.id).limit(limit).offset(offset)
        return [_event(r) for r in conn.execute(stmt).all()]

    return {"events": audited(get_db(request), ctx, "event.list", "events", work, detail=lambda e: {"n": len(e)})}


@router.get("/events/{event_id}", response_model=Event)
def get_event(request: Request, event_id: int = EventId, ctx: Context = Depends(context)):
    """One event (404 when it does not exist or is not visible to the caller)."""
    aid = ctx.principal.agency_id

    def work(conn):
        r = conn.execute(_events_select().where(and_(events.c.id == event_id, events_visible(aid)))).first()
        if r is None:
            raise not_found("event", event_id)
        return _event(r)

    return audited(get_db(request), ctx, "event.read", f"event:{event_id}", work)
