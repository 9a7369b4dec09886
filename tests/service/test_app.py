"""Step 1: the app, its settings, the error table, request ids, health, readiness, metrics, OpenAPI."""

from __future__ import annotations

import pytest

from orbitwatch import errors as E
from orbitwatch.service.errors import HTTP_STATUS, Forbidden, Unauthenticated, status_for
from orbitwatch.store import head_revision


def test_error_table_maps_every_family():
    cases = {E.InvalidRequestError("f", "r"): 422, E.ResourceLimitError("f", "r"): 413,
             E.DataError("s", 1, "f", "r"): 422, E.ElementSetError("s", 1, "f", "r"): 422,
             E.InputFileError("s", "binary"): 422, E.NotFoundError("x"): 404, E.ConflictError("t", "r"): 409,
             E.UnavailableError("db", "down"): 503, E.StoreError("down"): 503, E.CancelledError("stop"): 409,
             E.PropagationError("p"): 500, E.OrbitwatchError("x"): 500, Unauthenticated(): 401,
             Forbidden("admin", "viewer"): 403, RuntimeError("bug"): 500}
    assert {type(e).__name__: status_for(e) for e in cases} == {type(e).__name__: s for e, s in cases.items()}
    # specific classes come before their bases (a ResourceLimitError is an InvalidRequestError)
    classes = [c for c, _ in HTTP_STATUS]
    for i, c in enumerate(classes):
        assert not any(issubclass(c, earlier) for earlier in classes[:i]), c


def test_health_ready_metrics_openapi(world):
    c = world.client
    assert c.get("/healthz").json()["status"] == "ok"
    r = c.get("/readyz")
    assert r.status_code == 200 and r.json()["ready"] and r.json()["revision"] == r.json()["head"] == head_revision()
    c.get("/v1/catalog/objects", headers=world.h())
    m = c.get("/metrics")
    assert m.status_code == 200 and "orbitwatch_http_requests_total" in m.text
    assert 'route="/v1/catalog/objects"' in m.text
    doc = c.get("/openapi.json").json()
    for path in ("/healthz", "/readyz", "/v1/catalog/objects", "/v1/fleet", "/v1/jobs/screening", "/v1/events",
                 "/v1/admin/audit", "/v1/auth/login"):
        assert path in doc["paths"], path


def test_request_id_echoed_or_made(world):
    c = world.client
    r = c.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert r.headers["X-Request-ID"] == "abc-123"
    r = c.get("/healthz", headers={"X-Request-ID": "bad id with spaces\n"})
    assert r.headers["X-Request-ID"] != "bad id with spaces" and len(r.headers["X-Request-ID"]) == 32
    r = c.get("/v1/catalog/objects/999999", headers={**world.h(), "X-Request-ID": "rid-404"})
    assert r.status_code == 404
    assert r.json() == {"error": {"type": "NotFoundError", "message": "object 999999 not found",
                                  "request_id": "rid-404"}}


def test_error_bodies_are_structured(world):
    c = world.client
    r = c.get("/v1/me")
    assert r.status_code == 401 and r.json()["error"]["type"] == "Unauthenticated"
    assert r.headers["WWW-Authenticate"] == "Bearer"
    r = c.get("/v1/catalog/objects", params={"limit": 0}, headers=world.h())
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["type"] == "InvalidRequestError" and err["field"] == "limit" and err["value"] == "0"
    r = c.post("/v1/jobs/screening", json={"start": "2023-10-09T12:00Z", "hours": 1, "threshold_km": -3},
               headers=world.h("CSA", "analyst"))
    # the library's own validation, through the service's table
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] in ("threshold_km", "fleet")
    r = c.get("/no/such/route")
    assert r.status_code == 404 and r.json()["error"]["type"] == "HTTPError"
    assert "Traceback" not in r.text


