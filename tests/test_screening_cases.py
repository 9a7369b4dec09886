"""Hand-built hard cases for the screening, each checked against the brute-force reference
(tests/screening_reference.py: exact SGP4 every second, refined) and on its own terms:

* two objects in the same orbit plane and altitude a few km apart, whose eccentricities differ
  (relative ellipse): a close approach twice per orbit, at ~1 m/s;
* head-on (retrograde, 15 km/s) and near-parallel (0.03 deg apart, ~4 m/s) encounters;
* GEO neighbours 0.01 deg apart (slow, ~3 m/s, long minima);
* an object that decays during the span: a status, not a crash, and its earlier approach found;
* an approach exactly at a segment (and node) boundary, and approaches cut by the span's ends.
"""

from __future__ import annotations

import numpy as np
import pytest

from orbitwatch.conjunction import screen
from orbitwatch.elements import ElementSets

from screening_reference import reference_screen

EPOCH = np.datetime64("2023-10-09T00:00", "ns")
DAY = np.timedelta64(86400, "s")


def elements(*rows) -> ElementSets:
    """Element sets from keyword rows (angles in degrees, mean motion in rev/day)."""
    n = len(rows)
    col = lambda k, default: np.array([r.get(k, default) for r in rows], dtype=float)  # noqa: E731
    return ElementSets(
        norad_id=np.array([r["norad_id"] for r in rows]), name=np.array([f"TEST {r['norad_id']}" for r in rows]),
        epoch=np.full(n, EPOCH), mean_motion_dot=np.zeros(n), mean_motion_ddot=np.zeros(n),
        bstar=col("bstar", 1e-5), inclination_deg=col("inclination_deg", 0.0), raan_deg=col("raan_deg", 0.0),
        eccentricity=col("eccentricity", 0.0), arg_perigee_deg=col("arg_perigee_deg", 0.0),
        mean_anomaly_deg=col("mean_anomaly_deg", 0.0), mean_motion_rev_per_day=col("mean_motion_rev_per_day", 15.0))


def agree(es, start, stop, d, min_events=1):
    """Screen and reference find the same events (TCA within 1 ms, miss within 1 m); returns the result."""
    ref = reference_screen(es, start, stop, d)
    res = screen(es, start, stop, threshold_km=d, executor=1)
    ev = res.events
    assert len(ev) == ref["i"].size >= min_events
    # both sorted by time; one pair per case
    order = np.argsort(ref["tca_ns"])
    assert np.all(np.abs(ev.tca.astype(np.int64) - ref["tca_ns"][order]) <= 1_000_000)
    assert np.all(np.abs(ev.miss_km - ref["miss_km"][order]) <= 1e-3)
    assert np.array_equal(ev.boundary, ref["boundary"][order])
    return res


HEAD_ON = elements(
    dict(norad_id=90011, inclination_deg=60.0, raan_deg=30.0, eccentricity=0.0005, mean_motion_rev_per_day=15.2),
    dict(norad_id=90012, inclination_deg=120.0, raan_deg=210.0, eccentricity=0.0005, mean_anomaly_deg=0.012,
         mean_motion_rev_per_day=15.2))


def test_same_orbit_relative_ellipse():
    es = elements(
        dict(norad_id=90001, inclination_deg=53.0, raan_deg=10.0, eccentricity=0.0010, arg_perigee_deg=90.0,
             mean_motion_rev_per_day=15.06),
        dict(norad_id=90002, inclination_deg=53.0, raan_deg=10.0, eccentricity=0.0012, arg_perigee_deg=90.0,
             mean_anomaly_deg=0.02, mean_motion_rev_per_day=15.06))
    start = EPOCH + np.timedelta64(3600, "s")
    res = agree(es, start, start + DAY, 5.0, min_events=14)
    ev = res.events[np.flatnonzero(res.events.boundary == 0)]
    # a local minimum every orbit (95.6 min), at 1.1 m/s
    assert len(ev) >= 14
    assert np.all(ev.rel_speed_km_s < 0.0012)
    gaps = np.diff(ev.tca.astype(np.int64)) / 1e9
    assert np.all(np.abs(gaps - 86400 / 15.06) < 120)


def test_head_on():
    start = EPOCH + np.timedelta64(3600, "s")
    res = agree(HEAD_ON, start, start + DAY, 5.0, min_events=20)
    assert np.all(res.events.rel_speed_km_s > 15.0)
    assert res.events.miss_km.min() < 0.01


def test_near_parallel():
    es = elements(
        dict(norad_id=90021, inclination_deg=97.5, raan_deg=100.0, eccentricity=0.0002, mean_motion_rev_per_day=14.8),
        dict(norad_id=90022, inclination_deg=97.53, raan_deg=100.0, eccentricity=0.0002,
             mean_motion_rev_per_day=14.8001))
    start = EPOCH + np.timedelta64(3600, "s")
    res = agree(es, start, start + DAY, 5.0, min_events=20)
    assert np.all(res.events.rel_speed_km_s < 0.01)


