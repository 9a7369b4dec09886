"""``orbitwatch pc`` and ``orbitwatch cdm`` end to end (typer's CliRunner)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from orbitwatch.cli.main import app
from orbitwatch.conjunction.cdm import read_cdm

runner = CliRunner()


def test_pc_json_matches_library_and_flags(shared_data):
    cara = shared_data / "pc" / "cara-cdms" / "000048901_conj_000048903_20211219_182317_20211217_232706.cdm"
    ion = shared_data / "cdm" / "examples" / "ION_SCV8_vs_STARLINK_1233.txt"
    res = runner.invoke(app, ["pc", str(ion), str(cara), "--json"])
    assert res.exit_code == 0, res.output
    lines = [json.loads(x) for x in res.stdout.splitlines() if x.startswith("{")]
    assert len(lines) == 2
    a, b = lines
    # ION: HBR from the two 5 m exclusion radii; Orekit's disk value; no violation
    assert a["hbr_m"] == pytest.approx(10.0) and a["hbr_source"] == "CDM exclusion volume radii"
    assert a["foster"] == pytest.approx(0.0034965176443840897, rel=1e-7)
    assert a["square"] == pytest.approx(0.004450713, rel=2e-5)
    assert a["violations_2d"] == [] and a["recommended"]["method"].startswith("2D")
    # the 0.3 m/s pair: 2D is meaningless, 3D-Nc is recommended (CARA Nc3D 1.309945e-06)
    assert b["foster"] < 1e-70 and b["code_2d"] == 111
    assert b["recommended"]["pc"] == pytest.approx(1.309945e-06, rel=0.01)


def test_pc_tables_and_errors(shared_data, tmp_path):
    ex = shared_data / "cdm" / "examples"
    res = runner.invoke(app, ["pc", str(ex / "CDMExample1.txt"), "--no-3d", "--hbr-m", "20"])
    assert res.exit_code == 0, res.output
    for word in ("Foster 1992", "Chan 1997", "Patera 2005", "Alfano 2005", "max Pc", "SOCRATES"):
        assert word in res.output
    # issue "never a wrong answer": without 3D the 2D value cannot be validated, so none is recommended
    assert "use:" not in res.stdout and "no recommendation" in res.stdout and "run instead" in res.stdout
    bad = runner.invoke(app, ["pc", str(ex / "CDM-missing-TCA.txt")])
    assert bad.exit_code == 65 and "TCA" in bad.output and ":5:" in bad.output
    mixed = runner.invoke(app, ["pc", str(ex / "CDMExample1.txt"), str(ex / "CDM-wrong-key-word.txt"), "--no-3d",
                                "--hbr-m", "20"])
    assert mixed.exit_code == 3 and "WRONG_KEYWORD" in mixed.output


def test_cdm_show_convert_validate(shared_data, tmp_path):
    src = shared_data / "cdm" / "examples" / "cdm_example_section4.kvn"
    res = runner.invoke(app, ["cdm", "show", str(src)])
    assert res.exit_code == 0 and "FENGYUN 1C DEB" in res.output and "715.0 m" in res.output
    js = runner.invoke(app, ["cdm", "show", str(src), "--json"])
    doc = json.loads(js.stdout)
    # numbers stay numbers (Cdm.to_dict), units listed
    assert doc["relative"]["COLLISION_PROBABILITY"] == 4.835e-05 and doc["units"]["MISS_DISTANCE"] == "m"
    out_xml = tmp_path / "bb.xml"
    assert runner.invoke(app, ["cdm", "convert", str(src), "-o", str(out_xml)]).exit_code == 0
    out_kvn = tmp_path / "bb.kvn"
    assert runner.invoke(app, ["cdm", "convert", str(out_xml), "-o", str(out_kvn)]).exit_code == 0
    assert read_cdm(out_kvn) == read_cdm(src)
    stdout = runner.invoke(app, ["cdm", "convert", str(src), "--to", "xml", "-o", "-"])
    assert stdout.stdout.startswith("<?xml")
    v = runner.invoke(app, ["cdm", "validate", str(src), str(src.parent / "CDMExample1InvalidTca.txt")])
    assert v.exit_code == 65 and "day 31 does not exist" in v.output


def test_help_teaches():
    res = runner.invoke(app, ["pc", "--help"])
    assert res.exit_code == 0 and "Hall 2021" in res.output and "dilution" in res.output
    res = runner.invoke(app, ["cdm", "--help"])
    assert res.exit_code == 0 and "convert" in res.output and "508.0-B-1" in res.output


# --------------------------------------------------------------------------- issue "Never a wrong answer"

CARA = ("pc", "cara-cdms")
TERRA = "000025994_conj_000037558_20210324_151047_20210323_154356.cdm"
WORLDVIEW = "000035946_conj_000030648_20221210_140311_20221206_003234.cdm"


def _cara(shared_data, name):
    return shared_data / CARA[0] / CARA[1] / name


def _no_traceback(res):
    assert "Traceback" not in res.stdout and "Traceback" not in res.stderr


def test_pc_no_3d_recommends_nothing_and_says_what_to_run(shared_data):
    """Before: 'use: 4.4545e-23 from 2D' with 'violations: none' (CARA's Nc3D is 1.52e-4)."""
    res = runner.invoke(app, ["pc", str(_cara(shared_data, WORLDVIEW)), "--no-3d"])
    assert res.exit_code == 0, res.output
    _no_traceback(res)
    out = " ".join(res.stdout.split())
    assert "use:" not in out and "no recommendation" in out
    assert "inaccurate unknown" in out and "violations: none" not in out
    assert "run with 3D" in out and "Monte Carlo" in out
    js = runner.invoke(app, ["pc", str(_cara(shared_data, WORLDVIEW)), "--no-3d", "--json"])
    d = json.loads(js.stdout)
    assert d["recommended"]["pc"] is None and d["checks_2d"]["inaccurate"]["status"] == "unknown"
    # with 3D: the 3D-Nc, as CARA (Nc3D 1.5206e-4)
    js = runner.invoke(app, ["pc", str(_cara(shared_data, WORLDVIEW)), "--json"])
    d = json.loads(js.stdout)
    assert d["recommended"]["method"].startswith("3D-Nc")
    assert d["recommended"]["pc"] == pytest.approx(1.520612e-04, rel=0.01)


def test_pc_json_is_the_library_dict_with_units(shared_data):
    from orbitwatch.conjunction.pc import assess_cdm

    path = _cara(shared_data, TERRA)
    res = runner.invoke(app, ["pc", str(path), "--no-3d", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    lib = json.loads(json.dumps(assess_cdm(read_cdm(path), three_d=False).to_dict()))
    assert d["file"] == str(path)
    d.pop("file")
    assert d == lib
    assert d["tca"].endswith("Z") and d["units"]["miss_m"] == "m" and d["units"]["dilution_threshold_km"] == "km"


@pytest.mark.parametrize("bad", ["-5", "0", "nan"])
def test_pc_rejects_non_positive_hbr(shared_data, bad):
    res = runner.invoke(app, ["pc", str(_cara(shared_data, TERRA)), "--no-3d", f"--hbr-m={bad}"])
    assert res.exit_code == 2, res.output
    _no_traceback(res)
    # the CLI names the option as typed (cli/errors.py _with_option_name)
    assert "--hbr-m" in res.stderr and res.stdout == ""


def test_pc_errors_go_to_stderr_verbatim(shared_data, tmp_path):
    ex = shared_data / "cdm" / "examples"
    bad = runner.invoke(app, ["pc", str(ex / "CDM-missing-TCA.txt")])
    assert bad.exit_code == 65 and "TCA" in bad.stderr and ":5:" in bad.stderr and bad.stdout == ""
    _no_traceback(bad)
    # a mislabelled unit prints with its brackets (rich used to eat "[km/s]" and "[m/s]")
    text = _cara(shared_data, TERRA).read_text()
    speed = next(ln for ln in text.splitlines() if ln.startswith("RELATIVE_SPEED"))
    wrong = tmp_path / "unit[new].cdm"
    wrong.write_text(text.replace(speed, speed.replace("[m/s]", "[km/s]")))
    res = runner.invoke(app, ["pc", str(wrong), "--no-3d"])
    assert res.exit_code == 65
    _no_traceback(res)
    assert "unit [km/s] is not the CDM unit [m/s]" in res.stderr and "unit[new].cdm" in res.stderr


@pytest.mark.parametrize("name", ["[/x]", "[bold]SAT", "A [m/s] B"])
def test_object_names_with_brackets_print_intact(shared_data, tmp_path, name, wide_console):
    text = _cara(shared_data, TERRA).read_text()
    first = next(ln for ln in text.splitlines() if ln.startswith("OBJECT_NAME"))
    path = tmp_path / "named.cdm"
    path.write_text(text.replace(first, f"OBJECT_NAME = {name}", 1))
    res = runner.invoke(app, ["pc", str(path), "--no-3d"])
    assert res.exit_code == 0, res.output
    _no_traceback(res)
    assert f"{name} x " in res.stdout
    show = runner.invoke(app, ["cdm", "show", str(path)])
    assert show.exit_code == 0 and name in show.stdout
    _no_traceback(show)


def test_pc_reads_a_folder_of_cdms(shared_data, tmp_path):
    import shutil

    for n in (TERRA, WORLDVIEW):
        shutil.copy(_cara(shared_data, n), tmp_path / n)
    (tmp_path / "notes.txt").write_text("not a CDM\n")
    res = runner.invoke(app, ["pc", str(tmp_path), "--no-3d", "--json"])
    assert res.exit_code == 0, res.output
    docs = [json.loads(x) for x in res.stdout.splitlines()]
    assert [d["source"] for d in docs] == sorted([TERRA, WORLDVIEW])
    empty = tmp_path / "empty"
    empty.mkdir()
    res = runner.invoke(app, ["pc", str(empty)])
    assert res.exit_code == 66 and "empty" in res.stderr and "*.cdm" in res.stderr
    _no_traceback(res)
    assert "folder" in runner.invoke(app, ["pc", "--help"]).output


def test_pc_summary_and_socrates_label(shared_data, wide_console):
    res = runner.invoke(app, ["pc", str(_cara(shared_data, TERRA)), str(_cara(shared_data, WORLDVIEW)), "--no-3d"])
    assert res.exit_code == 0, res.output
    assert "max Pc (SOCRATES shape)" in res.stdout and "SOCRATES max " not in res.stdout
    assert "summary" in res.stdout and "ina?" in res.stdout
    help_text = " ".join(runner.invoke(app, ["pc", "--help"]).output.split())
    assert "can be below Foster" in help_text


# --------------------------------------------------------------------------- cdm validate / convert / show

def _broken_cara(shared_data, tmp_path):
    """A real CARA CDM with five independent mistakes (six problems: a misspelt keyword is
    unknown *and* leaves the real one missing)."""
    lines = _cara(shared_data, TERRA).read_text().splitlines()
    edits = {}

    def edit(prefix, new, nth=0):
        idx = [i for i, ln in enumerate(lines) if ln.startswith(prefix)][nth]
        lines[idx] = new
        edits[prefix.split()[0]] = idx + 1

    edit("MISS_DISTANCE", "MISS_DISTANCE = 107.5 [km]")                         # wrong unit
    edit("OBJECT_NAME", "OBJECT_NAMES = TERRA")                                  # unknown keyword
    edit("X_DOT", "X_DOT = fast [km/s]")                                         # not a number
    edit("CT_T", "CT_T = 12 [m**2]", nth=1)                                      # fine (control)
    edit("MANEUVERABLE", "MANEUVERABLE = PERHAPS")                               # not in the enumeration
    idx = [i for i, ln in enumerate(lines) if ln.startswith("CN_N")][1]
    del lines[idx]                                                               # mandatory keyword gone
    path = tmp_path / "broken.cdm"
    path.write_text("\n".join(lines) + "\n")
    return path, edits


def test_cdm_validate_lists_every_problem(shared_data, tmp_path):
    from orbitwatch.conjunction.cdm import validate_cdm

    path, edits = _broken_cara(shared_data, tmp_path)
    v = validate_cdm(path)
    got = {(e.keyword, e.line) for e in v.problems}
    assert ("MISS_DISTANCE", edits["MISS_DISTANCE"]) in got
    assert ("OBJECT_NAMES", edits["OBJECT_NAME"]) in got
    assert ("X_DOT", edits["X_DOT"]) in got
    assert ("MANEUVERABLE", edits["MANEUVERABLE"]) in got
    assert any(k == "CN_N" for k, _ in got)
    assert any(k == "OBJECT_NAME" for k, _ in got)                   # the misspelt keyword leaves it missing
    # each problem once: a rejected value is not echoed as "mandatory keyword missing"
    assert len(v.problems) == 6, [str(e) for e in v.problems]
    assert all(e.source == "broken.cdm" for e in v.problems)
    res = runner.invoke(app, ["cdm", "validate", str(path), str(_cara(shared_data, TERRA))])
    assert res.exit_code == 65
    _no_traceback(res)
    assert "6 problems" in res.stderr and "ok" in res.stdout and "broken" not in res.stdout
    listed = " ".join(res.stderr.split())
    for e in v.problems:
        assert " ".join(str(e).split()) in listed
    js = runner.invoke(app, ["cdm", "validate", str(path), "--json"])
    d = json.loads(js.stdout)
    assert js.exit_code == 65 and d["ok"] is False and len(d["problems"]) == 6
    assert {p["field"] for p in d["problems"]} >= {"MISS_DISTANCE", "X_DOT"}


def test_collecting_reader_agrees_with_the_raising_reader(shared_data):
    """On every malformed reference file the first problem listed is the one read_cdm raises."""
    from orbitwatch.conjunction.cdm import CDMError, validate_cdm

    ex = shared_data / "cdm" / "examples"
    for path in sorted(ex.iterdir()):
        if path.suffix not in (".txt", ".xml", ".kvn"):
            continue
        v = validate_cdm(path)
        try:
            read_cdm(path)
        except CDMError as exc:
            assert not v.ok and (v.problems[0].keyword, v.problems[0].line) == (exc.keyword, exc.line), path.name
        else:
            assert v.ok, (path.name, [str(e) for e in v.problems])


def test_cdm_convert_refuses_to_overwrite(shared_data, tmp_path):
    src = shared_data / "cdm" / "examples" / "cdm_example_section4.kvn"
    out = tmp_path / "bb.xml"
    out.write_text("keep me")
    res = runner.invoke(app, ["cdm", "convert", str(src), "-o", str(out)])
    assert res.exit_code == 73 and "--force" in res.stderr and out.read_text() == "keep me"
    _no_traceback(res)
    res = runner.invoke(app, ["cdm", "convert", str(src), "-o", str(out), "--force"])
    assert res.exit_code == 0 and out.read_text().startswith("<?xml") and "wrote" in res.stderr
    folder = runner.invoke(app, ["cdm", "convert", str(src), "-o", str(tmp_path)])
    assert folder.exit_code == 73 and "folder" in folder.stderr
    _no_traceback(folder)
    missing = runner.invoke(app, ["cdm", "convert", str(src), "-o", str(tmp_path / "nope" / "x.xml")])
    assert missing.exit_code == 73 and "does not exist" in missing.stderr
    _no_traceback(missing)
    fmt = runner.invoke(app, ["cdm", "convert", str(src), "-f", "json", "-o", "-"])
    assert fmt.exit_code == 2 and "format" in fmt.stderr
    assert runner.invoke(app, ["cdm", "convert", str(src), "--to", "xml", "-o", "-"]).stdout.startswith("<?xml")


def test_cdm_show_json_states_units(shared_data):
    src = shared_data / "cdm" / "examples" / "cdm_example_section4.kvn"
    doc = json.loads(runner.invoke(app, ["cdm", "show", str(src), "--json"]).stdout)
    assert doc["relative"]["TCA"] == "2010-03-13T22:37:52.618Z" and doc["time_system"] == "UTC"
    assert doc["relative"]["MISS_DISTANCE"] == 715.0 and doc["units"]["MISS_DISTANCE"] == "m"
    assert doc["units"]["X"] == "km" and doc["units"]["CR_R"] == "m**2"
    assert doc["objects"][1]["metadata"]["OBJECT_NAME"] == "FENGYUN 1C DEB"


def test_names_do_not_collide():
    import orbitwatch.conjunction as conj
    import orbitwatch.conjunction.cdm as cdm_pkg
    from orbitwatch.conjunction.cdm import CdmObject, CdmObjectInfo, ObjectInfo, detect_cdm_format

    assert ObjectInfo is CdmObjectInfo and CdmObjectInfo is not CdmObject
    assert not hasattr(cdm_pkg, "detect_format") and detect_cdm_format("<cdm/>") == "xml"
    src = open(conj.__file__).read()
    assert "<<<" not in src and "noqa" not in src and "--- end" not in src
    for name in ("CDMError", "Cdm", "ObjectInfo", "conjunction_cdm", "parse_cdm", "read_cdm", "write_cdm",
                 "DEFAULT_TLE_MODEL", "TleCovarianceModel", "tle_covariance_eci", "HbrTable", "combined_hbr_m",
                 "default_hbr_m", "PcTable", "assess_cdm", "nc3d", "pc_at_tca", "pc_circle", "pc_for_events",
                 "pc_monte_carlo", "ConjunctionEvents", "EllipsoidRTN", "ObjectStatus", "ScreeningOptions",
                 "ScreeningResult", "Sphere", "add_collision_probability", "event_cdm", "parse_volume", "screen",
                 "socrates_report"):
        assert hasattr(conj, name), name
