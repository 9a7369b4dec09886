"""Schedules: recurring work, run exactly once per due time however many dispatchers run.

A schedule row has a period and ``next_run_ns``. A dispatcher that finds it due claims that
due time with ``UPDATE schedules SET next_run_ns = <next> WHERE id = :id AND next_run_ns =
:seen`` (compare-and-set: on PostgreSQL the second updater waits for the row and then finds
the condition false; on SQLite writers are serialised by the write lock) and, in the same
transaction, submits the screening job. A service that was down for several periods runs
once, for the latest due time, and moves on (no backlog of stale screenings).

Kinds: ``screening`` (an agency's fleet against the catalog: a job from the due time over
``hours``), ``celestrak`` and ``spacetrack`` (catalog pulls, service-wide, run by the
dispatcher itself after the claim commits; see :mod:`orbitwatch.service.ingest`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import numpy as np
from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Connection

from ..errors import InvalidRequestError
from ..requests import check_range
from ..store.notify_schema import SCHEDULE_KINDS, schedules
from ..timeutil import format_iso
from . import jobs as q
from .db import ServiceDB, now_ns
from .settings import ServiceSettings

log = logging.getLogger("orbitwatch.service.schedules")
HOUR_NS = 3600 * 10**9


def iso(ns) -> str | None:
    return None if ns is None else format_iso(np.datetime64(int(ns), "ns"), 3) + "Z"


@dataclass(frozen=True)
class ScreeningSchedule:
    """A screening of the agency's fleet every ``every_hours`` over the next ``hours``."""

    every_hours: float
    hours: float
    threshold_km: float

    @classmethod
    def validate(cls, settings: ServiceSettings, every_hours: float | None = None, hours: float | None = None,
                 threshold_km: float = 5.0) -> "ScreeningSchedule":
        every = check_range("every_hours", settings.schedule_every_hours if every_hours is None else every_hours,
                            settings.schedule_min_every_hours, 24.0 * 31)
        span = check_range("hours", 72.0 if hours is None else hours, 0.0, settings.screening_max_hours, lo_open=True)
        thr = check_range("threshold_km", threshold_km, 0.0, 200.0, lo_open=True)
        return cls(every, span, thr)


def create(conn: Connection, *, agency_id: int | None, kind: str, params: dict, every_hours: float,
           first_run_ns: int | None, created_by: str) -> int:
    if kind not in SCHEDULE_KINDS:
        raise InvalidRequestError("kind", f"must be one of {', '.join(SCHEDULE_KINDS)}", kind)
    now = now_ns()
    return int(conn.execute(insert(schedules).values(
        agency_id=agency_id, kind=kind, params=json.dumps(params), every_ns=int(round(every_hours * HOUR_NS)),
        next_run_ns=int(now if first_run_ns is None else first_run_ns), created_by=created_by,
        created_at_ns=now).returning(schedules.c.id)).scalar_one())


def to_dict(r) -> dict:
    m = r._mapping if hasattr(r, "_mapping") else r
    return {"id": int(m["id"]), "kind": m["kind"], "params": json.loads(m["params"]),
            "every_hours": m["every_ns"] / HOUR_NS, "next_run": iso(m["next_run_ns"]),
            "last_run": iso(m["last_run_ns"]),
            "last_job_id": m["last_job_id"], "last_result": json.loads(m["last_result"] or "{}"),
            "created_by": m["created_by"], "created_at": iso(m["created_at_ns"])}


def _claim(conn: Connection, sid: int, seen: int, every: int, now: int) -> int | None:
    """The due time this caller now owns, or None when another dispatcher claimed it first."""
    k = (now - seen) // every  # whole periods missed: run once, for the latest due time
    due = seen + k * every
    r = conn.execute(update(schedules).where(and_(schedules.c.id == sid, schedules.c.next_run_ns == seen))
                     .values(next_run_ns=due + every, last_run_ns=due))
    return due if r.rowcount == 1 else None


def tick(db: ServiceDB, settings: ServiceSettings, *, now: int | None = None, actor: str = "scheduler",
         run_pulls: bool = True) -> list[dict]:
    """Run what is due at ``now`` (default: the clock); one dict per due time this caller claimed."""
    from . import audit

    now = now_ns() if now is None else int(now)
    with db.read() as conn:
        due = conn.execute(select(schedules.c.id, schedules.c.next_run_ns, schedules.c.every_ns)
                           .where(schedules.c.next_run_ns <= now).order_by(schedules.c.next_run_ns)).all()
    out = []
    for d in due:
        with db.tx() as conn:
            at = _claim(conn, d.id, d.next_run_ns, d.every_ns, now)
            if at is None:
                continue
            row = conn.execute(select(schedules).where(schedules.c.id == d.id)).mappings().one()
            params = json.loads(row["params"])
            done = {"schedule": d.id, "kind": row["kind"], "due": iso(at)}
            if row["kind"] == "screening":
                req = q.ScreeningJobRequest.validate(start=iso(at), hours=params["hours"],
                                                     threshold_km=params["threshold_km"],
                                                     max_hours=settings.screening_max_hours)
                jid = q.submit(conn, row["agency_id"], "screening", req.to_params(), f"schedule:{d.id}")
                conn.execute(update(schedules).where(schedules.c.id == d.id).values(
                    last_job_id=jid, last_result=json.dumps({"job": jid, "due": iso(at)})))
                audit.record(conn, actor=actor, agency_id=row["agency_id"], action="schedule.run", outcome="ok",
                             object=f"schedule:{d.id}", detail={"job": jid, "due": iso(at)})
                done["job"] = jid
        if row["kind"] != "screening" and run_pulls:
            from . import ingest

            done.update(ingest.run_pull(db, settings, d.id, row["kind"], params, actor=actor))
        out.append(done)
    return out


__all__ = ["ScreeningSchedule", "create", "to_dict", "tick", "HOUR_NS"]
