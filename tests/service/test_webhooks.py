"""Webhooks: signed POSTs to a real loopback receiver (which checks the signature the way
docs/service.md tells receivers to), retried with backoff after a failure, every attempt
listed; a failing receiver does not hold up another; URLs and kinds validated; one agency's
webhooks invisible to another."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from orbitwatch.service import notify, webhooks
from orbitwatch.store.service_schema import agencies

from conftest import _world, free_port


def receiver_verify(secret: str, body: bytes, header: str, now: float, tolerance_s: float = 300) -> bool:
    """The check a receiver makes (docs/service.md, "Verifying a webhook"), written independently."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    t = int(fields["t"])
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(now - t) <= tolerance_s and hmac.compare_digest(expected, fields["sha256"])


class Receiver:
    """A threaded HTTP receiver on loopback: answers ``codes`` in turn (then 204), checks signatures."""

    def __init__(self, codes=()):
        self.codes = list(codes)
        self.secret = None
        self.got: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                sig = self.headers.get("X-Orbitwatch-Signature", "")
                outer.got.append({"body": json.loads(body), "signed": receiver_verify(outer.secret, body, sig,
                                                                                      time.time()),
                                  "tampered": receiver_verify(outer.secret, body + b" ", sig, time.time()),
                                  "event": self.headers.get("X-Orbitwatch-Event")})
                code = outer.codes.pop(0) if outer.codes else 204
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def hworld(db_url, tmp_path, sample_file):
    yield from _world(db_url, tmp_path, sample_file, webhook_allowed_hosts="127.0.0.1", webhook_backoff_s=0.05,
                      webhook_timeout_s=2.0, webhook_max_attempts=3)


@pytest.fixture()
def receiver():
    r = Receiver()
    yield r
    r.close()


def _aid(db, name):
    with db.read() as conn:
        return conn.execute(select(agencies.c.id).where(agencies.c.name == name)).scalar_one()


