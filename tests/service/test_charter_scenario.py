"""A Charter activation end to end, on a real uvicorn (loopback) and a real database (SQLite file
and PostgreSQL): an authorized user requests the shipped sample flood, the on-call officer accepts,
the plan is computed by the job worker, CSA accepts its requests, CNSA declines one and the plan is
recomputed (JAXA gets a request and accepts it), products are registered, the project manager and
both agencies see them through STAC, an agency without agreement sees nothing through any
endpoint, a sharing agreement on the collection opens it, and the audit log and activation
history show each step."""

from __future__ import annotations

import signal
import subprocess
import time

import httpx
import pytest

from conftest import PYTHON, free_port, make_settings, seed, subprocess_env

MAIN = ("import sys; from orbitwatch.cli.main import app; from orbitwatch.cli import admin, serve; "
        "from orbitwatch.cli.errors import wrap_commands; admin.register(app); serve.register(app); "
        "wrap_commands(app); app()")
EXTRA = ("CNSA", "CIVPRO", "UNOSAT", "OUTSIDER")


def _extra_keys(db, settings) -> dict:
    from orbitwatch.service import accounts
    from orbitwatch.service.auth import cli_context

    ctx = cli_context("test")
    keys = {}
    with db.tx() as conn:
        for a in EXTRA:
            accounts.create_agency(conn, ctx, a)
            for r in ("analyst", "coordinator"):
                accounts.create_user(conn, ctx, a, f"{r}1", r)
                keys[(a, r)] = accounts.create_key(conn, ctx, a, f"{r}1", days=1, pepper=settings.key_pepper)[1]
    return keys


