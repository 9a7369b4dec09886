"""GET /v1/events/{id}/czml: the two objects around TCA as CZML, under the events' visibility."""

from __future__ import annotations

import numpy as np

from console_seed import finished_job_with_events


def test_event_czml_is_centred_on_tca_and_follows_visibility(sqlite_world):
    w = sqlite_world
    rows = finished_job_with_events(w.db, "CSA", [(5, "VANGUARD 1", 11, "VANGUARD 2")], seed=3)
    eid = w.client.get("/v1/events", headers=w.h("CSA", "viewer")).json()["events"][0]["id"]
    r = w.client.get(f"/v1/events/{eid}/czml", params={"minutes": 10, "step_s": 60}, headers=w.h("CSA", "viewer"))
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    doc = r.json()
    assert [p["id"] for p in doc] == ["document", "5", "11"]
    tca = np.datetime64(rows[0]["tca_ns"], "ns")
    start, stop = (np.datetime64(x.rstrip("Z")) for x in doc[0]["clock"]["interval"].split("/"))
    assert abs((start + (stop - start) / 2 - tca) / np.timedelta64(1, "ms")) < 1
    for p in doc[1:]:
        c = np.array(p["position"]["cartesian"]).reshape(-1, 4)
        assert len(c) == 21 and p["position"]["referenceFrame"] == "FIXED"
        radius_km = np.linalg.norm(c[:, 1:], axis=1) / 1000
        assert np.all((radius_km > 6500) & (radius_km < 12000))  # Vanguard 1 and 2: 650 km to ~4,000 km altitude
    # another agency: the same 404 as an event that does not exist; nonsense spans are refused
    assert w.client.get(f"/v1/events/{eid}/czml", headers=w.h("JAXA", "admin")).status_code == 404
    assert w.client.get("/v1/events/999999/czml", headers=w.h("CSA", "viewer")).status_code == 404
    r = w.client.get(f"/v1/events/{eid}/czml", params={"minutes": 720, "step_s": 1}, headers=w.h("CSA", "viewer"))
    assert r.status_code == 422 and r.json()["error"]["field"] == "step_s"
