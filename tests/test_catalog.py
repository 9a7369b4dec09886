"""Catalog: selection, regimes, history and the element set in force at t."""

from __future__ import annotations

import time

import numpy as np
import pytest

from orbitwatch.catalog import Catalog, CatalogQuery, orbit_regime
from orbitwatch.elements import ElementSets, parse_tle, read_elements
from orbitwatch.errors import InvalidRequestError, NotFoundError
from orbitwatch.timeutil import format_iso


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


# ------------------------------------------------------------------ names, specs, listings
@pytest.fixture(scope="module")
def active(shared_data):
    return Catalog(read_elements(shared_data / "catalog" / "active-2025-09-28.tle").elements)


def test_names_with_brackets_can_be_given_back(active):
    # CelesTrak names carry brackets; the name `catalog list` prints must find the object
    assert active.select(name="STARLINK-11748 [DTC]").norad_ids.tolist() == [64373]
    assert active.select(name="starlink-11748 [dtc]").norad_ids.tolist() == [64373]   # case-insensitive
    assert active.resolve(["STARLINK-11748 [DTC]"]).tolist() == [64373]
    # a glob's brackets are literal: "*[DTC]*" is every name containing "[DTC]" (before: a character class
    # matching any name with a D, T or C)
    dtc = active.select(name="*[DTC]*").latest()
    assert len(dtc) == 655 and all("[DTC]" in n for n in dtc.name)
    assert active.select(name="COSMOS 2433 [GLONASS-M]").n_objects == 1
    assert active.select(name="COSMOS 243? [GLONASS-M]").n_objects >= 3


def test_exact_name_first_then_glob_regex_substring(full):
    # an exact name wins over the substring rule: "STARLINK-1007" is one object, not also STARLINK-10070...
    assert full.select(name="STARLINK-1007").n_objects == 1
    assert full.select(name="STARLINK-100").n_objects > 1          # no such name: substring
    n = full.select(name="/^STARLINK-100\\d$/").n_objects
    assert n == 3 and full.select(name="starlink-100?").n_objects == n


@pytest.mark.parametrize("pattern", ["/[/", "/(unclosed/", "/*x/"])
def test_a_bad_regex_is_an_invalid_request_naming_the_pattern(full, pattern):
    with pytest.raises(InvalidRequestError) as info:
        full.select(name=pattern)
    assert info.value.field == "name" and pattern in str(info.value) and "regular expression" in str(info.value)
    with pytest.raises(InvalidRequestError) as info:
        full.resolve([pattern])
    assert pattern in str(info.value)
    with pytest.raises(InvalidRequestError):
        CatalogQuery(name=pattern)


def test_resolve_numbers_names_lists(full):
    assert full.resolve("25544").tolist() == [25544]
    assert full.resolve([25544, "5"]).tolist() == [25544, 5]
    assert full.resolve("ISS (ZARYA), VANGUARD 1, 25544").tolist() == [25544, 5]
    t = full.resolve("T0000")
    assert t.tolist() == [270000]
    assert full.resolve(["NOAA 1?"]).tolist() == sorted(full.resolve(["NOAA 1?"]).tolist())
    with pytest.raises(NotFoundError, match="not in the catalog"):
        full.resolve(["99999999"])
    with pytest.raises(NotFoundError, match="no object name matches"):
        full.resolve(["NO SUCH SAT"])


def test_a_name_matches_in_the_history_and_the_latest_set_is_listed():
    es = _iss_at([0, 1])
    es.name = np.array(["OLD NAME", "NEW NAME"])
    cat = Catalog(es)
    listing = cat.list_objects(name="OLD NAME")
    assert listing.elements.name.tolist() == ["NEW NAME"]          # the object's latest element set
    assert listing.elements.epoch[0] == cat.history(25544).epoch[-1]
    assert cat.resolve("old name").tolist() == [25544]


@pytest.mark.parametrize("kw, field", [
    ({"limit": -1}, "limit"), ({"limit": 2.5}, "limit"), ({"object_types": ["asteroid"]}, "object_type"),
    ({"regimes": ["LLO"]}, "regime"), ({"perigee_km": (600, 400)}, "perigee_km_max"),
    ({"inclination_deg": (None, 200)}, "inclination_deg_max"), ({"apogee_km": (float("nan"), None)}, "apogee_km_min"),
])
def test_catalog_query_is_checked_when_made(kw, field):
    with pytest.raises(InvalidRequestError) as info:
        CatalogQuery(**kw)
    assert info.value.field == field


def test_list_objects_counts_limit_and_values(full):
    q = CatalogQuery(regimes=["GEO"], object_types=["payload"], limit=7)
    listing = full.list_objects(q)
    geo = full.select(regime="GEO", object_type="payload").latest()
    assert len(listing) == 7 and listing.n_matching == len(geo) and listing.n_catalog == 26140
    assert listing.elements.norad_id.tolist() == geo.norad_id[:7].tolist()
    rec = listing.to_records()[0]
    i = 0
    assert rec["perigee_km"] == round(float(geo.perigee_km[i]), 1)
    assert rec["apogee_km"] == round(float(geo.apogee_km[i]), 1)
    assert rec["period_min"] == round(float(geo.period_min[i]), 2)
    assert rec["epoch"] == format_iso(geo.epoch[i], 3) + "Z"
    assert rec["regime"] == "GEO" and rec["type"] == "PAYLOAD"
    d = listing.to_dict()
    assert d["matching"] == len(geo) and d["listed"] == 7 and d["truncated"] and "TEME" in d["frame"]
    assert set(d["units"]) >= {"perigee_km", "apogee_km", "inclination_deg", "period_min", "epoch"}
    none = full.list_objects(name="NO SUCH NAME")
    assert len(none) == 0 and none.n_matching == 0 and none.n_catalog == 26140 and none.to_records() == []
    assert full.list_objects(CatalogQuery(limit=0)).n_matching == 26140    # 0: all


def test_list_objects_is_vectorised(full):
    t0 = time.perf_counter()
    rows = full.list_objects().rows()
    assert len(rows) == 26140
    assert time.perf_counter() - t0 < 2.0     # one numpy pass: ~0.1 s (per-row properties took 20 s)
