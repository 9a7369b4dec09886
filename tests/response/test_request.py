"""ResponseRequest: defaults and checks before any work; typed plan, acquisitions and tasking records."""

import datetime as dt
import json

import numpy as np
import pytest

from orbitwatch.errors import InputFileError, InvalidRequestError, NotFoundError
from orbitwatch.response import (ActivationError, Preferences, ResponseRequest, TaskingRequest, load_fleet,
                                 make_activation, read_activation, run_response, tasking_requests)

SQUARE = {"type": "Polygon", "coordinates": [[[10.0, 45.0], [11.0, 45.0], [11.0, 46.0], [10.0, 46.0], [10.0, 45.0]]]}


def feature(geometry=SQUARE, **props):
    return {"type": "Feature", "properties": props, "geometry": geometry}


# ------------------------------------------------------------------ the horizon
def test_start_defaults_to_now_in_the_library():
    before = np.datetime64(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), "ns")
    req = ResponseRequest.resolve(feature(), hazard="flood")
    after = np.datetime64(dt.datetime.now(dt.timezone.utc).replace(tzinfo=None), "ns")
    assert before <= req.start <= after
    assert req.hours == 48.0
    req = ResponseRequest.resolve(feature(), hazard="flood", now="2026-06-10T06:00Z")
    assert req.start == np.datetime64("2026-06-10T06:00", "ns")


def test_file_properties_are_defaults_the_caller_overrides():
    f = feature(hazard="wildfire", start="2026-06-10T12:00:00Z", hours=30, name="Fire")
    req = ResponseRequest.resolve(f)
    assert (req.hazard, req.start, req.hours, req.name) == ("wildfire", np.datetime64("2026-06-10T12:00", "ns"),
                                                            30.0, "Fire")
    req = ResponseRequest.resolve(f, hazard="storm", start="2026-06-11T00:00Z", days=1)
    assert (req.hazard, req.hours) == ("storm", 24.0)
    assert req.start == np.datetime64("2026-06-11T00:00", "ns") and req.stop == np.datetime64("2026-06-12T00:00", "ns")
    req = ResponseRequest.resolve(f, stop="2026-06-10T20:00Z")  # the file's start, the caller's stop
    assert req.hours == 8.0


@pytest.mark.parametrize("kw, field", [
    ({"hours": 6, "days": 1}, "hours"), ({"hours": 6, "stop": "2026-06-11"}, "hours"), ({"hours": 337}, "hours"),
    ({"days": 0}, "days"), ({"start": "soon"}, "start"), ({"stop": "2026-06-09"}, "stop"),
])
def test_time_mistakes_name_the_field(kw, field):
    kw.setdefault("start", "2026-06-10T00:00Z")
    with pytest.raises(InvalidRequestError) as e:
        ResponseRequest.resolve(feature(), hazard="flood", **kw)
    assert e.value.field == field


@pytest.mark.parametrize("props, field", [({"start": "whenever"}, "start"), ({"hours": -4}, "hours"),
                                          ({"hours": "many"}, "hours"), ({"hazard": "meteor"}, "hazard")])
def test_bad_file_properties_are_data_errors(props, field):
    with pytest.raises(ActivationError) as e:
        ResponseRequest.resolve(feature(**props), **({} if "hazard" in props else {"hazard": "flood"}))
    assert e.value.field == field and e.value.source == "<area>"


# ------------------------------------------------------------------ values
@pytest.mark.parametrize("kw, field", [
    ({"coverage": -1}, "coverage"), ({"coverage": 1.5}, "coverage"), ({"max_resolution_m": -1}, "max_resolution_m"),
    ({"radius_km": 0}, "radius_km"), ({"agencies": ["ESA", "nope"]}, "agencies"), ({"agencies": ""}, "agencies"),
    ({"types": ["radar"]}, "types"), ({"planner": "fastest"}, "planner"), ({"hazard": "meteor"}, "hazard"),
    ({"min_sun_elevation_deg": -91}, "min_sun_elevation_deg"), ({"prefer_fine_h": -1}, "prefer_fine_h"),
])
def test_value_mistakes_name_the_field(kw, field):
    kw.setdefault("hazard", "flood")
    with pytest.raises(InvalidRequestError) as e:
        ResponseRequest.resolve(feature(), start="2026-06-10T00:00Z", **kw)
    assert e.value.field == field


def test_agencies_and_types_match_any_case_and_comma_lists():
    req = ResponseRequest.resolve(feature(), hazard="flood", start="2026-06-10", agencies=["esa,Jaxa", "ESA"],
                                  types="sar", max_resolution_m=10)
    assert req.agencies == ("ESA", "JAXA") and req.types == ("SAR",)
    f = req.fleet()
    assert {s.agency for s in f.satellites} == {"ESA", "JAXA"}
    assert {s.type for s in f.sensors} == {"SAR"} and max(s.resolution_m for s in f.sensors) <= 10


def test_fleet_select_refuses_unknown_agency_and_type():
    fleet = load_fleet()
    with pytest.raises(InvalidRequestError, match="ESA"):
        fleet.select(agencies=["esa", "XXA"])
    with pytest.raises(InvalidRequestError) as e:
        fleet.select(types=["lidar"])
    assert e.value.field == "types"
    assert len(fleet.select(agencies=["esa"])) == len(fleet.select(agencies=["ESA"])) > 0


def test_missing_element_file_is_not_found(tmp_path):
    with pytest.raises(NotFoundError, match="nothere.tle"):
        ResponseRequest.resolve(feature(), hazard="flood", start="2026-06-10", elements=tmp_path / "nothere.tle")


