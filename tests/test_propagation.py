"""Batch propagation API: shapes, per-element status, backends reported, frames."""

from __future__ import annotations

import numpy as np
import pytest
from sgp4.api import Satrec

from orbitwatch.catalog import Catalog
from orbitwatch.elements import parse_tle, read_elements
from orbitwatch.propagation import available_backends, get_backend, propagate
from orbitwatch.timeutil import time_range

ISS_L1 = "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927"
ISS_L2 = "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537"


@pytest.fixture(scope="module")
def sample(shared_data):
    cat = Catalog(read_elements(shared_data / "catalog" / "full-catalog-2023-10-09.3le").elements)
    rng = np.random.default_rng(7)
    ids = rng.choice(cat.norad_ids, 300, replace=False)
    return cat.select(norad_ids=ids).latest()


@pytest.mark.parametrize("backend", available_backends())
def test_shapes_and_agreement_with_python_sgp4_twoline2rv(backend):
    es = parse_tle(f"{ISS_L1}\n{ISS_L2}\n", strict=True).elements
    times = time_range("2008-09-20T12:00", "2008-09-21T12:00", 600)
    eph = propagate(es, times, backend=backend)
    assert eph.position_km.shape == eph.velocity_km_s.shape == (1, len(times), 3)
    assert eph.status.shape == (1, len(times)) and eph.status.dtype == np.uint8
    assert eph.backend == get_backend(backend).name
    sat = Satrec.twoline2rv(ISS_L1, ISS_L2)
    ns = times.astype(np.int64)
    jd = ns // 86_400_000_000_000 + 2440587.5
    fr = (ns % 86_400_000_000_000) / 86_400_000_000_000
    e, r, v = sat.sgp4_array(jd.astype(float), fr)
    assert (e == 0).all()
    # twoline2rv computes the epoch from the 8-decimal day; ours is exact to the ns: agree to 1 mm
    np.testing.assert_allclose(eph.position_km[0], r, atol=1e-6)
    np.testing.assert_allclose(eph.velocity_km_s[0], v, atol=1e-9)


def test_many_objects_status_never_raises(sample):
    times = time_range("2023-10-09", "2023-10-10", 3600)
    eph = propagate(sample, times, backend="sgp4")
    assert eph.position_km.shape == (len(sample), len(times), 3)
    ok = eph.status == 0
    # ~1% of the real catalog are stale element sets of objects that have since decayed
    bad_obj = (~ok).any(axis=1)
    assert bad_obj.mean() < 0.03
    assert np.all(sample.perigee_km[bad_obj] < 450)
    assert set(np.unique(eph.status[~ok])) <= {1, 2, 3, 4, 6}
    assert np.isnan(eph.position_km[~ok]).all()
    assert np.isfinite(eph.position_km[ok]).all()
    radius = np.linalg.norm(eph.position_km[ok], axis=-1)
    assert (radius > 6378).all() and (radius < 500_000).all()


def test_decayed_object_reports_status_not_exception():
    # a very low, high-drag orbit (B* = 0.5) decays within hours: status 6 (or 1/4) after that,
    # finite before, and the batch still returns every other object
    l1 = "1 99999U 23001A   23282.50000000  .01000000  00000-0  50000-0 0  9990"
    l2 = "2 99999  51.6000 100.0000 0005000  90.0000 270.0000 16.40000000    01"
    from orbitwatch.elements.tle import checksum
    l1 = l1[:68] + str(checksum(l1))
    l2 = l2[:68] + str(checksum(l2))
    es = parse_tle(f"{l1}\n{l2}\n{ISS_L1}\n{ISS_L2}\n", strict=True).elements
    times = time_range("2023-10-09T12:00", "2023-10-16T12:00", 3600)
    eph = propagate(es, times, backend="sgp4")
    decayed = eph.status[es.norad_id == 99999][0]
    assert decayed[0] == 0 and decayed[-1] != 0
    first_bad = np.argmax(decayed != 0)
    assert (decayed[first_bad:] != 0).all()


