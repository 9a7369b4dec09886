"""Interpolation against an analytic two-body orbit, statuses per instant, time systems, error estimates."""

from __future__ import annotations

import numpy as np
import pytest

from orbitwatch.ccsds import from_utc, to_utc, utc_to_tai_ns
from orbitwatch.errors import InvalidRequestError
from orbitwatch.odm import OEM, ODMHeader, OEMMetadata, OEMSegment, parse_oem, read_oem
from orbitwatch.odm.interpolation import (STATUS_AFTER, STATUS_BEFORE, STATUS_GAP, STATUS_NO_TIME, STATUS_OK,
                                          STATUS_TOO_FEW, STATUS_UNCONVERTIBLE, interpolate, trajectories)

MU_KM3_S2 = 398600.4418


def kepler(t_s, a=7000.0, e=0.01, inc_deg=51.6, raan=0.3, argp=0.5, m0=0.1):
    """Two-body states (km, km/s) at seconds ``t_s`` from the elements' epoch, written here independently."""
    t_s = np.asarray(t_s, dtype=float)
    n = np.sqrt(MU_KM3_S2 / a**3)
    M = m0 + n * t_s
    E = M.copy()
    for _ in range(40):
        E = E - (E - e * np.sin(E) - M) / (1 - e * np.cos(E))
    cE, sE = np.cos(E), np.sin(E)
    x, y = a * (cE - e), a * np.sqrt(1 - e * e) * sE
    r = a * (1 - e * cE)
    xd, yd = -np.sqrt(MU_KM3_S2 * a) / r * sE, np.sqrt(MU_KM3_S2 * a * (1 - e * e)) / r * cE
    i = np.radians(inc_deg)
    cO, sO, ci, si, cw, sw = np.cos(raan), np.sin(raan), np.cos(i), np.sin(i), np.cos(argp), np.sin(argp)
    P = np.array([cO * cw - sO * sw * ci, sO * cw + cO * sw * ci, sw * si])
    Q = np.array([-cO * sw - sO * cw * ci, -sO * sw + cO * cw * ci, cw * si])
    return np.outer(x, P) + np.outer(y, Q), np.outer(xd, P) + np.outer(yd, Q)


T0 = np.datetime64("2024-01-01T00:00:00", "ns")


def _ns(seconds) -> np.ndarray:
    return np.round(np.asarray(seconds) * 1e9).astype(np.int64).astype("timedelta64[ns]")


def kepler_oem(step_s, span_s=86400.0, method="HERMITE", degree=7, *, t0=T0, system="UTC", object_id="K",
               useable=None) -> OEM:
    ts = np.arange(0.0, span_s + step_s / 2, step_s)
    r, v = kepler(ts)
    ep = t0 + _ns(ts)
    values = {"OBJECT_NAME": object_id, "OBJECT_ID": object_id, "CENTER_NAME": "EARTH", "REF_FRAME": "EME2000",
              "TIME_SYSTEM": system, "START_TIME": str(ep[0]), "STOP_TIME": str(ep[-1])}
    epochs = {"START_TIME": ep[0], "STOP_TIME": ep[-1]}
    if useable:
        values["USEABLE_START_TIME"], values["USEABLE_STOP_TIME"] = str(useable[0]), str(useable[1])
        epochs["USEABLE_START_TIME"], epochs["USEABLE_STOP_TIME"] = useable
    if method:
        values["INTERPOLATION"], values["INTERPOLATION_DEGREE"] = method, str(degree)
    seg = OEMSegment(metadata=OEMMetadata(values=values, epochs=epochs), epochs=ep, position_km=r, velocity_km_s=v)
    return OEM(header=ODMHeader(version="2.0", creation_date="2024-01-01T00:00:00", originator="TEST"),
               segments=[seg])


# (step s, method, degree, position bound m, velocity bound mm/s): measured errors are 10-100 times smaller
CASES = [
    (60.0, "LAGRANGE", 7, 1e-3, 1e-3),
    (60.0, "LAGRANGE", 8, 1e-4, 1e-4),
    (60.0, "LAGRANGE", 9, 1e-5, 1e-5),
    (60.0, "HERMITE", 3, 1e-5, 1e-4),
    (60.0, "HERMITE", 5, 1e-5, 1e-4),
    (60.0, "HERMITE", 7, 1e-5, 1e-4),
    (120.0, "LAGRANGE", 9, 1e-2, 2e-2),
    (120.0, "HERMITE", 5, 1e-5, 1e-4),
    (300.0, "LAGRANGE", 9, 40.0, 100.0),
    (300.0, "HERMITE", 7, 1e-4, 1e-3),
]


