"""Alerts on event tracks (orbitwatch.conjunction.alerts): criteria, once per track and level, fleets."""

from __future__ import annotations

import numpy as np
import pytest

from orbitwatch.conjunction.alerts import (DEFAULT_CRITERIA, AlertCriteria, Fleet, RegimeCriteria, evaluate,
                                           track_updates)
from orbitwatch.errors import InvalidRequestError

T0 = np.datetime64("2023-10-09T00:00", "ns")
H = np.timedelta64(3600, "s")


def upd(track, at_h, tca_h, miss, radial=None, pc=None, n1=25544, n2=48274, run=None):
    return {"track_id": track, "norad_1": n1, "norad_2": n2, "computed_at": T0 + at_h * H, "tca": T0 + tca_h * H,
            "miss_km": miss, "radial_km": radial, "pc": pc, "run_id": run}


def test_an_evolving_encounter_raises_each_level_once_with_its_reason():
    # CDMs of one encounter: miss and Pc evolve as tracking improves
    ups = [upd(1, 0, 100, 4.0, 1.0, 1e-9, run=1),          # TCA 4 days out: nothing
           upd(1, 30, 100, 0.9, 0.15, 3e-7, run=2),        # 2.9 days: emergency (miss and radial) + yellow
           upd(1, 50, 100, 0.4, 0.05, 2e-4, run=3),        # red
           upd(1, 70, 100, 0.3, 0.05, 5e-4, run=4)]        # nothing new
    alerts = evaluate(ups)
    assert [(a.level, a.run_id) for a in alerts] == [("emergency", 2), ("cara-yellow", 2), ("cara-red", 3)]
    assert alerts[0].reason == ("near-Earth: TCA in 2.92 d (<= 3 d), miss 0.900 km (< 1 km) and radial 0.150 km "
                                "(< 0.2 km)")
    assert alerts[2].reason == "Pc 0.0002 >= 0.0001"
    rec = alerts[0].to_dict()
    assert rec["tca"] == "2023-10-13T04:00:00.000Z" and rec["level"] == "emergency" and rec["track_id"] == 1
    # the store says these were raised: a replay raises nothing; order of input does not matter
    assert evaluate(ups[::-1], raised=[a.key for a in alerts]) == []
    assert [a.level for a in evaluate(ups[::-1])] == ["emergency", "cara-yellow", "cara-red"]


def test_unknown_figures_never_meet_a_test():
    # no radial component: the miss-and-radial test cannot hold; no Pc: the Pc tests cannot hold
    assert evaluate([upd(2, 0, 10, 0.1, None, None)]) == []
    assert evaluate([upd(2, 0, 10, 0.1, float("nan"), float("nan"))]) == []
    # a radial miss over 200 m keeps a sub-km encounter below the emergency level
    assert evaluate([upd(2, 0, 10, 0.5, -0.25, None)]) == []
    assert [a.level for a in evaluate([upd(2, 0, 10, 0.5, -0.15, None)])] == ["emergency"]
    # a TCA already past is not within the horizon
    assert evaluate([upd(2, 10, 5, 0.1, 0.01, None)]) == []


def test_deep_space_regime_by_period():
    # GEO pair: 2 km miss with a 1 km radial is emergency in deep space (< 5 km, 10 days), not near Earth
    u = [upd(3, 0, 24 * 8, 2.0, 1.0, None, n1=40000, n2=40001)]
    assert evaluate(u) == []
    a = evaluate(u, period_min={40000: 1436.1, 40001: 1436.0})
    assert [x.level for x in a] == ["emergency"] and a[0].reason.startswith("deep space: TCA in 8.00 d")


