"""Schedules: the API (roles, validation, another agency's schedule a 404), and two schedulers
racing on the same database submit exactly one screening job per due time."""

from __future__ import annotations

import json
import threading

import numpy as np
from sqlalchemy import select

from orbitwatch.service import schedules as sch
from orbitwatch.service.db import ServiceDB
from orbitwatch.store.notify_schema import schedules
from orbitwatch.store.service_schema import jobs

HOUR = 3600 * 10**9
T0 = int(np.datetime64("2023-10-09T00:00:00", "ns").astype(np.int64))


def test_schedule_api(sqlite_world):
    w = sqlite_world
    r = w.client.post("/v1/schedules", headers=w.h("CSA", "analyst"), json={"first_run": "2023-10-09T00:00Z"})
    assert r.status_code == 201, r.text
    s = r.json()
    assert s["every_hours"] == 8.0 and s["params"] == {"hours": 72.0, "threshold_km": 5.0}  # SDC-like default
    assert s["next_run"] == "2023-10-09T00:00:00.000Z" and s["kind"] == "screening"
    assert [x["id"] for x in w.client.get("/v1/schedules", headers=w.h("CSA", "viewer")).json()["schedules"]] \
        == [s["id"]]
    assert w.client.get(f"/v1/schedules/{s['id']}", headers=w.h("JAXA", "admin")).status_code == 404
    assert w.client.get("/v1/schedules", headers=w.h("JAXA", "admin")).json()["schedules"] == []
    assert w.client.post("/v1/schedules", headers=w.h("CSA", "viewer"), json={}).status_code == 403
    bad = w.client.post("/v1/schedules", headers=w.h("CSA", "analyst"), json={"every_hours": 0.25})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "every_hours"
    bad = w.client.post("/v1/schedules", headers=w.h("CSA", "analyst"), json={"hours": 500})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "hours"
    assert w.client.delete(f"/v1/schedules/{s['id']}", headers=w.h("JAXA", "admin")).status_code == 404
    assert w.client.delete(f"/v1/schedules/{s['id']}", headers=w.h("CSA", "analyst")).status_code == 204
    assert w.client.get("/v1/schedules", headers=w.h("CSA", "viewer")).json()["schedules"] == []


def test_two_schedulers_submit_one_job_per_due_time(world):
    w = world
    assert w.client.post("/v1/fleet", headers=w.h("CSA", "analyst"), json={"norad_id": 5}).status_code == 201
    s = w.client.post("/v1/schedules", headers=w.h("CSA", "analyst"),
                      json={"first_run": "2023-10-09T00:00Z", "every_hours": 8, "hours": 2}).json()
    # the two schedulers of two "processes": their own engines on the same database
    dbs = [ServiceDB(w.settings), ServiceDB(w.settings)]
    steps = [T0 + k * HOUR // 2 for k in range(0, 2 * 40 + 1)]  # every half hour for 40 h
    barrier = threading.Barrier(2)
    claimed: list[list[dict]] = [[], []]

    def scheduler(k):
        for now in steps:
            barrier.wait()
            claimed[k] += sch.tick(dbs[k], w.settings, now=now, actor=f"scheduler:{k}")

    threads = [threading.Thread(target=scheduler, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    for db in dbs:
        db.close()
    due = [T0 + k * 8 * HOUR for k in range(6)]  # 00, 08, 16 h of two days; 40 h is the last step
    with w.db.read() as conn:
        got = conn.execute(select(jobs.c.params, jobs.c.created_by).order_by(jobs.c.id)).all()
        row = conn.execute(select(schedules).where(schedules.c.id == s["id"])).mappings().one()
    starts = [json.loads(p)["start"] for p, _ in got]
    assert starts == [sch.iso(t) for t in due]  # one job per due time, in order, none twice
    assert {c for _, c in got} == {f"schedule:{s['id']}"}
    assert sorted(d["due"] for d in claimed[0] + claimed[1]) == [sch.iso(t) for t in due]
    assert row["next_run_ns"] == T0 + 48 * HOUR and row["last_run_ns"] == T0 + 40 * HOUR

    # a dispatcher that was away for 30 h runs once, for the latest due time, and moves on
    late = sch.tick(w.db, w.settings, now=T0 + 80 * HOUR)
    assert [d["due"] for d in late] == [sch.iso(T0 + 80 * HOUR)]
    assert sch.tick(w.db, w.settings, now=T0 + 80 * HOUR + HOUR) == []
    job = w.client.get(f"/v1/jobs/{late[0]['job']}", headers=w.h("CSA", "viewer")).json()
    assert job["params"]["start"] == "2023-10-12T08:00:00.000Z" and job["params"]["stop"] == "2023-10-12T10:00:00.000Z"
