"""The command line: exit codes, messages and output a shell user can act on."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from orbitwatch.cli.main import app
from orbitwatch.cli.demo import sample_catalog_path

runner = CliRunner()
SAMPLE = str(sample_catalog_path())


@pytest.fixture(autouse=True)
def _wide(wide_console):
    return wide_console


def run(*args):
    return runner.invoke(app, list(args))


def test_help_teaches():
    r = run("--help")
    assert r.exit_code == 0 and "catalog" in r.output and "propagate" in r.output
    r = run("catalog", "--help")
    assert r.exit_code == 0 and "import" in r.output and "Examples" in r.output


def test_sample_is_the_reference_catalog(shared_data):
    import gzip
    import hashlib

    ref = (shared_data / "catalog" / "full-catalog-2023-10-09.3le").read_bytes()
    assert gzip.decompress(open(SAMPLE, "rb").read()) == ref
    assert hashlib.sha256(ref).hexdigest() in (sample_catalog_path().parent / "PROVENANCE.md").read_text()


def test_catalog_list_from_file_csv():
    r = run("catalog", "list", "--file", SAMPLE, "--regime", "GEO", "--type", "payload", "--format", "csv")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) > 400
    assert all(row["regime"] == "GEO" and row["type"] == "PAYLOAD" for row in rows)
    assert all(1300 < float(row["period_min"]) < 1600 for row in rows)


def test_catalog_show_from_file():
    r = run("catalog", "show", "25544", "--file", SAMPLE)
    assert r.exit_code == 0, r.output
    assert "ISS (ZARYA)" in r.stdout and "1 25544U 98067A" in r.stdout
    r = run("catalog", "show", "99999999", "--file", SAMPLE)
    assert r.exit_code == 66 and "not in the catalog" in r.output


def test_propagate_lla_json():
    r = run("propagate", "25544", "--file", SAMPLE, "--start", "2023-10-09T12:00", "--stop", "2023-10-09T12:10",
            "--step", "300", "--frame", "LLA", "--format", "json", "--backend", "sgp4")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.stdout)
    assert [row["time_utc"] for row in rows] == ["2023-10-09T12:00:00.000Z", "2023-10-09T12:05:00.000Z",
                                                 "2023-10-09T12:10:00.000Z"]
    assert all(400 < row["alt_km"] < 440 and abs(row["lat_deg"]) < 52 for row in rows)
    # the ISS moves ~7.66 km/s * 300 s = 2,300 km between rows
    from orbitwatch.propagation import geodetic_to_itrf
    p = geodetic_to_itrf([r_["lat_deg"] for r_ in rows], [r_["lon_deg"] for r_ in rows], 0.0)
    d = np.linalg.norm(np.diff(p, axis=0), axis=1)
    assert np.all((d > 1800) & (d < 2400))


def test_bad_inputs_give_clear_errors(tmp_path):
    bad = tmp_path / "bad.tle"
    bad.write_text("ISS\n1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2920\n"
                   "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537\n")
    r = run("propagate", "25544", "--file", str(bad))
    assert r.exit_code == 66  # the only record was rejected, so object 25544 is not there
    assert "checksum" in r.output and "bad.tle:2" in r.output
    r = run("propagate", "25544", "--file", SAMPLE, "--start", "yesterday")
    assert r.exit_code == 2 and "ISO-8601" in r.output and "--start" in r.output  # a bad option: one code
    r = run("propagate", "NO SUCH SAT", "--file", SAMPLE)
    assert r.exit_code == 66 and "no object name matches" in r.output


def test_catalog_import_twice_and_rejections(tmp_home, tmp_path):
    r = run("catalog", "import", SAMPLE)
    assert r.exit_code == 0, r.output
    assert "26140" in r.output
    r = run("catalog", "import", SAMPLE)
    assert r.exit_code == 0 and "26140" in r.output  # all present, nothing new
    from orbitwatch.store import open_store
    with open_store() as st:
        assert st.stats().n_element_sets == 26140
    from orbitwatch.elements import checksum

    def ck(line, ok=True):
        return line[:68] + str((checksum(line) + (0 if ok else 1)) % 10)

    l1 = "1 25544U 98067A   23283.51782528 -.00002182  00000-0 -11606-4 0  292"
    l2 = "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537"
    bad = tmp_path / "mixed.tle"
    bad.write_text(f"GOOD\n{ck(l1 + '0')}\n{ck(l2)}\n"
                   f"BAD\n{ck(l1.replace('25544', '25545') + '0', ok=False)}\n{ck(l2.replace('25544', '25545'))}\n")
    r = run("catalog", "import", str(bad), "--strict")
    assert r.exit_code == 65 and "checksum" in r.output
    with open_store() as st:
        assert st.stats().n_element_sets == 26140  # strict: nothing imported
    r = run("catalog", "import", str(bad))
    assert r.exit_code == 3 and "checksum is" in r.output
    row = [line for line in r.output.splitlines() if "checksum is" in line][0]
    assert row.split()[:2] == ["5", "checksum"] and "mixed.tle" in row
    with open_store() as st:
        assert st.stats().n_element_sets == 26141
    r = run("catalog", "list", "--name", "ISS (ZARYA)", "--format", "json")
    assert r.exit_code == 0 and json.loads(r.stdout)[0]["norad_id"] == 25544
