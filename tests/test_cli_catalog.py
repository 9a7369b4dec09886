"""``orbitwatch catalog``: never a wrong answer, never a traceback; data on stdout, the rest on stderr."""

from __future__ import annotations

import json
import time

import pytest
from lxml import etree
from typer.testing import CliRunner

from orbitwatch.cli.demo import sample_catalog_path
from orbitwatch.cli.main import app

runner = CliRunner()
SAMPLE = str(sample_catalog_path())

ISS = ("ISS (ZARYA)\n"
       "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927\n"
       "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537\n")

KVN = """CCSDS_OMM_VERS = 2.0
CREATION_DATE  = 2021-01-01T00:00:00
ORIGINATOR     = TEST
OBJECT_NAME    = NUSAT-8 (MARIE)
OBJECT_ID      = 2020-003C
CENTER_NAME    = EARTH
REF_FRAME      = TEME
TIME_SYSTEM    = UTC
MEAN_ELEMENT_THEORY = SGP4
EPOCH          = 2020-12-29T11:59:56.951808
MEAN_MOTION    = 15.27990594 [rev/day]
ECCENTRICITY   = .0013363
INCLINATION    = 1.698 [rad]
RA_OF_ASC_NODE = 66.7438
ARG_OF_PERICENTER = 109.4976
MEAN_ANOMALY   = 15.7307
NORAD_CAT_ID   = 45018
BSTAR          = .83483E-4
"""


@pytest.fixture(autouse=True)
def _wide(wide_console):
    return wide_console


def run(*args):
    r = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in r.output, r.output
    return r


# ------------------------------------------------------------------------------------------ list
def test_list_limit_is_checked_before_any_work():
    r = run("catalog", "list", "--elements", "no-such-file.tle", "--limit", "-1")
    assert r.exit_code == 2 and "limit" in r.stderr and "-1" in r.stderr
    r = run("catalog", "list", "--elements", SAMPLE, "--type", "asteroid")
    assert r.exit_code == 2 and "asteroid" in r.stderr
    r = run("catalog", "list", "--elements", SAMPLE, "--perigee-min-km", "600", "--perigee-max-km", "400")
    assert r.exit_code == 2 and "--perigee-max-km" in r.stderr  # the option as typed


def test_list_table_limit_and_counts():
    r = run("catalog", "list", "--elements", SAMPLE, "--limit", "5")
    assert r.exit_code == 0
    rows = r.stdout.splitlines()
    assert len(rows) == 2 + 5 and rows[2].split()[:3] == ["5", "VANGUARD", "1"]
    assert "5 of 26140 matching objects (26140 in the catalog)" in r.stderr and "--limit 0" in r.stderr
    assert "matching" not in r.stdout                     # the count is a note, not data
    r = run("catalog", "list", "--elements", SAMPLE, "--name", "NO SUCH NAME")
    assert r.exit_code == 0 and "no object matches (of 26140 in the catalog)" in r.stderr


def test_list_full_catalog_is_fast():
    # 6.5 s with --limit 5 and 19.6 s with --limit 0 before (orbit quantities per row, all rows, in rich)
    t0 = time.perf_counter()
    r = run("catalog", "list", "--elements", SAMPLE, "--limit", "0")
    elapsed = time.perf_counter() - t0
    assert r.exit_code == 0 and len(r.stdout.splitlines()) == 2 + 26140
    assert elapsed < 10.0, elapsed


def test_list_json_states_units_frame_and_counts():
    r = run("catalog", "list", "--elements", SAMPLE, "--regime", "GEO", "--type", "payload", "--limit", "3",
            "--json")
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["listed"] == 3 and d["matching"] > 400 and d["objects_in_catalog"] == 26140 and d["truncated"]
    assert "TEME" in d["frame"] and "WGS-72" in d["units"]["perigee_km"] and "UTC" in d["units"]["epoch"]
    assert d["query"]["regimes"] == ["GEO"] and d["query"]["limit"] == 3
    obj = d["objects"][0]
    assert obj["regime"] == "GEO" and obj["epoch"].endswith("Z") and 1300 < obj["period_min"] < 1600
    r = run("catalog", "list", "--elements", SAMPLE, "--json", "--format", "csv")
    assert r.exit_code == 2 and "--json" in r.stderr


def test_list_output_file_needs_force(tmp_path):
    out = tmp_path / "geo.json"
    r = run("catalog", "list", "--elements", SAMPLE, "--regime", "GEO", "-o", out)
    assert r.exit_code == 0 and r.stdout == ""
    rows = json.loads(out.read_text())
    assert len(rows) > 500 and rows[0]["regime"] == "GEO"
    r = run("catalog", "list", "--elements", SAMPLE, "--regime", "GEO", "-o", out)
    assert r.exit_code == 73 and "--force" in r.stderr
    r = run("catalog", "list", "--elements", SAMPLE, "--regime", "GEO", "-o", out, "--force", "--json")
    assert r.exit_code == 0 and json.loads(out.read_text())["matching"] == len(rows)


def test_bad_regex_is_a_usage_error_naming_the_pattern():
    for cmd in (["catalog", "list", "--elements", SAMPLE, "--name"], ["catalog", "show", "--elements", SAMPLE]):
        r = run(*cmd, "/[/")
        assert r.exit_code == 2 and "'/[/'" in r.stderr and "regular expression" in r.stderr


