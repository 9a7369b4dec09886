"""Notifications to the caller's agency: webhooks (with their deliveries), the event stream
(Server-Sent Events) and schedules of recurring screenings.

Everything here belongs to one agency: another agency's webhook or schedule is a 404 like an
id that does not exist, and the stream carries only the caller agency's notifications.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Optional

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import and_, delete, func, select, update

from ...store.notify_schema import schedules, webhook_attempts, webhook_deliveries, webhooks
from ...store.service_schema import notifications
from .. import notify, schedules as sch, webhooks as wh
from ..accounts import iso
from ..auth import Context
from ..db import now_ns
from ..deps import audited, context, get_db
from ..errors import not_found

router = APIRouter(prefix="/v1", tags=["notifications"])
HookId = Path(..., ge=1, le=2**62, description="webhook id")
ScheduleId = Path(..., ge=1, le=2**62, description="schedule id")


# ===================================================================================== models
class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=8, max_length=2000, description="http(s) URL the notifications are POSTed to")
    kinds: list[str] = Field(default_factory=list, max_length=64,
                             description="notification kinds to send; empty: every kind but job.progress")
    description: str = Field("", max_length=500)


class Webhook(BaseModel):
    id: int
    url: str
    kinds: list[str]
    description: str
    created_by: str
    created_at: Optional[str]


class WebhookCreated(Webhook):
    secret: str = Field(description="the HMAC-SHA256 signing key: shown only in this answer")


class WebhookList(BaseModel):
    webhooks: list[Webhook]


class Attempt(BaseModel):
    attempt: int
    at: Optional[str]
    status_code: Optional[int]
    error: str
    duration_ms: float


class Delivery(BaseModel):
    id: int
    notification_id: int
    kind: str
    status: str
    attempts: int
    next_attempt: Optional[str]
    created_at: Optional[str]
    finished_at: Optional[str]
    last_status_code: Optional[int]
    last_error: str
    attempt_log: list[Attempt]


class DeliveryList(BaseModel):
    deliveries: list[Delivery]


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    every_hours: Optional[float] = Field(None, gt=0, le=744, description="period (default "
                                                                         "ORBITWATCH_SCHEDULE_EVERY_HOURS, 8)")
    hours: Optional[float] = Field(None, gt=0, le=24 * 31, description="span screened from each due time (72)")
    threshold_km: float = Field(5.0, gt=0, le=200)
    first_run: Optional[str] = Field(None, max_length=64, description="UTC instant of the first run (default now)")


class Schedule(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    kind: str
    params: dict
    every_hours: float
    next_run: Optional[str]
    last_run: Optional[str]
    last_job_id: Optional[int]


class ScheduleList(BaseModel):
    schedules: list[Schedule]


# ===================================================================================== webhooks
def _hook(r) -> dict:
    return {"id": int(r.id), "url": r.url, "kinds": json.loads(r.kinds), "description": r.description,
            "created_by": r.created_by, "created_at": iso(r.created_at_ns)}


def _own_hook(conn, aid: int, hook_id: int):
    r = conn.execute(select(webhooks).where(and_(webhooks.c.id == hook_id, webhooks.c.agency_id == aid,
                                                 webhooks.c.deleted_at_ns.is_(None)))).first()
    if r is None:
        raise not_found("webhook", hook_id)
    return r


@router.post("/webhooks", status_code=201, response_model=WebhookCreated)
def create_webhook(body: WebhookIn, request: Request, ctx: Context = Depends(context)):
    """Register an HTTP receiver of the agency's notifications (analyst or admin).

    The answer carries the signing ``secret`` once: each POST has ``X-Orbitwatch-Signature:
    t=<unix s>,sha256=<HMAC-SHA256(secret, "<t>." + body)>`` (docs/service.md shows a check).
    """
    p = ctx.principal
    settings = request.app.state.settings

    def work(conn):
        p.require("analyst", "registering webhooks")
        wid, secret = wh.create(conn, p.agency_id, body.url, body.kinds, body.description, p.actor, settings)
        return {**_hook(_own_hook(conn, p.agency_id, wid)), "secret": secret}

    return audited(get_db(request), ctx, "webhook.create", "webhook", work,
                   detail=lambda h: {"webhook": h["id"], "url": h["url"], "kinds": h["kinds"]})


@router.get("/webhooks", response_model=WebhookList)
def list_webhooks(request: Request, ctx: Context = Depends(context)):
    """The agency's webhooks (secrets are never shown again)."""
    aid = ctx.principal.agency_id

    def work(conn):
        rows = conn.execute(select(webhooks).where(and_(webhooks.c.agency_id == aid, webhooks.c.deleted_at_ns.is_(
            None))).order_by(webhooks.c.id)).all()
        return [_hook(r) for r in rows]

    return {"webhooks": audited(get_db(request), ctx, "webhook.list", "webhooks", work,
                                detail=lambda h: {"n": len(h)})}


