"""Step 4: the public catalog (search, history, TLE/OMM downloads, uploads that are all or
nothing) and fleets whose visibility is enforced in the SQL query."""

from __future__ import annotations

import gzip

import numpy as np
import pytest
from sqlalchemy import func, select

from orbitwatch.elements import parse_elements
from orbitwatch.store import schema


def _count(db, table) -> int:
    with db.read() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_catalog_search_one_object_and_pages(world):
    c, h = world.client, world.h("ESA", "viewer")
    r = c.get("/v1/catalog/objects", params={"limit": 5}, headers=h).json()
    assert r["total"] == 200 and [o["norad_id"] for o in r["objects"]] == [5, 11, 12, 16, 20]
    assert r["objects"][0]["name"] == "VANGUARD 1" and r["objects"][0]["object_type"] == "PAYLOAD"
    r = c.get("/v1/catalog/objects", params={"q": "vanguard", "limit": 100}, headers=h).json()
    assert r["total"] >= 3 and all("VANGUARD" in o["name"] for o in r["objects"])
    r = c.get("/v1/catalog/objects", params={"q": "5"}, headers=h).json()
    assert 5 in [o["norad_id"] for o in r["objects"]]
    r = c.get("/v1/catalog/objects", params={"q": "100%_"}, headers=h).json()
    assert r["total"] == 0  # LIKE wildcards in the query are literal
    r = c.get("/v1/catalog/objects", params={"object_type": "rocket-body", "limit": 1000}, headers=h).json()
    assert r["objects"] and {o["object_type"] for o in r["objects"]} == {"ROCKET BODY"}
    page2 = c.get("/v1/catalog/objects", params={"limit": 5, "offset": 5}, headers=h).json()
    assert page2["objects"][0]["norad_id"] == 22
    one = c.get("/v1/catalog/objects/11", headers=h).json()
    assert one["name"] == "VANGUARD 2" and one["n_element_sets"] == 1
    assert c.get("/v1/catalog/objects/4", headers=h).status_code == 404
    assert c.get("/v1/catalog/objects", headers={}).status_code == 401


@pytest.mark.parametrize("fmt", ["3le", "tle", "omm-kvn", "omm-xml", "omm-json", "omm-csv"])
def test_downloads_round_trip(world, sample_text, fmt):
    c, h = world.client, world.h("JAXA", "viewer")
    r = c.get("/v1/catalog/objects/5/elements", params={"format": fmt}, headers=h)
    assert r.status_code == 200, r.text
    got = parse_elements(r.text, None if fmt != "tle" else "tle", source=f"x.{fmt}").elements
    ref = parse_elements(sample_text).elements
    ref = ref[ref.norad_id == 5]
    assert len(got) == 1 and got.norad_id[0] == 5 and got.epoch[0] == ref.epoch[0]
    assert got.mean_motion_rev_per_day[0] == pytest.approx(ref.mean_motion_rev_per_day[0], rel=1e-12)
    assert got.eccentricity[0] == pytest.approx(ref.eccentricity[0], rel=1e-9)
    assert "attachment" in r.headers["content-disposition"]


def test_whole_catalog_download_matches_the_upload(world, sample_text):
    r = world.client.get("/v1/catalog/elements", params={"format": "3le"}, headers=world.h())
    got = parse_elements(r.text).elements
    ref = parse_elements(sample_text).elements
    assert np.array_equal(got.norad_id, ref.norad_id) and np.array_equal(got.epoch, ref.epoch)
    r = world.client.get("/v1/catalog/elements", params=[("format", "omm-json"), ("norad_id", 5),
                                                         ("norad_id", 11)], headers=world.h())
    assert sorted(parse_elements(r.text, "omm-json").elements.norad_id.tolist()) == [5, 11]


def _newer(sample_text: str, norad: int, days: float = 1.0) -> str:
    """A later element set of one object (its epoch moved forward), as 3LE text."""
    from orbitwatch.elements import format_elements

    es = parse_elements(sample_text).elements
    one = es[es.norad_id == norad]
    one.epoch[:] = one.epoch + np.timedelta64(int(days * 86400e9), "ns")
    return format_elements(one, "3le")