def test_geo_neighbours():
    # mean longitudes (RAAN + argp + M) 0.01 deg apart (7 km), different e and i
    es = elements(
        dict(norad_id=90031, inclination_deg=0.05, raan_deg=80.0, eccentricity=0.0002, mean_anomaly_deg=100.0,
             mean_motion_rev_per_day=1.00273),
        dict(norad_id=90032, inclination_deg=0.02, raan_deg=200.0, eccentricity=0.0003, arg_perigee_deg=250.0,
             mean_anomaly_deg=90.01, mean_motion_rev_per_day=1.00273))
    start = EPOCH + np.timedelta64(3600, "s")
    res = agree(es, start, start + DAY, 20.0, min_events=2)
    assert np.all(res.events.rel_speed_km_s < 0.005)
    assert res.sampling.step_s.max() >= 240  # slow objects take long steps


def test_object_decaying_during_the_span():
    # 90041 (B* 0.03 at 190 km) decays in the afternoon; before that it meets 90042 head-on
    es = elements(
        dict(norad_id=90041, inclination_deg=60.0, raan_deg=30.0, eccentricity=0.0005, mean_motion_rev_per_day=16.2,
             bstar=0.03),
        dict(norad_id=90042, inclination_deg=120.0, raan_deg=210.0, eccentricity=0.0005,
             mean_motion_rev_per_day=16.215))
    res = agree(es, EPOCH, EPOCH + DAY, 5.0, min_events=1)
    st = res.object_status
    assert list(st.norad_id) == [90041]
    assert st.status[0] == 6  # SGP4: decayed
    assert EPOCH + np.timedelta64(10, "h") < st.first_bad[0] < EPOCH + DAY
    assert "decayed" in st.message[0]
    assert np.all(res.events.tca < st.first_bad[0])


@pytest.fixture(scope="module")
def head_on_tca():
    start = EPOCH + np.timedelta64(3600, "s")
    res = screen(HEAD_ON, start, start + np.timedelta64(2, "h"), threshold_km=5.0, executor=1)
    return res.events.tca[0], res.events.miss_km[0]


def test_approach_exactly_at_a_segment_and_node_boundary(head_on_tca):
    tca, miss = head_on_tca
    # 720 s = 12 segments of 60 s = 3 nodes of 240 s: the TCA falls on a boundary of both
    start = tca - np.timedelta64(720, "s")
    res = agree(HEAD_ON, start, start + np.timedelta64(3600, "s"), 5.0, min_events=2)
    assert res.sampling.segment_s == 60.0 and 240.0 in res.sampling.step_s
    k = np.argmin(np.abs(res.events.tca - tca))
    assert abs(int((res.events.tca[k] - tca) / np.timedelta64(1, "ns"))) < 1000  # found once, same TCA
    assert (np.abs((res.events.tca - tca) / np.timedelta64(1, "s")) < 60).sum() == 1


def test_approach_cut_by_the_span_start(head_on_tca):
    tca, miss = head_on_tca
    start = tca + np.timedelta64(200, "ms")
    res = agree(HEAD_ON, start, start + np.timedelta64(3600, "s"), 5.0, min_events=2)
    first = res.events[0]
    assert first.tca[0] == start and first.boundary[0] == 1
    assert first.miss_km[0] > miss  # receding from the start: the distance there, not the true minimum


def test_approach_cut_by_the_span_stop(head_on_tca):
    tca, miss = head_on_tca
    stop = tca - np.timedelta64(200, "ms")
    res = agree(HEAD_ON, stop - np.timedelta64(3600, "s"), stop, 5.0, min_events=2)
    last = res.events[len(res.events) - 1]
    assert last.tca[0] == stop and last.boundary[0] == 2
    assert last.miss_km[0] > miss


def test_objects_on_one_element_set_are_not_approaches(shared_data):
    """Vehicles docked to the ISS fly on the station module's TLE: zero distance all along is no
    approach; the station's other module (its own TLE, ~400 m away) still is."""
    from orbitwatch.catalog import Catalog
    from orbitwatch.elements import read_elements

    cat = Catalog(read_elements(shared_data / "catalog" / "full-catalog-2023-10-09.3le").elements)
    docked = ["ISS (NAUKA)", "PROGRESS MS-23", "CYGNUS NG-19", "PROGRESS MS-24", "DRAGON ENDURANCE 3", "SOYUZ MS-24"]
    es = cat.latest()
    es = es[np.isin(es.name, docked + ["ISS (ZARYA)"])]
    assert len(es) == 7
    t0 = np.datetime64("2023-10-09T12:00", "ns")
    res = screen(es, t0, t0 + np.timedelta64(3, "h"), threshold_km=5.0, executor=1)
    pairs = {frozenset((a, b)) for a, b in zip(res.events.name_1, res.events.name_2)}
    assert not any(len(p & set(docked)) == 2 for p in pairs)
    assert all("ISS (ZARYA)" in p for p in pairs) and len(pairs) == 6
    assert res.stats["identical_trajectory_pairs_removed"] >= 15
