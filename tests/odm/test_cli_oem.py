"""``orbitwatch oem show|convert|validate`` as a user runs them: exit codes, streams, messages."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from orbitwatch.odm import parse_oem, read_oem

runner = CliRunner()


def run(app, *args):
    res = runner.invoke(app, ["oem", *map(str, args)])
    assert "Traceback" not in res.stdout and "Traceback" not in res.stderr, res.stdout + res.stderr
    return res


def test_show_prints_header_and_segments(cli_app, oem_dir, wide_console):
    res = run(cli_app, "show", oem_dir / "OEMExample1.txt")
    assert res.exit_code == 0, res.stderr
    for text in ("NASA/JPL", "MARS GLOBAL SURVEYOR", "1996-062A", "J2000", "EME2000", "HERMITE 7", "3.0"):
        assert text in res.stdout


def test_show_json_states_units_spans_and_error_estimate(cli_app, oem_dir):
    res = run(cli_app, "show", oem_dir / "ISS.resampled.truncated.txt", "--json")
    assert res.exit_code == 0, res.stderr
    d = json.loads(res.stdout)
    assert d["type"] == "OEM" and d["states"] == 25 and d["objects"] == ["1998-067-A"]
    seg = d["segments"][0]
    assert seg["ref_frame"] == "EME2000" and seg["step_s"] == 3600.0
    assert seg["usable_start_utc"] == "2022-01-17T12:00:00.000000Z"
    tr = d["trajectories"][0]
    assert tr["segments"][0]["step_s"] == 3600.0 and tr["error_estimate_km"] > 100
    assert d["units"]["position"] == "km"
    res = run(cli_app, "show", oem_dir / "test_cov.oem", "--json", "--states")
    d = json.loads(res.stdout)
    assert len(d["segments"][0]["data"]["position_km"]) == 2 and len(d["segments"][0]["covariance"]) == 1


def test_show_an_opm(cli_app, opm_dir):
    res = run(cli_app, "show", opm_dir / "OPMExample5.txt", "--json")
    assert res.exit_code == 0 and json.loads(res.stdout)["type"] == "OPM"
    assert len(json.loads(res.stdout)["maneuvers"]) == 3


def test_show_errors_name_the_file_line_and_keyword(cli_app, oem_dir, tmp_path):
    res = run(cli_app, "show", oem_dir / "OEM-wrong-keyword.txt")
    assert res.exit_code == 65
    assert "OEM-wrong-keyword.txt:19: WRONG_KEYWORD: not an OEM metadata keyword" in res.stderr
    assert res.stdout == ""
    res = run(cli_app, "show", tmp_path / "nothing.oem")
    assert res.exit_code == 66 and "nothing.oem" in res.stderr
    b = tmp_path / "binary.oem"
    b.write_bytes(b"\x00\x01")
    res = run(cli_app, "show", b)
    assert res.exit_code == 65 and "binary.oem" in res.stderr and "binary" in res.stderr


def test_convert_kvn_to_xml_and_back(cli_app, oem_dir, tmp_path):
    xml = tmp_path / "ex1.xml"
    res = run(cli_app, "convert", oem_dir / "OEMExample1.txt", "-o", xml)
    assert res.exit_code == 0, res.stderr
    assert "wrote 13 states in 3 segment(s) as XML" in res.stderr and res.stdout == ""
    kvn = tmp_path / "ex1.oem"
    res = run(cli_app, "convert", xml, "-o", kvn)
    assert res.exit_code == 0, res.stderr
    a, b = read_oem(oem_dir / "OEMExample1.txt"), read_oem(kvn)
    assert a.to_dict(states=True)["segments"] == b.to_dict(states=True)["segments"]


def test_convert_to_stdout_picks_the_other_form(cli_app, oem_dir):
    res = run(cli_app, "convert", oem_dir / "OEMExample4.txt")
    assert res.exit_code == 0 and res.stdout.startswith("<?xml")
    assert len(parse_oem(res.stdout).segments[0]) == 3
    res = run(cli_app, "convert", oem_dir / "OEMExample3.xml")
    assert res.stdout.startswith("CCSDS_OEM_VERS")
    res = run(cli_app, "convert", oem_dir / "OEMExample4.txt", "-f", "xml", "--unqualified")
    assert "xmlns=" not in res.stdout


def test_convert_checks_the_output_before_any_work(cli_app, oem_dir, tmp_path):
    out = tmp_path / "exists.xml"
    out.write_text("keep me")
    # the input is malformed, yet the answer is about the output: it was checked first
    res = run(cli_app, "convert", oem_dir / "OEM-wrong-keyword.txt", "-o", out)
    assert res.exit_code == 73 and "exists already" in res.stderr and "--force" in res.stderr
    assert out.read_text() == "keep me"
    res = run(cli_app, "convert", oem_dir / "OEMExample4.txt", "-o", out, "--force")
    assert res.exit_code == 0 and out.read_text().startswith("<?xml")
    res = run(cli_app, "convert", oem_dir / "OEMExample4.txt", "-o", tmp_path)
    assert res.exit_code == 73 and "folder" in res.stderr
    res = run(cli_app, "convert", oem_dir / "OEMExample4.txt", "-o", tmp_path / "no" / "such.xml")
    assert res.exit_code == 73 and "does not exist" in res.stderr


def test_convert_bad_options_are_usage_errors(cli_app, oem_dir, tmp_path):
    res = run(cli_app, "convert", oem_dir / "OEMExample4.txt", "--format", "json")
    assert res.exit_code == 2 and "--format" in res.stderr and "json" in res.stderr
    res = run(cli_app, "convert", oem_dir / "OEMExample5.txt", "--frame", "TOD")
    assert res.exit_code == 2 and "--frame" in res.stderr and "TOD" in res.stderr


def test_convert_to_another_frame(cli_app, oem_dir, tmp_path):
    out = tmp_path / "teme.oem"
    res = run(cli_app, "convert", oem_dir / "OEMExample5.txt", "-o", out, "--frame", "TEME")
    assert res.exit_code == 0, res.stderr
    assert read_oem(out).segments[0].metadata.ref_frame == "TEME"


def test_validate_good_and_bad_files_lists_every_problem(cli_app, oem_dir, tmp_path):
    res = run(cli_app, "validate", oem_dir / "OEMExample5.txt")
    assert res.exit_code == 0 and "valid OEM" in res.stdout
    bad = tmp_path / "two-problems.oem"
    text = (oem_dir / "OEM-ephemeris-number-format-error.txt").read_text()
    bad.write_text(text.replace("REF_FRAME = EME2000", "REF_FRAME = EME2000\nBAD_KEY = 1", 1))
    res = run(cli_app, "validate", oem_dir / "OEMExample5.txt", bad)
    assert res.exit_code == 65
    assert f"{bad}:11: BAD_KEY: not an OEM metadata keyword" in res.stdout
    assert f"{bad}:45: Z: not a number: 'this-is-not-a-number'" in res.stdout
    assert "3 problem(s) in 1 of 2 file(s)" in res.stderr  # and the repeated last epoch (line 80)
    res = run(cli_app, "validate", bad, "--json")
    d = json.loads(res.stdout)
    assert res.exit_code == 65 and d["problems"] == 3
    assert [(p["line"], p["keyword"]) for p in d["files"][0]["problems"]] == [(11, "BAD_KEY"), (45, "Z"), (80, "EPOCH")]


def test_validate_with_the_schemas(cli_app, oem_dir, schema_dir, tmp_path):
    res = run(cli_app, "validate", oem_dir / "ndmxml-1.0-oem-2.0-single.xml", "--schema-dir", schema_dir)
    assert res.exit_code == 65  # the three states repeat one epoch
    assert "EPOCH" in res.stdout and "schema" not in res.stdout
    res = run(cli_app, "validate", oem_dir / "OEMExample5.txt", "--schema-dir", tmp_path)
    assert res.exit_code == 66 and "schemas are missing" in res.stderr


def test_validate_missing_file_before_any_work(cli_app, oem_dir, tmp_path):
    res = run(cli_app, "validate", oem_dir / "OEMExample5.txt", tmp_path / "gone.oem")
    assert res.exit_code == 66 and "gone.oem" in res.stderr and res.stdout == ""


def test_markup_in_names_and_file_names_prints_verbatim(cli_app, oem_dir, tmp_path, wide_console):
    src = (oem_dir / "OEMExample4.txt").read_text().replace("MARS GLOBAL SURVEYOR", "[bold]SAT[/x]")
    f = tmp_path / "cat[new].oem"
    f.write_text(src)
    res = run(cli_app, "show", f)
    assert res.exit_code == 0 and "[bold]SAT[/x]" in res.stdout and "cat[new].oem" in res.stdout
    f.write_text(src.replace("CENTER_NAME = MARS", "CENTER_NAME = MARS\n[red]x = [/red]"))
    res = run(cli_app, "show", f)
    assert res.exit_code == 65 and "cat[new].oem:9:" in res.stderr and "[red]x = [/red]" in res.stderr
    res = run(cli_app, "validate", f)
    assert res.exit_code == 65 and "cat[new].oem:9:" in res.stdout and "[red]x = [/red]" in res.stdout


@pytest.mark.parametrize("name", ["OEMExample1.txt", "OEMExample3.xml"])
def test_convert_round_trip_through_the_cli_keeps_values(cli_app, oem_dir, tmp_path, name):
    src = tmp_path / name
    shutil.copy(oem_dir / name, src)
    mid, end = tmp_path / "mid.out", tmp_path / "end.out"
    assert run(cli_app, "convert", src, "-o", mid, "-f", "xml").exit_code == 0
    assert run(cli_app, "convert", mid, "-o", end, "-f", "kvn").exit_code == 0
    a, b = read_oem(src), read_oem(end)
    assert a.to_dict(states=True)["segments"] == b.to_dict(states=True)["segments"]


def test_interpolate_writes_rows_with_units_and_status(cli_app, oem_dir, tmp_path):
    res = run(cli_app, "interpolate", oem_dir / "ISS.resampled.truncated.txt", "--hours", "2", "--step", "3600",
              "-f", "json")
    assert res.exit_code == 0, res.stderr
    rows = json.loads(res.stdout)
    assert [r["time_utc"] for r in rows] == ["2022-01-17T12:00:00.000000Z", "2022-01-17T13:00:00.000000Z",
                                             "2022-01-17T14:00:00.000000Z"]
    assert rows[0]["x_km"] == pytest.approx(545.284043961596, abs=1e-9) and rows[0]["status"] == 0
    assert rows[0]["frame"] == "EME2000"
    out = tmp_path / "iss.csv"
    res = run(cli_app, "interpolate", oem_dir / "ISS.resampled.truncated.txt", "--start", "2022-01-18T11:00",
              "--hours", "2", "--step", "1800", "-o", out, "--frame", "GCRF")
    assert res.exit_code == 0, res.stderr
    lines = out.read_text().splitlines()
    assert lines[0].startswith("object_id,object_name,time_utc,frame,x_km")
    assert [ln.split(",")[-2] for ln in lines[1:]] == ["0", "0", "0", "2", "2"]
    assert "2 of 5 states have a nonzero status" in res.stderr


@pytest.mark.parametrize("args, option", [
    (["--step", "0"], "--step"),
    (["--method", "spline"], "--method"),
    (["--degree", "40"], "--degree"),
    (["--frame", "TOD"], "--frame"),
    (["--format", "xml"], "--format"),
    (["--hours", "1", "--days", "1"], "--days"),
])
def test_interpolate_refuses_bad_options_before_reading(cli_app, tmp_path, args, option):
    missing = tmp_path / "not-read.oem"  # a usage error comes before the (missing) file is read
    res = run(cli_app, "interpolate", missing, *args)
    if option == "--days":  # span options are checked against the file's own span, after reading
        assert res.exit_code == 66
        return
    assert res.exit_code == 2 and option in res.stderr
