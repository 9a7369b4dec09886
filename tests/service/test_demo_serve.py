"""`orbitwatch demo --serve`'s seeding: the demo agency, its fleet and a finished screening, through
the service's own code; a second start keeps them and changes only the password."""

from __future__ import annotations

from conftest import make_settings


def test_demo_agency_is_seeded_then_refreshed(sqlite_url, tmp_path):
    import numpy as np
    from fastapi.testclient import TestClient

    from orbitwatch.elements import format_elements, read_elements
    from orbitwatch.samples import sample_catalog_path

    from orbitwatch.service import create_app
    from orbitwatch.service.db import ServiceDB
    from orbitwatch.service.demo import DEMO_CHARTER, DEMO_FLEET, seed_demo
    from orbitwatch.service.worker import Worker

    # the fleet, the station's visiting vehicles and 300 other objects of the sample catalog; half an hour
    # with the reference propagator keeps the test short (the demo screens the whole catalog for 24 h)
    es = read_elements(sample_catalog_path()).elements
    names = np.array([str(x) for x in es.name])
    keep = np.isin(names, DEMO_FLEET) | np.array([n.startswith(("ISS", "PROGRESS", "SOYUZ", "CYGNUS", "DRAGON"))
                                                  for n in names])
    keep[:300] = True
    small = tmp_path / "demo.3le"
    small.write_text(format_elements(es[np.flatnonzero(keep)], "3le"))
    settings = make_settings(sqlite_url, tmp_path)
    db = ServiceDB(settings)
    try:
        d = seed_demo(db, settings, "first-password-1", hours=0.5, backend="sgp4", catalog=small)
        assert (d.agency, d.username) == ("DEMO", "demo") and len(d.fleet) == len(DEMO_FLEET)
        assert d.n_events > 0  # at least the ISS and its docked vehicles
        d2 = seed_demo(db, settings, "second-password-2", hours=0.5, backend="sgp4", catalog=small)
        assert d2.job_id == d.job_id and d2.n_events == d.n_events and d2.fleet == d.fleet
        assert d.charter_satellites == d2.charter_satellites == len(DEMO_CHARTER)
        with TestClient(create_app(settings, db=db)) as c:
            login = {"agency": "DEMO", "username": "demo"}
            assert c.post("/v1/auth/login", json={**login, "password": "first-password-1"}).status_code == 401
            r = c.post("/v1/auth/login", json={**login, "password": "second-password-2"})
            assert r.status_code == 200 and r.json()["user"]["role"] == "admin"
            evs = c.get("/v1/events").json()["events"]
            assert len(evs) == d.n_events
            assert all(e["norad_1"] in d.fleet or e["norad_2"] in d.fleet for e in evs)
            assert {e["job_id"] for e in evs} == {d.job_id}
            # the Charter page: DEMO has fleet rows, so an activation with DEMO on call is planned with them
            rows = c.get("/v1/charter/fleet").json()
            assert "Sentinel-1A" in str(rows) and "DEMO" in str(rows), rows
            h = {"X-CSRF-Token": r.json()["csrf_token"]}
            a = c.post("/v1/charter/activations", headers=h, json={"sample": True, "on_call_agency": "DEMO",
                                                                   "start": "2026-06-10T12:00Z", "hours": 6})
            assert a.status_code == 201, a.text
            aid = a.json()["id"]
            acc = c.post(f"/v1/charter/activations/{aid}/accept", headers=h, json={"project_manager_agency": "DEMO"})
            assert acc.status_code == 200, acc.text
            assert Worker(db, settings, name="test").run_once() == acc.json()["job_id"]
            act = c.get(f"/v1/charter/activations/{aid}").json()
            assert act["status"] in ("planned", "tasked") and act["plan"]["acquisitions"], act["status"]
            assert act["plan"]["agencies"] and set(act["plan"]["agencies"]) <= {"DEMO"}, act["plan"]["agencies"]
            assert {x["satellite"] for x in act["plan"]["acquisitions"]} <= set(DEMO_CHARTER)
    finally:
        db.close()


def test_demo_serve_checks_its_port(tmp_home):
    from typer.testing import CliRunner

    from orbitwatch.cli.main import app

    r = CliRunner().invoke(app, ["demo", "--serve", "--port", "0"])
    assert r.exit_code == 2 and "port" in r.output
