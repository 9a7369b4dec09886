"""Incremental screening (issue 16, part 3): after an update of M of N objects, keeping the unchanged
pairs' events and screening the M against all gives the full re-screen, event for event."""

from __future__ import annotations

import numpy as np
import pytest

from orbitwatch.conjunction import ScreeningOptions, screen
from orbitwatch.conjunction.screening.incremental import canonical_order, changed_objects, screen_incremental
from orbitwatch.elements import ElementSets, read_elements
from orbitwatch.errors import InvalidRequestError

CATALOG = "catalog/full-catalog-2023-10-09.3le"
START = np.datetime64("2023-10-09T12:00", "ns")
STOP = START + np.timedelta64(6, "h")
THRESHOLD_KM = 10.0
OPTIONS = ScreeningOptions(window_s=3840.0)


@pytest.fixture(scope="module")
def catalogs(shared_data):
    es = read_elements(shared_data / CATALOG).elements
    es = es[np.unique(es.norad_id, return_index=True)[1]]
    rng = np.random.default_rng(11)
    dense = np.flatnonzero((es.perigee_km > 520) & (es.apogee_km < 580))
    pick = np.unique(np.r_[rng.choice(dense, 1500, replace=False), rng.choice(len(es), 700, replace=False)])
    old = es[pick]
    # the update: 10 % of the objects get a new element set (a new tracking fix: small changes in the
    # mean anomaly and the orbit plane), 5 leave the catalog and 5 arrive
    new = old[np.arange(len(old))]
    moved = rng.choice(len(new), len(new) // 10, replace=False)
    new.mean_anomaly_deg[moved] = (new.mean_anomaly_deg[moved] + rng.normal(0, 0.05, len(moved))) % 360
    new.raan_deg[moved] = (new.raan_deg[moved] + rng.normal(0, 0.01, len(moved))) % 360
    leave = rng.choice(np.setdiff1d(np.arange(len(new)), moved), 5, replace=False)
    arrive = es[rng.choice(np.setdiff1d(dense, pick), 5, replace=False)]
    new = ElementSets.concat([new[np.setdiff1d(np.arange(len(new)), leave)], arrive])
    return old, new, np.union1d(old.norad_id[moved], arrive.norad_id), old.norad_id[leave]


@pytest.fixture(scope="module")
def runs(catalogs):
    old, new, _, _ = catalogs
    before = screen(old, START, STOP, threshold_km=THRESHOLD_KM, options=OPTIONS)
    full = screen(new, START, STOP, threshold_km=THRESHOLD_KM, options=OPTIONS)
    return before, full


def _key(ev):
    return np.column_stack([ev.norad_1, ev.norad_2, np.round(ev.tca.astype(np.int64) / 1e6)])  # ms


def test_changed_objects_finds_the_update(catalogs):
    old, new, changed, left = catalogs
    assert np.array_equal(changed_objects(old, new, START), np.union1d(changed, left))


def test_incremental_equals_a_full_rescreen_event_for_event(catalogs, runs):
    old, new, _, _ = catalogs
    before, full = runs
    inc = screen_incremental(before, new, previous_catalog=old, options=OPTIONS)
    assert len(full.events) > 30 and inc.stats["events_kept"] > 0 and inc.stats["events_recomputed"] > 0
    assert inc.stats["events_dropped"] > 0  # the update really changed some encounters
    a, b = full.events.sort_by("tca"), inc.events
    assert len(a) == len(b)
    order_a = np.lexsort(_key(a).T[::-1])
    order_b = np.lexsort(_key(b).T[::-1])
    a, b = a[order_a], b[order_b]
    assert np.array_equal(a.norad_1, b.norad_1) and np.array_equal(a.norad_2, b.norad_2)
    assert np.max(np.abs((a.tca - b.tca).astype(np.int64))) < 1_000_000  # TCA within 1 ms
    np.testing.assert_allclose(b.miss_km, a.miss_km, atol=1e-6)  # 1 mm
    for c in ("radial_km", "in_track_km", "cross_track_km"):
        np.testing.assert_allclose(getattr(b, c), getattr(a, c), atol=1e-6, err_msg=c)
    np.testing.assert_allclose(b.rel_speed_km_s, a.rel_speed_km_s, atol=1e-9)
    assert np.array_equal(a.name_1, b.name_1) and np.array_equal(a.boundary, b.boundary)
    # the unchanged objects kept their calibration, the changed ones were calibrated again: the same
    # steps and bounds as the full run's, object for object
    assert np.array_equal(inc.norad_ids, full.norad_ids)
    assert np.array_equal(inc.sampling.k, full.sampling.k)
    assert np.array_equal(inc.sampling.eps_km, full.sampling.eps_km)


def test_canonical_order_recomputes_rtn(runs):
    _, full = runs
    ev = full.events[:5]
    cols = ev.columns()
    for c1, c2 in (("norad_1", "norad_2"), ("r1_teme_km", "r2_teme_km"), ("v1_teme_km_s", "v2_teme_km_s")):
        cols[c1], cols[c2] = cols[c2], cols[c1]
    swapped = canonical_order(type(ev)(**cols))
    np.testing.assert_array_equal(swapped.norad_1, ev.norad_1)
    np.testing.assert_allclose(swapped.radial_km, ev.radial_km, atol=1e-9)
    np.testing.assert_allclose(swapped.cross_track_km, ev.cross_track_km, atol=1e-9)


def test_only_all_vs_all_runs_are_updated(catalogs, runs):
    old, new, changed, _ = catalogs
    fleet = screen(old, START, START + np.timedelta64(1, "h"), threshold_km=THRESHOLD_KM, primaries=changed[:3])
    with pytest.raises(InvalidRequestError, match="all-vs-all"):
        screen_incremental(fleet, new, changed)
    with pytest.raises(InvalidRequestError, match="changed"):
        screen_incremental(runs[0], new)