def test_frames_from_propagate(sample):
    times = time_range("2023-10-09T00:00", "2023-10-09T01:00", 900)
    teme = propagate(sample[:5], times, backend="sgp4")
    itrf = teme.to_frame("ITRF")
    eme = propagate(sample[:5], times, frame="EME2000", backend="sgp4")
    assert itrf.frame == "ITRF" and eme.frame == "EME2000"
    # rotations keep radius; ITRF speeds are smaller for prograde LEO (Earth rotation removed)
    np.testing.assert_allclose(np.linalg.norm(itrf.position_km, axis=-1),
                               np.linalg.norm(teme.position_km, axis=-1), rtol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(eme.position_km, axis=-1),
                               np.linalg.norm(teme.position_km, axis=-1), rtol=1e-12)
    lat, lon, alt = teme.geodetic()
    assert lat.shape == (5, len(times))
    assert np.nanmax(np.abs(lat)) <= 90 and np.nanmax(np.abs(lon)) <= 180


def test_iss_ground_position_against_itrf_geometry(shared_data):
    """Sub-satellite point from the geodetic conversion agrees with the ITRF vector's direction."""
    cat = Catalog(read_elements(shared_data / "catalog" / "full-catalog-2023-10-09.3le").elements)
    iss = cat.select(norad_ids=[25544]).latest()
    eph = propagate(iss, iss.epoch, frame="ITRF", backend="sgp4")
    lat, lon, alt = eph.geodetic()
    x, y, z = eph.position_km[0, 0]
    assert lon[0, 0] == pytest.approx(np.degrees(np.arctan2(y, x)), abs=1e-9)
    geocentric_lat = np.degrees(np.arctan2(z, np.hypot(x, y)))
    assert abs(lat[0, 0]) >= abs(geocentric_lat) - 1e-9  # geodetic latitude is further from the equator
    assert 400 < alt[0, 0] < 440  # ISS altitude in October 2023
    assert abs(geocentric_lat) <= 51.7  # never beyond its inclination (geocentric)


def test_unknown_backend_is_an_invalid_request():
    from orbitwatch.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError) as e:
        get_backend("warp-drive")
    assert e.value.field == "backend" and "sgp4" in e.value.reason


def test_ephemeris_age_report(sample):
    times = time_range("2023-10-09T12:00", "2023-10-09T13:00", 600)
    eph = propagate(sample, times, backend="sgp4")
    rep = eph.age_report()
    want = (times[0] - sample.epoch.astype("datetime64[ns]")) / np.timedelta64(1, "D")
    np.testing.assert_allclose(rep.age_days, want, atol=1e-9)
    assert rep.max_age_days == 14.0 and rep.n_stale == int((np.abs(want) > 14).sum())
    assert eph.age_report(max_age_days=1e6).warnings == []


def test_batch_propagator_by_capability(sample):
    """Grids and per-object instants through each backend's declared capabilities (numba: subsets,
    caller buffers, time matrices; python-sgp4: subsets and time matrices) agree."""
    from orbitwatch.propagation import BatchPropagator, SGP4ReferenceBackend, capabilities_of

    es = sample[:40]
    t0 = np.datetime64("2023-10-09T12:00", "ns").astype(np.int64)
    idx = np.array([3, 3, 0, 39, 12])
    rows = t0 + np.arange(15, dtype=np.int64).reshape(5, 3) * 977 * 10**9
    grid = t0 + np.arange(6, dtype=np.int64) * 600 * 10**9
    got = []
    for be in (SGP4ReferenceBackend(), get_backend("numba")):
        assert capabilities_of(be).time_matrix
        bp = BatchPropagator(be, es)
        got.append((bp.rows(idx, rows), bp.grid(idx, grid), bp.on_host() is bp))
    (ra, ga, ha), (rb, gb, hb) = got
    for a, b in zip(ra + ga, rb + gb):
        np.testing.assert_allclose(a, b, atol=1e-7, equal_nan=True)
    assert ha and hb
