"""The event stream over a real uvicorn on loopback, read with httpx streaming: the caller
agency's notifications as SSE (id, event, data), never another agency's; heartbeats; resumed
with Last-Event-ID; the connection ends at its lifetime; cookie sessions work too; job
progress is published throttled."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from sqlalchemy import select

from orbitwatch.service import create_app, notify
from orbitwatch.service import jobs as q
from orbitwatch.store.service_schema import agencies

from conftest import free_port


def _aid(db, name):
    with db.read() as conn:
        return conn.execute(select(agencies.c.id).where(agencies.c.name == name)).scalar_one()


def _serve(world):
    import uvicorn

    settings = world.settings.model_copy(update={"stream_poll_s": 0.05, "stream_heartbeat_s": 0.3,
                                                 "stream_max_s": 1.5})
    app = create_app(settings, db=world.db)
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    t = threading.Thread(target=srv.run, daemon=True)
    t.start()
    t0 = time.monotonic()
    while not srv.started:
        assert time.monotonic() - t0 < 20, "uvicorn did not start"
        time.sleep(0.02)
    yield world, f"http://127.0.0.1:{port}"
    srv.should_exit = True
    t.join(10)


@pytest.fixture()
def server(world):
    yield from _serve(world)


@pytest.fixture()
def sqlite_server(sqlite_world):
    yield from _serve(sqlite_world)


def read_sse(resp, stop_after=None, timeout=8.0, on_open=None):
    """Parse a text/event-stream: (events as dicts, comment lines). ``on_open`` runs at the first
    line (the stream's start point is fixed by then)."""
    events, comments, cur = [], [], {}
    t0 = time.monotonic()
    for line in resp.iter_lines():
        if on_open is not None:
            on_open()
            on_open = None
        if line.startswith(":"):
            comments.append(line)
        elif line == "":
            if "data" in cur:
                cur["data"] = json.loads(cur["data"])
                events.append(cur)
                if stop_after and len(events) >= stop_after:
                    break
            cur = {}
        else:
            k, _, v = line.partition(":")
            cur[k] = v[1:] if v.startswith(" ") else v
        assert time.monotonic() - t0 < timeout
    return events, comments


def test_stream_carries_only_the_callers_notifications_and_resumes(server):
    w, base = server
    csa, jaxa = _aid(w.db, "CSA"), _aid(w.db, "JAXA")
    with w.db.tx() as conn:  # before the connection: not replayed without Last-Event-ID
        old = notify.publish(conn, [csa], "job.done", "job:1", {"job": 1})[0]

    def publish_later():
        time.sleep(0.4)
        for kind, who, subject in [("job.done", [jaxa], "job:2"), ("event.alert", [csa], "event:7"),
                                   ("job.failed", [jaxa], "job:3"), ("catalog.ingested", [csa, jaxa], "import:4")]:
            with w.db.tx() as conn:
                notify.publish(conn, who, kind, subject, {"subject": subject})
            time.sleep(0.05)

    with httpx.Client(timeout=10) as c, c.stream("GET", f"{base}/v1/stream", headers=w.h("CSA", "viewer")) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events, comments = read_sse(r, stop_after=2,
                                    on_open=threading.Thread(target=publish_later, daemon=True).start)
    assert [e["event"] for e in events] == ["event.alert", "catalog.ingested"]
    assert [e["data"]["subject"] for e in events] == ["event:7", "import:4"]
    assert all(int(e["id"]) == e["data"]["id"] and int(e["id"]) > old for e in events)
    assert any("heartbeat" in c for c in comments)  # 0.5 s of silence first

    # resumed after the first event: the second is replayed, then the lifetime ends the stream;
    # JAXA's notifications (ids between them) never appear
    resume = {**w.h("CSA", "viewer"), "Last-Event-ID": events[0]["id"]}
    with httpx.Client(timeout=10) as c, c.stream("GET", f"{base}/v1/stream", headers=resume) as r:
        t0 = time.monotonic()
        again, comments = read_sse(r)
        lasted = time.monotonic() - t0
    assert [e["data"]["subject"] for e in again] == ["import:4"] and 1.2 < lasted < 5.0
    assert any("lifetime" in c for c in comments)

    # JAXA sees its own, from the start (after=0), and none of CSA's alone
    jaxa_h = w.h("JAXA", "viewer")
    with httpx.Client(timeout=10) as c, c.stream("GET", f"{base}/v1/stream?after=0", headers=jaxa_h) as r:
        theirs, _ = read_sse(r, stop_after=3)
    assert [e["data"]["subject"] for e in theirs] == ["job:2", "job:3", "import:4"]

    # no credentials: 401; a stream open is audited
    assert httpx.get(f"{base}/v1/stream", timeout=5).status_code == 401
    audit = w.client.get("/v1/admin/audit?action=stream.open", headers=w.h("CSA", "admin")).json()
    assert len(audit["records"]) == 2


def test_stream_with_a_cookie_session_and_job_progress(sqlite_server):
    w, base = sqlite_server
    with httpx.Client(base_url=base, timeout=10) as c:
        r = c.post("/v1/auth/login", json={"agency": "CSA", "username": "analyst1",
                                           "password": "CSA-analyst-password"})
        assert r.status_code == 200, r.text
        csa = _aid(w.db, "CSA")
        with w.db.tx() as conn:
            jid = q.submit(conn, csa, "screening", {"start": "2023-10-09T12:00:00.000Z",
                                                     "stop": "2023-10-09T13:00:00.000Z", "threshold_km": 5.0,
                                                     "backend": None}, "test")
        claim = q.claim(w.db, "w", stale_s=60)

        def progress():
            time.sleep(0.4)
            q.heartbeat(w.db, claim, 1, 4, "screening", announce_progress=True)
            q.heartbeat(w.db, claim, 2, 4, "screening")  # not announced (throttled by the worker)
            q.finish_failed(w.db, claim, "failed", {"type": "X", "message": "stopped by the test"})

        with c.stream("GET", "/v1/stream") as r:  # the session cookie, no key
            assert r.status_code == 200
            events, _ = read_sse(r, stop_after=2, on_open=threading.Thread(target=progress, daemon=True).start)
    assert [e["event"] for e in events] == ["job.progress", "job.failed"]
    assert events[0]["data"]["payload"] == {"job": jid, "kind": "screening", "done": 1, "total": 4,
                                            "stage": "screening"}
    assert events[1]["data"]["payload"]["error"]["message"] == "stopped by the test"
