"""Monte Carlo Pc against NASA CARA's SDMC (simple-dynamics Monte Carlo) results.

CARA ran 4.6e5 to 3.7e7 trials per conjunction; a unit test affords ~2e5, so our
interval is wider.  The test: the two estimates are statistically consistent (their
95 % Clopper-Pearson intervals overlap and they differ by less than 3 combined sigmas),
and our interval contains CARA's 3D-Nc."""

from __future__ import annotations

import csv
import math

import pytest

from orbitwatch.conjunction.cdm import read_cdm
from orbitwatch.conjunction.pc import pc_monte_carlo, states_from_cdm
from orbitwatch.conjunction.pc.montecarlo import clopper_pearson

CASES = {
    "000025994_conj_000037558_20210324_151047_20210323_154356": 100_000,   # Pc 2.1e-2, fast
    "000028654_conj_000041835_20220106_193032_20220105_161142": 200_000,   # 5.0e-3, 123 m/s
    "000035946_conj_000030648_20221210_140311_20221206_003234": 400_000,   # 1.5e-4, 54 m/s, 2D fails
}


def test_clopper_pearson_known_values():
    lo, hi = clopper_pearson(0, 100)
    assert lo == 0.0 and hi == pytest.approx(0.036217, rel=1e-4)    # classic "rule of three" ~3.7%
    lo, hi = clopper_pearson(50, 100)
    assert (lo, hi) == pytest.approx((0.39832, 0.60168), rel=1e-4)


@pytest.mark.parametrize("cid", sorted(CASES))
def test_monte_carlo_consistent_with_cara_sdmc(shared_data, cid):
    rows = {r["Conjunction_ID"]: r for r in csv.DictReader(open(shared_data / "pc" / "cara-pc-method-results.csv"))}
    r = rows[cid]
    s = states_from_cdm(read_cdm(shared_data / "pc" / "cara-cdms" / f"{cid}.cdm"))
    m = pc_monte_carlo(s.r1_km, s.v1_km_s, s.cov1_km, s.r2_km, s.v2_km_s, s.cov2_km, s.hbr_km,
                       samples=CASES[cid], seed=2024)
    lo, hi = float(r["PcSDMCLo"]), float(r["PcSDMCHi"])
    assert m.pc_low <= hi and m.pc_high >= lo, (m, lo, hi)
    sd_ours = math.sqrt(m.pc * (1 - m.pc) / m.samples)
    sd_cara = (hi - lo) / (2 * 1.96)
    assert abs(m.pc - float(r["PcSDMC"])) < 3 * math.hypot(sd_ours, sd_cara)
    assert m.pc_low <= float(r["Nc3D"]) <= m.pc_high
