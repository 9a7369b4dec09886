"""Jobs: rows in the ``jobs`` table, claimed atomically by workers.

Life of a job: ``queued`` -> ``running`` (claimed: a new claim token, a heartbeat) -> ``done``,
``failed`` or ``cancelled``. A claim is one statement: on PostgreSQL the candidate row is
locked with ``FOR UPDATE SKIP LOCKED`` (two workers never take the same row, nor wait on each
other); on SQLite it is a single ``UPDATE ... RETURNING`` inside a ``BEGIN IMMEDIATE``
transaction (one writer at a time). A ``running`` job whose heartbeat is older than
``job_stale_s`` (its worker died) is claimed again with a new token; the old worker, should it
come back, can no longer heartbeat or complete it, because both match on the token. Results
and the ``done`` status are written in one transaction, so a job completes exactly once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import and_, insert, select, text, update
from sqlalchemy.engine import Connection

from ..errors import InvalidRequestError
from ..requests import TimeSpan, check_choice, check_range
from ..store.service_schema import events, fleet_objects, jobs
from ..timeutil import format_iso
from . import notify
from .db import ServiceDB, now_ns

JOB_KINDS = ("screening", "charter_plan")
BACKENDS = ("numba", "sgp4")


# ===================================================================================== requests
@dataclass(frozen=True)
class ScreeningJobRequest:
    """A screening of the agency's fleet against the catalog over [start, stop].

    >>> r = ScreeningJobRequest.validate(start="2023-10-09T12:00Z", hours=2, threshold_km=10)
    >>> r.to_params()["stop"], r.threshold_km
    ('2023-10-09T14:00:00.000Z', 10.0)
    >>> ScreeningJobRequest.validate(start="2023-10-09T12:00Z", hours=2, threshold_km=-1)
    Traceback (most recent call last):
    ...
    orbitwatch.errors.InvalidRequestError: threshold_km: must be in (0, 200], got -1
    """

    start: np.datetime64
    stop: np.datetime64
    threshold_km: float = 5.0
    backend: str | None = None

    @classmethod
    def validate(cls, *, start=None, stop=None, hours=None, days=None, threshold_km: float = 5.0,
                 backend: str | None = None, max_hours: float = 7 * 24.0) -> "ScreeningJobRequest":
        span = TimeSpan.resolve(start, stop, days=days, hours=hours, default_start=np.datetime64("now", "ms"),
                                default_hours=24.0, max_days=max_hours / 24.0)
        thr = check_range("threshold_km", threshold_km, 0.0, 200.0, lo_open=True)
        be = check_choice("backend", backend, BACKENDS) if backend else None
        return cls(span.start, span.stop, thr, be)

    def to_params(self) -> dict[str, Any]:
        return {"start": format_iso(self.start, 3) + "Z", "stop": format_iso(self.stop, 3) + "Z",
                "threshold_km": self.threshold_km, "backend": self.backend}

    @classmethod
    def from_params(cls, p: dict) -> "ScreeningJobRequest":
        return cls(np.datetime64(p["start"].rstrip("Z"), "ns"), np.datetime64(p["stop"].rstrip("Z"), "ns"),
                   float(p["threshold_km"]), p.get("backend"))


# ===================================================================================== queue
@dataclass(frozen=True)
class Claim:
    """A job a worker holds: its row and the token that proves the claim is still its own."""

    job_id: int
    agency_id: int
    kind: str
    params: dict
    token: str
    attempts: int


def submit(conn: Connection, agency_id: int, kind: str, params: dict, created_by: str) -> int:
    check_choice("kind", kind, JOB_KINDS)
    return int(conn.execute(insert(jobs).values(
        agency_id=agency_id, kind=kind, params=json.dumps(params), status="queued", created_by=created_by,
        created_at_ns=now_ns()).returning(jobs.c.id)).scalar_one())


def claim(db: ServiceDB, worker: str, *, stale_s: float, max_attempts: int = 3) -> Claim | None:
    """Take the oldest claimable job (queued, or running with a stale heartbeat), or None."""
    import secrets

    now = now_ns()
    stale = now - int(stale_s * 1e9)
    token = secrets.token_hex(16)
    with db.tx() as conn:
        # housekeeping of dead claims: cancelled on request, failed after too many attempts
        for r in conn.execute(update(jobs).where(and_(jobs.c.status == "running", jobs.c.heartbeat_ns < stale,
                                                      jobs.c.cancel_requested.is_(True)))
                              .values(status="cancelled", finished_at_ns=now, claim_token=None)
                              .returning(jobs.c.id, jobs.c.agency_id, jobs.c.kind)).all():
            announce(conn, r.id, r.agency_id, r.kind, "cancelled")
        lost = {"type": "WorkerLost", "message": f"the job's worker stopped answering {max_attempts} times; giving up"}
        for r in conn.execute(update(jobs).where(and_(jobs.c.status == "running", jobs.c.heartbeat_ns < stale,
                                                      jobs.c.attempts >= max_attempts))
                              .values(status="failed", finished_at_ns=now, claim_token=None, error=json.dumps(lost))
                              .returning(jobs.c.id, jobs.c.agency_id, jobs.c.kind)).all():
            announce(conn, r.id, r.agency_id, r.kind, "failed", {"error": lost})
        lock = " FOR UPDATE SKIP LOCKED" if db.backend == "postgresql" else ""
        row = conn.execute(text(
            "UPDATE jobs SET status = 'running', worker = :w, claim_token = :tok, heartbeat_ns = :now,"
            " started_at_ns = COALESCE(started_at_ns, :now), attempts = attempts + 1, stage = 'claimed' "
            "WHERE id = (SELECT id FROM jobs"
            " WHERE (status = 'queued' OR (status = 'running' AND heartbeat_ns < :stale))"
            f" AND cancel_requested = false ORDER BY id LIMIT 1{lock}) "
            "RETURNING id, agency_id, kind, params, attempts"),
            {"w": worker, "tok": token, "now": now, "stale": stale}).first()
    if row is None:
        return None
    return Claim(int(row.id), int(row.agency_id), row.kind, json.loads(row.params), token, int(row.attempts))


def announce(conn: Connection, job_id: int, agency_id: int, kind: str, status: str, extra: dict | None = None) -> None:
    """Publish ``job.<status>`` to the job's agency, in the transaction that changes the status."""
    notify.publish(conn, [agency_id], f"job.{status}", f"job:{job_id}",
                   {"job": int(job_id), "kind": kind, "status": status, **(extra or {})})


