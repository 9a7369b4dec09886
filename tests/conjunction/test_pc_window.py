"""Time bounds around TCA for the 3D-Nc and Monte Carlo (CARA's Tmin_limit/Tmax_limit).

The slow encounter is CARA's WORLDVIEW 2 x FENGYUN 1C DEB case (54 m/s, 2D Pc 4e-23,
3D-Nc 1.52e-4): the collision rate peaks 46.7 s after the CDM's TCA and lasts about 6 s.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from orbitwatch.cli.main import app
from orbitwatch.conjunction.cdm import read_cdm
from orbitwatch.conjunction.pc import PcRequest, assess_cdm, nc3d, pc_monte_carlo, states_from_cdm
from orbitwatch.conjunction.pc.nc3d import check_window_s
from orbitwatch.errors import InvalidRequestError

SLOW = "000035946_conj_000030648_20221210_140311_20221206_003234.cdm"      # 54 m/s, long
FAST = "000028654_conj_000041835_20220106_193032_20220105_161142.cdm"      # 123 m/s, Pc 5e-3
runner = CliRunner()


def _args(shared_data, name):
    s = states_from_cdm(read_cdm(shared_data / "pc" / "cara-cdms" / name))
    return (s.r1_km, s.v1_km_s, s.cov1_km, s.r2_km, s.v2_km_s, s.cov2_km, s.hbr_km)


@pytest.fixture(scope="module")
def slow(shared_data):
    a = _args(shared_data, SLOW)
    return a, nc3d(*a)


def test_window_covering_the_encounter_changes_nothing(shared_data, slow):
    a, full = slow
    assert full.pc == pytest.approx(1.5211e-4, rel=0.01)            # CARA Nc3D 1.521115e-4
    ta, tb = full.duration_s
    assert 40 < ta < tb < 55                                          # the encounter: ~6 s, 47 s after TCA
    for w in (120.0, (-10.0, 80.0), 600.0):
        r = nc3d(*a, window_s=w)
        assert r.converged and r.pc == pytest.approx(full.pc, rel=1e-3), w
        assert r.segment_s == check_window_s(w)
    fast = _args(shared_data, FAST)
    assert nc3d(*fast, window_s=5.0).pc == pytest.approx(nc3d(*fast).pc, rel=1e-3)


def test_narrow_window_gives_a_smaller_nc_on_a_slow_encounter(slow):
    a, full = slow
    half = nc3d(*a, window_s=46.66)                     # ends inside the encounter, near its peak
    assert half.converged and 0.3 * full.pc < half.pc < 0.7 * full.pc
    assert half.segment_s == (-46.66, 46.66)
    narrower = nc3d(*a, window_s=46.0)
    assert 0 < narrower.pc < half.pc
    assert nc3d(*a, window_s=20.0).pc == 0.0             # the encounter is entirely outside
    assert nc3d(*a, window_s=(45.0, 48.0)).pc == pytest.approx(full.pc, rel=0.05)   # asymmetric, around the peak
    cop = nc3d(*a, method="coppola", window_s=46.66)
    assert cop.pc < nc3d(*a, method="coppola").pc


def test_monte_carlo_in_the_window_agrees_statistically(slow):
    a, full = slow
    nc_w = nc3d(*a, window_s=46.66).pc
    m = pc_monte_carlo(*a, samples=1_500_000, seed=7, window_s=46.66)
    assert m.window_s == (-46.66, 46.66)
    assert m.hits > 50
    sd = math.sqrt(nc_w * (1 - nc_w) / m.samples)
    assert abs(m.pc - nc_w) < 3 * sd, (m, nc_w)
    assert m.pc_low <= nc_w <= m.pc_high
    assert m.pc_high < full.pc                            # the cut is resolved, not noise


@pytest.mark.parametrize("bad", [0, -5, float("nan"), float("inf"), (5, 1), (0, float("inf")), (1, 2, 3)])
def test_bad_windows_are_invalid_requests(bad):
    with pytest.raises(InvalidRequestError) as err:
        check_window_s(bad)
    assert err.value.field == "window_s"


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf"), 1e9])
def test_pc_request_checks_window(bad):
    with pytest.raises(InvalidRequestError) as err:
        PcRequest(window_s=bad)
    assert err.value.field == "window_s"


def test_assessment_carries_the_window(shared_data):
    cdm = read_cdm(shared_data / "pc" / "cara-cdms" / SLOW)
    a = assess_cdm(cdm, request=PcRequest(window_s=46.66, mc_samples=20_000))
    assert a.window_s == (-46.66, 46.66) and a.monte_carlo.window_s == (-46.66, 46.66)
    d = a.to_dict()
    assert d["window_s"] == [-46.66, 46.66] and "window_s" in d["units"]
    # a window that cuts the encounter shows as a 3D offset violation: the windowed 3D-Nc is not recommended
    assert a.violations.checks_3d()["offset"] == "violated"
    assert a.recommended.method != "3D-Nc (Hall 2021)"
    assert assess_cdm(cdm, three_d=False).window_s is None


def test_cli_window_s(shared_data):
    f = shared_data / "pc" / "cara-cdms" / SLOW
    res = runner.invoke(app, ["pc", str(f), "--window-s", "46.66", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    lib = nc3d(*_args(shared_data, SLOW), window_s=46.66).pc
    assert d["nc3d"] == pytest.approx(lib, rel=1e-12) and d["window_s"] == [-46.66, 46.66]
    table = runner.invoke(app, ["pc", str(f), "--window-s", "120", "--no-3d"])
    assert table.exit_code == 0 and "Traceback" not in table.output
    for bad in ("0", "-3", "nan", "1e9"):
        res = runner.invoke(app, ["pc", str(f), "--window-s", bad])
        assert res.exit_code == 2, (bad, res.output)
        assert "--window-s" in res.stderr and "Traceback" not in res.output and res.stdout == ""
    assert np.isfinite(lib)
