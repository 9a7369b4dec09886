"""Reading OEMs: Orekit's example files (KVN, XML, versions 1.0-3.0) and its malformed ones."""

from __future__ import annotations

import numpy as np
import pytest

from orbitwatch.errors import DataError, InputFileError
from orbitwatch.odm import ODMError, parse_oem, read_oem


def test_example1_segments_covariances_and_comments(oem_dir):
    oem = read_oem(oem_dir / "OEMExample1.txt")
    assert oem.version == "3.0" and oem.header.classification == "public, test-data"
    assert oem.header.originator == "NASA/JPL" and oem.header.creation_date == "1996-11-04T17:22:31"
    assert [len(s) for s in oem.segments] == [4, 4, 5]
    s1, s2, s3 = oem.segments
    md = s1.metadata
    assert (md.object_name, md.object_id, md.center_name, md.ref_frame, md.time_system) == \
        ("MARS GLOBAL SURVEYOR", "1996-062A", "MARS BARYCENTER", "J2000", "UTC")
    assert md.interpolation == "HERMITE" and md.interpolation_degree == 7
    assert s1.usable_span() == (np.datetime64("1996-12-18T12:10:00.331", "ns"),
                                np.datetime64("1996-12-28T21:23:00.331", "ns"))
    assert s1.epochs[1] == np.datetime64("1996-12-18T12:01:00.331", "ns")
    np.testing.assert_array_equal(s1.position_km[0], [2789.619, -280.045, -1746.755])
    np.testing.assert_array_equal(s1.velocity_km_s[3], [-3.28827, -3.66735, 1.63861])
    assert s2.position_km[0, 1] == -63.042  # written "-063.042"
    assert s1.comments == ["This file was produced by M.R. Somebody, MSOO NAV/JPL, 1996NOV 04. It is",
                           "to be used for DSN scheduling purposes only."]
    assert s3.metadata.comments == ["comment"]
    assert len(s2.covariances) == 1 and len(s3.covariances) == 2
    c = s3.covariances[1]
    assert c.ref_frame == "EME2000" and c.epoch == np.datetime64("1996-12-29T21:00:00", "ns")
    assert c.matrix[0, 0] == 3.4424505e-04 and c.matrix[5, 4] == c.matrix[4, 5] == 1.0077514e-10
    np.testing.assert_array_equal(c.matrix, c.matrix.T)
    assert s3.covariances[0].ref_frame == "RTN"
    assert s1.lines[0] == 23 and s3.lines[-1] == 81


def test_optional_accelerations_per_line(oem_dir):
    seg = read_oem(oem_dir / "OEMExample3.txt").segments[1]
    assert seg.has_accelerations
    np.testing.assert_array_equal(seg.acceleration_km_s2[0], [0.0, 0.0, 0.0])
    assert np.isnan(seg.acceleration_km_s2[1]).all()  # the next line gives none


def test_xml_with_accelerations_and_covariance(oem_dir):
    oem = read_oem(oem_dir / "OEMExample3.xml")
    assert oem.format == "XML" and oem.version == "3.0" and oem.header.message_id == "OEM 201113719185"
    seg = oem.segments[0]
    assert len(seg) == 4 and seg.has_accelerations
    np.testing.assert_array_equal(seg.acceleration_km_s2[0], [0.008, 0.001, -0.159])
    assert seg.comments[0].startswith("Produced by M.R. Sombedody")
    cov = seg.covariances[0]
    assert cov.ref_frame == "ITRF1997" and cov.matrix[2, 1] == 0.715 and cov.matrix[5, 5] == 0.991


def test_xml_1_0_namespace_and_units_attributes(oem_dir):
    seg = read_oem(oem_dir / "ndmxml-1.0-oem-2.0-single.xml").segments[0]
    assert seg.metadata.ref_frame == "IAU-Saturn" and len(seg) == 3
    assert seg.epochs[0] == np.datetime64("2004-04-09", "ns")  # 2004-100


def test_day_of_year_epochs_and_mrt_time_system(oem_dir):
    oem = read_oem(oem_dir / "OEMExample2.txt")
    seg = oem.segments[0]
    assert seg.time_system == "MRT" and seg.epochs[0] == np.datetime64("1996-12-18T12:00:00.331", "ns")
    assert seg.metadata.values["REF_FRAME_EPOCH"] == "1996-353T12:00:00.331"


def test_version_1_0_and_lower_case_values(oem_dir):
    oem = read_oem(oem_dir / "oemLowerCaseValue.oem")
    assert oem.version == "1.0"
    assert oem.segments[0].metadata.interpolation == "LAGRANGE"  # written "Lagrange"
    assert oem.segments[0].metadata.values["INTERPOLATION"] == "Lagrange"  # kept as written


def test_tai_epochs_convert_to_utc(oem_dir):
    tai = read_oem(oem_dir / "OEM-Issue839.txt").segments[0]
    utc = read_oem(oem_dir / "OEMExample1.txt").segments[0]
    assert tai.time_system == "TAI"
    assert (tai.epochs == utc.epochs).all()
    # TAI - UTC was 30 s in December 1996
    assert (utc.epochs_utc - tai.epochs_utc == np.timedelta64(30, "s")).all()