def heartbeat(db: ServiceDB, c: Claim, done: float | None = None, total: float | None = None,
              stage: str | None = None, announce_progress: bool = False) -> tuple[bool, bool]:
    """Record liveness (and progress); returns (still ours, cancel requested).

    With ``announce_progress`` a ``job.progress`` notification is published with it (the
    worker throttles these: ``ORBITWATCH_PROGRESS_NOTIFY_S``)."""
    values: dict[str, Any] = {"heartbeat_ns": now_ns()}
    if done is not None:
        values["progress_done"] = float(done)
    if total is not None:
        values["progress_total"] = float(total)
    if stage is not None:
        values["stage"] = stage
    with db.tx() as conn:
        row = conn.execute(update(jobs).where(and_(jobs.c.id == c.job_id, jobs.c.claim_token == c.token,
                                                   jobs.c.status == "running")).values(**values)
                           .returning(jobs.c.cancel_requested)).first()
        if row is not None and announce_progress:
            notify.publish(conn, [c.agency_id], "job.progress", f"job:{c.job_id}",
                           {"job": c.job_id, "kind": c.kind, "done": done, "total": total, "stage": stage})
    if row is None:
        return False, True
    return True, bool(row[0])


class LostClaim(Exception):
    """The job was claimed again by another worker (this one was presumed dead)."""