def _wait(fn, what: str, timeout: float = 120.0):
    t0 = time.monotonic()
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() - t0 > timeout:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture()
def server(db_url, tmp_path):
    from orbitwatch.service.db import ServiceDB

    settings = make_settings(db_url, tmp_path)
    db = ServiceDB(settings)
    keys = seed(db, settings)
    keys.update(_extra_keys(db, settings))
    port = free_port()
    env = subprocess_env(db_url, tmp_path, ORBITWATCH_JOBS_IN_PROCESS="true", ORBITWATCH_JOB_POLL_S="0.2")
    proc = subprocess.Popen([PYTHON, "-c", MAIN, "serve", "--port", str(port), "--workers", "1",
                             "--log-level", "warning"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: proc.poll() is None and _ready(base) or (proc.poll() is not None and _died(proc)),
              "the server to start")
        yield base, keys, db
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
        out = proc.stdout.read().decode()
        db.close()
        assert "Traceback" not in out, out[-4000:]


def _ready(base: str) -> bool:
    try:
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _died(proc):
    raise AssertionError(f"server did not start: {proc.stdout.read().decode()[-3000:]}")


def test_charter_activation_end_to_end(server):
    base, keys, db = server

    def client(agency, role="analyst"):
        return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {keys[(agency, role)]}"}, timeout=60)

    au, oncall, pm = client("CIVPRO"), client("ESA", "coordinator"), client("UNOSAT")
    csa, jaxa, cnsa, out = client("CSA"), client("JAXA"), client("CNSA"), client("OUTSIDER")

    # 1. the authorized user requests; the options override the flood profile (10 m SAR and optical)
    r = au.post("/v1/charter/activations", json={"sample": True, "on_call_agency": "ESA",
                                                 "agencies": ["CSA", "JAXA", "CNSA"], "max_resolution_m": 10})
    assert r.status_code == 201, r.text
    act = r.json()
    aid = act["id"]
    assert act["status"] == "requested" and act["hazard"] == "flood"
    assert {(a["agency"], a["role"]) for a in act["actors"]} == {("CIVPRO", "authorized_user"),
                                                                 ("ESA", "on_call_officer")}
    # only the on-call officer accepts; an analyst of the on-call agency is below coordinator
    assert au.post(f"/v1/charter/activations/{aid}/accept", json={"project_manager_agency": "UNOSAT"}).status_code \
        == 403
    assert out.post(f"/v1/charter/activations/{aid}/accept",
                    json={"project_manager_agency": "OUTSIDER"}).status_code == 404

    # 2. the on-call officer accepts; the plan is computed by a job
    r = oncall.post(f"/v1/charter/activations/{aid}/accept", json={"project_manager_agency": "UNOSAT"})
    assert r.status_code == 200, r.text
    act = _wait(lambda: (a := pm.get(f"/v1/charter/activations/{aid}").json())["status"] == "tasked" and a,
                "the first plan")
    assert act["plan_version"] == 1 and act["plan"]["coverage_fraction"] >= 0.99
    tasks = au.get("/v1/charter/tasking", params={"activation_id": aid}).json()["tasking"]
    by_agency = {}
    for t in tasks:
        by_agency.setdefault(t["fleet_agency"], []).append(t)
        assert t["status"] == "sent" and t["resolution_m"] <= 10
    assert set(by_agency) >= {"CSA", "CNSA"}, by_agency.keys()

    # 3. CSA accepts its requests; CNSA declines one: the plan is recomputed without that satellite
    for t in by_agency["CSA"]:
        assert csa.post(f"/v1/charter/tasking/{t['id']}", json={"status": "accepted"}).status_code == 200
    first_cnsa = by_agency["CNSA"][0]
    assert csa.post(f"/v1/charter/tasking/{first_cnsa['id']}", json={"status": "accepted"}).status_code == 404
    assert cnsa.post(f"/v1/charter/tasking/{first_cnsa['id']}", json={"status": "declined"}).status_code == 422
    r = cnsa.post(f"/v1/charter/tasking/{first_cnsa['id']}",
                  json={"status": "declined", "reason": "conflicting order"})
    assert r.status_code == 200 and r.json()["replan_job_id"]
    act = _wait(lambda: (a := pm.get(f"/v1/charter/activations/{aid}").json())["plan_version"] == 2 and a,
                "the re-plan")
    assert any(str(first_cnsa["norad_id"]) in n for n in act["plan"]["notes"]), act["plan"]["notes"]
    tasks2 = {t["id"]: t for t in au.get("/v1/charter/tasking", params={"activation_id": aid}).json()["tasking"]}
    assert tasks2[first_cnsa["id"]]["status"] == "declined"
    for t in by_agency["CSA"]:  # committed requests are kept
        assert tasks2[t["id"]]["status"] == "accepted"
    live = [t for t in tasks2.values() if t["status"] not in ("declined", "cancelled")]
    assert all(t["norad_id"] != first_cnsa["norad_id"] for t in live if t["plan_version"] == 2)
    jaxa_tasks = jaxa.get("/v1/charter/tasking", params={"activation_id": aid}).json()["tasking"]
    assert jaxa_tasks and all(t["fleet_agency"] == "JAXA" for t in jaxa_tasks), "the re-plan tasks JAXA"
    for t in jaxa_tasks:
        assert jaxa.post(f"/v1/charter/tasking/{t['id']}", json={"status": "accepted"}).status_code == 200

    # fresher element sets of a tasked satellite arrive: the activation is re-planned; nothing committed moves
    from orbitwatch.elements import format_elements
    from orbitwatch.response.fleet import default_fleet_elements

    es = default_fleet_elements()
    sets = format_elements(es[es.norad_id == by_agency["CSA"][0]["norad_id"]], "3le")
    r = csa.post("/v1/catalog/uploads", files={"file": ("fresh.3le", sets)})
    assert r.status_code == 201 and r.json()["inserted"] >= 1, r.text
    act = _wait(lambda: (a := pm.get(f"/v1/charter/activations/{aid}").json())["plan_version"] == 3 and a,
                "the re-plan on fresher elements")
    assert act["history"][-1]["detail"]["replanned"] is True
    listed = au.get("/v1/charter/tasking", params={"activation_id": aid}).json()["tasking"]
    after = {t["id"]: t["status"] for t in listed}
    assert all(after[t["id"]] == "accepted" for t in by_agency["CSA"] + jaxa_tasks)

    # 4. products: CSA and JAXA report acquisitions; CSA also posts an Item with an uploaded asset
    csa_task = by_agency["CSA"][0]
    r = csa.post(f"/v1/charter/tasking/{csa_task['id']}", json={"status": "acquired", "processing_level": "L1"})
    assert r.status_code == 200, r.text
    r = jaxa.post(f"/v1/charter/tasking/{jaxa_tasks[0]['id']}",
                  json={"status": "acquired", "polarizations": ["HH", "HV"], "frequency_band": "L"})
    assert r.status_code == 200, r.text
    up = csa.post("/v1/charter/assets", files={"file": ("flood.tif", b"II*\x00flood extent raster")})
    assert up.status_code == 201, up.text
    href = up.json()["href"]
    item = {"type": "Feature", "stac_version": "1.0.0", "id": "flood-extent-1",
            "geometry": act["area"]["features"][0]["geometry"],
            "properties": {"datetime": "2026-06-10T14:00:00Z", "charter:activation_id": aid,
                           "processing:level": "L3"},
            "assets": {"data": {"href": href, "type": "image/tiff; application=geotiff", "roles": ["data"]}},
            "links": []}
    r = csa.post("/v1/charter/collections/CSA-charter/items", json=item)
    assert r.status_code == 201, r.text
    assert csa.post("/v1/charter/collections/CSA-charter/items", json=item).status_code == 409
    assert out.post("/v1/charter/collections/CSA-charter/items", json={**item, "id": "x"}).status_code == 404

    # 5. the project manager, CSA and JAXA see the three products through STAC
    for who in (pm, csa, jaxa, au):
        s = who.get("/stac/search", params={"bbox": "67,26,70,29", "datetime": "2026-06-10T00:00:00Z/.."})
        assert s.status_code == 200 and s.headers["content-type"].startswith("application/geo+json")
        body = s.json()
        assert body["numberMatched"] == 3 and len(body["features"]) == 3, body
        post = who.post("/stac/search", json={"collections": ["CSA-charter"], "ids": ["flood-extent-1"]}).json()
        assert [f["id"] for f in post["features"]] == ["flood-extent-1"]
    feats = {f["id"]: f for f in pm.get("/stac/search", params={"limit": 100}).json()["features"]}
    jx = next(f for f in feats.values() if f["properties"]["charter:agency"] == "JAXA")
    assert jx["properties"]["sar:frequency_band"] == "L" and jx["properties"]["charter:hazard"] == "flood"
    assert "sat:orbit_state" in jx["properties"] and "view:incidence_angle" in jx["properties"]
    assert pm.get(href).status_code == 200 and pm.get(href).content == b"II*\x00flood extent raster"
    cols = {c["id"] for c in pm.get("/stac/collections").json()["collections"]}
    assert cols == {"CSA-charter", "JAXA-charter"}
    page = pm.get("/stac/search", params={"limit": 2}).json()
    nxt = next(lk["href"] for lk in page["links"] if lk["rel"] == "next")
    assert len(pm.get(nxt).json()["features"]) == 1

    # 6. an agency outside the activation, without agreement, sees none of it anywhere
    assert out.get("/stac/search").json()["numberMatched"] == 0
    assert out.post("/stac/search", json={}).json()["numberMatched"] == 0
    assert out.get("/stac/collections").json()["collections"] == []
    assert out.get("/stac/collections/CSA-charter").status_code == 404
    assert out.get("/stac/collections/CSA-charter/items").status_code == 404
    assert out.get("/stac/collections/CSA-charter/items/flood-extent-1").status_code == 404
    assert not [lk for lk in out.get("/stac/").json()["links"] if lk["rel"] == "child"]
    assert out.get(href).status_code == 404
    assert out.get(f"/v1/charter/activations/{aid}").status_code == 404
    assert out.get("/v1/charter/activations").json()["activations"] == []
    assert out.get("/v1/charter/tasking").json()["tasking"] == []
    assert out.post(f"/v1/charter/tasking/{csa_task['id']}", json={"status": "failed", "reason": "x"}).status_code \
        == 404

    # ... until CSA shares that collection with it
    from orbitwatch.service import accounts
    from orbitwatch.service.auth import cli_context

    with db.tx() as conn:
        accounts.grant_share(conn, cli_context("test"), "CSA", "OUTSIDER", "collection:CSA-charter")
    s = out.get("/stac/search").json()
    assert s["numberMatched"] == 2 and {f["collection"] for f in s["features"]} == {"CSA-charter"}

    # 7. deliver and close; the history and the audit log show every step
    assert pm.post(f"/v1/charter/activations/{aid}/deliver", json={}).status_code == 200
    assert pm.post(f"/v1/charter/activations/{aid}/close", json={"note": "done"}).status_code == 200
    assert pm.post(f"/v1/charter/activations/{aid}/close", json={}).status_code == 409
    hist = [h["to"] for h in pm.get(f"/v1/charter/activations/{aid}").json()["history"]]
    for step in ("requested", "accepted", "planned", "tasked", "acquired", "delivered", "closed"):
        assert step in hist, hist
    assert hist.index("requested") < hist.index("accepted") < hist.index("planned") < hist.index("tasked") \
        < hist.index("acquired") < hist.index("delivered") < hist.index("closed")

    from orbitwatch.service import audit, notify

    with db.read() as conn:
        actions = [(r["action"], r["outcome"]) for r in audit.rows(conn)]
        assert audit.verify(conn).ok
        esa_notes = {n["kind"] for n in notify.since(conn, _agency(conn, "ESA"))}
        csa_notes = {n["kind"] for n in notify.since(conn, _agency(conn, "CSA"), limit=1000)}
        out_notes = notify.since(conn, _agency(conn, "OUTSIDER"))
    for a in ("charter.request", "charter.accept", "job.complete", "charter.tasking.answer", "charter.item.register",
              "charter.asset.upload", "stac.search", "charter.delivered", "charter.closed"):
        assert (a, "ok") in actions, a
    assert ("stac.collection", "not-found") in actions and ("charter.accept", "denied") in actions
    assert {"activation.requested", "activation.accepted", "activation.tasked"} <= esa_notes
    assert {"tasking.updated", "product.registered", "activation.replanned"} <= csa_notes
    assert out_notes == []


def _agency(conn, name: str) -> int:
    from orbitwatch.service.accounts import agency_id

    return agency_id(conn, name)
