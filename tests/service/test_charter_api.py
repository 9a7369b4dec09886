"""Charter routes without a server: rejection with a reason, fleet rows validated as the CSV
files, asset uploads (size limit, nothing left by a failure, content-addressed), posted items
checked, and a ``products`` agreement opening every collection of the grantor."""

from __future__ import annotations

import hashlib

import pytest

from conftest import _world

SAT_HEADER = "norad_id,name,catalog_name,ucs_name,platform,agency,operator,source\n"


@pytest.fixture(scope="module")
def small_world(tmp_path_factory):
    """One app for the module (the tests touch different objects): seeding is the slow part."""
    home = tmp_path_factory.mktemp("charter")
    yield from _world(f"sqlite:///{home / 'service.db'}", home, None, max_upload_bytes=1000)


def test_reject_is_recorded_with_its_reason(small_world):
    w = small_world
    r = w.client.post("/v1/charter/activations", headers=w.h("CSA", "analyst"),
                      json={"sample": True, "on_call_agency": "ESA", "hazard": "earthquake"})
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    assert w.client.post(f"/v1/charter/activations/{aid}/reject", headers=w.h("ESA", "coordinator"),
                         json={"reason": ""}).status_code == 422
    r = w.client.post(f"/v1/charter/activations/{aid}/reject", headers=w.h("ESA", "coordinator"),
                      json={"reason": "not a major disaster"})
    assert r.status_code == 200 and r.json()["status"] == "rejected" and r.json()["reason"] == "not a major disaster"
    assert w.client.post(f"/v1/charter/activations/{aid}/accept", headers=w.h("ESA", "admin"),
                         json={"project_manager_agency": "CSA"}).status_code == 409
    assert w.client.get(f"/v1/charter/activations/{aid}", headers=w.h("JAXA")).status_code == 404
    # a bad request stores nothing
    r = w.client.post("/v1/charter/activations", headers=w.h("CSA", "analyst"),
                      json={"sample": True, "on_call_agency": "NOSUCH"})
    assert r.status_code == 422 and r.json()["error"]["field"] == "on_call_agency"
    r = w.client.post("/v1/charter/activations", headers=w.h("CSA", "analyst"),
                      json={"sample": True, "on_call_agency": "ESA", "agencies": ["NOSUCH"]})
    assert r.status_code == 422 and r.json()["error"]["field"] == "agencies"
    assert len(w.client.get("/v1/charter/activations", headers=w.h("CSA")).json()["activations"]) == 1


def test_fleet_rows_are_validated_like_the_csv_files(small_world):
    w = small_world
    h = {**w.h("CSA", "analyst"), "Content-Type": "text/csv"}
    good = SAT_HEADER + "99001,MYSAR-1,MYSAR 1,,MYSAR,CSA,CSA,spec sheet\n"
    r = w.client.put("/v1/charter/fleet/satellites", content=good, headers=h)
    assert r.status_code == 200 and r.json()["rows"] == 1
    bad = SAT_HEADER + "notanumber,X,,,P,CSA,CSA,s\n"
    r = w.client.put("/v1/charter/fleet/satellites", content=bad, headers=h)
    assert r.status_code == 422 and r.json()["error"].get("line") == 2
    other = SAT_HEADER + "99002,THEIRS,,,P,JAXA,JAXA,s\n"
    assert w.client.put("/v1/charter/fleet/satellites", content=other, headers=h).status_code == 422
    assert w.client.get("/v1/charter/fleet", headers=w.h("CSA")).json()["satellites"]["csv"] == good
    sens = ("platform,sensor,type,pointing,angle_kind,angle_min_deg,angle_max_deg,look_side,swath_km,resolution_m,"
            "source\n")
    mine = sens + "MYSAR,SM,SAR,cross_track,incidence,20,45,right,30,3,spec sheet\n"
    assert w.client.put("/v1/charter/fleet/sensors", content=mine, headers=h).status_code == 200
    theirs = sens + "ALOS-4,SM,SAR,cross_track,incidence,20,45,right,30,0.1,mine now\n"
    r = w.client.put("/v1/charter/fleet/sensors", content=theirs, headers=h)
    assert r.status_code == 422 and r.json()["error"]["field"] == "platform"
    assert w.client.put("/v1/charter/fleet/satellites", content=good,
                        headers={**w.h("CSA", "viewer"), "Content-Type": "text/csv"}).status_code == 403


def test_asset_upload_is_content_addressed_and_a_failure_leaves_nothing(small_world):
    w = small_world
    h = w.h("CSA", "analyst")
    root = w.settings.home / "assets"
    r = w.client.post("/v1/charter/assets", headers=h, files={"file": ("big.tif", b"x" * 1001)})
    assert r.status_code == 413
    assert not [p for p in root.rglob("*") if p.is_file()]
    data = b"GeoTIFF bytes"
    r = w.client.post("/v1/charter/assets", headers=h, files={"file": ("a.tif", data)})
    assert r.status_code == 201
    digest = hashlib.sha256(data).hexdigest()
    assert r.json()["sha256"] == digest and (root / digest[:2] / digest).read_bytes() == data
    again = w.client.post("/v1/charter/assets", headers=h, files={"file": ("b.tif", data)})
    assert again.status_code == 201 and again.json()["new"] is False
    assert w.client.get(f"/v1/charter/assets/{digest}", headers=w.h("JAXA")).status_code == 404


def test_posted_items_are_checked_and_products_agreements_share_them(small_world):
    from orbitwatch.service import accounts
    from orbitwatch.service.auth import cli_context

    w = small_world
    h = w.h("JAXA", "analyst")
    for cid in ("jaxa-a", "jaxa-b"):
        assert w.client.post("/v1/charter/collections", headers=h,
                             json={"id": cid, "description": "scenes"}).status_code == 201
    item = {"type": "Feature", "stac_version": "1.1.0", "id": "one",
            "geometry": {"type": "Point", "coordinates": [139.7, 35.7]},
            "properties": {"datetime": "2026-06-10T01:00:00Z"}, "assets": {}, "links": []}
    assert w.client.post("/v1/charter/collections/jaxa-a/items", headers=h, json={**item, "type": "Nope"}) \
        .status_code == 422
    no_time = {**item, "properties": {}}
    assert w.client.post("/v1/charter/collections/jaxa-a/items", headers=h, json=no_time).status_code == 422
    linked = {**item, "properties": {**item["properties"], "charter:activation_id": 999}}
    assert w.client.post("/v1/charter/collections/jaxa-a/items", headers=h, json=linked).status_code == 422
    for cid in ("jaxa-a", "jaxa-b"):
        assert w.client.post(f"/v1/charter/collections/{cid}/items", headers=h, json=item).status_code == 201
    csa = w.h("CSA", "viewer")
    assert w.client.get("/stac/search", headers=csa).json()["numberMatched"] == 0
    with w.db.tx() as conn:
        share = accounts.grant_share(conn, cli_context("test"), "JAXA", "CSA", "products")
    s = w.client.get("/stac/search", headers=csa).json()
    assert s["numberMatched"] == 2 and {f["collection"] for f in s["features"]} == {"jaxa-a", "jaxa-b"}
    with w.db.tx() as conn:
        accounts.revoke_share(conn, cli_context("test"), share["id"])
    assert w.client.get("/stac/search", headers=csa).json()["numberMatched"] == 0
    assert w.client.get("/stac/collections/jaxa-a/items/one", headers=csa).status_code == 404