def _pump(w, done, timeout=10.0):
    """Run dispatcher rounds until ``done()``."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        webhooks.dispatch(w.db, w.settings)
        if done():
            return
        time.sleep(0.06)
    raise AssertionError("timed out")


def test_signed_delivery_is_retried_after_a_failure_and_every_attempt_is_listed(hworld, receiver):
    w = hworld
    receiver.codes = [500]  # the first attempt fails, the second is accepted
    r = w.client.post("/v1/webhooks", headers=w.h("CSA", "analyst"),
                      json={"url": receiver.url, "kinds": ["job.cancelled"], "description": "ops"})
    assert r.status_code == 201, r.text
    hook = r.json()
    receiver.secret = hook["secret"]
    assert hook["secret"].startswith("whsec_") and hook["kinds"] == ["job.cancelled"]
    listed = w.client.get("/v1/webhooks", headers=w.h("CSA", "viewer")).json()["webhooks"]
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]

    # a job cancelled through the API publishes job.cancelled to CSA in the cancel's transaction
    assert w.client.post("/v1/fleet", headers=w.h("CSA", "analyst"), json={"norad_id": 5}).status_code == 201
    job = w.client.post("/v1/jobs/screening", headers=w.h("CSA", "analyst"),
                        json={"start": "2023-10-09T12:00Z", "hours": 1}).json()
    assert w.client.post(f"/v1/jobs/{job['id']}/cancel", headers=w.h("CSA", "analyst")).json()["status"] == "cancelled"
    with w.db.tx() as conn:  # JAXA's news and CSA's other kinds do not reach this webhook
        notify.publish(conn, [_aid(w.db, "JAXA")], "job.cancelled", "job:999", {"job": 999})
        notify.publish(conn, [_aid(w.db, "CSA")], "job.done", "job:998", {"job": 998})

    _pump(w, lambda: len(receiver.got) >= 2)
    assert len(receiver.got) == 2
    assert all(g["signed"] and not g["tampered"] for g in receiver.got)
    body = receiver.got[1]["body"]
    assert body["kind"] == "job.cancelled" and body["agency"] == "CSA" and body["payload"]["job"] == job["id"]
    assert receiver.got[0]["body"] == body and receiver.got[1]["event"] == "job.cancelled"

    dl = w.client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=w.h("CSA", "viewer")).json()["deliveries"]
    assert len(dl) == 1 and dl[0]["status"] == "delivered" and dl[0]["attempts"] == 2
    log = dl[0]["attempt_log"]
    assert [a["status_code"] for a in log] == [500, 204] and log[0]["error"].startswith("HTTP 500")
    assert all(a["duration_ms"] > 0 for a in log) and log[1]["error"] == ""
    time.sleep(0.1)
    assert webhooks.dispatch(w.db, w.settings) == [] and len(receiver.got) == 2  # delivered once

    # another agency: the same 404 as a missing id; deleting stops deliveries
    assert w.client.get(f"/v1/webhooks/{hook['id']}", headers=w.h("JAXA", "admin")).status_code == 404
    assert w.client.delete(f"/v1/webhooks/{hook['id']}", headers=w.h("JAXA", "admin")).status_code == 404
    assert w.client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=w.h("JAXA", "admin")).status_code == 404
    assert w.client.delete(f"/v1/webhooks/{hook['id']}", headers=w.h("CSA", "viewer")).status_code == 403
    assert w.client.delete(f"/v1/webhooks/{hook['id']}", headers=w.h("CSA", "admin")).status_code == 204
    assert w.client.get("/v1/webhooks", headers=w.h("CSA", "admin")).json()["webhooks"] == []


def test_a_failing_receiver_holds_up_no_other_and_urls_are_validated(sqlite_url, tmp_path, sample_file, receiver):
    gen = _world(sqlite_url, tmp_path, sample_file, webhook_allowed_hosts="127.0.0.1", webhook_backoff_s=0.05,
                 webhook_timeout_s=1.0, webhook_max_attempts=2)
    w = next(gen)
    try:
        def post(url, **kw):
            return w.client.post("/v1/webhooks", headers=w.h("CSA", "analyst"), json={"url": url, **kw})

        for url, why in [("ftp://example.org/x", "http"), ("http://10.1.2.3/x", "non-public"),
                         ("http://[::1]/x", "non-public"), ("http://localhost/x", "non-public"),
                         ("http://user:pw@example.org/x", "password"), ("http:///x", "host")]:
            r = post(url)
            assert r.status_code == 422 and why in r.json()["error"]["reason"], (url, r.text)
            assert r.json()["error"]["field"] == "url"
        assert post("http://127.0.0.1:9/x", kinds=["job.exploded"]).status_code == 422
        assert w.client.post("/v1/webhooks", headers=w.h("CSA", "viewer"),
                             json={"url": "https://example.org/x"}).status_code == 403

        dead = free_port()  # nothing listens there: connection refused, every time
        bad = w.client.post("/v1/webhooks", headers=w.h("CSA", "admin"),
                            json={"url": f"http://127.0.0.1:{dead}/x"}).json()
        good = w.client.post("/v1/webhooks", headers=w.h("CSA", "admin"), json={"url": receiver.url}).json()
        receiver.secret = good["secret"]
        with w.db.tx() as conn:
            notify.publish(conn, [_aid(w.db, "CSA")], "event.alert", "event:1", {"pc": 1e-4})
            notify.publish(conn, [_aid(w.db, "CSA")], "job.progress", "job:1", {"done": 1})  # not by default
        first = webhooks.dispatch(w.db, w.settings)
        assert sorted(a["status"] for a in first) == ["delivered", "pending"]
        assert len(receiver.got) == 1 and receiver.got[0]["signed"]
        assert receiver.got[0]["body"]["kind"] == "event.alert"
        _pump(w, lambda: w.client.get(f"/v1/webhooks/{bad['id']}/deliveries", headers=w.h("CSA", "admin"))
              .json()["deliveries"][0]["status"] == "failed")
        dl = w.client.get(f"/v1/webhooks/{bad['id']}/deliveries", headers=w.h("CSA", "admin")).json()["deliveries"]
        assert dl[0]["attempts"] == 2 and [a["status_code"] for a in dl[0]["attempt_log"]] == [None, None]
        assert "Connect" in dl[0]["attempt_log"][0]["error"]
        assert len(receiver.got) == 1
    finally:
        gen.close()


def test_private_addresses_need_the_allow_list():
    with pytest.raises(Exception, match="non-public"):  # no allow-list: loopback and private hosts refused
        webhooks.check_url("http://127.0.0.1:9/x", set())
    with pytest.raises(Exception, match="non-public"):
        webhooks.check_url("http://169.254.169.254/latest/meta-data", set())
    assert webhooks.check_url("http://127.0.0.1:9/x", {"127.0.0.1"}) == "http://127.0.0.1:9/x"
