"""Hard-body radii, the default TLE covariance model, the screening entry point and
writing an event as a CDM."""

from __future__ import annotations

import numpy as np
import pytest

from orbitwatch.conjunction.cdm import ObjectInfo, conjunction_cdm, parse_cdm, write_cdm
from orbitwatch.conjunction.covariance import (DEFAULT_TLE_MODEL, orbit_regime, tle_covariance_eci,
                                               tle_covariance_rtn)
from orbitwatch.conjunction.hbr import DEFAULT_HBR_M, HbrTable, combined_hbr_m, default_hbr_m
from orbitwatch.conjunction.pc import cov_rtn_to_eci, pc_at_tca, pc_for_events, relative_rtn, states_from_cdm

CSV = "objects/hbr-mass-estimates-2026-06-01.csv"


def test_packaged_hbr_extract_equals_cara_table(shared_data):
    full = HbrTable.from_csv(shared_data / CSV)
    pk = HbrTable.packaged()
    assert len(full) == len(pk) == 23583             # rows with a value (DISCOS rows have none)
    np.testing.assert_array_equal(full.ids, pk.ids)
    assert np.max(np.abs(full.hbr_m - pk.hbr_m)) <= 0.005 + 1e-12
    # values straight from the CSV (NASA CARA, 2026-06-01)
    assert full.get(25544).hbr_m == 66.1 and full.get(25544).source == "CARA Protected Primary"
    assert full.get(20580).hbr_m == 8.4
    assert full.get(22015) is None                    # a DISCOS row: published without value
    hbr, sig, src = pk.hbr_m_for([25544, 22015, 99999], ["PAYLOAD", "ROCKET BODY", None])
    assert list(hbr) == [66.1, 4.0, 1.1] and src[1] == "orbitwatch default"


def test_default_hbr_and_combination():
    assert default_hbr_m("DEBRIS") == 1.1 and default_hbr_m("payload") == DEFAULT_HBR_M["PAYLOAD"]
    assert default_hbr_m(None) == 1.1 and default_hbr_m("R/B") == 4.0
    # Baars & Hall 2022 eq. 8
    assert float(combined_hbr_m(3.0, 1.0)) == 4.0
    assert float(combined_hbr_m(3.0, 1.0, 3.0, 0.0)) == pytest.approx(5.0)


def _leo(alt_km, e=0.0):
    mu = 398600.4418
    rp = 6378.137 + alt_km
    a = rp / (1 - e)
    v = np.sqrt(mu * (2 / rp - 1 / a))
    return np.array([rp, 0, 0.0]), np.array([0, v * np.cos(0.9), v * np.sin(0.9)])


def test_tle_covariance_model_regimes_and_growth():
    states = [_leo(400), _leo(800), _leo(20200 - 6378.137 + 6378.137 - 0.0), _leo(35786), _leo(500, 0.7)]
    r = np.array([s[0] for s in states])
    v = np.array([s[1] for s in states])
    assert list(orbit_regime(r, v)) == ["LEO-low", "LEO", "MEO", "GEO", "HEO"]
    s0 = DEFAULT_TLE_MODEL.sigmas_rtn_km(["LEO"], [0.0])[0]
    s2 = DEFAULT_TLE_MODEL.sigmas_rtn_km(["LEO"], [2.0])[0]
    np.testing.assert_allclose(s0, [0.1, 0.3, 0.1])
    np.testing.assert_allclose(s2, np.sqrt(np.array([0.1, 0.3, 0.1]) ** 2 + (2 * np.array([0.05, 1.0, 0.05])) ** 2))
    C = tle_covariance_rtn(r[1], v[1], 1.0)[0]
    assert C[1, 1] > C[0, 0] and np.all(np.linalg.eigvalsh(C) > 0)
    Ce = tle_covariance_eci(r[1], v[1], 1.0)[0]
    np.testing.assert_allclose(np.sort(np.linalg.eigvalsh(Ce[:3, :3])), np.sort(np.diag(C)[:3]), rtol=1e-12)