@pytest.mark.parametrize("step, method, degree, pos_m, vel_mm_s", CASES)
def test_interpolated_midpoints_match_the_analytic_orbit(step, method, degree, pos_m, vel_mm_s):
    oem = kepler_oem(step, method=method, degree=degree)
    mids = np.arange(step / 2, 86400.0, step)
    r, v = kepler(mids)
    st = interpolate(oem, T0 + _ns(mids))
    assert st.shape == (1, mids.size) and (st.status == STATUS_OK).all()
    err_m = np.linalg.norm(st.position_km[0] - r, axis=1).max() * 1e3
    err_mm_s = np.linalg.norm(st.velocity_km_s[0] - v, axis=1).max() * 1e6
    assert err_m < pos_m and err_mm_s < vel_mm_s
    # the error estimate bounds the true error (above the rounding floor of about 1e-7 m, 1e-5 mm/s)
    est = trajectories(oem)[0].error_estimate()
    assert est["position_km"] * 1e3 + 1e-6 >= err_m and est["velocity_km_s"] * 1e6 + 1e-4 >= err_mm_s


def test_at_the_samples_the_interpolant_returns_them():
    oem = kepler_oem(60.0, span_s=3600.0)
    seg = oem.segments[0]
    for method in ("HERMITE", "LAGRANGE"):
        st = interpolate(oem, seg.epochs, method=method)
        np.testing.assert_allclose(st.position_km[0], seg.position_km, rtol=0, atol=1e-9)
        np.testing.assert_allclose(st.velocity_km_s[0], seg.velocity_km_s, rtol=0, atol=1e-12)


def test_status_codes_outside_spans_in_gaps_and_for_nat():
    a = kepler_oem(60.0, span_s=3600.0, object_id="OBJ")
    b = kepler_oem(60.0, span_s=3600.0, object_id="OBJ", t0=T0 + np.timedelta64(2, "h"))
    both = OEM(header=a.header, segments=a.segments + b.segments)
    times = np.array([T0 - np.timedelta64(1, "s"), T0 + np.timedelta64(30, "m"), T0 + np.timedelta64(90, "m"),
                      T0 + np.timedelta64(150, "m"), T0 + np.timedelta64(4, "h"), np.datetime64("NaT")],
                     dtype="datetime64[ns]")
    st = interpolate(both, times)
    assert st.status[0].tolist() == [STATUS_BEFORE, STATUS_OK, STATUS_GAP, STATUS_OK, STATUS_AFTER, STATUS_NO_TIME]
    ok = st.status[0] == STATUS_OK
    assert np.isfinite(st.position_km[0, ok]).all() and np.isnan(st.position_km[0, ~ok]).all()
    spans = trajectories(both)[0].usable_spans()
    assert spans == [(T0, T0 + np.timedelta64(1, "h")), (T0 + np.timedelta64(2, "h"), T0 + np.timedelta64(3, "h"))]


def test_useable_span_limits_service_within_the_data():
    start, stop = T0 + np.timedelta64(10, "m"), T0 + np.timedelta64(50, "m")
    oem = kepler_oem(60.0, span_s=3600.0, useable=(start, stop))
    st = interpolate(oem, [T0 + np.timedelta64(5, "m"), T0 + np.timedelta64(30, "m"), T0 + np.timedelta64(55, "m")])
    assert st.status[0].tolist() == [STATUS_BEFORE, STATUS_OK, STATUS_AFTER]


def test_a_later_segment_wins_where_spans_overlap():
    a = kepler_oem(60.0, span_s=3600.0, object_id="X")
    b = kepler_oem(60.0, span_s=3600.0, object_id="X")
    b.segments[0].position_km = b.segments[0].position_km + 1.0  # a different (post-maneuver) solution
    st = interpolate(OEM(header=a.header, segments=a.segments + b.segments), [T0 + np.timedelta64(1800, "s")])
    r, _ = kepler([1800.0])
    np.testing.assert_allclose(st.position_km[0, 0], r[0] + 1.0, atol=1e-6)


def test_n_objects_by_t_instants_and_one_bad_object_does_not_stop_the_batch(oem_dir):
    good = kepler_oem(60.0, span_s=3600.0, object_id="A")
    other = kepler_oem(60.0, span_s=1800.0, object_id="B")
    mrt = read_oem(oem_dir / "OEMExample9.txt")  # ITRF-93 and TIME_SYSTEM = MRT: cannot be placed in UTC
    times = T0 + np.arange(0, 3600, 600) * np.timedelta64(1, "s")
    st = interpolate([good, other], times)
    assert st.shape == (2, 6) and st.position_km.shape == (2, 6, 3)
    assert st.status[1].tolist() == [0, 0, 0, 0, STATUS_AFTER, STATUS_AFTER]
    with pytest.raises(InvalidRequestError, match="different frames"):
        interpolate([good, mrt], times)  # EME2000 vs ITRF: refused before any work
    with pytest.raises(InvalidRequestError, match="from ITRF-93"):
        interpolate([good, mrt], times, frame="EME2000")
    with pytest.raises(InvalidRequestError, match="TOD"):  # example 2 mixes TOD and EME2000 segments
        interpolate(read_oem(oem_dir / "OEMExample2.txt"), times)
    st = interpolate(mrt, times)
    assert (st.status == STATUS_UNCONVERTIBLE).all()
    recs = st.to_records()
    assert recs[0]["status"] == STATUS_UNCONVERTIBLE and recs[0]["x_km"] is None
    assert recs[0]["time_utc"].endswith("Z")


