"""Future populations (issue 16, part 1): reproducible, the real catalog and the filed shells kept
exactly, the background faithful to the real joint distribution by regime, every set valid SGP4."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

from orbitwatch.catalog import orbit_regime
from orbitwatch.catalog.synth import CONSTELLATION_SHELLS, MAX_TLE_NORAD_ID, synthesize_population
from orbitwatch.constants import MU_WGS72_KM3_S2, RE_WGS72_KM
from orbitwatch.elements import read_elements
from orbitwatch.errors import InvalidRequestError
from orbitwatch.propagation import propagate
from orbitwatch.samples import sample_catalog_path

N = 60_000


@pytest.fixture(scope="module")
def real():
    es = read_elements(sample_catalog_path()).elements
    return es[np.unique(es.norad_id, return_index=True)[1]]


@pytest.fixture(scope="module")
def pop(real):
    return synthesize_population(real, N, seed=3)


def _parts(real, pop):
    n_real, n_shell = len(real), sum(s.count for s in CONSTELLATION_SHELLS)
    return pop[:n_real], pop[n_real:n_real + n_shell], pop[n_real + n_shell:]


def test_size_numbers_and_reproducibility(real, pop):
    assert len(pop) == N and len(np.unique(pop.norad_id)) == N
    assert pop.norad_id.max() <= MAX_TLE_NORAD_ID  # a 60,000 (and 100,000) catalog stays TLE-valid
    assert synthesize_population(real, N, seed=3).equals(pop)
    other = synthesize_population(real, N, seed=4)
    assert not np.array_equal(other.raan_deg, pop.raan_deg)
    with pytest.raises(InvalidRequestError, match="n_objects"):
        synthesize_population(real, 1000)


def test_real_catalog_and_shells_are_kept_exactly(real, pop):
    kept, shells, _ = _parts(real, pop)
    assert kept.equals(real)
    start = 0
    for s in CONSTELLATION_SHELLS:
        sh = shells[start:start + s.count]
        start += s.count
        a_km = (MU_WGS72_KM3_S2 / (sh.mean_motion_rev_per_day * 2 * np.pi / 86400.0) ** 2) ** (1 / 3)
        np.testing.assert_allclose(a_km - RE_WGS72_KM, s.altitude_km, atol=1e-6)
        assert np.all(sh.inclination_deg == s.inclination_deg)
        nodes = np.unique(np.round(sh.raan_deg, 9))
        assert len(nodes) == s.planes and np.allclose(np.diff(nodes), 360.0 / s.planes)
        # in one plane, satellites are evenly spaced in anomaly
        first = np.sort(sh.mean_anomaly_deg[:s.per_plane])
        assert np.allclose(np.diff(first), 360.0 / s.per_plane)
    assert start == len(shells) == 8360


def test_background_follows_the_real_distribution_by_regime(real, pop):
    _, _, bg = _parts(real, pop)
    r_real = orbit_regime(real.mean_motion_rev_per_day, real.eccentricity)
    r_bg = orbit_regime(bg.mean_motion_rev_per_day, bg.eccentricity)
    for regime in ("LEO", "MEO", "GEO", "HEO"):
        # regime shares within 1 percentage point (binomial sigma ~0.15 pp at this size)
        assert abs(np.mean(r_bg == regime) - np.mean(r_real == regime)) < 0.01, regime
    # within LEO, the cumulative distributions agree on bins much wider than the jitter (the real
    # one has point masses: whole constellations at one inclination), Kolmogorov-style bound
    leo_r, leo_b = real[r_real == "LEO"], bg[r_bg == "LEO"]
    for col, edges in (("inclination_deg", np.arange(-0.25, 181.0, 1.0)), ("perigee_km", np.arange(0, 2500, 10.0)),
                       ("bstar", np.quantile(leo_r.bstar, np.linspace(0, 1, 21)))):
        a, b = np.asarray(getattr(leo_r, col)), np.asarray(getattr(leo_b, col))
        ca = np.cumsum(np.histogram(a, edges)[0]) / len(a)
        cb = np.cumsum(np.histogram(b, edges)[0]) / len(b)
        assert np.max(np.abs(ca - cb)) < 0.02, (col, np.max(np.abs(ca - cb)))
    # and jointly: the share of each (inclination band, perigee band) cell
    cells = lambda x: np.histogram2d(x.inclination_deg, x.perigee_km, [np.arange(0, 181, 10.0),  # noqa: E731
                                                                        np.arange(0, 2100, 100.0)])[0] / len(x)
    assert np.abs(cells(leo_r) - cells(leo_b)).sum() / 2 < 0.03  # total variation distance
    assert bg.perigee_km.min() >= 119.9  # no synthetic object starts inside the atmosphere
    # nothing shares an orbit: node and phase are drawn uniformly
    orbits = np.round(np.column_stack([bg.raan_deg, bg.arg_perigee_deg, bg.mean_anomaly_deg]), 6)
    assert len(np.unique(orbits, axis=0)) == len(bg)


def test_every_synthetic_set_propagates_and_round_trips_as_tle(real, pop, tmp_path):
    from orbitwatch.elements.io import write_elements

    _, shells, bg = _parts(real, pop)
    new = shells.concat([shells, bg[:5000]])
    day = np.array([new.epoch[0], new.epoch[0] + np.timedelta64(1, "D")])
    eph = propagate(new, day)
    assert np.all(eph.status[:, 0] == 0)  # every set is valid SGP4 at its epoch
    # a day later, objects re-enter as often as the real catalog's do (resampled decaying orbits)
    real_decayed = np.mean((propagate(real, day).status != 0).any(axis=1))
    assert np.mean((eph.status != 0).any(axis=1)) <= 2 * real_decayed
    write_elements(new, tmp_path / "pop.3le")
    back = read_elements(tmp_path / "pop.3le", strict=True).elements
    assert np.array_equal(back.norad_id, new.norad_id)
    np.testing.assert_allclose(back.inclination_deg, new.inclination_deg, atol=5e-5)  # TLE field precision


def test_cli_writes_and_refuses_tles_beyond_alpha5(tmp_path):
    from orbitwatch.cli.main import app

    runner = CliRunner()
    out = tmp_path / "pop.json.gz"
    res = runner.invoke(app, ["catalog", "synth", "40000", "-o", str(out), "--seed", "2"])
    assert res.exit_code == 0, res.output
    assert len(read_elements(out).elements) == 40_000
    res = runner.invoke(app, ["catalog", "synth", "400000", "-o", str(tmp_path / "big.3le")])
    assert res.exit_code == 2 and "--output" in res.stderr and "OMM" in res.stderr
    assert not (tmp_path / "big.3le").exists()