def test_header_comment_and_creation_date_with_z(oem_dir):
    assert read_oem(oem_dir / "OEMExampleWithHeaderComment.txt").header.comments == ["comment"]
    oem = read_oem(oem_dir / "OEMExample5ITRF.txt")
    assert oem.header.creation_date == "2022-03-28T19:06:42.912Z"
    assert oem.segments[0].metadata.ref_frame == "ITRF2014"


def test_orekit_s_frame_fragments_read_with_any_frame(oem_dir):
    pre = (oem_dir / "OEMExample7.txt.pre").read_text()
    post = (oem_dir / "OEMExample7.txt.post").read_text()
    for frame in ("ITRF2008", "ITRF-97", "TEME", "GCRF", "EME2000"):
        oem = parse_oem(pre + f"REF_FRAME = {frame}\n" + post)
        assert oem.segments[0].metadata.ref_frame == frame and len(oem.segments[0]) == 2


# ---------------------------------------------------------------------- malformed files: one typed error each

MALFORMED = [
    ("OEM-ephemeris-number-format-error.txt", 44, "Z", "not a number: 'this-is-not-a-number'"),
    ("OEM-covariance-number-format-error.txt", 52, "CY_Y", "not a number: 'this-is-not-a-number'"),
    ("OEM-inconsistent-time-systems.txt", 33, "TIME_SYSTEM", "TCG differs from UTC"),
    ("OEM-keyword-within-covariance.txt", 91, "USER_DEFINED_TEST_KEY", "not allowed in a covariance section"),
    ("OEM-keyword-within-ephemeris.txt", 24, "USER_DEFINED_TEST_KEY", "inside ephemeris data"),
    ("OEM-too-few-covariance-columns.txt", 55, "CY_DOT_Y_DOT", "row 5 of a covariance matrix holds 5 values"),
    ("OEM-too-many-covariance-columns.txt", 51, "CX_X", "row 1 of a covariance matrix holds 1 value"),
    ("OEM-too-large-covariance-dimension.txt", 91, "COVARIANCE_STOP", "a 7th row"),
    ("OEM-too-small-covariance-dimension.txt", 89, "CY_DOT_X", "has 4 rows; 6"),
    ("OEM-wrong-keyword.txt", 19, "WRONG_KEYWORD", "not an OEM metadata keyword"),
]


@pytest.mark.parametrize("name, line, keyword, reason", MALFORMED)
def test_each_malformed_file_gives_the_typed_error(oem_dir, name, line, keyword, reason):
    path = oem_dir / name
    with pytest.raises(ODMError) as exc:
        read_oem(path)
    e = exc.value
    assert isinstance(e, DataError)
    assert (e.source, e.line, e.keyword) == (str(path), line, keyword)
    assert reason in e.reason
    assert str(e).startswith(f"{path}:{line}: {keyword}: ")
    d = e.to_dict()
    assert d["type"] == "ODMError" and d["line"] == line and d["keyword"] == keyword and d["source"] == str(path)
    # the line named is the line at fault
    text = path.read_text().splitlines()[line - 1]
    if keyword in ("Z", "CY_Y"):
        assert "this-is-not-a-number" in text
    if keyword in ("WRONG_KEYWORD", "USER_DEFINED_TEST_KEY", "TIME_SYSTEM"):
        assert text.startswith(keyword)


def test_odm_errors_pickle_with_their_fields():
    import pickle

    e = pickle.loads(pickle.dumps(ODMError("a.oem", 3, "X", "bad")))
    assert (e.source, e.line, e.keyword, e.reason) == ("a.oem", 3, "X", "bad")


@pytest.mark.parametrize("content, keyword, reason", [
    ("", "CCSDS_OEM_VERS", "empty"),
    ("1 25544U 98067A   22017.5 .00002182  00000-0  40768-4 0  9993\n", "-", "not a KVN line"),
    ("CCSDS_OPM_VERS = 2.0\n", "CCSDS_OEM_VERS", "not an OEM"),
    ("CCSDS_OEM_VERS = 4.0\n", "CCSDS_OEM_VERS", "version '4.0'"),
    ("CCSDS_OEM_VERS = 2.0\nCREATION_DATE = 2020-01-01T00:00:00\nORIGINATOR = X\n", "META_START", "no segment"),
    ("<cdm version='1.0'/>", "oem", "not an OEM"),
    ("<oem version='2.0'><header>", "-", "not well-formed XML"),
])
def test_not_an_oem(content, keyword, reason):
    with pytest.raises(ODMError) as exc:
        parse_oem(content, "x.oem")
    assert exc.value.keyword == keyword and reason in exc.value.reason and exc.value.source == "x.oem"


def test_binary_and_non_utf8_files_are_refused_whole(tmp_path):
    b = tmp_path / "bin.oem"
    b.write_bytes(b"CCSDS_OEM_VERS = 2.0\x00\x01\x02")
    with pytest.raises(InputFileError, match="binary"):
        read_oem(b)
    t = tmp_path / "latin.oem"
    t.write_bytes("CCSDS_OEM_VERS = 2.0\nORIGINATOR = K\xf6ln\n".encode("latin-1"))
    with pytest.raises(InputFileError, match="not UTF-8"):
        read_oem(t)


