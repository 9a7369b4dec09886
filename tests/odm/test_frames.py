"""Frame conversions of OEM states: only the rotations orbitwatch.propagation.frames provides."""

from __future__ import annotations

import numpy as np
import pytest

from orbitwatch.errors import InvalidRequestError
from orbitwatch.odm import read_oem
from orbitwatch.odm.frames import canonical_frame, conversion_problem, convert_states
from orbitwatch.propagation.frames import EOP, teme_to_gcrs


def test_gcrf_to_itrf_matches_orekit_s_own_itrf_file(oem_dir):
    """Orekit wrote the same ISS ephemeris in GCRF and in ITRF2014 (without UT1-UTC or polar motion)."""
    gcrf = read_oem(oem_dir / "OEMExample5.txt").segments[0]
    itrf = read_oem(oem_dir / "OEMExample5ITRF.txt").segments[0]
    assert (gcrf.epochs == itrf.epochs).all() and len(gcrf) == 49
    r, v = convert_states(gcrf.position_km, gcrf.velocity_km_s, gcrf.epochs_utc, "GCRF", "ITRF2014",
                          eop=EOP(dut1_s=0.0))
    assert np.linalg.norm(r - itrf.position_km, axis=1).max() < 1e-5          # 10 mm (measured 0.3 mm)
    assert np.linalg.norm(v - itrf.velocity_km_s, axis=1).max() < 1e-6        # 1 mm/s (measured 0.05 mm/s)
    # with skyfield's UT1-UTC (+0.45 s in April 2017) the Earth has turned a further 6.8 arcsec
    r2, _ = convert_states(gcrf.position_km, gcrf.velocity_km_s, gcrf.epochs_utc, "GCRF", "ITRF")
    turn = np.degrees(np.arctan2(np.cross(r2, itrf.position_km)[:, 2],
                                 (r2[:, :2] * itrf.position_km[:, :2]).sum(1))) * 3600
    assert np.allclose(turn, 6.8, atol=0.1)


def test_round_trips_and_inverse_rotations(oem_dir):
    seg = read_oem(oem_dir / "OEMExample5.txt").segments[0]
    t = seg.epochs_utc
    r, v = convert_states(seg.position_km, seg.velocity_km_s, t, "GCRF", "EME2000")
    r2, v2 = convert_states(r, v, t, "J2000", "ICRF")
    np.testing.assert_allclose(r2, seg.position_km, atol=1e-9)
    rt, vt = convert_states(seg.position_km, seg.velocity_km_s, t, "GCRF", "TEME")
    rg, vg = teme_to_gcrs(rt, vt, t)
    np.testing.assert_allclose(rg, seg.position_km, atol=1e-9)
    np.testing.assert_allclose(vg, seg.velocity_km_s, atol=1e-12)
    # EME2000 -> ITRF goes the same way as GCRF -> ITRF
    ri, _ = convert_states(r, v, t, "EME2000", "ITRF")
    rj, _ = convert_states(seg.position_km, seg.velocity_km_s, t, "GCRF", "ITRF")
    np.testing.assert_allclose(ri, rj, atol=1e-9)


def test_oem_to_frame_keeps_the_covariance_meaning(oem_dir):
    oem = read_oem(oem_dir / "OEMExample5.txt")
    out = oem.to_frame("EME2000")
    assert out.segments[0].metadata.ref_frame == "EME2000"
    assert oem.segments[0].metadata.ref_frame == "GCRF"  # the original is untouched
    cov = read_oem(oem_dir / "OEMExample3.txt")
    conv = cov.to_frame("GCRF")
    assert all(c.ref_frame for s in conv.segments for c in s.covariances)


@pytest.mark.parametrize("src, dst, why", [
    ("ITRF2014", "GCRF", "converts into ITRF, not out of it"),
    ("TOD", "EME2000", "orbitwatch converts among"),
    ("EME2000", "MOD", "orbitwatch converts among"),
])
def test_missing_conversions_are_invalid_requests(src, dst, why):
    assert why in conversion_problem(src, dst)
    with pytest.raises(InvalidRequestError, match=why):
        convert_states(np.zeros((1, 3)), np.zeros((1, 3)), np.array(["2020-01-01"], dtype="datetime64[ns]"), src, dst)


def test_non_earth_centres_rotate_only_between_eme2000_and_gcrf():
    assert conversion_problem("EME2000", "GCRF", "MARS BARYCENTER") is None
    assert "Earth-centred" in conversion_problem("EME2000", "ITRF", "MARS BARYCENTER")


def test_frame_names():
    assert [canonical_frame(f) for f in ("J2000", "EME2000", "ICRF", "GCRF", "ITRF-93", "ITRF2014", "teme")] == \
        ["EME2000", "EME2000", "GCRF", "GCRF", "ITRF", "ITRF", "TEME"]
