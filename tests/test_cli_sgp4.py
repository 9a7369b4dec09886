"""``orbitwatch sgp4``: info, verify (Vallado's set shipped with python-sgp4), bench."""

from __future__ import annotations

import numpy as np
from typer.testing import CliRunner

from orbitwatch.cli.main import app
from orbitwatch.elements import format_elements, read_elements
from orbitwatch.propagation.sgp4_verify import verify_vallado

runner = CliRunner()


def test_verify_library_matches_reference_error_codes():
    """The error codes Vallado's tcppver.out implies (test_vallado.py's list) and every case ok."""
    results = verify_vallado("numba")
    assert len(results) == 33 and all(r.ok for r in results)
    assert [r.error_code for r in results if r.error_code] == [1, 1, 6, 6, 4, 3, 6]
    assert max(r.max_dr_km for r in results) <= 2e-7


def test_cli_verify_passes_and_reports():
    res = runner.invoke(app, ["sgp4", "verify"])
    assert res.exit_code == 0, res.output
    assert "all 33 cases agree" in res.output


def test_cli_verify_missing_data_is_a_clear_error(tmp_path):
    res = runner.invoke(app, ["sgp4", "verify", "--data", str(tmp_path)])
    assert res.exit_code == 66  # EX_NOINPUT
    assert "SGP4-VER.TLE" in res.output


def test_cli_info():
    res = runner.invoke(app, ["sgp4", "info"])
    assert res.exit_code == 0, res.output
    assert "default backend" in res.output and "numba" in res.output


def test_cli_bench_small(shared_data, tmp_path):
    es = read_elements(shared_data / "catalog" / "full-catalog-2023-10-09.3le").elements
    f = tmp_path / "few.3le"
    f.write_text(format_elements(es[np.arange(0, len(es), 500)], "3le"))
    res = runner.invoke(app, ["sgp4", "bench", str(f), "--instants", "30", "--check", "20"])
    assert res.exit_code == 0, res.output
    assert "M states/s" in res.output and "status codes equal to python-sgp4" in res.output
    assert "NO" not in res.output
