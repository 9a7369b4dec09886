"""``orbitwatch screen``: from a file and from the database, outputs, errors and exit codes."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from orbitwatch.cli.main import app
from orbitwatch.conjunction import screen
from orbitwatch.elements import read_elements

CATALOG = "catalog/full-catalog-2023-10-09.3le"


@pytest.fixture(scope="module")
def small_file(shared_data, tmp_path_factory):
    """The first 1,000 objects of the real catalog (3,000 lines), as a 3LE file."""
    lines = (shared_data / CATALOG).read_text().splitlines()[:3000]
    p = tmp_path_factory.mktemp("screen") / "small.3le"
    p.write_text("\n".join(lines) + "\n")
    return p


def run(*args):
    return CliRunner().invoke(app, ["screen", *map(str, args)], catch_exceptions=False)


def test_screen_file_outputs(small_file, tmp_path):
    # -o FILE writes the events (CSV here); --json prints the result on stdout (the old --json FILE is -o x.json)
    out_csv, out_rep = tmp_path / "e.csv", tmp_path / "r.txt"
    res = run(small_file, "--start", "2023-10-09T12:00Z", "--hours", 12, "--top", 4, "-o", out_csv,
              "--json", "--report", out_rep, "--pc", "-q")
    assert res.exit_code == 0, res.output
    lib = screen(read_elements(small_file).elements, "2023-10-09T12:00", "2023-10-10T00:00", executor=1).events
    rows = list(csv.DictReader(out_csv.open()))
    doc = json.loads(res.stdout)
    assert len(rows) == len(doc["events"]) == len(lib) > 5
    assert doc["meta"]["objects"] == 1000 and doc["meta"]["volume"] == "sphere of radius 5 km"
    assert sorted(float(r["miss_km"]) for r in rows) == pytest.approx(np.sort(lib.miss_km), abs=0)
    assert all(r["pc"] != "" for r in rows)  # --pc fills the probabilities
    rep = out_rep.read_text()
    assert "Top 4 of" in rep and f"{lib.sort_by('miss_km').miss_km[0]:9.3f}" in rep
    assert f"1000 objects, {len(lib)} events" in res.stderr


def test_screen_writes_cdms_that_match_the_csv(small_file, tmp_path):
    from orbitwatch.conjunction import read_cdm

    out_csv, cdms = tmp_path / "e.csv", tmp_path / "cdm"
    # --sort pc-max: by maximum Pc (what --sort pc did before; --sort pc is now the 2D Pc itself)
    res = run(small_file, "--start", "2023-10-09T12:00Z", "--hours", 12, "--top", 3, "--pc", "--sort", "pc-max",
              "--csv", out_csv, "--cdm-dir", cdms, "--cdm-format", "xml", "-q")
    assert res.exit_code == 0, res.output
    files = sorted(cdms.glob("*.xml"))
    assert len(files) == 3
    rows = {(r["norad_1"], r["norad_2"], r["tca"][:19]): r for r in csv.DictReader(out_csv.open())}
    pcs = []
    for f in files:
        cdm = read_cdm(f)
        rel = cdm.relative.values
        key = (cdm.objects[0].designator.lstrip("0"), cdm.objects[1].designator.lstrip("0"), str(rel["TCA"])[:19])
        row = rows[key]
        assert rel["MISS_DISTANCE"] == pytest.approx(float(row["miss_km"]) * 1000, abs=1e-3)
        assert rel["COLLISION_PROBABILITY"] == pytest.approx(float(row["pc"]), rel=1e-9)
        pcs.append(float(row["pc_max"]))
    # the top 3 by maximum Pc are the three largest in the table
    all_max = sorted((float(r["pc_max"]) for r in rows.values()), reverse=True)[:3]
    assert sorted(pcs, reverse=True) == pytest.approx(all_max)


def test_screen_from_database(small_file, tmp_home):
    from orbitwatch.store import open_store

    with open_store() as store:
        store.import_files([small_file])
    res = run("--db", "--start", "2023-10-09T12:00Z", "--hours", 6, "-q")
    assert res.exit_code == 0, res.output
    lib = screen(read_elements(small_file).elements, "2023-10-09T12:00", "2023-10-09T18:00", executor=1).events
    assert f"1000 objects, {len(lib)} events" in res.output


def test_screen_fleet_and_volume(small_file, tmp_path):
    fleet = tmp_path / "fleet.txt"
    fleet.write_text("# our fleet\n4640, 46\n")
    out = tmp_path / "f.json"
    res = run(small_file, "--start", "2023-10-09T12:00Z", "--hours", 12, "--primaries", fleet, "--volume", "2,25,25",
              "-o", out, "-q")
    assert res.exit_code == 0, res.output
    ev = json.loads(out.read_text())["events"]
    assert ev and all(e["norad_1"] in (4640, 46) for e in ev)
    assert all(e["volume_ratio"] <= 1.0 for e in ev)


def test_screen_errors(small_file, tmp_path):
    assert run(small_file, "--sort", "pc").exit_code == 2          # usage: --sort pc needs --pc
    assert run().exit_code == 2                                     # no catalog, no --db
    assert run(small_file, "--primary", 99999999, "-q").exit_code == 66   # not found
    bad = tmp_path / "bad.tle"
    lines = small_file.read_text().splitlines()[:6]
    lines[2] = lines[2][:8] + "1X5.0000" + lines[2][16:]         # corrupt the inclination field
    bad.write_text("\n".join(lines) + "\n")
    res = run(bad, "-q")
    assert res.exit_code == 3  # ran, but part of the input was rejected
    assert "1 records rejected" in res.output and "bad.tle:3" in res.output
    # a stop before the start is the caller's mistake (exit 2), no longer a data error (65)
    assert run(small_file, "--start", "2023-10-10", "--stop", "2023-10-09", "-q").exit_code == 2
    assert "--threshold-km" in run("--help").output


def test_screen_parquet_dataset(small_file, tmp_path, wide_console):
    # --parquet DIR: the events go to a Parquet dataset as the windows finish; the table shows the closest
    # ones read back; options that need the events in memory are refused before any work
    import os

    if os.environ.get("CI", "").strip().lower() not in ("1", "true", "yes"):
        pytest.importorskip("pyarrow", reason="--parquet needs pyarrow (the dask and test extras)")
    from orbitwatch.conjunction.screening.sinks import read_events, read_manifest

    out = tmp_path / "events"
    res = run(small_file, "--start", "2023-10-09T12:00Z", "--hours", 6, "--top", 3, "--parquet", out, "-q")
    assert res.exit_code == 0, res.output
    lib = screen(read_elements(small_file).elements, "2023-10-09T12:00", "2023-10-09T18:00", executor=1).events
    ev = read_events(out)
    assert len(ev) == len(lib) > 3 and np.array_equal(ev.tca, lib.tca) and np.array_equal(ev.miss_km, lib.miss_km)
    assert read_manifest(out)["events"] == len(lib)
    closest = lib.without_slow().sort_by("miss_km")
    assert f"{closest.miss_km[0]:.3f}" in res.stdout and f"{len(lib)} events" in res.stderr
    again = run(small_file, "--start", "2023-10-09T12:00Z", "--hours", 1, "--parquet", out, "-q")
    assert again.exit_code != 0 and "--parquet" in again.output and "already holds" in again.output
    for extra in (["--json"], ["--pc"], ["-o", tmp_path / "x.csv"]):
        bad = run(small_file, "--hours", 1, "--parquet", tmp_path / "new", *extra)
        assert bad.exit_code != 0 and "need" in bad.output and not (tmp_path / "new").exists()
    missing = run(small_file, "--hours", 1, "--parquet", tmp_path / "no" / "where")
    assert missing.exit_code != 0 and "does not exist" in missing.output