def test_per_fleet_criteria():
    strict = AlertCriteria.default().with_level("cara-red", min_pc=1e-5)
    fleets = [Fleet.of("agency-a", [25544], strict), Fleet.of("agency-b", [48274])]
    ups = [upd(4, 0, 200, 8.0, 3.0, 3e-5, n1=25544, n2=99999),    # agency A: red at 1e-5
           upd(5, 0, 200, 8.0, 3.0, 3e-5, n1=11111, n2=48274),    # agency B (object 2): default red 1e-4
           upd(6, 0, 200, 8.0, 3.0, 3e-5, n1=11111, n2=22222)]    # nobody's: the default criteria
    got = {(a.track_id, a.level): a.fleet for a in evaluate(ups, fleets=fleets)}
    assert got == {(4, "cara-yellow"): "agency-a", (4, "cara-red"): "agency-a", (5, "cara-yellow"): "agency-b",
                   (6, "cara-yellow"): ""}
    # a fleet that switches a level off, and its own emergency distance
    quiet = AlertCriteria((DEFAULT_CRITERIA.level("emergency"),)).with_level("emergency", max_miss_km=10.0,
                                                                               max_radial_km=None)
    a = evaluate([upd(7, 0, 10, 8.0, 3.0, 1e-3)], fleets=[Fleet.of("c", [25544], quiet)])
    assert [(x.level, x.fleet) for x in a] == [("emergency", "c")]
    assert "miss 8.000 km (< 10 km)" in a[0].reason


def test_criteria_are_checked():
    with pytest.raises(InvalidRequestError) as exc:
        RegimeCriteria(max_miss_km=-1.0)
    assert exc.value.field == "max_miss_km"
    with pytest.raises(InvalidRequestError, match="at most 1"):
        RegimeCriteria(min_pc=2.0)
    with pytest.raises(InvalidRequestError, match="no level"):
        DEFAULT_CRITERIA.with_level("purple", min_pc=1e-3)
    with pytest.raises(InvalidRequestError, match="repeat"):
        AlertCriteria((DEFAULT_CRITERIA.levels[0], DEFAULT_CRITERIA.levels[0]))
    with pytest.raises(InvalidRequestError, match="track_id"):
        evaluate([{"norad_1": 1, "norad_2": 2, "computed_at": T0, "tca": T0, "miss_km": 1.0}])
    # the defaults say where they come from, and that they are not verified here
    d = DEFAULT_CRITERIA.to_dict()["levels"]
    assert all(not lv["verified"] and "Handbook" in lv["source"] for lv in d)


def test_alerts_from_stored_tracks(store):
    """Two recorded runs of the same encounter; the track's updates, as stored, raise the alert once."""
    from orbitwatch.conjunction.screening.events import ConjunctionEvents

    def events(miss_km, radial_km, tca):
        ev = ConjunctionEvents.empty()
        cols = ev.columns()
        one = {}
        for k, v in cols.items():
            if v.ndim == 2:
                one[k] = np.zeros((1, 3))
            elif k in ("norad_1", "norad_2"):
                one[k] = np.array([25544 if k == "norad_1" else 48274])
            elif k == "tca":
                one[k] = np.array([np.datetime64(tca, "ns")])
            elif v.dtype.kind == "U":
                one[k] = np.array([""])
            elif k == "boundary":
                one[k] = np.zeros(1, np.int8)
            elif k == "slow":
                one[k] = np.zeros(1, bool)
            else:
                one[k] = np.array([np.nan])
        one["miss_km"] = np.array([miss_km])
        one["radial_km"] = np.array([radial_km])
        one["r1_teme_km"] = np.array([[6778.0, 0, 0]])
        one["v1_teme_km_s"] = np.array([[0, 7.67, 0]])
        one["r2_teme_km"] = np.array([[6778.0, miss_km, 0]])
        one["v2_teme_km_s"] = np.array([[0, 0, 7.67]])
        return ConjunctionEvents(**one)

    r1 = store.record_conjunctions(events(3.0, 1.0, "2023-10-11T06:00:00"), computed_at="2023-10-09T00:00")
    r2 = store.record_conjunctions(events(0.6, 0.1, "2023-10-11T06:00:05"), computed_at="2023-10-09T12:00")
    assert r2.updated == r1.new
    tr = store.track(r1.new[0])
    alerts = evaluate(track_updates(tr))
    assert [(a.level, a.run_id) for a in alerts] == [("emergency", r2.run_id)]
    assert alerts[0].track_id == tr.track_id and "miss 0.600 km" in alerts[0].reason