def test_readyz_is_503_when_the_database_is_behind(sqlite_world):
    from alembic import command

    from orbitwatch.store.engine import _alembic_config

    cfg = _alembic_config()
    with sqlite_world.db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    r = sqlite_world.client.get("/readyz")
    assert r.status_code == 503 and r.json()["ready"] is False and r.json()["revision"] == "0001"


def test_readyz_is_503_when_the_database_is_away(tmp_path, settings_for):
    from fastapi.testclient import TestClient

    from orbitwatch.service import create_app
    from orbitwatch.service.db import ServiceDB

    settings = settings_for(f"sqlite:///{tmp_path / 'gone.db'}", tmp_path)
    db = ServiceDB(settings)
    app = create_app(settings, db=db)
    (tmp_path / "gone.db").unlink()
    (tmp_path / "gone.db").mkdir()  # a folder where the file was: the database cannot open
    db.engine.dispose()
    with TestClient(app) as c:
        r = c.get("/readyz")
    assert r.status_code == 503 and r.json()["database"] == "unreachable"


def test_settings_from_environment(monkeypatch, tmp_path):
    from orbitwatch.errors import InvalidRequestError
    from orbitwatch.service.settings import load_settings

    monkeypatch.setenv("ORBITWATCH_HOME", str(tmp_path))
    monkeypatch.delenv("ORBITWATCH_DATABASE_URL", raising=False)
    monkeypatch.setenv("ORBITWATCH_MAX_UPLOAD_BYTES", "1234")
    monkeypatch.setenv("ORBITWATCH_COOKIE_SECURE", "false")
    s = load_settings()
    assert s.max_upload_bytes == 1234 and s.cookie_secure is False
    assert s.resolved_database_url() == f"sqlite:///{tmp_path}/orbitwatch.db"
    env = tmp_path / "service.env"
    env.write_text("ORBITWATCH_JOB_POLL_S=2.5\n")
    assert load_settings(str(env)).job_poll_s == 2.5
    monkeypatch.setenv("ORBITWATCH_JOB_POLL_S", "-1")
    with pytest.raises(InvalidRequestError) as ei:
        load_settings()
    assert ei.value.field == "ORBITWATCH_JOB_POLL_S"


def test_settings_table_documents_every_setting():
    from pathlib import Path

    from orbitwatch.service import ServiceSettings

    doc = (Path(__file__).resolve().parents[2] / "docs" / "service.md").read_text()
    for name in ServiceSettings.model_fields:
        assert f"ORBITWATCH_{name.upper()}" in doc, name


def test_rate_limits_answer_429_with_retry_after(sqlite_url, tmp_path, sample_file):
    from conftest import _world

    gen = _world(sqlite_url, tmp_path, sample_file, rate_limit_key_per_minute=3, rate_limit_address_per_minute=6)
    w = next(gen)
    try:
        codes = [w.client.get("/v1/me", headers=w.h("CSA", "viewer")).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = w.client.get("/v1/me", headers=w.h("CSA", "viewer"))
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        err = r.json()["error"]
        assert err["type"] == "RateLimited" and err["scope"] == "key" and err["limit_per_minute"] == 3
        # another key has its own budget, until the address limit (6 per minute) is reached
        assert w.client.get("/v1/me", headers=w.h("JAXA", "viewer")).status_code == 200
        r = w.client.get("/v1/me", headers=w.h("JAXA", "viewer"))
        assert r.status_code == 429 and r.json()["error"]["scope"] == "address" and r.headers["Retry-After"]
        assert w.client.get("/healthz").status_code == 200  # probes are never limited
    finally:
        gen.close()


def test_a_too_large_body_is_refused_before_it_is_read(sqlite_world):
    r = sqlite_world.client.post("/v1/catalog/uploads", headers={**sqlite_world.h("CSA", "analyst"),
                                                                 "Content-Length": str(10**12)}, content=b"x")
    assert r.status_code == 413 and r.json()["error"]["field"] == "body"
