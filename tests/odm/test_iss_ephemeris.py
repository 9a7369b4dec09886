"""A real ephemeris: NASA JSC's ISS OEM of 2022-01-17 (resampled to 1 h and truncated by Orekit).

Hourly states of a 93-minute orbit are far too sparse to interpolate between;
this test shows that the reader takes the file as it is, that interpolation
reproduces the samples, and that the error estimate says plainly that the
midpoints are unknown to thousands of km - what screening must be told.
"""

from __future__ import annotations

import numpy as np
import pytest

from orbitwatch.odm import read_oem
from orbitwatch.odm.interpolation import STATUS_OK, interpolate, trajectories

MU_KM3_S2 = 398600.4418


@pytest.fixture(scope="module")
def iss(oem_dir):
    return read_oem(oem_dir / "ISS.resampled.truncated.txt")


def test_the_file_as_written(iss):
    seg = iss.segments[0]
    assert iss.version == "2.0" and iss.header.originator == "NASA/JSC/FOD/TOPO"
    assert (seg.object_name, seg.object_id, seg.frame, seg.time_system) == ("ISS", "1998-067-A", "EME2000", "UTC")
    assert len(seg) == 25 and seg.step_s() == 3600.0
    assert seg.usable_span_utc() == (np.datetime64("2022-01-17T12:00", "ns"), np.datetime64("2022-01-18T12:00", "ns"))
    assert "MASS=458943.00" in seg.comments and len(seg.comments) == 23
    r = np.linalg.norm(seg.position_km, axis=1)
    v = np.linalg.norm(seg.velocity_km_s, axis=1)
    assert (r > 6700).all() and (r < 6850).all() and (abs(v - 7.66) < 0.05).all()
    # two-body energy is constant to the J2 level: a ~ 6790 km (about 420 km altitude)
    a = -MU_KM3_S2 / (2 * (v**2 / 2 - MU_KM3_S2 / r))
    assert abs(a.mean() - 6793) < 15 and a.std() / a.mean() < 2e-3


def test_interpolation_returns_the_samples(iss):
    seg = iss.segments[0]
    st = interpolate(iss, seg.epochs_utc)
    assert (st.status == STATUS_OK).all()
    np.testing.assert_allclose(st.position_km[0], seg.position_km, atol=1e-9)
    np.testing.assert_allclose(st.velocity_km_s[0], seg.velocity_km_s, atol=1e-12)


def test_midpoints_against_a_lower_degree_bound_say_the_file_is_too_sparse(iss):
    seg = iss.segments[0]
    tr = trajectories(iss)[0]
    assert tr.step_s() == [3600.0] and tr.pieces[0].method == "HERMITE"
    mids = seg.epochs_utc[:-1] + np.timedelta64(1800, "s")
    hi = interpolate(iss, mids)
    lo = interpolate(iss, mids, degree=tr.pieces[0].degree - 2)
    assert (hi.status == STATUS_OK).all() and (lo.status == STATUS_OK).all()
    diff_km = np.linalg.norm(hi.position_km[0] - lo.position_km[0], axis=1)
    est = tr.error_estimate()
    # the estimate is this comparison (at the same midpoints) ...
    assert est["position_km"] == pytest.approx(diff_km.max(), rel=1e-9)
    # ... and it is thousands of km: at 1 h steps a 93 min orbit cannot be interpolated
    assert est["position_km"] > 1000.0
    radius = np.linalg.norm(hi.position_km[0], axis=1)
    assert np.abs(radius - 6790).max() > 100.0  # the midpoints are off the orbit indeed


def _contemporaneous_iss_tle(shared_data, days: float = 3.0):
    """An ISS (25544) TLE whose epoch is within ``days`` of 2022-01-17T12:00, from the shared catalogs."""
    target = np.datetime64("2022-01-17T12:00", "s")
    for path in sorted((shared_data / "catalog").glob("*")):
        lines = path.read_text(errors="replace").splitlines()
        for i, line in enumerate(lines[:-1]):
            if line.startswith("1 25544") and lines[i + 1].startswith("2 25544"):
                yy, doy = int(line[18:20]), float(line[20:32])
                year = 2000 + yy if yy < 57 else 1900 + yy
                epoch = np.datetime64(f"{year}-01-01", "s") + np.timedelta64(int(round((doy - 1) * 86400)), "s")
                if abs((epoch - target) / np.timedelta64(1, "D")) <= days:
                    return line, lines[i + 1]
    return None


def test_against_sgp4_from_a_contemporaneous_tle(iss, shared_data):
    found = _contemporaneous_iss_tle(shared_data)
    if found is None:
        pytest.skip("no ISS TLE within 3 days of 2022-01-17 in the shared catalogs (they are of 2023-2026)")
    from orbitwatch.elements import parse_elements
    from orbitwatch.propagation import propagate

    es = parse_elements("ISS\n" + "\n".join(found)).elements
    seg = iss.segments[0]
    eph = propagate(es, seg.epochs_utc, frame="EME2000")
    diff = np.linalg.norm(eph.position_km[0] - seg.position_km, axis=1)
    assert diff.max() < 50.0  # SGP4 against an operational ephemeris: kilometres to tens of km