@router.get("/webhooks/{hook_id}", response_model=Webhook)
def get_webhook(request: Request, hook_id: int = HookId, ctx: Context = Depends(context)):
    aid = ctx.principal.agency_id
    return audited(get_db(request), ctx, "webhook.read", f"webhook:{hook_id}",
                   lambda conn: _hook(_own_hook(conn, aid, hook_id)))


@router.delete("/webhooks/{hook_id}", status_code=204, response_class=Response)
def delete_webhook(request: Request, hook_id: int = HookId, ctx: Context = Depends(context)):
    """Stop a webhook (analyst or admin); its delivery log stays readable by admins in the audit."""
    p = ctx.principal

    def work(conn):
        _own_hook(conn, p.agency_id, hook_id)
        p.require("analyst", "deleting webhooks")
        conn.execute(update(webhooks).where(webhooks.c.id == hook_id).values(deleted_at_ns=now_ns()))

    audited(get_db(request), ctx, "webhook.delete", f"webhook:{hook_id}", work)
    return Response(status_code=204)


@router.get("/webhooks/{hook_id}/deliveries", response_model=DeliveryList)
def list_deliveries(request: Request, hook_id: int = HookId, status: Optional[str] = Query(
        None, pattern="^(pending|sending|delivered|failed)$"), limit: int = Query(100, ge=1, le=1000),
                    ctx: Context = Depends(context)):
    """The webhook's deliveries, newest first, each with every attempt (status code, error, duration)."""
    aid = ctx.principal.agency_id

    def work(conn):
        _own_hook(conn, aid, hook_id)
        d = webhook_deliveries
        stmt = (select(d, notifications.c.kind).join(notifications, notifications.c.id == d.c.notification_id)
                .where(d.c.webhook_id == hook_id))
        if status:
            stmt = stmt.where(d.c.status == status)
        rows = conn.execute(stmt.order_by(d.c.id.desc()).limit(limit)).all()
        tries: dict[int, list] = {}
        if rows:
            for a in conn.execute(select(webhook_attempts).where(webhook_attempts.c.delivery_id.in_(
                    [r.id for r in rows])).order_by(webhook_attempts.c.id)).all():
                tries.setdefault(a.delivery_id, []).append(
                    {"attempt": a.attempt, "at": iso(a.at_ns), "status_code": a.status_code, "error": a.error,
                     "duration_ms": round(a.duration_ms, 3)})
        return [{"id": int(r.id), "notification_id": int(r.notification_id), "kind": r.kind, "status": r.status,
                 "attempts": int(r.attempts), "next_attempt": iso(r.next_attempt_ns) if r.status == "pending" else None,
                 "created_at": iso(r.created_at_ns), "finished_at": iso(r.finished_at_ns),
                 "last_status_code": r.last_status_code, "last_error": r.last_error,
                 "attempt_log": tries.get(r.id, [])} for r in rows]

    return {"deliveries": audited(get_db(request), ctx, "webhook.deliveries", f"webhook:{hook_id}", work,
                                  detail=lambda x: {"n": len(x)})}


# ===================================================================================== stream
def _sse(n: dict) -> str:
    data = json.dumps({"id": n["id"], "kind": n["kind"], "subject": n["subject"], "created_at": iso(n["created_at_ns"]),
                       "payload": n["payload"]}, separators=(",", ":"), sort_keys=True)
    return f"id: {n['id']}\nevent: {n['kind']}\ndata: {data}\n\n"