def test_too_few_states_and_repeated_epochs(oem_dir):
    one = kepler_oem(60.0, span_s=0.0)
    assert interpolate(one, [T0]).status[0, 0] == STATUS_TOO_FEW
    # Orekit's example 1 repeats its last state: the repeat is dropped, interpolation works
    oem = read_oem(oem_dir / "OEMExample1.txt")
    st = interpolate(oem, ["1996-12-29T12:00:00"], frame="EME2000")
    assert st.status[0, 0] == STATUS_OK


def test_bad_requests_are_refused_before_any_work():
    oem = kepler_oem(60.0, span_s=600.0)
    with pytest.raises(InvalidRequestError, match="method"):
        interpolate(oem, [T0], method="SPLINE")
    with pytest.raises(InvalidRequestError, match="degree"):
        interpolate(oem, [T0], degree=0)
    with pytest.raises(InvalidRequestError, match="times"):
        interpolate(oem, ["yesterday"])
    with pytest.raises(InvalidRequestError, match="frame"):
        interpolate(oem, [T0], frame="TOD")


# ---------------------------------------------------------------------- time systems through interpolation

@pytest.mark.parametrize("system", ["UTC", "TAI", "TT", "GPS"])
def test_one_ephemeris_in_every_time_system_across_a_leap_second(system):
    """States sampled on the TAI scale across 2016-12-31T23:59:60, written in each time system."""
    utc_grid = np.datetime64("2016-12-31T22:00:00", "ns") + np.arange(0, 4 * 3600 + 1, 60) * np.timedelta64(1, "s")
    tai_ns = utc_to_tai_ns(utc_grid)
    tai_s = (tai_ns - tai_ns[0]) / 1e9
    r, v = kepler(tai_s)
    epochs = from_utc(utc_grid, system)
    assert (to_utc(epochs, system) == utc_grid).all()
    values = {"OBJECT_NAME": "L", "OBJECT_ID": "L", "CENTER_NAME": "EARTH", "REF_FRAME": "EME2000",
              "TIME_SYSTEM": system, "START_TIME": "-", "STOP_TIME": "-", "INTERPOLATION": "HERMITE",
              "INTERPOLATION_DEGREE": "5"}
    seg = OEMSegment(metadata=OEMMetadata(values=values, epochs={"START_TIME": epochs[0], "STOP_TIME": epochs[-1]}),
                     epochs=epochs, position_km=r, velocity_km_s=v)
    oem = OEM(header=ODMHeader(version="2.0"), segments=[seg])
    q = np.array(["2016-12-31T23:59:30", "2017-01-01T00:00:30", "2017-01-01T01:00:10.5"], dtype="datetime64[ns]")
    st = interpolate(oem, q)
    want_r, _ = kepler((utc_to_tai_ns(q) - tai_ns[0]) / 1e9)
    assert (st.status == 0).all()
    # a UTC-continuous interpolation would be off by one second of motion (7.5 km) after the leap second
    assert np.linalg.norm(st.position_km[0] - want_r, axis=1).max() < 1e-6


def test_kvn_text_of_a_tai_message_interpolates_like_its_utc_twin(oem_dir):
    tai = read_oem(oem_dir / "OEM-Issue839.txt")
    utc = read_oem(oem_dir / "OEMExample1.txt")
    t = ["1996-12-18T12:10:30"]
    a = interpolate(tai, t, frame="EME2000")
    b = interpolate(utc, [np.datetime64(t[0]) + np.timedelta64(30, "s")], frame="EME2000")  # TAI - UTC = 30 s
    assert (a.status == 0).all() and (b.status == 0).all()
    np.testing.assert_allclose(a.position_km, b.position_km, atol=1e-9)


def test_doctest_style_linear_example():
    text = "\n".join(["CCSDS_OEM_VERS = 2.0", "CREATION_DATE = 2024-01-01T00:00:00", "ORIGINATOR = X",
                      "META_START", "OBJECT_NAME = L", "OBJECT_ID = L", "CENTER_NAME = EARTH", "REF_FRAME = GCRF",
                      "TIME_SYSTEM = UTC", "START_TIME = 2024-01-01T00:00:00", "STOP_TIME = 2024-01-01T00:02:00",
                      "INTERPOLATION = LINEAR", "META_STOP",
                      "2024-01-01T00:00:00 7000 0 0 0 0 0", "2024-01-01T00:01:00 7000 60 0 0 1 0",
                      "2024-01-01T00:02:00 7000 180 0 0 2 0"])
    st = interpolate(parse_oem(text), ["2024-01-01T00:01:30"])
    np.testing.assert_allclose(st.position_km[0, 0], [7000, 120, 0])
    np.testing.assert_allclose(st.velocity_km_s[0, 0], [0, 1.5, 0])