def test_names_with_brackets_round_trip(shared_data):
    active = shared_data / "catalog" / "active-2025-09-28.tle"
    r = run("catalog", "list", "--elements", active, "--name", "*[DTC]*", "--format", "json")
    assert r.exit_code == 0
    rows = json.loads(r.stdout)
    assert len(rows) == 655 and all("[DTC]" in row["name"] for row in rows)
    name = rows[0]["name"]
    r = run("catalog", "list", "--elements", active, "--name", name)
    assert r.exit_code == 0 and name in r.stdout and "1 of 1 matching" in r.stderr
    r = run("catalog", "show", name, "--elements", active)
    assert r.exit_code == 0 and name in r.stdout and name in r.stderr
    r = run("catalog", "show", "STARLINK*", "--elements", active)
    assert r.exit_code == 2 and "matches" in r.stderr and "catalog number" in r.stderr


def test_markup_like_names_and_file_names_print_verbatim(tmp_path):
    f = tmp_path / "cat[new].tle"
    f.write_text(ISS.replace("ISS (ZARYA)", "[bold]SAT [/x]") + "LONELY [red]NAME\n")
    r = run("catalog", "list", "--elements", f)
    assert r.exit_code == 0
    assert "[bold]SAT [/x]" in r.stdout
    assert "cat[new].tle" in r.stderr and "rejected" in r.stderr


# ------------------------------------------------------------------------------------------ show
@pytest.mark.parametrize("fmt", ["omm-json", "omm-xml", "omm-kvn", "3le"])
def test_show_writes_only_the_element_set_on_stdout(fmt):
    r = run("catalog", "show", "25544", "--elements", SAMPLE, "--format", fmt, "--history")
    assert r.exit_code == 0, r.output
    if fmt == "omm-json":
        assert json.loads(r.stdout)[0]["NORAD_CAT_ID"] == 25544     # before: a table came first on stdout
    elif fmt == "omm-xml":
        assert etree.fromstring(r.stdout.encode()).find(".//NORAD_CAT_ID").text == "25544"
    elif fmt == "omm-kvn":
        assert r.stdout.startswith("CCSDS_OMM_VERS") and "ORIGINATOR     = orbitwatch" in r.stdout
    else:
        assert r.stdout.splitlines()[0] == "0 ISS (ZARYA)" and len(r.stdout.splitlines()) == 3
    assert "perigee altitude" in r.stderr and "History" in r.stderr


def test_show_originator_and_unknown_format():
    r = run("catalog", "show", "25544", "--elements", SAMPLE, "-f", "omm-kvn", "--originator", "ACME")
    assert r.exit_code == 0 and "ORIGINATOR     = ACME" in r.stdout
    r = run("catalog", "show", "25544", "--elements", SAMPLE, "-f", "yaml")
    assert r.exit_code == 2 and "yaml" in r.stderr


# ---------------------------------------------------------------------------------------- import
def test_import_refuses_files_that_are_not_element_sets(tmp_home, tmp_path, shared_data):
    empty = tmp_path / "empty.tle"
    empty.write_text("")
    r = run("catalog", "import", empty)
    assert r.exit_code == 65 and "no element sets" in r.stderr and "empty.tle" in r.stderr
    r = run("catalog", "import", shared_data / "odm" / "oem" / "ISS.resampled.truncated.txt")
    assert r.exit_code == 65 and "OEM" in r.stderr and r.stderr.count("\n") == 1   # one line, not one per line
    r = run("catalog", "import", shared_data / "cdm" / "examples" / "CDMExample1.txt")
    assert r.exit_code == 65 and "CDM" in r.stderr
    u16 = tmp_path / "u16.tle"
    u16.write_text(ISS * 50, encoding="utf-16")
    r = run("catalog", "import", u16)
    assert r.exit_code == 65 and "UTF-16" in r.stderr and r.stderr.count("\n") == 1
    from orbitwatch.store import open_store
    with open_store() as st:
        assert st.stats().n_element_sets == 0


def test_import_json_summary_with_rejections(tmp_home, tmp_path):
    bad = tmp_path / "mixed.tle"
    bad.write_text(ISS + ISS.replace("ISS (ZARYA)", "BAD").replace("  2927", "  2920"))
    r = run("catalog", "import", bad, "--json")
    assert r.exit_code == 3
    d = json.loads(r.stdout)
    (f,) = d["files"]
    assert (f["new"], f["unchanged"], f["rejected"]) == (1, 0, 1) and d["totals"]["rejected"] == 1
    (rej,) = f["rejections"]
    assert rej == {"file": str(bad), "line": 5, "record": None, "field": "checksum",
                   "reason": "checksum is '0', computed 7"}
    r = run("catalog", "import", bad, "--json")
    d = json.loads(r.stdout)
    assert (d["files"][0]["new"], d["files"][0]["unchanged"]) == (0, 1)


def test_import_omm_units_and_frames_end_to_end(tmp_home, tmp_path):
    f = tmp_path / "rad.kvn"
    f.write_text(KVN + "\n" + KVN.replace("45018", "45019").replace("= TEME", "= EME2000"))
    r = run("catalog", "import", f)
    assert r.exit_code == 3 and "REF_FRAME" in r.output and "EME2000" in r.output
    r = run("catalog", "list", "--name", "NUSAT-8 (MARIE)", "--json")
    (obj,) = json.loads(r.stdout)["objects"]
    assert obj["norad_id"] == 45018
    assert obj["inclination_deg"] == pytest.approx(97.2882, abs=1e-4)       # 1.698 rad, not 1.698 deg


def test_output_file_names_with_brackets(tmp_path):
    for args in (["--format", "csv"], ["--json"]):
        out = tmp_path / "cat[new][bold].out"
        r = run("catalog", "list", "--elements", SAMPLE, "--name", "ISS (ZARYA)", "-o", out, "--force", *args)
        assert r.exit_code == 0 and str(out) in r.stderr and "25544" in out.read_text()