@router.get("/stream", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "Server-Sent Events: id (notification id), event (kind), data (JSON)"}})
async def stream(request: Request, ctx: Context = Depends(context),
                 last_event_id: Optional[str] = Header(None, max_length=32),
                 after: Optional[int] = Query(None, ge=0, le=2**62, description="resume after this notification id "
                                                                                 "(as the Last-Event-ID header)"),
                 kinds: Optional[list[str]] = Query(None, max_length=64, description="only these kinds")):
    """The agency's notifications as they happen (``text/event-stream``).

    Without ``Last-Event-ID`` (or ``after``) the stream starts with what happens from now on;
    with it, it first replays what came after that id. ``: heartbeat`` comments keep idle
    connections open; the server ends a connection after ``ORBITWATCH_STREAM_MAX_S`` (clients
    reconnect, sending the last id they saw).
    """
    db = get_db(request)
    s = request.app.state.settings
    aid = ctx.principal.agency_id
    wanted = wh.check_kinds(kinds) if kinds else None
    resume = after
    if last_event_id is not None and last_event_id.strip().isdigit():
        resume = int(last_event_id.strip())

    def start(conn):
        if resume is not None:
            return resume
        return int(conn.execute(select(func.max(notifications.c.id)).where(
            notifications.c.agency_id == aid)).scalar() or 0)

    cursor = await run_in_threadpool(audited, db, ctx, "stream.open", "stream", start,
                                     detail=lambda c: {"after": c})

    def fetch(after_id: int) -> list[dict]:
        with db.read() as conn:
            return notify.since(conn, aid, after_id, limit=500)

    async def events():
        nonlocal cursor
        yield f"retry: {int(max(1.0, s.stream_poll_s) * 1000)}\n\n"
        t_end = time.monotonic() + s.stream_max_s
        last_sent = time.monotonic()
        while time.monotonic() < t_end:
            if await request.is_disconnected():
                return
            rows = await run_in_threadpool(fetch, cursor)
            for n in rows:
                cursor = n["id"]
                if wanted is None or n["kind"] in wanted:
                    last_sent = time.monotonic()
                    yield _sse(n)
            if len(rows) >= 500:
                continue
            if time.monotonic() - last_sent >= s.stream_heartbeat_s:
                last_sent = time.monotonic()
                yield ": heartbeat\n\n"
            await asyncio.sleep(min(s.stream_poll_s, max(0.0, t_end - time.monotonic())))
        yield ": lifetime reached; reconnect with Last-Event-ID\n\n"

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


# ===================================================================================== schedules
def _own_schedule(conn, aid: int, sid: int):
    r = conn.execute(select(schedules).where(and_(schedules.c.id == sid, schedules.c.agency_id == aid))).first()
    if r is None:
        raise not_found("schedule", sid)
    return r


@router.post("/schedules", status_code=201, response_model=Schedule)
def create_schedule(body: ScheduleIn, request: Request, ctx: Context = Depends(context)):
    """Screen the agency's fleet every ``every_hours`` (default 8: three times a day) over the
    next ``hours`` from each due time (analyst or higher). Each due time submits one job."""
    p = ctx.principal
    s = request.app.state.settings

    def work(conn):
        from ...requests import parse_time

        p.require("analyst", "scheduling screenings")
        spec = sch.ScreeningSchedule.validate(s, body.every_hours, body.hours, body.threshold_km)
        first = None
        if body.first_run:
            import numpy as np

            first = int(parse_time("first_run", body.first_run).astype("datetime64[ns]").astype(np.int64))
        sid = sch.create(conn, agency_id=p.agency_id, kind="screening", every_hours=spec.every_hours,
                         params={"hours": spec.hours, "threshold_km": spec.threshold_km}, first_run_ns=first,
                         created_by=p.actor)
        return sch.to_dict(_own_schedule(conn, p.agency_id, sid))

    return audited(get_db(request), ctx, "schedule.create", "schedule", work,
                   detail=lambda x: {"schedule": x["id"], "every_hours": x["every_hours"]})


@router.get("/schedules", response_model=ScheduleList)
def list_schedules(request: Request, ctx: Context = Depends(context)):
    aid = ctx.principal.agency_id

    def work(conn):
        return [sch.to_dict(r) for r in conn.execute(select(schedules).where(schedules.c.agency_id == aid)
                                                     .order_by(schedules.c.id)).all()]

    return {"schedules": audited(get_db(request), ctx, "schedule.list", "schedules", work,
                                 detail=lambda x: {"n": len(x)})}


@router.get("/schedules/{schedule_id}", response_model=Schedule)
def get_schedule(request: Request, schedule_id: int = ScheduleId, ctx: Context = Depends(context)):
    aid = ctx.principal.agency_id
    return audited(get_db(request), ctx, "schedule.read", f"schedule:{schedule_id}",
                   lambda conn: sch.to_dict(_own_schedule(conn, aid, schedule_id)))


@router.delete("/schedules/{schedule_id}", status_code=204, response_class=Response)
def delete_schedule(request: Request, schedule_id: int = ScheduleId, ctx: Context = Depends(context)):
    """Stop a schedule (analyst or higher); jobs it submitted stay."""
    p = ctx.principal

    def work(conn):
        _own_schedule(conn, p.agency_id, schedule_id)
        p.require("analyst", "deleting schedules")
        conn.execute(delete(schedules).where(schedules.c.id == schedule_id))

    audited(get_db(request), ctx, "schedule.delete", f"schedule:{schedule_id}", work)
    return Response(status_code=204)
