"""Which Pc to use: a check that was not run is unknown, never passed, and no value whose
validity is unknown or violated is recommended (issue "Never a wrong answer").

Reference: NASA CARA's 53 test CDMs and CARA's results for them
(``cara-pc-method-results.csv``); the 3D side (with CARA's flags) is in test_pc3d.py,
which shares its 3D-Nc integrations.
"""

from __future__ import annotations

import csv
import dataclasses

import pytest

from orbitwatch.conjunction.cdm import parse_cdm, read_cdm
from orbitwatch.conjunction.pc import (MonteCarloResult, PcRequest, assess_cdm, pc_max_aspect,
                                       socrates_aspect_ratio)
from orbitwatch.conjunction.pc.assess import FOSTER_2D, MONTE_CARLO
from orbitwatch.errors import InvalidRequestError

TERRA = "000025994_conj_000037558_20210324_151047_20210323_154356"   # 11 km/s, Pc 2.1e-2, no 2D violation
WORLDVIEW = "000035946_conj_000030648_20221210_140311_20221206_003234"  # 54 m/s: 2D 4.5e-23, truth 1.5e-4


def _rows(shared_data):
    return list(csv.DictReader(open(shared_data / "pc" / "cara-pc-method-results.csv")))


@pytest.fixture(scope="module")
def no3d(shared_data):
    """assess_cdm with 3D skipped (what ``orbitwatch pc --no-3d`` runs) on all 53 CARA CDMs."""
    out = []
    for r in _rows(shared_data):
        cdm = read_cdm(shared_data / "pc" / "cara-cdms" / f"{r['Conjunction_ID']}.cdm")
        out.append((r, cdm, assess_cdm(cdm, three_d=False)))
    return out


def test_without_3d_no_case_recommends_an_unvalidated_2d_value(no3d):
    """Before: 28 of 53 recommendations changed by more than 2x with --no-3d, 27 of them
    'with no violations' (WORLDVIEW 2 x FENGYUN: 4.5e-23 instead of CARA's 1.5e-4)."""
    assert len(no3d) == 53
    for r, cdm, a in no3d:
        rec = a.recommended
        assert rec.pc is None and rec.method is None, (r["Conjunction_ID"], rec)
        assert "not established" in rec.reason and "3D-Nc not run" in rec.reason
        assert "3D" in rec.run_instead and "Monte Carlo" in rec.run_instead
        checks = a.violations.checks_2d()
        assert checks["inaccurate"] == "unknown"              # never "passed" when it was not run
        assert a.violations.valid_2d in (None, False)
        d = a.to_dict()
        assert d["recommended"]["pc"] is None and d["code_2d"] is None
        assert d["checks_2d"]["inaccurate"] == {"status": "unknown", "value": None, "cutoff": 0.02}
        assert "inaccurate" in d["unknown_2d"]


def test_linear_motion_estimates_confirm_violations_but_not_their_absence(no3d):
    """CARA's 48901 x 48903 pair: the straight-line indicators stay below the cutoffs for two
    of its three CDMs, yet CARA (and our curvilinear check) flag extended and offset."""
    pair = [(r, a) for r, cdm, a in no3d if r["Conjunction_ID"].startswith("000048901_conj_000048903")]
    assert len(pair) == 3
    statuses = [a.violations.checks_2d()["offset"] for r, a in pair]
    assert "violated" in statuses and "unknown" in statuses and "passed" not in statuses
    for r, a in pair:
        assert r["ViolationsPc2D"] == "111"


def test_worldview_fengyun_case_named_in_the_issue(no3d):
    r, cdm, a = next(x for x in no3d if x[0]["Conjunction_ID"] == WORLDVIEW)
    assert float(a.pc2d.foster[0]) == pytest.approx(float(r["Pc2D_NoAdj"]), rel=1e-6)   # 4.5e-23
    assert a.recommended.pc is None


def test_monte_carlo_is_the_fallback_and_zero_hits_recommend_nothing(no3d):
    r, cdm, a = next(x for x in no3d if x[0]["Conjunction_ID"] == TERRA)
    mc = MonteCarloResult(pc=0.0212, pc_low=0.0203, pc_high=0.0221, hits=2120, samples=100_000,
                          confidence=0.95, window_s=(-1400.0, 1400.0))
    rec = dataclasses.replace(a, monte_carlo=mc).recommended
    assert (rec.pc, rec.method) == (0.0212, MONTE_CARLO) and "3D-Nc not run" in rec.reason
    none = MonteCarloResult(pc=0.0, pc_low=0.0, pc_high=3.7e-5, hits=0, samples=100_000, confidence=0.95,
                            window_s=(-1400.0, 1400.0))
    rec = dataclasses.replace(a, monte_carlo=none).recommended
    assert rec.pc is None and "no hit in 100000 samples" in rec.reason and "more samples" in rec.run_instead
    # old callers that unpack still work, and get no number
    pc, method = rec
    assert pc is None and method is None


