"""Catalog ingest sources: the drop folder (all or nothing, done/ and failed/ with an error file
naming file/line/field, one taker per file), and scheduled CelesTrak / Space-Track pulls against
a loopback stand-in serving recorded responses in their documented formats (built from the
packaged sample catalog; no network). Imports are audited and announce catalog.ingested."""

from __future__ import annotations

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from sqlalchemy import func, select

from orbitwatch.elements import format_elements, read_elements
from orbitwatch.samples import sample_catalog_path
from orbitwatch.service import ingest, notify
from orbitwatch.service import schedules as sch
from orbitwatch.store import schema
from orbitwatch.store.service_schema import agencies, audit_log


@pytest.fixture(scope="module")
def extra():
    """Sample-catalog objects beyond the 200 the world starts with."""
    return read_elements(sample_catalog_path()).elements[200:230]


def _ids(db, es) -> set[int]:
    with db.read() as conn:
        return set(conn.execute(select(schema.objects.c.norad_id).where(
            schema.objects.c.norad_id.in_([int(x) for x in es.norad_id]))).scalars())


def _notified(db, kind="catalog.ingested") -> dict:
    with db.read() as conn:
        names = dict(conn.execute(select(agencies.c.id, agencies.c.name)).all())
        return {names[a]: [n for n in notify.since(conn, a) if n["kind"] == kind] for a in names}