def test_pc_for_events_fills_unknown_covariances():
    rng = np.random.default_rng(1)
    n = 50
    r1 = np.tile(_leo(700)[0], (n, 1))
    v1 = np.tile(_leo(700)[1], (n, 1))
    r2 = r1 + rng.normal(size=(n, 3)) * 0.3
    v2 = v1 * np.array([1, -1, 1]) + rng.normal(size=(n, 3)) * 0.1
    ages = rng.uniform(0, 3, n)
    t = pc_for_events(r1, v1, r2, v2, 0.01, age1_days=ages, age2_days=ages)
    C1 = tle_covariance_eci(r1, v1, ages)
    C2 = tle_covariance_eci(r2, v2, ages)
    ref = pc_at_tca(r1, v1, C1, r2, v2, C2, 0.01)
    np.testing.assert_array_equal(t.foster, ref.foster)
    assert t.max_pc is not None and np.all(t.max_pc >= t.foster)
    # a known covariance on some rows is used as given, NaN rows fall back to the model
    Cgiven = np.where(np.arange(n)[:, None, None] % 2 == 0, C1 * 4, np.nan)
    t2 = pc_for_events(r1, v1, r2, v2, 0.01, age1_days=ages, age2_days=ages, cov1_km=Cgiven)
    ref2 = pc_at_tca(r1, v1, np.where(np.isnan(Cgiven), C1, Cgiven), r2, v2, C2, 0.01)
    np.testing.assert_array_equal(t2.foster, ref2.foster)
    with pytest.raises(ValueError):
        pc_for_events(r1, v1, r2, v2, 0.01)


def test_event_written_as_cdm_agrees_with_the_event(shared_data, tmp_path):
    """A CDM built from states/covariances carries the same miss, relative state and Pc
    as the event, round trips KVN and XML, and gives back the same Pc when re-read."""
    r1, v1 = _leo(700)
    r2 = r1 + np.array([0.02, 0.15, -0.05])
    v2 = np.array([0.5, -5.0, 5.5])
    C1 = tle_covariance_eci(r1, v1, 0.5)[0]
    C2 = tle_covariance_eci(r2, v2, 2.0)[0]
    pc = float(pc_at_tca(r1, v1, C1, r2, v2, C2, 0.012).foster[0])
    cdm = conjunction_cdm(tca="2026-06-11T12:00:00.123456", r1_km=r1, v1_km_s=v1, r2_km=r2, v2_km_s=v2,
                          cov1_km=C1, cov2_km=C2, hbr_m=12.0, collision_probability=pc,
                          object1=ObjectInfo("25544", "ISS (ZARYA)", "1998-067A", "PAYLOAD"),
                          object2=ObjectInfo("99999", "DEB", "UNKNOWN", "DEBRIS", covariance_method="DEFAULT"),
                          creation_date="2026-06-10T00:00:00")
    assert cdm.miss_distance_m == pytest.approx(np.linalg.norm(r2 - r1) * 1000, rel=1e-15)
    dr, dv = relative_rtn(r1, v1, r2, v2)
    np.testing.assert_allclose(cdm.relative_position_rtn_m, dr * 1000, rtol=1e-15)
    assert cdm.hbr_m == 12.0 and cdm.collision_probability == pc
    for fmt in ("kvn", "xml"):
        back = parse_cdm(write_cdm(cdm, fmt))
        assert back == cdm
        s = states_from_cdm(back)
        np.testing.assert_allclose(s.cov1_km, C1, rtol=1e-12, atol=1e-18)
        pc_back = float(pc_at_tca(s.r1_km, s.v1_km_s, s.cov1_km, s.r2_km, s.v2_km_s, s.cov2_km,
                                  s.hbr_km).foster[0])
        assert pc_back == pytest.approx(pc, rel=1e-12)
    assert cdm.tca == np.datetime64("2026-06-11T12:00:00.123456", "ns")
    assert "TCA                                  = 2026-06-11T12:00:00.123456" in write_cdm(cdm, "kvn")


def test_rtn_eci_round_trip():
    r1, v1 = _leo(600)
    A = np.random.default_rng(0).normal(size=(6, 6))
    C = A @ A.T
    back = cov_rtn_to_eci(C, r1, v1)
    from orbitwatch.conjunction.pc import cov_eci_to_rtn

    np.testing.assert_allclose(cov_eci_to_rtn(back, r1, v1), C, rtol=1e-12, atol=1e-12)
