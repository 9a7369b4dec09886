"""Catalog: selection, regimes, history and the element set in force at t."""

from __future__ import annotations

import numpy as np
import pytest

from orbitwatch.catalog import Catalog, orbit_regime
from orbitwatch.elements import ElementSets, parse_tle, read_elements


@pytest.fixture(scope="module")
def full(shared_data):
    return Catalog(read_elements(shared_data / "catalog" / "full-catalog-2023-10-09.3le").elements)


def test_select_by_number_name_type(full):
    assert list(full.select(norad_ids=[25544, 5]).norad_ids) == [5, 25544]
    iss = full.select(name="ISS (ZARYA)")
    assert iss.norad_ids.tolist() == [25544]
    star = full.select(name="starlink*")
    assert star.n_objects > 4000 and all(n.startswith("STARLINK") for n in star.latest().name)
    rx = full.select(name="/^COSMOS 2\\d{3}$/")
    assert rx.n_objects > 100
    deb = full.select(object_type="debris")
    assert (deb.latest().object_type == 3).all()
    rb = full.select(object_type=["rocket-body"])
    assert (np.char.find(rb.latest().name, "R/B") >= 0).sum() == 2135
    with pytest.raises(ValueError):
        full.select(object_type="asteroid")


def test_regimes_and_bounds(full):
    geo = full.select(regime="GEO").latest()
    # geosynchronous by definition: 0.9..1.1 rev/day, i.e. periods of 1309..1600 min
    assert np.all((geo.period_min >= 1309) & (geo.period_min <= 1600))
    assert np.mean(np.abs(geo.period_min - 1436.07) < 2.0) > 0.3  # station-kept ones sit on the sidereal day
    leo = full.select(regime="LEO", perigee_km=(400, 600)).latest()
    assert np.all((leo.perigee_km >= 400) & (leo.perigee_km <= 600))
    assert np.all(leo.semi_major_axis_km < 8413.2)  # n >= 11.25 rev/day: a <= 8,413 km (mean altitude ~2,035 km)
    heo = full.select(regime="HEO").latest()
    assert np.all(heo.eccentricity >= 0.25)
    # ISS: perigee ~415 km, apogee ~420 km in October 2023
    iss = full.select(norad_ids=[25544]).latest()
    assert 400 < iss.perigee_km[0] < 430 and 400 < iss.apogee_km[0] < 435
    assert orbit_regime(np.array([15.5, 2.0, 1.0027, 2.0]), np.array([0.001, 0.01, 0.0002, 0.7])).tolist() == \
        ["LEO", "MEO", "GEO", "HEO"]


def _iss_at(epochs_days):
    base = ("1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927\n"
            "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537\n")
    es = parse_tle(base).elements
    parts = []
    for d in epochs_days:
        e = es[[0]]
        e.epoch = e.epoch + np.timedelta64(int(d * 86400), "s")
        parts.append(e)
    return ElementSets.concat(parts)


def test_history_and_in_force_at_t():
    es = _iss_at([2, 0, 1, 1])  # duplicate (object, epoch) and unsorted input
    cat = Catalog(es)
    assert len(cat) == 3 and cat.n_objects == 1
    hist = cat.history(25544)
    assert np.all(np.diff(hist.epoch.astype(np.int64)) > 0)
    t0 = hist.epoch[0]
    day = np.timedelta64(1, "D")
    assert cat.at(t0 + day // 2).epoch[0] == t0
    assert cat.at(t0 + day).epoch[0] == t0 + day          # an epoch exactly at t is in force
    assert cat.at(t0 + 10 * day).epoch[0] == t0 + 2 * day
    assert cat.at(t0 - day).epoch[0] == t0                 # before the first: the first, by default
    assert len(cat.at(t0 - day, allow_future=False)) == 0
    assert len(cat.history(99999)) == 0


def test_merge_keeps_later_on_same_epoch(full, shared_data):
    active = Catalog(read_elements(shared_data / "catalog" / "active-2025-09-28.tle").elements)
    merged = full.merge(active)
    assert merged.n_objects == len(np.union1d(full.norad_ids, active.norad_ids))
    assert len(merged) == len(full) + len(active)
    assert len(merged.history(25544)) == 2
    again = merged.merge(active)
    assert len(again) == len(merged)
    at = merged.at("2024-06-01")
    assert len(at) == merged.n_objects
    assert at.epoch[at.norad_id == 25544][0] < np.datetime64("2024-01-01")
