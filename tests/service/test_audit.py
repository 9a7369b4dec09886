"""Step 3: every protected request is audited in the same transaction as its work; the log is
append-only and hash-chained; tampering is detected; admins query and export it."""

from __future__ import annotations

import csv
import io
import json
import threading

import pytest
from sqlalchemy import func, select, text

from orbitwatch.store.service_schema import audit_log, fleet_objects


def _records(db, **where):
    with db.read() as conn:
        stmt = select(audit_log).order_by(audit_log.c.id)
        for k, v in where.items():
            stmt = stmt.where(audit_log.c[k] == v)
        return [dict(r) for r in conn.execute(stmt).mappings().all()]


def test_a_request_writes_who_what_outcome_and_request_id(world):
    r = world.client.post("/v1/fleet", json={"norad_id": 5, "label": "VANGUARD 1"},
                          headers={**world.h("CSA", "analyst"), "X-Request-ID": "req-fleet-1"})
    assert r.status_code == 201
    [rec] = _records(world.db, request_id="req-fleet-1")
    assert rec["actor"] == f"key:{world.keys[('CSA', 'analyst')][3:15]}"
    assert rec["action"] == "fleet.add" and rec["object"] == "object:5" and rec["outcome"] == "ok"
    assert rec["client"] == "testclient" and rec["user_id"] is not None
    agency_id = world.client.get("/v1/me", headers=world.h("CSA", "analyst")).json()["agency_id"]
    assert rec["agency_id"] == agency_id and rec["at_ns"] > 1.7e18
    # reads of protected data are audited too, and refusals with their outcome
    world.client.get(f"/v1/fleet/{r.json()['id']}", headers={**world.h("JAXA", "viewer"), "X-Request-ID": "peek"})
    [rec] = _records(world.db, request_id="peek")
    assert (rec["action"], rec["outcome"]) == ("fleet.read", "not-found")
    world.client.post("/v1/fleet", json={"norad_id": 11}, headers={**world.h("CSA", "viewer"), "X-Request-ID": "no"})
    assert _records(world.db, request_id="no")[0]["outcome"] == "denied"
    world.client.get("/v1/me", headers={"Authorization": "Bearer ow_0123456789ab." + "x" * 43,
                                        "X-Request-ID": "badkey"})
    [rec] = _records(world.db, request_id="badkey")
    assert (rec["actor"], rec["action"], rec["outcome"]) == ("anonymous", "auth", "denied")


def test_audit_record_and_change_share_one_transaction(world, monkeypatch):
    """When the audit record cannot be written, the change is not stored either."""
    from orbitwatch.errors import StoreError
    from orbitwatch.service import audit

    real = audit.record

    def failing(conn, **kw):
        if kw.get("outcome") == "ok":
            raise StoreError("disk full (simulated)")
        return real(conn, **kw)

    monkeypatch.setattr(audit, "record", failing)
    r = world.client.post("/v1/fleet", json={"norad_id": 5}, headers=world.h("CSA", "analyst"))
    assert r.status_code == 503
    with world.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(fleet_objects)).scalar_one() == 0
    assert _records(world.db, action="fleet.add")[-1]["outcome"] == "error"


def _drop_triggers(db):
    with db.tx() as conn:
        if db.backend == "postgresql":
            conn.execute(text("DROP TRIGGER audit_log_append_only ON audit_log"))
        else:
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))


def test_the_database_refuses_to_change_audit_records(world):
    from orbitwatch.errors import StoreError

    world.client.get("/v1/fleet", headers=world.h())
    for stmt in ("UPDATE audit_log SET outcome = 'ok'", "DELETE FROM audit_log"):
        with pytest.raises(StoreError, match="append-only"), world.db.tx() as conn:
            conn.execute(text(stmt))