def test_drop_folder_all_or_nothing(sqlite_world, tmp_path, extra):
    w = sqlite_world
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "good.json").write_text(format_elements(extra[:10], "omm-json"))
    lines = format_elements(extra[10:15], "3le").splitlines()
    lines[4] = lines[4][:-1] + str((int(lines[4][-1]) + 1) % 10)  # line 5: the 2nd object's line 1 checksum
    (drop / "bad.3le").write_text("\n".join(lines) + "\n")
    (drop / "more.csv").write_text(format_elements(extra[15:20], "omm-csv"))
    (drop / ".partial").write_text("being written")
    old = time.time() - 60
    for p in drop.iterdir():
        os.utime(p, (old, old))
    (drop / "fresh.tle").write_text(format_elements(extra[20:25], "tle"))  # not settled yet

    # two dispatchers at once: each settled file is taken by exactly one
    results: list[dict] = []
    threads = [threading.Thread(target=lambda: results.extend(ingest.scan_drop_dir(w.db, drop, settle_s=30)))
               for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    by = {r["file"]: r for r in results}
    assert sorted(r["file"] for r in results) == ["bad.3le", "good.json", "more.csv"]
    assert by["good.json"]["ok"] and by["good.json"]["inserted"] == 10 and by["good.json"]["format"] == "omm-json"
    assert by["more.csv"]["ok"] and by["more.csv"]["inserted"] == 5
    assert _ids(w.db, extra[:10]) == set(int(x) for x in extra[:10].norad_id)
    assert _ids(w.db, extra[10:15]) == set()  # all or nothing: the good records of bad.3le are not stored
    assert sorted(p.name for p in (drop / "done").iterdir()) == ["good.json", "more.csv"]
    assert sorted(p.name for p in (drop / "failed").iterdir()) == ["bad.3le", "bad.3le.error.json"]
    err = json.loads((drop / "failed" / "bad.3le.error.json").read_text())
    assert err["file"] == "bad.3le" and err["error"]["source"] == "bad.3le" and err["error"]["line"] == 5
    assert err["error"]["field"] and "checksum" in json.dumps(err["error"]).lower()
    assert sorted(p.name for p in drop.iterdir() if p.is_file()) == [".partial", "fresh.tle"]
    assert list((drop / "processing").iterdir()) == []

    with w.db.read() as conn:
        recs = conn.execute(select(audit_log.c.actor, audit_log.c.outcome, audit_log.c.object)
                            .where(audit_log.c.action == "catalog.ingest").order_by(audit_log.c.id)).all()
    assert sorted((o, obj) for _, o, obj in recs) == [("invalid", "ingest:bad.3le"), ("ok", "ingest:good.json"),
                                                    ("ok", "ingest:more.csv")]
    assert {a for a, _, _ in recs} == {"ingest:drop"}
    got = _notified(w.db)
    assert {k: len(v) for k, v in got.items()} == {"CSA": 2, "JAXA": 2, "ESA": 2}

    # a file its taker left in processing/ (the process died) is taken again later
    (drop / "processing" / "1a2b3c4d-left.json").write_text(format_elements(extra[25:27], "omm-json"))
    again = ingest.scan_drop_dir(w.db, drop, settle_s=0, reclaim_after_s=0)
    assert [(r["file"], r["ok"], r["inserted"]) for r in again] == [("fresh.tle", True, 5), ("left.json", True, 2)]
    (drop / "done" / "fresh.tle").rename(drop / "fresh.tle")  # dropped again: nothing new, still done
    # the dispatcher (worker / in-process runner) does the same with ORBITWATCH_DROP_DIR
    from orbitwatch.service.dispatch import Dispatcher

    rounds = Dispatcher(w.db, w.settings.model_copy(update={"drop_dir": drop, "drop_settle_s": 0.0})).run_once()
    assert [(r["file"], r["ok"], r["inserted"]) for r in rounds["drop"]] == [("fresh.tle", True, 0)]
    assert rounds["schedules"] == [] and rounds["webhooks"] == []


class StandIn:
    """CelesTrak's GP API and Space-Track's login + gp query, serving recorded responses."""

    def __init__(self, es):
        self.seen: list[tuple] = []
        gp = json.loads(format_elements(es[16:24], "omm-json"))
        for rec in gp:  # Space-Track's gp class carries more columns than the OMM keywords
            rec.update({"GP_ID": 1, "DECAY_DATE": None, "FILE": 4000000, "RCS_SIZE": "LARGE", "TLE_LINE0": "0 X"})
        self.routes = {("celestrak", "stations", "json"): format_elements(es[:6], "omm-json"),
                       ("celestrak", "visual", "csv"): format_elements(es[6:12], "omm-csv"),
                       ("celestrak", "amateur", "tle"): format_elements(es[12:16], "3le"),
                       ("spacetrack", "json"): json.dumps(gp)}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _send(self, code, body, headers=()):
                data = body.encode()
                self.send_response(code)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                u = urlsplit(self.path)
                outer.seen.append(("GET", unquote(u.path), u.query, self.headers.get("Cookie")))
                if u.path == "/NORAD/elements/gp.php":
                    q = {k: v[0] for k, v in parse_qs(u.query).items()}
                    body = outer.routes.get(("celestrak", q.get("GROUP"), q.get("FORMAT", "").lower()))
                    return self._send(200, body or "No GP data found")
                if u.path.startswith("/basicspacedata/query/class/gp/"):
                    if self.headers.get("Cookie") != "chocolatechip=abc123":
                        return self._send(401, '{"error":"You must be logged in"}')
                    return self._send(200, outer.routes[("spacetrack", u.path.rsplit("/", 1)[-1])])
                if u.path == "/ajaxauth/logout":
                    return self._send(200, '"Successfully logged out"')
                self._send(404, "not here")

            def do_POST(self):
                form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
                outer.seen.append(("POST", self.path, form, None))
                if self.path == "/ajaxauth/login" and form == {"identity": ["ops@example.org"], "password": ["pw"]}:
                    return self._send(200, '""', [("Set-Cookie", "chocolatechip=abc123; path=/")])
                self._send(200, '{"Login":"Failed"}')

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_scheduled_pulls_from_celestrak_and_space_track(sqlite_world, extra, cli):
    w = sqlite_world
    stand = StandIn(extra)
    try:
        settings = w.settings.model_copy(update={"celestrak_url": stand.url, "spacetrack_url": stand.url + "/",
                                                 "spacetrack_identity": "ops@example.org",
                                                 "spacetrack_password": "pw", "pull_timeout_s": 5.0})
        runner, app = cli
        r = runner.invoke(app, ["admin", "ingest", "pull-add", "celestrak", "--group", "stations", "--format", "json",
                                "--every-hours", "8", "--db-url", settings.database_url, "--json"])
        assert r.exit_code == 0, r.output
        with w.db.tx() as conn:
            for kind, params in [("celestrak", {"group": "visual", "format": "csv"}),
                                 ("celestrak", {"group": "amateur", "format": "tle"}),
                                 ("celestrak", {"group": "nosuch", "format": "json"}),
                                 ("spacetrack", {"format": "json"})]:
                sch.create(conn, agency_id=None, kind=kind, params=params, every_hours=8, first_run_ns=None,
                           created_by="test")
        done = sch.tick(w.db, settings)
        assert [d["kind"] for d in done] == ["celestrak"] * 4 + ["spacetrack"]
        ok = [d["ok"] for d in done]
        assert ok == [True, True, True, False, True], done
        assert [d.get("inserted") for d in done] == [6, 6, 4, None, 8]
        assert "no GP data" in done[3]["error"]["message"] + done[3]["error"].get("reason", "")
        assert _ids(w.db, extra[:24]) == set(int(x) for x in extra[:24].norad_id)
        assert sch.tick(w.db, settings) == []  # next run in 8 h

        queries = [s for s in stand.seen if s[1] == "/NORAD/elements/gp.php"]
        assert sorted(q[2] for q in queries)[0] == "FORMAT=csv&GROUP=visual"
        st = [s[:2] for s in stand.seen if not s[1].startswith("/NORAD")]
        assert st == [("POST", "/ajaxauth/login"), ("GET", "/basicspacedata/query/class/gp/decay_date/null-val/"
                                                           "epoch/>now-30/orderby/norad_cat_id/format/json"),
                      ("GET", "/ajaxauth/logout")]

        listed = runner.invoke(app, ["admin", "ingest", "pull-list", "--db-url", settings.database_url, "--json"])
        pulls = json.loads(listed.output)
        assert [p["kind"] for p in pulls] == ["celestrak"] * 4 + ["spacetrack"]
        assert pulls[0]["last_result"]["ok"] and pulls[0]["next_run"] is not None

        # a refused Space-Track login is an error on the schedule and in the audit log, nothing stored
        bad = settings.model_copy(update={"spacetrack_password": "wrong"})
        r = ingest.run_pull(w.db, bad, None, "spacetrack", {"format": "json"})
        assert not r["ok"] and r["error"]["type"] == "UnavailableError" and "login" in r["error"]["message"]
        with w.db.read() as conn:
            recs = conn.execute(select(audit_log.c.actor, audit_log.c.outcome).where(
                audit_log.c.action == "catalog.ingest")).all()
            n_imports = conn.execute(select(func.count()).select_from(schema.imports)).scalar_one()
        assert sorted(set(recs)) == [("ingest:celestrak", "invalid"), ("ingest:celestrak", "ok"),
                                     ("ingest:spacetrack", "error"), ("ingest:spacetrack", "ok")]
        assert n_imports == 1 + 4  # the world's sample file, then four pulls
        assert {k: len(v) for k, v in _notified(w.db).items()} == {"CSA": 4, "JAXA": 4, "ESA": 4}
    finally:
        stand.close()
