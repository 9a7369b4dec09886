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
