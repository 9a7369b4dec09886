"""Step 2: agencies, users, roles, API keys (hashed, expiring, revocable), password sessions with
CSRF protection, and the admin CLI that sets it all up."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from orbitwatch.store.service_schema import api_keys, users


def test_keys_authenticate_and_carry_agency_and_role(world):
    r = world.client.get("/v1/me", headers=world.h("JAXA", "analyst"))
    assert r.status_code == 200
    me = r.json()
    assert (me["agency"], me["role"], me["via"], me["user"]) == ("JAXA", "analyst", "key", "analyst1")
    # X-API-Key works too
    r = world.client.get("/v1/me", headers={"X-API-Key": world.keys[("CSA", "viewer")]})
    assert r.json()["role"] == "viewer"


def test_keys_are_stored_hashed(world):
    key = world.keys[("CSA", "admin")]
    with world.db.read() as conn:
        stored = [tuple(r) for r in conn.execute(select(api_keys.c.key_id, api_keys.c.secret_hash)).all()]
    secret = key.split(".", 1)[1]
    assert all(secret not in h and secret != h for _, h in stored)
    assert key[3:15] in {k for k, _ in stored}


@pytest.mark.parametrize("bad", ["", "ow_", "ow_0123456789ab.tooshort", "Bearer x", "ow_0123456789ab." + "x" * 43,
                                 "ow_zzzzzzzzzzzz." + "x" * 43])
def test_bad_keys_are_401(world, bad):
    r = world.client.get("/v1/me", headers={"Authorization": f"Bearer {bad}"})
    assert r.status_code == 401, bad
    assert r.json()["error"]["type"] == "Unauthenticated"


def test_tampered_secret_is_401(world):
    key = world.keys[("CSA", "admin")]
    wrong = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert world.client.get("/v1/me", headers={"Authorization": f"Bearer {wrong}"}).status_code == 401


def test_expired_and_revoked_keys_are_refused(world, cli):
    runner, app = cli
    key = world.keys[("CSA", "analyst")]
    kid = key[3:15]
    with world.db.tx() as conn:
        conn.execute(update(api_keys).where(api_keys.c.key_id == kid).values(expires_at_ns=1))
    r = world.client.get("/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 401 and "expired" in r.json()["error"]["message"]
    key2 = world.keys[("CSA", "viewer")]
    assert world.client.get("/v1/me", headers={"Authorization": f"Bearer {key2}"}).status_code == 200
    res = runner.invoke(app, ["admin", "key", "revoke", key2[3:15], "--db-url", world.settings.database_url])
    assert res.exit_code == 0, res.output
    r = world.client.get("/v1/me", headers={"Authorization": f"Bearer {key2}"})
    assert r.status_code == 401 and "revoked" in r.json()["error"]["message"]


def test_disabled_user_keys_stop_working(world):
    with world.db.tx() as conn:
        conn.execute(update(users).where(users.c.username == "coordinator1").values(active=False))
    assert world.client.get("/v1/me", headers=world.h("CSA", "coordinator")).status_code == 401


def test_roles_limit_actions(world, sample_text):
    c = world.client
    files = {"file": ("one.3le", "\n".join(sample_text.splitlines()[:3]) + "\n")}
    r = c.post("/v1/catalog/uploads", files=files, headers=world.h("CSA", "viewer"))
    assert r.status_code == 403
    err = r.json()["error"]
    assert err["type"] == "Forbidden" and err["needed_role"] == "analyst" and err["role"] == "viewer"
    r = c.post("/v1/fleet", json={"norad_id": 5}, headers=world.h("CSA", "viewer"))
    assert r.status_code == 403
    r = c.post("/v1/shares", json={"grantee": "JAXA", "what": "fleet"}, headers=world.h("CSA", "analyst"))
    assert r.status_code == 403
    r = c.get("/v1/admin/audit", headers=world.h("CSA", "coordinator"))
    assert r.status_code == 403
    assert c.post("/v1/fleet", json={"norad_id": 5}, headers=world.h("CSA", "analyst")).status_code == 201


def test_a_key_cannot_outrank_its_user(world):
    from orbitwatch.errors import InvalidRequestError
    from orbitwatch.service import accounts
    from orbitwatch.service.auth import cli_context

    with pytest.raises(InvalidRequestError) as ei, world.db.tx() as conn:
        accounts.create_key(conn, cli_context("t"), "CSA", "viewer1", role="admin")
    assert ei.value.field == "role"
    with world.db.tx() as conn:
        _, key = accounts.create_key(conn, cli_context("t"), "CSA", "admin1", role="viewer")
    r = world.client.get("/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert r.json()["role"] == "viewer"
    # a key's role is also capped by its user's current role
    with world.db.tx() as conn:
        _, key = accounts.create_key(conn, cli_context("t"), "CSA", "coordinator1")
        conn.execute(update(users).where(users.c.username == "coordinator1").values(role="viewer"))
    assert world.client.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).json()["role"] == "viewer"


# ------------------------------------------------------------------------------------ sessions
def _login(c, password="CSA-analyst-password"):
    return c.post("/v1/auth/login", json={"agency": "CSA", "username": "analyst1", "password": password})


def test_password_sign_in_sets_strict_httponly_cookie(world):
    r = _login(world.client)
    assert r.status_code == 200, r.text
    cookies = r.headers.get_list("set-cookie")
    session = next(h for h in cookies if h.startswith("ow_session="))
    csrf = next(h for h in cookies if h.startswith("ow_csrf="))
    low = session.lower()
    assert "httponly" in low and "samesite=strict" in low and "path=/" in low
    assert "secure" not in low  # ORBITWATCH_COOKIE_SECURE=false in these tests
    assert "httponly" not in csrf.lower()  # the page must read it to echo it
    assert r.json()["user"]["via"] == "session" and len(r.json()["csrf_token"]) > 30
    assert world.client.get("/v1/me").json()["user"] == "analyst1"


def test_secure_cookie_when_configured(sqlite_url, tmp_path, sample_file, settings_for):
    from fastapi.testclient import TestClient

    from orbitwatch.service import create_app
    from orbitwatch.service.db import ServiceDB

    from_seed = __import__("conftest").seed
    s = settings_for(sqlite_url, tmp_path, cookie_secure=True)
    db = ServiceDB(s)
    from_seed(db, s)
    with TestClient(create_app(s, db=db), base_url="https://testserver") as c:
        r = _login(c)
        session = next(h for h in r.headers.get_list("set-cookie") if h.startswith("ow_session="))
        assert "secure" in session.lower()
    db.close()


def test_wrong_password_and_unknown_user_read_the_same(world):
    a = _login(world.client, "not-the-password")
    b = world.client.post("/v1/auth/login", json={"agency": "CSA", "username": "nobody", "password": "x" * 12})
    assert a.status_code == b.status_code == 401
    assert a.json()["error"]["message"] == b.json()["error"]["message"]


def test_csrf_is_required_on_state_changes_with_a_cookie_session(world):
    c = world.client
    token = _login(c).json()["csrf_token"]
    r = c.post("/v1/fleet", json={"norad_id": 5})
    assert r.status_code == 403 and r.json()["error"]["type"] == "CsrfError"
    r = c.post("/v1/fleet", json={"norad_id": 5}, headers={"X-CSRF-Token": "x" * 43})
    assert r.status_code == 403
    r = c.post("/v1/fleet", json={"norad_id": 5}, headers={"X-CSRF-Token": token})
    assert r.status_code == 201, r.text
    # a token from another session does not fit this one
    other = world.client.__class__(world.app)
    other_token = _login(other).json()["csrf_token"]
    c.cookies.set("ow_csrf", other_token)
    r = c.post("/v1/fleet", json={"norad_id": 6}, headers={"X-CSRF-Token": other_token})
    assert r.status_code == 403
    # reads need no token; API keys need none either
    assert c.get("/v1/fleet").status_code == 200
    assert c.post("/v1/fleet", json={"norad_id": 11}, headers=world.h("CSA", "analyst")).status_code == 201


def test_logout_ends_the_session(world):
    c = world.client
    token = _login(c).json()["csrf_token"]
    session = c.cookies.get("ow_session")
    assert c.post("/v1/auth/logout", headers={"X-CSRF-Token": token}).status_code == 204
    c.cookies.set("ow_session", session)
    assert c.get("/v1/me").status_code == 401


def test_expired_session_is_401(world):
    from orbitwatch.store.service_schema import sessions

    _login(world.client)
    with world.db.tx() as conn:
        conn.execute(update(sessions).values(expires_at_ns=1))
    assert world.client.get("/v1/me").status_code == 401


# ------------------------------------------------------------------------------------ admin CLI
def test_admin_cli_sets_up_two_agencies(cli, sqlite_url, tmp_path, settings_for):
    runner, app = cli
    db = ["--db-url", sqlite_url]

    def run(*args, input=None):
        res = runner.invoke(app, ["admin", *args, *db], input=input)
        assert "Traceback" not in res.output
        return res

    assert run("agency", "create", "CSA", "--title", "Canadian Space Agency").exit_code == 0
    assert run("agency", "create", "JAXA").exit_code == 0
    res = run("agency", "list", "--json")
    assert [a["name"] for a in json.loads(res.stdout)] == ["CSA", "JAXA"]
    assert run("user", "create", "ops", "--agency", "CSA", "--role", "analyst").exit_code == 0
    res = run("user", "create", "boss", "--agency", "JAXA", "--role", "admin", "--password-stdin",
              input="a long enough password\n")
    assert res.exit_code == 0, res.output
    res = run("key", "create", "--agency", "CSA", "--user", "ops")
    assert res.exit_code == 0, res.output
    key = res.stdout.strip()
    assert key.startswith("ow_") and res.stdout.count("\n") == 1  # the key, alone, on stdout
    assert key not in run("key", "list", "--json").stdout  # never shown again
    res = run("share", "grant", "--from", "CSA", "--to", "JAXA", "--what", "fleet", "--until", "2200-01-01T00:00Z",
              "--json")
    assert res.exit_code == 0, res.output
    sid = json.loads(res.stdout)["id"]
    listed = json.loads(run("share", "list", "--agency", "JAXA", "--json").stdout)
    assert [(s["grantor"], s["grantee"], s["what"], s["state"]) for s in listed] == [("CSA", "JAXA", "fleet",
                                                                                       "active")]
    assert run("share", "revoke", str(sid)).exit_code == 0
    assert json.loads(run("share", "list", "--json").stdout)[0]["state"] == "revoked"
    # the key works against an app on the same database
    from fastapi.testclient import TestClient

    from orbitwatch.service import create_app

    with TestClient(create_app(settings_for(sqlite_url, tmp_path))) as c:
        me = c.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).json()
        assert (me["agency"], me["user"], me["role"]) == ("CSA", "ops", "analyst")
        r = c.post("/v1/auth/login", json={"agency": "JAXA", "username": "boss", "password": "a long enough password"})
        assert r.status_code == 200


@pytest.mark.parametrize("args, code, words", [
    (["agency", "create", "CSA"], 73, ["CSA", "exists"]),
    (["agency", "create", "[bold]x"], 2, ["NAME", "[bold]x"]),
    (["user", "create", "u", "--agency", "NOPE", "--role", "analyst"], 66, ["agency", "NOPE"]),
    (["user", "create", "u", "--agency", "CSA", "--role", "king"], 2, ["--role", "king"]),
    (["key", "create", "--agency", "CSA", "--user", "ghost"], 66, ["ghost"]),
    (["key", "create", "--agency", "CSA", "--user", "ops", "--days", "-1"], 2, ["--days"]),
    (["key", "revoke", "ffffffffffff"], 66, ["ffffffffffff"]),
    (["share", "grant", "--from", "CSA", "--to", "CSA", "--what", "fleet"], 2, ["itself"]),
    (["share", "grant", "--from", "CSA", "--to", "JAXA", "--what", "secrets"], 2, ["what", "secrets"]),
    (["share", "grant", "--from", "CSA", "--to", "JAXA", "--what", "fleet", "--until", "1999-01-01"], 2,
     ["--until", "future"]),
    (["share", "revoke", "999"], 66, ["999"]),
])
def test_admin_cli_errors_name_the_field(cli, sqlite_url, args, code, words):
    runner, app = cli
    db = ["--db-url", sqlite_url]
    runner.invoke(app, ["admin", "agency", "create", "CSA", *db])
    runner.invoke(app, ["admin", "agency", "create", "JAXA", *db])
    runner.invoke(app, ["admin", "user", "create", "ops", "--agency", "CSA", "--role", "analyst", *db])
    res = runner.invoke(app, ["admin", *args, *db])
    assert res.exit_code == code, res.output
    assert "Traceback" not in res.output
    for w in words:
        assert w in res.stderr, (w, res.stderr)


def test_key_use_is_recorded(world, cli):
    runner, app = cli
    url = world.settings.database_url
    args = ["admin", "key", "list", "--agency", "ESA", "--json", "--db-url", url]
    assert all(k["last_used_at"] is None for k in json.loads(runner.invoke(app, args).stdout))
    world.client.get("/v1/me", headers=world.h("ESA", "viewer"))
    after = {k["key_id"]: k for k in json.loads(runner.invoke(app, args).stdout)}
    used = world.keys[("ESA", "viewer")][3:15]
    assert after[used]["last_used_at"] is not None and after[used]["state"] == "active"
    assert sum(k["last_used_at"] is not None for k in after.values()) == 1
