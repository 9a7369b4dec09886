"""Step 5: jobs claimed atomically (FOR UPDATE SKIP LOCKED / one UPDATE ... RETURNING), heartbeats,
a dead worker's job taken again and completed once, progress and cancel, screening results as
events visible per the rules; in-process and in real worker processes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time

import numpy as np
import pytest
from sqlalchemy import func, select, update

from orbitwatch.service import jobs as q
from orbitwatch.service import notify
from orbitwatch.store.service_schema import agencies, events, jobs

from conftest import PYTHON, subprocess_env

SPAN = {"start": "2023-10-09T12:00Z", "hours": 2, "threshold_km": 50}
PARAMS = {"start": "2023-10-09T12:00:00.000Z", "stop": "2023-10-09T14:00:00.000Z", "threshold_km": 50.0,
          "backend": None}


def _aid(db, name):
    with db.read() as conn:
        return conn.execute(select(agencies.c.id).where(agencies.c.name == name)).scalar_one()


def _wait(fn, timeout=240.0, every=0.2):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        v = fn()
        if v:
            return v
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s")


def _job(db, jid):
    with db.read() as conn:
        return conn.execute(select(jobs).where(jobs.c.id == jid)).mappings().one()


def test_claims_are_atomic_under_concurrency(world):
    aid = _aid(world.db, "CSA")
    with world.db.tx() as conn:
        ids = [q.submit(conn, aid, "screening", PARAMS, "test") for _ in range(24)]
    got: list[int] = []
    lock = threading.Lock()

    def claimer(k):
        while True:
            c = q.claim(world.db, f"w{k}", stale_s=60)
            if c is None:
                return
            with lock:
                got.append(c.job_id)

    threads = [threading.Thread(target=claimer, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == ids  # each job exactly once
    with world.db.read() as conn:
        assert set(conn.execute(select(jobs.c.status)).scalars()) == {"running"}


def test_a_stale_job_is_taken_again_and_the_old_claim_is_void(world):
    aid = _aid(world.db, "CSA")
    with world.db.tx() as conn:
        jid = q.submit(conn, aid, "screening", PARAMS, "test")
    first = q.claim(world.db, "dead-worker", stale_s=60)
    assert first.job_id == jid and first.attempts == 1
    assert q.claim(world.db, "other", stale_s=60) is None  # alive: nobody else takes it
    assert q.heartbeat(world.db, first, 1, 10, "screening") == (True, False)
    with world.db.tx() as conn:  # the worker stops heart-beating
        conn.execute(update(jobs).where(jobs.c.id == jid).values(heartbeat_ns=1))
    second = q.claim(world.db, "new-worker", stale_s=60)
    assert second.job_id == jid and second.attempts == 2 and second.token != first.token
    # the first worker comes back: it can neither heartbeat nor complete
    assert q.heartbeat(world.db, first) == (False, True)
    with pytest.raises(q.LostClaim), world.db.tx() as conn:
        q.store_events(conn, [])
        q.complete(conn, first, {"n_events": 0})
    with world.db.tx() as conn:
        q.complete(conn, second, {"n_events": 0})
    row = _job(world.db, jid)
    assert row["status"] == "done" and row["worker"] == "new-worker" and row["attempts"] == 2
    with world.db.read() as conn:  # job.done published once, with the completion (the lost claim's rolled back)
        got = [(n["kind"], n["subject"], n["payload"]) for n in notify.since(conn, aid)]
    assert got == [("job.done", f"job:{jid}", {"job": jid, "kind": "screening", "status": "done", "n_events": 0})]


def test_a_job_that_keeps_losing_its_worker_fails(world):
    aid = _aid(world.db, "CSA")
    with world.db.tx() as conn:
        jid = q.submit(conn, aid, "screening", PARAMS, "test")
    for _ in range(2):
        assert q.claim(world.db, "w", stale_s=60, max_attempts=2).job_id == jid
        with world.db.tx() as conn:
            conn.execute(update(jobs).where(jobs.c.id == jid).values(heartbeat_ns=1))
    assert q.claim(world.db, "w", stale_s=60, max_attempts=2) is None
    row = _job(world.db, jid)
    assert row["status"] == "failed" and json.loads(row["error"])["type"] == "WorkerLost"
    with world.db.read() as conn:
        got = notify.since(conn, aid)
    assert [n["kind"] for n in got] == ["job.failed"] and got[0]["payload"]["error"]["type"] == "WorkerLost"


def test_submit_validates_before_queueing(world):
    c = world.client
    h = world.h("CSA", "analyst")
    r = c.post("/v1/jobs/screening", json=SPAN, headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "fleet"
    c.post("/v1/fleet", json={"norad_id": 12}, headers=h)
    for body, field in [({**SPAN, "threshold_km": 0}, "threshold_km"), ({**SPAN, "hours": 24 * 30}, "hours"),
                        ({**SPAN, "stop": "2023-10-09T13:00Z"}, "hours"), ({**SPAN, "start": "yesterday"}, "start"),
                        ({**SPAN, "backend": "gpu"}, "backend")]:
        r = c.post("/v1/jobs/screening", json=body, headers=h)
        assert r.status_code == 422, body
        assert r.json()["error"]["field"] == field, (body, r.json())
    assert c.post("/v1/jobs/screening", json=SPAN, headers=world.h("CSA", "viewer")).status_code == 403
    with world.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(jobs)).scalar_one() == 0
    r = c.post("/v1/jobs/screening", json=SPAN, headers=h)
    assert r.status_code == 202 and r.json()["status"] == "queued"
    assert r.json()["params"]["stop"] == "2023-10-09T14:00:00.000Z"
    jid = r.json()["id"]
    r = c.post(f"/v1/jobs/{jid}/cancel", headers=h)
    assert r.status_code == 200 and r.json()["status"] == "cancelled"
    assert q.claim(world.db, "w", stale_s=60) is None


@pytest.fixture(scope="module")
def reference_events(sample_file):
    """The screening the jobs must reproduce, straight from the library."""
    from orbitwatch.catalog import Catalog
    from orbitwatch.conjunction import screen
    from orbitwatch.elements import read_elements

    cat = Catalog(read_elements(sample_file).elements)
    return screen(cat, "2023-10-09T12:00", "2023-10-09T14:00", threshold_km=50.0, primaries=[12]).events


def _events_of(world, agency, role="viewer", **params):
    r = world.client.get("/v1/events", params=params, headers=world.h(agency, role))
    assert r.status_code == 200
    return r.json()["events"]


@pytest.fixture()
def inproc_world(db_url, tmp_path, sample_file):
    from conftest import _world

    yield from _world(db_url, tmp_path, sample_file, jobs_in_process=True)


def test_screening_job_in_process_and_event_visibility(inproc_world, reference_events):
    w = inproc_world
    c = w.client
    assert len(reference_events) >= 1
    assert c.post("/v1/fleet", json={"norad_id": 12}, headers=w.h("CSA", "analyst")).status_code == 201
    others = sorted(set(reference_events.norad_2.tolist()))
    assert c.post("/v1/fleet", json={"norad_id": others[0]}, headers=w.h("JAXA", "analyst")).status_code == 201
    jid = c.post("/v1/jobs/screening", json=SPAN, headers=w.h("CSA", "analyst")).json()["id"]
    job = _wait(lambda: (j := c.get(f"/v1/jobs/{jid}", headers=w.h("CSA", "viewer")).json())["status"]
                in ("done", "failed", "cancelled") and j)
    assert job["status"] == "done", job
    assert job["result"]["n_events"] == len(reference_events) and job["result"]["n_primaries"] == 1
    assert job["progress"]["stage"] == "done" and job["attempts"] == 1
    got = _events_of(w, "CSA", job_id=jid)
    assert [(e["norad_1"], e["norad_2"]) for e in got] == list(zip(reference_events.norad_1.tolist(),
                                                                  reference_events.norad_2.tolist()))
    np.testing.assert_allclose([e["miss_km"] for e in got], reference_events.miss_km, rtol=1e-9)
    assert got[0]["tca"].startswith(np.datetime_as_string(reference_events.tca[0], unit="s"))
    # JAXA operates the other object of the first event: it sees that event, not the job
    seen = _events_of(w, "JAXA")
    assert {(e["norad_1"], e["norad_2"]) for e in seen} == {
        (a, b) for a, b in zip(reference_events.norad_1.tolist(), reference_events.norad_2.tolist()) if b == others[0]}
    assert c.get(f"/v1/jobs/{jid}", headers=w.h("JAXA", "admin")).status_code == 404
    # ESA operates neither: nothing
    assert _events_of(w, "ESA") == []
    assert c.get(f"/v1/events/{got[0]['id']}", headers=w.h("ESA", "admin")).status_code == 404
    # CSA shares its events with ESA: now ESA sees the job and all its events
    r = c.post("/v1/shares", json={"grantee": "ESA", "what": "events"}, headers=w.h("CSA", "admin"))
    assert r.status_code == 201
    assert len(_events_of(w, "ESA")) == len(got)
    assert c.get(f"/v1/jobs/{jid}", headers=w.h("ESA", "viewer")).status_code == 200
    # ... but cannot cancel it
    assert c.post(f"/v1/jobs/{jid}/cancel", headers=w.h("ESA", "admin")).status_code == 404


@pytest.fixture()
def inproc_world_quick_beat(db_url, tmp_path, sample_file):
    """The in-process world with a heartbeat every 50 ms: the heartbeat is what carries a cancel request
    to a running job, and this job takes well under a second (at the default 0.5 s it could finish
    before the next beat, more so on a loaded machine)."""
    from conftest import _world

    yield from _world(db_url, tmp_path, sample_file, jobs_in_process=True, job_heartbeat_s=0.05)


def test_cancel_a_running_job(inproc_world_quick_beat):
    w = inproc_world_quick_beat
    c = w.client
    for n in (5, 11, 12, 16, 20):
        c.post("/v1/fleet", json={"norad_id": n}, headers=w.h("CSA", "analyst"))
    body = {"start": "2023-10-09T00:00Z", "days": 6, "threshold_km": 100}
    jid = c.post("/v1/jobs/screening", json=body, headers=w.h("CSA", "analyst")).json()["id"]
    _wait(lambda: c.get(f"/v1/jobs/{jid}", headers=w.h()).json()["status"] == "running", every=0.05)
    r = c.post(f"/v1/jobs/{jid}/cancel", headers=w.h("CSA", "analyst"))
    assert r.status_code == 200 and r.json()["cancel_requested"] is True
    job = _wait(lambda: (j := c.get(f"/v1/jobs/{jid}", headers=w.h()).json())["status"] != "running" and j)
    assert job["status"] == "cancelled", job
    assert job["error"]["type"] == "CancelledError"
    assert _events_of(w, "CSA", job_id=jid) == []


def _start_worker(db_url, home, *args):
    env = subprocess_env(db_url, home, ORBITWATCH_JOB_POLL_S=0.2, ORBITWATCH_JOB_HEARTBEAT_S=0.5,
                         ORBITWATCH_JOB_STALE_S=4)
    log = open(home / f"worker-{time.monotonic_ns()}.log", "wb")  # a file, never a pipe nobody reads
    proc = subprocess.Popen([PYTHON, "-m", "orbitwatch.service.worker", *args], env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    proc.log_path = log.name
    log.close()
    return proc


def _logs(procs) -> str:
    from pathlib import Path

    return "\n".join(f"--- worker {p.pid}:\n" + Path(p.log_path).read_text(errors="replace")[-3000:] for p in procs)


def test_worker_processes_share_the_queue_and_survive_kill_9(world, tmp_path, reference_events):
    """Two real worker processes; one is killed with SIGKILL mid-job; each job completes exactly once."""
    aid = _aid(world.db, "CSA")
    world.client.post("/v1/fleet", json={"norad_id": 12}, headers=world.h("CSA", "analyst"))
    with world.db.tx() as conn:
        ids = [q.submit(conn, aid, "screening", PARAMS, "test") for _ in range(2)]
    url = world.settings.database_url
    victim = _start_worker(url, tmp_path)
    procs = [victim]
    try:
        _wait(lambda: _job(world.db, ids[0])["status"] == "running", every=0.05)
        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(10)
        assert _job(world.db, ids[0])["status"] == "running"  # orphaned: nobody heart-beats it now
        # survivors keep polling: the orphan becomes claimable only once its heartbeat is stale (4 s here),
        # so "--once" workers could finish the queue and exit before that
        procs += [_start_worker(url, tmp_path), _start_worker(url, tmp_path)]
        try:
            _wait(lambda: all(_job(world.db, j)["status"] == "done" for j in ids), timeout=300)
        except AssertionError:
            raise AssertionError(f"jobs {[dict(_job(world.db, j)) for j in ids]}\n{_logs(procs)}") from None
        for p in procs[1:]:
            p.send_signal(signal.SIGTERM)  # a graceful stop
        for p in procs[1:]:
            assert p.wait(60) == 0, _logs(procs)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)
    first = _job(world.db, ids[0])
    assert first["attempts"] == 2 and first["worker"] and json.loads(first["result"])["n_events"] == len(
        reference_events)
    with world.db.read() as conn:
        per_job = dict(conn.execute(select(events.c.job_id, func.count()).group_by(events.c.job_id)).all())
    assert per_job == {j: len(reference_events) for j in ids}
    # finished by the survivors, not by the killed worker
    assert all(f":{victim.pid}:" not in _job(world.db, j)["worker"] for j in ids)