@pytest.mark.parametrize("tamper", ["change", "delete", "insert"])
def test_verify_finds_the_tampered_record(world, cli, tamper):
    runner, app = cli
    for _ in range(3):
        world.client.get("/v1/fleet", headers=world.h("CSA", "admin"))
    url = world.settings.database_url
    res = runner.invoke(app, ["admin", "audit", "verify", "--db-url", url])
    assert res.exit_code == 0 and "intact" in res.stderr, res.output
    assert world.client.get("/v1/admin/audit/verify", headers=world.h()).json()["ok"] is True
    recs = _records(world.db)
    victim = recs[len(recs) // 2]["id"]
    _drop_triggers(world.db)
    with world.db.tx() as conn:
        if tamper == "change":
            conn.execute(text("UPDATE audit_log SET outcome = 'ok', action = 'nothing' WHERE id = :i"), {"i": victim})
        elif tamper == "delete":
            conn.execute(text("DELETE FROM audit_log WHERE id = :i"), {"i": victim})
        else:  # a forged record with a made-up hash slipped in between two real ones
            row = dict(conn.execute(select(audit_log).where(audit_log.c.id == victim)).mappings().one())
            conn.execute(text("UPDATE audit_log SET id = id + 1000000 WHERE id > :i"), {"i": victim})
            row.update(id=victim + 1, action="forged", hash="f" * 64, prev_hash=row["hash"])
            conn.execute(audit_log.insert().values(**row))
    # a changed record is itself bad; after a removal or an insertion, the next record's link is
    expected = victim if tamper == "change" else victim + 1
    res = runner.invoke(app, ["admin", "audit", "verify", "--db-url", url, "--json"])
    assert res.exit_code == 1, res.output
    rep = json.loads(res.stdout)
    assert rep["ok"] is False and rep["first_bad_id"] == expected
    assert f"broken at record {expected}" in res.stderr and "Traceback" not in res.output
    assert world.client.get("/v1/admin/audit/verify", headers=world.h()).json()["first_bad_id"] == expected


def test_concurrent_writers_keep_one_chain(world):
    from orbitwatch.service import audit

    def work(k):
        for i in range(10):
            with world.db.tx() as conn:
                audit.record(conn, actor=f"t{k}", action="test", outcome="ok", object=str(i))

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with world.db.read() as conn:
        rep = audit.verify(conn)
    assert rep.ok and rep.n_records >= 40


def test_admins_query_and_export_their_agency_only(world):
    c = world.client
    for agency in ("CSA", "JAXA"):
        c.get("/v1/fleet", headers=world.h(agency, "analyst"))
    r = c.get("/v1/admin/audit", headers=world.h("CSA", "admin"))
    assert r.status_code == 200
    recs = r.json()["records"]
    me = c.get("/v1/me", headers=world.h("CSA", "admin")).json()
    assert recs and {x["agency_id"] for x in recs} == {me["agency_id"]}
    assert any(x["action"] == "fleet.list" for x in recs)
    # filters and paging
    page = c.get("/v1/admin/audit", params={"limit": 1, "action": "fleet.list"}, headers=world.h()).json()
    assert len(page["records"]) == 1 and page["next_after_id"] == page["records"][0]["id"]
    nxt = c.get("/v1/admin/audit", params={"after_id": page["next_after_id"]}, headers=world.h()).json()
    assert all(x["id"] > page["next_after_id"] for x in nxt["records"])
    r = c.get("/v1/admin/audit", params={"since": "not a time"}, headers=world.h())
    assert r.status_code == 422 and r.json()["error"]["field"] == "since"
    # export
    r = c.get("/v1/admin/audit/export", params={"format": "jsonl"}, headers=world.h())
    lines = [json.loads(x) for x in r.text.splitlines()]
    assert r.headers["content-type"].startswith("application/x-ndjson")
    assert lines and {x["agency_id"] for x in lines} == {me["agency_id"]}
    r = c.get("/v1/admin/audit/export", params={"format": "csv"}, headers=world.h())
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) >= len(lines) and rows[0]["hash"]
    # reading the audit log is itself audited
    assert any(x["action"] == "audit.export" for x in _records(world.db, agency_id=me["agency_id"]))


def test_cli_export_writes_a_file(world, cli, tmp_path):
    runner, app = cli
    world.client.get("/v1/fleet", headers=world.h("CSA", "analyst"))
    out = tmp_path / "audit.csv"
    args = ["admin", "audit", "export", "-o", str(out), "-f", "csv", "--agency", "CSA",
            "--db-url", world.settings.database_url]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "fleet.list" in out.read_text()
    res = runner.invoke(app, args)
    assert res.exit_code == 73 and "--force" in res.stderr