def complete(conn: Connection, c: Claim, result: dict) -> None:
    """Mark the job done, in the caller's transaction (which also writes its results)."""
    r = conn.execute(update(jobs).where(and_(jobs.c.id == c.job_id, jobs.c.claim_token == c.token,
                                             jobs.c.status == "running"))
                     .values(status="done", finished_at_ns=now_ns(), result=json.dumps(result), stage="done",
                             claim_token=None))
    if r.rowcount != 1:
        raise LostClaim(c.job_id)
    announce(conn, c.job_id, c.agency_id, c.kind, "done",
             {k: result[k] for k in ("n_events", "start", "stop", "threshold_km") if k in result})


def finish_failed(db: ServiceDB, c: Claim, status: str, error: dict) -> bool:
    with db.tx() as conn:
        r = conn.execute(update(jobs).where(and_(jobs.c.id == c.job_id, jobs.c.claim_token == c.token,
                                                 jobs.c.status == "running"))
                         .values(status=status, finished_at_ns=now_ns(), error=json.dumps(error), stage=status,
                                 claim_token=None))
        if r.rowcount == 1:
            announce(conn, c.job_id, c.agency_id, c.kind, status, {"error": error})
    return r.rowcount == 1


def request_cancel(conn: Connection, job_id: int) -> str:
    """Cancel a queued job at once; ask a running one to stop. Returns the status after."""
    row = conn.execute(select(jobs.c.status, jobs.c.agency_id, jobs.c.kind).where(jobs.c.id == job_id)).first()
    if row is None:
        raise InvalidRequestError("job_id", "no such job", job_id)
    if row.status == "queued":
        r = conn.execute(update(jobs).where(and_(jobs.c.id == job_id, jobs.c.status == "queued"))
                         .values(status="cancelled", finished_at_ns=now_ns(), stage="cancelled"))
        if r.rowcount == 1:
            announce(conn, job_id, row.agency_id, row.kind, "cancelled")
        return "cancelled"
    if row.status == "running":
        conn.execute(update(jobs).where(jobs.c.id == job_id).values(cancel_requested=True))
    return row.status


def job_to_dict(r) -> dict:
    def iso(ns):
        return None if ns is None else format_iso(np.datetime64(int(ns), "ns"), 3) + "Z"

    m = r._mapping if hasattr(r, "_mapping") else r
    return {"id": int(m["id"]), "agency": m.get("agency"), "kind": m["kind"], "params": json.loads(m["params"]),
            "status": m["status"], "created_by": m["created_by"], "created_at": iso(m["created_at_ns"]),
            "started_at": iso(m["started_at_ns"]), "finished_at": iso(m["finished_at_ns"]),
            "heartbeat_at": iso(m["heartbeat_ns"]), "attempts": int(m["attempts"]),
            "progress": {"done": m["progress_done"], "total": m["progress_total"], "stage": m["stage"]},
            "cancel_requested": bool(m["cancel_requested"]),
            "result": json.loads(m["result"]) if m["result"] else None,
            "error": json.loads(m["error"]) if m["error"] else None}


