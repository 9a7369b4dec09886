"""`make demo` runs from the repository alone and produces what it announces."""

from __future__ import annotations

from typer.testing import CliRunner

from orbitwatch.cli.main import app


def test_demo_runs_end_to_end(tmp_home, tmp_path, wide_console):
    out = tmp_path / "demo"
    r = CliRunner().invoke(app, ["demo", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "26140 new element sets" in r.output
    assert "ISS (ZARYA)" in r.output and "SENTINEL 1A" in r.output
    assert (out / "ground-tracks.png").stat().st_size > 50_000
    assert "close approaches under 5 km" in r.output and (out / "close-approaches.csv").exists()
    from orbitwatch.conjunction import read_cdm
    top = read_cdm(out / "top-event.cdm")
    assert top.relative.values["MISS_DISTANCE"] < 5000.0 and top.relative.values["COLLISION_PROBABILITY"] > 0
    assert (out / "respond" / "map.html").exists() and (out / "respond" / "timeline.png").exists()
    assert list((out / "respond" / "tasking").glob("*.json"))
    # a second run adds nothing to the database
    r = CliRunner().invoke(app, ["demo", "--out", str(out)])
    assert r.exit_code == 0 and "0 new element sets, 26140 already present" in r.output
