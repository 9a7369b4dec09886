"""Orbit Parameter Messages: the blue-book figures and Orekit's examples, maneuvers, malformed files."""

from __future__ import annotations

import re

import numpy as np
import pytest

from orbitwatch.odm import ODMError, parse_opm, read_opm
from orbitwatch.odm.validate import schema_problems

MALFORMED = {
    "OPM-wrong-keyword.txt": (11, "WRONG_KEYWORD", "not an OPM keyword"),
    "OPM-number-format-error.txt": (17, "SEMI_MAJOR_AXIS", "not a number: 'this-is-not-a-number'"),
    "OPM-incompatible-units.txt": (20, "SOLAR_RAD_AREA", "unit [s]"),
    "OPM-non-standard-units.txt": (16, "X", "unit [m]"),
    "spurious-metadata.xml": (23, "metadata", "holds <metadata> then <data>"),
}


def _good(opm_dir):
    return sorted(p for p in opm_dir.iterdir() if p.name not in MALFORMED)


def test_blue_book_figure_3_2_maneuvers(opm_dir):
    kvn = read_opm(opm_dir / "502x0b2c1e2_fig3_2_opm.kvn")
    xml = read_opm(opm_dir / "502x0b2c1e2_fig3_2_opm.xml")
    for opm in (kvn, xml):
        assert opm.metadata.object_name == "EUTELSAT W4" and opm.metadata.ref_frame == "TOD"
        np.testing.assert_array_equal(opm.position_km, [6655.9942, -40218.5751, -82.9177])
        assert opm.keplerian["TRUE_ANOMALY"] == 41.922339 and opm.keplerian["GM"] == 398600.4415
        assert opm.spacecraft["MASS"] == 1913.0
        assert len(opm.maneuvers) == 2
        m1, m2 = opm.maneuvers
        assert m1.epoch_text == "2000-06-03T09:00:34.1" and m1.duration_s == 132.6 and m1.delta_mass_kg == -18.418
        assert m1.ref_frame == "EME2000"
        np.testing.assert_array_equal(m1.dv_km_s, [-0.023257, 0.0168316, -0.00893444])
        assert m2.ref_frame == "RTN" and m2.duration_s == 0.0
    assert kvn.maneuvers[0].comments == ["2 planned maneuvers", "First maneuver: AMF-3",
                                        "Non-impulsive, thrust direction fixed in inertial frame"]


def test_three_maneuvers_gps_time_and_partial_maneuver(opm_dir):
    opm = read_opm(opm_dir / "OPMExample5.txt")
    assert len(opm.maneuvers) == 3 and opm.metadata.time_system == "GPS"
    d = opm.to_dict()
    assert d["epoch_utc"] == "2006-06-02T23:59:46.000000Z"  # GPS - 14 s in 2006
    assert d["maneuvers"][2]["epoch_ignition_utc"] == "2000-06-05T18:59:38.000000Z"  # GPS - 13 s in 2000
    partial = read_opm(opm_dir / "OPMExamplePartialManeuver.txt").maneuvers[0]
    assert partial.duration_s is None and partial.delta_mass_kg is None and partial.ref_frame == "J2000"


def test_covariance_user_defined_and_message_id(opm_dir):
    opm = read_opm(opm_dir / "OPMExample6.txt")
    assert opm.header.message_id.startswith("OREKIT-4D00FC96")
    assert opm.covariance.ref_frame == "TEME" and opm.covariance.comments == ["covariance comment 1",
                                                                             "covariance comment 2"]
    assert opm.covariance.matrix[5, 5] == 6.2244443386355e-10
    assert opm.user_defined == {"EARTH_MODEL": "WGS-84"}
    assert opm.comments["state"] == ["epoch comment 1", "epoch comment 2"]


def test_mission_elapsed_time_epochs_stay_as_text(opm_dir):
    text = (opm_dir / "OPM-number-format-error.txt").read_text().replace("this-is-not-a-number", "41399.5")
    opm = parse_opm(text)
    assert opm.epoch is None and opm.epoch_text == "0000-023T02:28:01"
    assert parse_opm(opm.to_kvn()).epoch_text == "0000-023T02:28:01"
    assert parse_opm(opm.to_xml()).epoch_text == "0000-023T02:28:01"


@pytest.mark.parametrize("name", [n for n in MALFORMED])
def test_malformed_opms(opm_dir, name):
    line, keyword, reason = MALFORMED[name]
    path = opm_dir / name
    with pytest.raises(ODMError) as exc:
        read_opm(path)
    e = exc.value
    assert (e.source, e.line, e.keyword) == (str(path), line, keyword) and reason in e.reason


def test_every_good_opm_round_trips_kvn_xml_kvn(opm_dir):
    names = _good(opm_dir)
    assert len(names) >= 25
    for path in names:
        opm = read_opm(path)
        back = parse_opm(parse_opm(opm.to_xml()).to_kvn())
        a, b = opm.to_dict(), back.to_dict()
        for key in ("source", "format"):
            a.pop(key), b.pop(key)
        assert a == b, path.name


def test_written_opm_xml_validates(opm_dir, schema_dir):
    for name in ("502x0b2c1e2_fig3_2_opm.kvn", "502x0b2c1e2_fig3_4_opm.kvn", "OPMExample5.txt"):
        xml = read_opm(opm_dir / name).to_xml()
        assert schema_problems(xml, schema_dir) == [], name
    # a 3.0 message checked as 2.0 (the 2.0.0 schemas know no MESSAGE_ID)
    xml = read_opm(opm_dir / "OPMExample6.txt").to_xml()
    xml = re.sub(r'version="3.0"', 'version="2.0"', xml)
    xml = re.sub(r"\s*<MESSAGE_ID>.*?</MESSAGE_ID>", "", xml)
    assert schema_problems(xml, schema_dir) == []


def test_text_values_keep_brackets_and_validate_lists_unknown_frames(opm_dir, tmp_path):
    text = (opm_dir / "OPMExample1.txt").read_text().replace("GODZILLA 5", "[bold]SAT[/x]")
    opm = parse_opm(text)
    assert opm.metadata.object_name == "[bold]SAT[/x]"
    assert parse_opm(opm.to_xml()).metadata.object_name == "[bold]SAT[/x]"
    from orbitwatch.odm import validate_file

    msg, problems = validate_file(opm_dir / "OPM-unknown-frame.txt")
    assert msg is not None and [(p.line, p.keyword) for p in problems] == [(7, "REF_FRAME")]
    assert "'ZZRF'" in problems[0].reason
    _, problems = validate_file(opm_dir / "OPM-number-format-error.txt")
    assert [(p.line, p.keyword) for p in problems] == [(17, "SEMI_MAJOR_AXIS")]