def test_non_positive_definite_covariance_gives_no_recommendation(shared_data):
    """Before: the NPD flag sent the recommendation to the 3D-Nc, which is 0 on it ('use: 0')."""
    text = (shared_data / "pc" / "cara-cdms" / f"{TERRA}.cdm").read_text()
    cut = "CT_R                                        = -2.584549971465440876e+01"
    assert cut in text
    cdm = parse_cdm(text.replace(cut, cut.split("=")[0] + "= -2.0e+02", 1), "npd.cdm")  # |CT_R| > sqrt(CR_R CT_T)
    for three_d in (False, True):
        a = assess_cdm(cdm, three_d=three_d)
        rec = a.recommended
        assert a.violations.npd_primary and not a.violations.npd_secondary
        assert rec.pc is None and "primary position covariance is not positive definite" in rec.reason
        assert "positive-definite covariance" in rec.run_instead
        assert a.to_dict()["checks_2d"]["NPD"]["status"] == "violated"


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf"), "ten"])
def test_hbr_must_be_positive(shared_data, bad):
    cdm = read_cdm(shared_data / "pc" / "cara-cdms" / f"{TERRA}.cdm")
    with pytest.raises(InvalidRequestError) as err:
        assess_cdm(cdm, hbr_m=bad, three_d=False)
    assert err.value.field == "hbr_m"
    with pytest.raises(InvalidRequestError) as err:
        PcRequest(hbr_m=bad)
    assert err.value.field == "hbr_m"


def test_request_defaults_and_limits():
    r = PcRequest()
    assert (r.hbr_m, r.mc_samples, r.three_d, r.coppola) == (None, 0, True, True)
    assert PcRequest(three_d=False).coppola is False
    with pytest.raises(InvalidRequestError) as err:
        PcRequest(mc_samples=-1)
    assert err.value.field == "mc_samples"


def test_a_stated_non_positive_hbr_is_a_data_error(shared_data):
    from orbitwatch.conjunction.cdm import CDMError

    text = (shared_data / "pc" / "cara-cdms" / f"{TERRA}.cdm").read_text()
    assert "COMMENT HBR" in text
    lines = [("COMMENT HBR = -15 [m]" if ln.startswith("COMMENT HBR") else ln) for ln in text.splitlines()]
    with pytest.raises(CDMError) as err:
        assess_cdm(parse_cdm("\n".join(lines), "neg.cdm"), three_d=False)
    assert err.value.keyword == "HBR" and "> 0" in err.value.reason


def test_socrates_maximum_can_legitimately_be_below_foster(no3d):
    """The SOCRATES-style maximum optimises the size and orientation of an *assumed* ellipse
    (RTN sigmas 100/300/100 m) and never sees this CDM's covariance.  Over CARA's 53 CDMs it is
    below Foster in 32 cases, each time because the real encounter-plane ellipse is far more
    elongated (axis ratio 6.5 to 3500) than the assumed one (1.0 to 3.0); the same maximisation
    with the real axis ratio is never below Foster (the real covariance belongs to that family),
    and the maximum over scaling the real covariance never is either."""
    below = 0
    for r, cdm, a in no3d:
        t, s = a.pc2d, a.states
        foster, soc = float(t.foster[0]), float(t.socrates_max_pc[0])
        ar_real = float(t.sx_km[0] / t.sz_km[0])
        ar_soc = float(socrates_aspect_ratio(s.r1_km, s.v1_km_s, s.r2_km, s.v2_km_s)[0])
        same_family, _ = pc_max_aspect(t.miss_km, t.hbr_km, max(ar_real, 1.0))
        assert float(same_family[0]) >= foster * (1 - 1e-9), r["Conjunction_ID"]
        assert float(t.max_pc[0]) >= foster * (1 - 1e-9), r["Conjunction_ID"]
        if soc < foster:
            below += 1
            assert ar_real > ar_soc, r["Conjunction_ID"]
    assert below == 32


def test_assessment_to_dict_states_units_and_iso_time(no3d):
    import json

    r, cdm, a = next(x for x in no3d if x[0]["Conjunction_ID"] == TERRA)
    d = json.loads(json.dumps(a.to_dict()))           # JSON-ready as it is
    assert d["tca"] == "2021-03-24T15:10:47.417Z" and d["source"] == f"{TERRA}.cdm"
    assert d["objects"][0]["designator"] == cdm.object1.designator
    assert d["miss_m"] == pytest.approx(float(r["MissDist_m"]), rel=1e-3)
    assert d["speed_m_s"] == pytest.approx(float(r["Vrel_mps"]), rel=1e-6)
    assert d["hbr_m"] == pytest.approx(float(r["HBR_m"]))
    assert d["foster"] == pytest.approx(float(r["Pc2D"]), rel=1e-6)       # CARA, TCA-adjusted
    for key in ("miss_m", "speed_m_s", "hbr_m", "dilution_threshold_km", "pc", "tca"):
        assert key in d["units"]
    assert d["units"]["speed_m_s"] == "m/s" and "socrates_max_pc" in d["notes"]
    assert set(d["recommended"]) == {"pc", "method", "reason", "run_instead"}


def test_recommendation_when_2d_checks_pass_is_foster(no3d):
    """The recommendation logic on a fully checked case: every 2D check passed -> Foster."""
    from orbitwatch.conjunction.pc.flags import UsageViolations

    r, cdm, a = next(x for x in no3d if x[0]["Conjunction_ID"] == TERRA)
    v = dataclasses.replace(a.violations, inaccurate=0.001, curvilinear=True, nc3d_extended=0.0, nc3d_offset=0.0)
    assert isinstance(v, UsageViolations) and v.valid_2d is True
    rec = dataclasses.replace(a, violations=v).recommended
    assert rec.method == FOSTER_2D and rec.pc == float(a.pc2d.foster[0])