# ===================================================================================== handlers
def run_screening(db: ServiceDB, c: Claim, progress, default_backend: str = "numba") -> tuple[list[dict], dict]:
    """Screen the agency's fleet against the stored catalog; (event rows, summary)."""
    import time

    from ..conjunction import screen

    t0 = time.perf_counter()
    req = ScreeningJobRequest.from_params(c.params)
    with db.read() as conn:
        fleet = [int(x) for x in conn.execute(select(fleet_objects.c.norad_id).where(
            fleet_objects.c.agency_id == c.agency_id).order_by(fleet_objects.c.norad_id)).scalars()]
    if not fleet:
        raise InvalidRequestError("fleet", "the agency has declared no fleet objects to screen")
    progress.update(0, None, "loading catalog")
    catalog = db.store.load_catalog()
    ids = set(catalog.norad_ids.tolist())
    present = [n for n in fleet if n in ids]
    missing = sorted(set(fleet) - set(present))
    if not present:
        raise InvalidRequestError("fleet", "none of the agency's fleet objects is in the catalog")
    progress.check()

    # operators' ephemerides (own, and partners' shared ones) where they cover the span
    from . import ssa

    start_ns = int(req.start.astype("datetime64[ns]").astype(np.int64))
    stop_ns = int(req.stop.astype("datetime64[ns]").astype(np.int64))
    with db.read() as conn:
        eph_rows = [r for r in ssa.ephemerides_for_job(conn, c.agency_id, start_ns, stop_ns,
                                                       c.params.get("ephemeris_ids") or ())
                    if int(r.norad_id) in ids]
    oems = []
    if eph_rows:
        from ..odm import parse_oem

        oems = [parse_oem(r.content, f"ephemeris:{int(r.id)}") for r in eph_rows]

    # the job's Progress goes straight in: screen() reports each window and honours cancel()
    res = screen(catalog, req.start, req.stop, threshold_km=req.threshold_km, primaries=present,
                 backend=req.backend or default_backend, progress=progress, ephemerides=oems or None)
    ev = res.events
    if len(ev):
        from ..conjunction import add_collision_probability

        ev = add_collision_probability(ev)
    now = now_ns()
    rows = []
    for k in range(len(ev)):
        def f(name):
            v = float(getattr(ev, name)[k])
            return v if np.isfinite(v) else None
        rows.append({"job_id": c.job_id, "agency_id": c.agency_id, "norad_1": int(ev.norad_1[k]),
                     "norad_2": int(ev.norad_2[k]), "name_1": str(ev.name_1[k]), "name_2": str(ev.name_2[k]),
                     "tca_ns": int(ev.tca[k].astype("datetime64[ns]").astype(np.int64)),
                     "miss_km": float(ev.miss_km[k]), "radial_km": float(ev.radial_km[k]),
                     "in_track_km": float(ev.in_track_km[k]), "cross_track_km": float(ev.cross_track_km[k]),
                     "rel_speed_km_s": float(ev.rel_speed_km_s[k]), "volume_ratio": f("volume_ratio"),
                     "pc": f("pc"), "created_at_ns": now})
    summary = {**req.to_params(), "backend": res.backend, "n_events": len(ev), "n_objects": int(res.n_objects),
               "n_primaries": int(res.n_primaries), "fleet_not_in_catalog": missing[:100],
               "elapsed_s": round(time.perf_counter() - t0, 3),
               "ephemerides": [int(r.id) for r in eph_rows]}
    screened = [int(x) for x in res.norad_ids] if res.norad_ids is not None else [int(x) for x in ids]
    settings = db.settings

    def record_tracks(conn: Connection, event_ids: list[int]) -> dict:
        """In the completing transaction: the events as event-track updates (see service/ssa.py)."""
        out = ssa.record_updates(
            conn, agency_id=c.agency_id, events=ev, job_id=c.job_id, event_ids=event_ids, settings=settings,
            run_kw=dict(kind="screening", span=(req.start, req.stop), threshold_km=req.threshold_km,
                        primaries=present, screened_ids=screened, label=f"job:{c.job_id}",
                        pc_method="FOSTER-1992", covariance_source="default TLE model",
                        source_ref=[f"job:{c.job_id}/event:{e}" for e in event_ids]))
        out.pop("update_ids", None)
        return out

    return rows, summary, record_tracks


def store_events(conn: Connection, rows: list[dict]) -> list[int]:
    """Insert the event rows; their ids, in order."""
    ids: list[int] = []
    for a in range(0, len(rows), 1000):
        ids += [int(x) for x in conn.execute(insert(events).returning(events.c.id, sort_by_parameter_order=True),
                                             rows[a:a + 1000]).scalars()]
    return ids


def _charter_plan(db: ServiceDB, c: Claim, progress, default_backend: str = "numba"):
    from .charter import run_charter_plan

    return run_charter_plan(db, c, progress, default_backend)


#: job kind -> handler(db, claim, progress, backend) -> (event rows, or a callable storing the results
#: on the completing transaction's connection; summary)
HANDLERS = {"screening": run_screening, "charter_plan": _charter_plan}

__all__ = ["ScreeningJobRequest", "Claim", "announce", "submit", "claim", "heartbeat", "complete", "finish_failed",
           "request_cancel", "job_to_dict", "run_screening", "store_events", "HANDLERS", "LostClaim"]