def test_upload_history_and_counts(world, sample_text):
    c, h = world.client, world.h("CSA", "analyst")
    body = _newer(sample_text, 5) + _newer(sample_text, 5, 2.0)
    r = c.post("/v1/catalog/uploads", files={"file": ("new.3le", body)}, headers=h)
    assert r.status_code == 201, r.text
    rep = r.json()
    assert (rep["inserted"], rep["duplicates"], rep["rejected"], rep["objects_new"]) == (2, 0, 0, 0)
    assert rep["format"] == "tle"
    hist = c.get("/v1/catalog/objects/5/history", headers=h).json()["element_sets"]
    assert len(hist) == 3 and hist[0]["epoch"] < hist[1]["epoch"] < hist[2]["epoch"]
    only = c.get("/v1/catalog/objects/5/history", params={"since": hist[1]["epoch"]}, headers=h).json()
    assert len(only["element_sets"]) == 2
    latest = c.get("/v1/catalog/objects/5/elements", headers=h).text
    assert parse_elements(latest).elements.epoch[0] == np.datetime64(hist[2]["epoch"].rstrip("Z"))
    full = c.get("/v1/catalog/objects/5/elements", params={"history": True}, headers=h).text
    assert len(parse_elements(full).elements) == 3
    # the same file again: duplicates, nothing new; gzip and OMM uploads work
    r = c.post("/v1/catalog/uploads", files={"file": ("new.3le.gz", gzip.compress(body.encode()))}, headers=h)
    assert r.status_code == 201 and r.json()["duplicates"] == 2 and r.json()["inserted"] == 0
    omm = c.get("/v1/catalog/objects/11/elements", params={"format": "omm-xml"}, headers=h).text
    r = c.post("/v1/catalog/uploads", files={"file": ("v2.xml", omm)}, headers=h)
    assert r.status_code == 201 and r.json()["format"] == "omm-xml" and r.json()["duplicates"] == 1


def test_bad_upload_names_file_line_field_and_stores_nothing(world, sample_text):
    c, h = world.client, world.h("CSA", "analyst")
    lines = _newer(sample_text, 5).splitlines() + _newer(sample_text, 11).splitlines()
    bad = lines[4]
    lines[4] = bad[:68] + str((int(bad[68]) + 1) % 10)  # wrong checksum on line 5 (object 11, line 1)
    before = (_count(world.db, schema.element_sets), _count(world.db, schema.imports))
    r = c.post("/v1/catalog/uploads", files={"file": ("bad[1].3le", "\n".join(lines) + "\n")}, headers=h)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["type"] == "UploadRejected" and err["source"] == "bad[1].3le" and err["line"] == 5
    assert err["field"] == "checksum" and "nothing was stored" in err["reason"] and err["n_rejected"] == 1
    assert (_count(world.db, schema.element_sets), _count(world.db, schema.imports)) == before
    # asked to, the good records are stored and the bad one reported
    r = c.post("/v1/catalog/uploads", files={"file": ("bad.3le", "\n".join(lines) + "\n")},
               data={"allow_rejects": "true"}, headers=h)
    assert r.status_code == 201 and r.json()["inserted"] == 1 and r.json()["rejected"] == 1
    assert r.json()["rejections"][0]["line"] == 5


@pytest.mark.parametrize("name, content, status, field, words", [
    ("bin.3le", b"\x00\x01\x02binary", 422, "file", ["binary"]),
    ("latin.3le", "VANGUARD \xe9\n".encode("latin-1"), 422, "file", ["UTF-8"]),
    ("empty.3le", b"   \n", 422, "file", ["empty"]),
    ("junk.gz", b"\x1f\x8b\x08\x00garbage", 422, "file", ["gzip"]),
    ("words.txt", b"hello world\nthis is not a TLE\n", 422, None, []),
])
def test_uploads_sniff_content(world, name, content, status, field, words):
    r = world.client.post("/v1/catalog/uploads", files={"file": (name, content)}, headers=world.h("CSA", "analyst"))
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["source"] == name
    if field:
        assert err["field"] == field
    for w in words:
        assert w in err["message"]


def test_upload_size_limit(world, sample_text, settings_for, tmp_path):
    world.settings.__dict__["max_upload_bytes"] = 1000
    r = world.client.post("/v1/catalog/uploads", files={"file": ("big.3le", sample_text)},
                          headers=world.h("CSA", "analyst"))
    assert r.status_code == 413
    err = r.json()["error"]
    assert err["type"] == "ResourceLimitError" and err["limit"] == 1000 and "big.3le" in err["message"]
    bomb = gzip.compress(("\n".join(sample_text.splitlines()[:3]) + "\n").encode() * 300)
    assert len(bomb) < 1000
    r = world.client.post("/v1/catalog/uploads", files={"file": ("big.3le.gz", bomb)},
                          headers=world.h("CSA", "analyst"))
    assert r.status_code == 413 and "decompresses" in r.json()["error"]["message"]


