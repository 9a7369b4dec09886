"""Seeding for the console's browser tests and benchmark: agencies and users through the
library (as `orbitwatch admin` does), a fleet, and a finished screening job whose events are
stored by the service's own `jobs.store_events` (varied miss, Pc and TCA, from a fixed seed)."""

from __future__ import annotations

import numpy as np


def add_user(db, agency: str, username: str, role: str, password: str | None = None) -> None:
    from orbitwatch.service import accounts
    from orbitwatch.service.auth import cli_context

    with db.tx() as conn:
        accounts.create_user(conn, cli_context("test"), agency, username, role, password=password)


def finished_job_with_events(db, agency: str, pairs: list[tuple[int, str, int, str]], *, seed: int,
                             tca0: str = "2023-10-09T12:00:00", span_h: float = 48.0) -> list[dict]:
    """A done screening job of ``agency`` with one event per (norad_1, name_1, norad_2, name_2)."""
    from sqlalchemy import insert, select

    from orbitwatch.service import jobs as q
    from orbitwatch.service.db import now_ns
    from orbitwatch.store.service_schema import agencies, fleet_objects

    rng = np.random.default_rng(seed)
    n = len(pairs)
    t0 = np.datetime64(tca0, "ns").astype(np.int64)
    tca = np.sort(t0 + (rng.uniform(0, span_h * 3600, n) * 1e9).astype(np.int64))
    rtn = rng.normal(0, 1, (n, 3)) * np.array([0.3, 3.0, 2.0])
    miss = np.linalg.norm(rtn, axis=1)
    pc = np.where(rng.uniform(size=n) < 0.8, 10 ** rng.uniform(-9, -2.5, n), np.nan)
    with db.tx() as conn:
        aid = conn.execute(select(agencies.c.id).where(agencies.c.name == agency)).scalar_one()
        for norad in sorted({p[0] for p in pairs}):
            if conn.execute(select(fleet_objects.c.id).where((fleet_objects.c.agency_id == aid)
                                                             & (fleet_objects.c.norad_id == norad))).first() is None:
                conn.execute(insert(fleet_objects).values(agency_id=aid, norad_id=norad, label="",
                                                          created_at_ns=now_ns()))
        req = q.ScreeningJobRequest.validate(start=tca0, hours=span_h, threshold_km=10.0, max_hours=1e6)
        q.submit(conn, aid, "screening", req.to_params(), f"user:{agency}/seed")
    c = q.claim(db, "seed", stale_s=60)
    rows = [{"job_id": c.job_id, "agency_id": aid, "norad_1": a, "name_1": na, "norad_2": b, "name_2": nb,
             "tca_ns": int(tca[k]), "miss_km": float(miss[k]), "radial_km": float(rtn[k, 0]),
             "in_track_km": float(rtn[k, 1]), "cross_track_km": float(rtn[k, 2]),
             "rel_speed_km_s": float(rng.uniform(0.1, 15)), "volume_ratio": None,
             "pc": None if np.isnan(pc[k]) else float(pc[k]), "created_at_ns": now_ns()}
            for k, (a, na, b, nb) in enumerate(pairs)]
    with db.tx() as conn:
        q.store_events(conn, rows)
        q.complete(conn, c, {"n_events": n})
    return rows
