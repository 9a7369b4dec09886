"""orbitwatch cam: table, JSON and files from a CARA CDM (no screening: tests/maneuver/test_search.py screens)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

pytest.importorskip("satkit")

from orbitwatch.cli.main import app  # noqa: E402
from orbitwatch.odm import read_oem, read_opm  # noqa: E402

CARA = "000040115_conj_000030660_20230721_100115_20230720_061903.cdm"


def test_cam_writes_opm_oem_plot_and_json(shared_data, tmp_path):
    cdm = shared_data / "pc" / "cara-cdms" / CARA
    out = tmp_path / "cam"
    r = CliRunner().invoke(app, ["cam", str(cdm), "--target-pc", "1e-6", "--max-dv-mps", "0.5", "--burn-window",
                                 "24h,1h", "--n-times", "12", "--no-screen", "--out", str(out), "--json"],
                           env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    chosen = doc["chosen"]
    assert chosen["pc_linear"] <= 1e-6 and chosen["pc_full"] <= 1.1e-6
    assert doc["options"][0]["chosen"]
    opm = read_opm(out / "maneuver.opm")
    assert abs(sum(x * x for x in opm.maneuvers[0].dv_km_s) ** 0.5 * 1000 - chosen["dv_mps"]) < 1e-9
    assert len(read_oem(out / "maneuvered.oem").segments) == 2
    assert (out / "tradespace.png").stat().st_size > 10_000
    assert json.loads((out / "options.json").read_text())["chosen"] == chosen


def test_cam_refuses_a_window_after_tca(shared_data):
    cdm = shared_data / "pc" / "cara-cdms" / CARA
    r = CliRunner().invoke(app, ["cam", str(cdm), "--burn-window", "1h,2h", "--no-screen"])
    assert r.exit_code == 2 and "--burn-window" in r.output


def test_cam_takes_a_stored_event_track(shared_data, tmp_path):
    """EVENT = a track id: its latest CDM update is found by ORIGINATOR:MESSAGE_ID in --cdm-dir."""
    import shutil

    d = tmp_path / "cdms"
    d.mkdir()
    shutil.copy(shared_data / "pc" / "cara-cdms" / CARA, d / CARA)
    db = f"sqlite:///{tmp_path / 'ev.db'}"
    env = {"COLUMNS": "200", "ORBITWATCH_HOME": str(tmp_path / "home")}
    r = CliRunner().invoke(app, ["cdm", "ingest", str(d / CARA), "--no-3d", "--db-url", db], env=env)
    assert r.exit_code == 0, r.output
    args = ["cam", "1", "--no-screen", "--burn-window", "6h,1h", "--n-times", "4", "--db-url", db, "--json"]
    r = CliRunner().invoke(app, args, env=env)
    assert r.exit_code != 0 and "--cdm-dir" in r.output          # the store keeps the reference, not the message
    r = CliRunner().invoke(app, [*args, "--cdm-dir", str(d)], env=env)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["event"]["secondary"] == "000030660" and doc["chosen"]["pc_full"] <= 1.1e-6