def test_upload_bad_format_option(world, sample_text):
    r = world.client.post("/v1/catalog/uploads", files={"file": ("x.3le", sample_text)}, data={"format": "pdf"},
                          headers=world.h("CSA", "analyst"))
    assert r.status_code == 422 and r.json()["error"]["field"] == "format"


# ============================================================================== fleets
def _add(world, agency, norad, role="analyst"):
    r = world.client.post("/v1/fleet", json={"norad_id": norad}, headers=world.h(agency, role))
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_fleets_are_private_unless_shared(world, cli):
    c = world.client
    a = _add(world, "CSA", 5)
    b = _add(world, "JAXA", 11)
    mine = c.get("/v1/fleet", headers=world.h("CSA", "viewer")).json()["entries"]
    assert [(e["agency"], e["norad_id"], e["name"]) for e in mine] == [("CSA", 5, "VANGUARD 1")]
    assert c.get(f"/v1/fleet/{a}", headers=world.h("CSA", "viewer")).status_code == 200
    assert c.get(f"/v1/fleet/{b}", headers=world.h("CSA", "viewer")).status_code == 404
    # JAXA shares its fleet with CSA: CSA sees it, ESA still does not
    runner, app = cli
    res = runner.invoke(app, ["admin", "share", "grant", "--from", "JAXA", "--to", "CSA", "--what", "fleet",
                              "--db-url", world.settings.database_url, "--json"])
    assert res.exit_code == 0, res.output
    seen = c.get("/v1/fleet", headers=world.h("CSA", "viewer")).json()["entries"]
    assert sorted((e["agency"], e["norad_id"]) for e in seen) == [("CSA", 5), ("JAXA", 11)]
    assert c.get(f"/v1/fleet/{b}", headers=world.h("CSA", "viewer")).status_code == 200
    assert c.get(f"/v1/fleet/{b}", headers=world.h("ESA", "admin")).status_code == 404
    # shared is readable, not writable
    assert c.delete(f"/v1/fleet/{b}", headers=world.h("CSA", "admin")).status_code == 404
    # an agreement that ended hides it again
    sid = __import__("json").loads(res.stdout)["id"]
    assert runner.invoke(app, ["admin", "share", "revoke", str(sid), "--db-url", world.settings.database_url]
                         ).exit_code == 0
    assert c.get(f"/v1/fleet/{b}", headers=world.h("CSA", "viewer")).status_code == 404


def test_shares_through_the_api(world):
    c = world.client
    b = _add(world, "JAXA", 11)
    r = c.post("/v1/shares", json={"grantee": "CSA", "what": "fleet"}, headers=world.h("JAXA", "admin"))
    assert r.status_code == 201, r.text
    assert c.get(f"/v1/fleet/{b}", headers=world.h("CSA", "viewer")).status_code == 200
    assert c.get("/v1/shares", headers=world.h("CSA", "viewer")).json()["shares"][0]["grantor"] == "JAXA"
    # only the grantor's admin can end it; for anyone else it does not exist
    assert c.delete(f"/v1/shares/{r.json()['id']}", headers=world.h("CSA", "admin")).status_code == 404
    assert c.delete(f"/v1/shares/{r.json()['id']}", headers=world.h("JAXA", "admin")).status_code == 200
    assert c.get(f"/v1/fleet/{b}", headers=world.h("CSA", "viewer")).status_code == 404
    r = c.post("/v1/shares", json={"grantee": "NOPE", "what": "fleet"}, headers=world.h("JAXA", "admin"))
    assert r.status_code == 404
    r = c.post("/v1/shares", json={"grantee": "CSA", "what": "everything"}, headers=world.h("JAXA", "admin"))
    assert r.status_code == 422 and r.json()["error"]["field"] == "what"
    r = c.post("/v1/shares", json={"grantee": "CSA", "what": "events", "until": "2000-01-01"},
               headers=world.h("JAXA", "admin"))
    assert r.status_code == 422 and r.json()["error"]["field"] == "until"