def test_preferences_check_their_target():
    with pytest.raises(InvalidRequestError) as e:
        Preferences(coverage_target=-1.0)
    assert e.value.field == "coverage_target"
    assert Preferences(coverage_target=1).coverage_target == 1.0


# ------------------------------------------------------------------ the area
def test_radius_applies_to_a_point_only():
    with pytest.raises(InvalidRequestError) as e:
        ResponseRequest.resolve(feature(), hazard="flood", start="2026-06-10", radius_km=50)
    assert e.value.field == "radius_km" and "Point" in e.value.reason
    with pytest.raises(InvalidRequestError):  # the library function too: never silently ignored
        make_activation(SQUARE, hazard="flood", start="2026-06-10", hours=6, radius_km=50)
    with pytest.raises(ActivationError) as e:  # a radius_km property on a polygon feature
        make_activation(feature(radius_km=50), hazard="flood", start="2026-06-10", hours=6)
    assert e.value.field == "radius_km"
    req = ResponseRequest.resolve(feature({"type": "Point", "coordinates": [10.0, 45.0]}), hazard="flood",
                                  start="2026-06-10", radius_km=50)
    assert req.activation().area.area_km2 == pytest.approx(np.pi * 50 ** 2, rel=0.01)


@pytest.mark.parametrize("lon", [268.2, -180.5, 540.0])
def test_longitude_outside_minus180_180_is_rejected(lon):
    ring = [[lon, 45.0], [10.0, 45.0], [10.0, 46.0], [lon, 45.0]]
    with pytest.raises(ActivationError) as e:
        make_activation({"type": "Polygon", "coordinates": [ring]}, hazard="flood", start="2026-06-10", hours=6)
    assert e.value.field == "polygon 0 ring 0 position 0" and f"longitude {lon}" in e.value.reason
    with pytest.raises(ActivationError) as e:
        make_activation({"type": "Point", "coordinates": [lon, 45.0]}, hazard="flood", start="2026-06-10", hours=6)
    assert "longitude" in e.value.reason


def test_binary_area_file_is_an_input_file_error(tmp_path):
    p = tmp_path / "x.geojson"
    p.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(InputFileError) as e:
        read_activation(p)
    assert e.value.source == str(p) and "binary" in e.value.reason
    with pytest.raises(InputFileError):
        ResponseRequest.resolve(p, hazard="flood")


# ------------------------------------------------------------------ typed results
@pytest.fixture(scope="module")
def plan():
    req = ResponseRequest.resolve(None, start="2026-06-10T12:00Z", hours=12, agencies=["CNSA", "ISRO"],
                                  coverage=0.9)
    return run_response(req)


def test_plan_to_dict_is_json_with_units_and_iso_times(plan):
    d = plan.to_dict()
    text = json.dumps(d, allow_nan=False)  # no NaN: values that do not apply are null
    assert json.loads(text) == d
    assert d["activation"]["start_utc"] == "2026-06-10T12:00:00Z" and d["activation"]["hours"] == 12.0
    assert d["coverage_target_fraction"] == 0.9 and d["coverage_fraction"] == pytest.approx(plan.coverage_fraction,
                                                                                              abs=1e-4)
    assert len(d["acquisitions"]) == len(plan.acquisitions) > 0
    assert d["hours_to_coverage"] == pytest.approx(plan.hours_to_coverage, abs=1e-4)
    completion = np.datetime64(d["completion_utc"][:-1], "ns")
    assert abs(float((completion - plan.completion) / np.timedelta64(1, "ms"))) <= 0.5
    for n, (a, x) in enumerate(zip(plan.acquisitions, d["acquisitions"]), 1):
        assert x["order"] == n and x["satellite"] == a.satellite.name
        assert x["off_nadir_deg"] == [round(v, 2) for v in a.off_nadir_deg]
        assert x["incidence_deg"][0] <= x["incidence_deg"][1]
        assert x["coverage_fraction"] == round(a.fraction, 4)
        assert x["cumulative_coverage_fraction"] == round(a.cumulative_fraction, 4)
        assert x["sun_elevation_deg"] is None or -90 <= x["sun_elevation_deg"] <= 90
        assert x["start_utc"] < x["end_utc"] and x["start_utc"].endswith("Z")


def test_tasking_records_are_the_typed_requests(plan):
    typed = plan.tasking_requests()
    assert all(isinstance(r, TaskingRequest) for r in typed) and len(typed) == len(plan.acquisitions)
    records = tasking_requests(plan)
    assert set(records) == set(plan.agencies)
    flat = [r for agency in records for r in records[agency]]
    assert sorted(json.dumps(r, sort_keys=True) for r in flat) == \
        sorted(json.dumps(r.to_dict(), sort_keys=True) for r in typed)
    for r, a in zip(typed, plan.acquisitions):
        assert r.acquisition_start == a.start and r.norad_id == a.satellite.norad_id
        ring = r.footprint["coordinates"][0]
        assert ring[0] == ring[-1]


def test_access_reports_stages_and_can_be_cancelled():
    from orbitwatch.errors import CancelledError
    from orbitwatch.progress import Progress
    from orbitwatch.response import compute_access, load_fleet, read_activation, sample_activation_path

    act = read_activation(sample_activation_path(), hazard="flood", start="2026-06-10T12:00Z", hours=6)
    stages = []
    compute_access(act, load_fleet(), progress=lambda d, t, s: stages.append(s))
    assert stages[0] == "coarse propagation" and stages[-1] == "done" and len(stages) == 4
    prog = Progress(lambda d, t, s: prog.cancel() if s == "candidate windows" else None)
    with pytest.raises(CancelledError):
        compute_access(act, load_fleet(), progress=prog)