def _minimal(data_lines: str, meta_extra: str = "") -> str:
    return ("CCSDS_OEM_VERS = 2.0\nCREATION_DATE = 2024-01-01T00:00:00\nORIGINATOR = T\nMETA_START\n"
            "OBJECT_NAME = S\nOBJECT_ID = 2024-001A\nCENTER_NAME = EARTH\nREF_FRAME = EME2000\n"
            f"TIME_SYSTEM = UTC\nSTART_TIME = 2024-01-01T00:00:00\nSTOP_TIME = 2024-01-01T00:02:00\n{meta_extra}"
            f"META_STOP\n{data_lines}")


@pytest.mark.parametrize("data, line, keyword, reason", [
    ("2024-01-01T00:00:00 1 2 3 4 5\n", 13, "Z_DOT", "found 6"),
    ("2024-01-01T00:00:00 1 2 3 4 5 6\n2024-01-01T00:01:00 1 2 3 4 5 6 7 8\n", 14, "Z_DDOT", "found 9"),
    ("2024-01-01T00:00:00 1 2 3 4 5 6\n2024-02-30T00:01:00 1 2 3 4 5 6\n", 14, "EPOCH", "day 30"),
    ("2024-01-01T00:00:00 1 2 nan 4 5 6\n", 13, "Z", "not a number"),
    ("", None, "-", "no ephemeris data lines"),
])
def test_bad_data_lines_name_line_and_column(data, line, keyword, reason):
    with pytest.raises(ODMError) as exc:
        parse_oem(_minimal(data), "m.oem")
    assert (exc.value.line, exc.value.keyword) == (line, keyword) and reason in exc.value.reason


def test_missing_and_repeated_metadata():
    text = _minimal("2024-01-01T00:00:00 1 2 3 4 5 6\n").replace("OBJECT_ID = 2024-001A\n", "")
    with pytest.raises(ODMError, match="OBJECT_ID: missing"):
        parse_oem(text)
    with pytest.raises(ODMError, match="given twice"):
        parse_oem(_minimal("2024-01-01T00:00:00 1 2 3 4 5 6\n", "OBJECT_NAME = T\n"))
    with pytest.raises(ODMError, match="INTERPOLATION_DEGREE: must be a whole number"):
        parse_oem(_minimal("2024-01-01T00:00:00 1 2 3 4 5 6\n", "INTERPOLATION_DEGREE = seven\n"))


def test_blank_lines_and_crlf_inside_a_data_block_keep_line_numbers():
    data = "2024-01-01T00:00:00 1 2 3 4 5 6\n\n2024-01-01T00:01:00 1 2 3 4 5 6\n   \n2024-01-01T00:02:00 1 2 3 4 5 x\n"
    with pytest.raises(ODMError) as exc:
        parse_oem(_minimal(data).replace("\n", "\r\n"))
    assert exc.value.line == 17 and exc.value.keyword == "Z_DOT"
    ok = parse_oem(_minimal(data.replace(" x", " 6")))
    assert ok.segments[0].lines.tolist() == [13, 15, 17]


def test_xml_errors_name_the_element_line(oem_dir):
    xml = (oem_dir / "OEMExample3.xml").read_text()
    bad = xml.replace("<Z>-1746.8</Z>", "<Z>abc</Z>")
    with pytest.raises(ODMError) as exc:
        parse_oem(bad, "x.xml")
    assert (exc.value.line, exc.value.keyword) == (bad.splitlines().index("          <Z>abc</Z>") + 1, "Z")
    missing = xml.replace("          <Y_DOT>-2.50</Y_DOT>\n", "", 1)
    with pytest.raises(ODMError, match="Y_DOT: missing from the stateVector"):
        parse_oem(missing)
    units = xml.replace("<X>2789.6</X>", '<X units="m">2789.6</X>')
    with pytest.raises(ODMError, match="X: unit 'm' is not 'km'"):
        parse_oem(units)
    with pytest.raises(ODMError, match="WRONG: not an OEM metadata keyword"):
        parse_oem(xml.replace("<OBJECT_ID>", "<WRONG>x</WRONG><OBJECT_ID>"))


def test_the_odm_layers_import_no_front_end():
    import ast
    from pathlib import Path

    import orbitwatch

    root = Path(orbitwatch.__file__).parent
    forbidden = ("typer", "rich", "sqlalchemy", "fastapi", "pydantic", "orbitwatch.cli", "orbitwatch.store")
    offenders = []
    for pkg in ("odm", "ccsds"):
        for f in sorted((root / pkg).rglob("*.py")):
            for node in ast.walk(ast.parse(f.read_text())):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                    [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
                if isinstance(node, ast.ImportFrom) and node.level and node.module and node.module.startswith("cli"):
                    names = ["orbitwatch.cli"]
                offenders += [f"{f.name}: {n}" for n in names if any(n == x or n.startswith(x + ".")
                                                                    for x in forbidden)]
    assert not offenders