def test_fleet_input_errors(world):
    c, h = world.client, world.h("CSA", "analyst")
    _add(world, "CSA", 5)
    r = c.post("/v1/fleet", json={"norad_id": 5}, headers=h)
    assert r.status_code == 409 and r.json()["error"]["type"] == "ConflictError"
    r = c.post("/v1/fleet", json={"norad_id": 4}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "norad_id"
    r = c.post("/v1/fleet", json={"norad_id": "five"}, headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "norad_id"
    r = c.post("/v1/fleet", json={"norad_id": -1}, headers=h)
    assert r.status_code == 422
    r = c.get("/v1/fleet/0", headers=h)
    assert r.status_code == 422


def _strip(body: dict) -> dict:
    err = dict(body["error"])
    err.pop("request_id", None)
    return err


def test_every_endpoint_hides_other_agencies_objects(world):
    """Another agency's ids answer exactly like ids that do not exist, endpoint by endpoint."""
    import json as _json

    from orbitwatch.service import jobs as q
    from orbitwatch.store.service_schema import agencies, events, jobs

    c = world.client
    entry = _add(world, "JAXA", 11)
    with world.db.tx() as conn:
        jaxa = conn.execute(select(agencies.c.id).where(agencies.c.name == "JAXA")).scalar_one()
        job = q.submit(conn, jaxa, "screening", {"start": "2023-10-09T12:00:00.000Z",
                                                 "stop": "2023-10-09T13:00:00.000Z", "threshold_km": 5.0}, "test")
        conn.execute(events.insert().values(job_id=job, agency_id=jaxa, norad_1=11, norad_2=12, tca_ns=1, miss_km=1.0,
                                            radial_km=0.1, in_track_km=0.2, cross_track_km=0.3, rel_speed_km_s=7.0,
                                            created_at_ns=1))
        event = conn.execute(select(func.max(events.c.id))).scalar_one()
        missing = 10**9
        assert conn.execute(select(func.max(jobs.c.id))).scalar_one() == job
    endpoints = [("GET", "/v1/fleet/{}", entry), ("DELETE", "/v1/fleet/{}", entry), ("GET", "/v1/jobs/{}", job),
                 ("POST", "/v1/jobs/{}/cancel", job), ("GET", "/v1/jobs/{}/events", job),
                 ("GET", "/v1/events/{}", event)]
    for role in ("viewer", "analyst", "admin"):
        for method, path, ident in endpoints:
            theirs = c.request(method, path.format(ident), headers=world.h("CSA", role))
            nothing = c.request(method, path.format(missing), headers=world.h("CSA", role))
            # a viewer may not change anything at all (403 either way); otherwise 404 either way
            expected = 403 if role == "viewer" and method == "DELETE" else 404
            assert theirs.status_code == nothing.status_code == expected, (method, path, role, theirs.text)
            a, b = _strip(theirs.json()), _strip(nothing.json())
            assert a["type"] == b["type"]
            assert a["message"].replace(str(ident), "ID") == b["message"].replace(str(missing), "ID")
    # lists never show them either
    assert c.get("/v1/fleet", headers=world.h("CSA", "admin")).json()["entries"] == []
    assert c.get("/v1/jobs", headers=world.h("CSA", "admin")).json()["jobs"] == []
    assert c.get("/v1/events", headers=world.h("CSA", "admin")).json()["events"] == []
    assert c.get("/v1/events", params={"job_id": job}, headers=world.h("CSA", "admin")).json()["events"] == []
    # the owner sees them all
    h = world.h("JAXA", "viewer")
    assert c.get(f"/v1/fleet/{entry}", headers=h).status_code == 200
    assert c.get(f"/v1/jobs/{job}", headers=h).json()["params"]["threshold_km"] == 5.0
    assert c.get(f"/v1/events/{event}", headers=h).json()["miss_km"] == 1.0
    assert _json.loads(_json.dumps(c.get(f"/v1/jobs/{job}/events", headers=h).json()))["events"][0]["id"] == event
    # an event with one of CSA's objects becomes visible to CSA (and only that event)
    _add(world, "CSA", 12)
    seen = c.get("/v1/events", headers=world.h("CSA", "viewer")).json()["events"]
    assert [e["id"] for e in seen] == [event]
    assert c.get(f"/v1/events/{event}", headers=world.h("CSA", "viewer")).status_code == 200
    assert c.get(f"/v1/jobs/{job}", headers=world.h("CSA", "viewer")).status_code == 404
