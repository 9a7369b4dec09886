"""Tolerant CDM reading: quirky variants of a real CARA CDM, strict against tolerant.

Each variant changes one line of a real message the way operators' CDMs do; the strict
read (today's behaviour) refuses it, the tolerant read accepts what is unambiguous with
one warning naming file, line and keyword, and what is ambiguous stays an error.
"""

from __future__ import annotations

import pytest

from orbitwatch.conjunction.cdm import CDMError, CdmWarning, parse_cdm, read_cdm
from orbitwatch.conjunction.cdm.tolerant import unit_scale

CARA = "000048901_conj_000048903_20211219_182317_20211217_232706.cdm"


@pytest.fixture(scope="module")
def text(shared_data):
    return (shared_data / "pc" / "cara-cdms" / CARA).read_text()


def _line(text: str, keyword: str) -> tuple[int, str]:
    for i, ln in enumerate(text.splitlines(), 1):
        if ln.split("=")[0].strip() == keyword or (keyword.startswith("COMMENT") and ln.startswith(keyword)):
            return i, ln
    raise AssertionError(keyword)


def _variant(text: str, keyword: str, new_line: str) -> tuple[str, int]:
    n, old = _line(text, keyword)
    lines = text.splitlines()
    lines[n - 1] = new_line
    return "\n".join(lines) + "\n", n


def _both(text: str):
    """(strict error or None, tolerant Cdm or error, warnings)."""
    strict = None
    try:
        parse_cdm(text, "quirk.cdm")
    except CDMError as exc:
        strict = exc
    warnings: list[CdmWarning] = []
    try:
        tolerant = parse_cdm(text, "quirk.cdm", warnings=warnings)
    except CDMError as exc:
        tolerant = exc
    return strict, tolerant, warnings


# (keyword, replacement line, what the tolerant read keeps: (block, keyword, value) or None for absent)
ACCEPTED = [
    ("RELATIVE_VELOCITY_R", "RELATIVE_VELOCITY_R = -0.1 [m]", ("relative", "RELATIVE_VELOCITY_R", -0.1),
     "cannot measure"),
    ("RELATIVE_SPEED", "RELATIVE_SPEED = 0.4 [m/sec]", ("relative", "RELATIVE_SPEED", 0.4), "spelled [m/sec]"),
    ("MISS_DISTANCE", "MISS_DISTANCE = 85.4 [", ("relative", "MISS_DISTANCE", 85.4), "cut short"),
    ("MISS_DISTANCE", "MISS_DISTANCE = 85.4 [m", ("relative", "MISS_DISTANCE", 85.4), "cut short"),
    ("RELATIVE_SPEED", "RELATIVE_SPEED = NaN [m/s]", ("relative", "RELATIVE_SPEED", None), "NaN"),
    ("COLLISION_PROBABILITY", "COLLISION_PROBABILITY = NaN", ("relative", "COLLISION_PROBABILITY", None), "NaN"),
    ("X_DOT", "X_DOT = -1.106911803623758406e+00 [m]", ("object1.state", "X_DOT", -1.106911803623758406),
     "cannot measure"),
    ("RECOMMENDED_OD_SPAN", "RECOMMENDED_OD_SPAN = 5.03 []", ("object1.od", "RECOMMENDED_OD_SPAN", 5.03), "empty unit"),
]


@pytest.mark.parametrize("keyword,new,kept,says", ACCEPTED, ids=[a[1] for a in ACCEPTED])
def test_quirk_refused_strict_accepted_tolerant_with_one_warning(text, keyword, new, kept, says):
    quirky, line = _variant(text, keyword, new)
    strict, cdm, warnings = _both(quirky)
    assert isinstance(strict, CDMError) and strict.line == line and strict.keyword == keyword
    assert not isinstance(cdm, Exception), cdm
    assert len(warnings) == 1, warnings
    w = warnings[0]
    assert (w.source, w.line, w.keyword) == ("quirk.cdm", line, keyword) and says in w.message
    assert str(w).startswith(f"quirk.cdm:{line}: {keyword}: ")
    assert w.to_dict() == {"source": "quirk.cdm", "line": line, "keyword": keyword, "message": w.message}
    where, name, value = kept
    block = cdm.relative if where == "relative" else cdm.object1.blocks[where.split(".")[1]]
    if value is None:
        assert name not in block
    else:
        assert block[name] == pytest.approx(value)


REFUSED = [
    # same kind of quantity at another scale: the value or the label may be wrong - not guessed
    ("MISS_DISTANCE", "MISS_DISTANCE = 0.532 [km]", "not guessed"),
    ("COLLISION_PROBABILITY", "COLLISION_PROBABILITY = 4.5e-81 [%]", "not guessed"),
    # a cut-short label that is not the start of the CDM unit
    ("MISS_DISTANCE", "MISS_DISTANCE = 532 [km", "cut short"),
    # a label nobody understands
    ("RELATIVE_SPEED", "RELATIVE_SPEED = 0.3 [furlong]", "not understood"),
    # a mandatory value that is not a number, or NaN
    ("X", "X = NaN [km]", "not a number"),
    ("MISS_DISTANCE", "MISS_DISTANCE = about 500 [m]", "not a number"),
]


@pytest.mark.parametrize("keyword,new,says", REFUSED, ids=[a[1] for a in REFUSED])
def test_ambiguous_or_mandatory_stays_an_error_in_both_modes(text, keyword, new, says):
    quirky, line = _variant(text, keyword, new)
    strict, tolerant, _ = _both(quirky)
    assert isinstance(strict, CDMError)
    assert isinstance(tolerant, CDMError) and tolerant.line == line and tolerant.keyword == keyword
    assert says in tolerant.reason


def test_missing_mandatory_keyword_is_an_error_in_both_modes(text):
    n, tca = _line(text, "TCA")
    quirky = text.replace(tca + "\n", "")
    strict, tolerant, _ = _both(quirky)
    assert isinstance(strict, CDMError) and strict.keyword == "TCA"
    assert isinstance(tolerant, CDMError) and tolerant.keyword == "TCA"


def test_incomplete_relative_state_is_dropped_with_a_warning(text):
    quirky, line = _variant(text, "RELATIVE_VELOCITY_N", "RELATIVE_VELOCITY_N = NaN [m/s]")
    strict, cdm, warnings = _both(quirky)
    assert isinstance(strict, CDMError) and strict.keyword == "RELATIVE_VELOCITY_N"
    assert [w.keyword for w in warnings] == ["RELATIVE_VELOCITY_N", "RELATIVE_VELOCITY_N"]
    assert "NaN" in warnings[0].message and "incomplete" in warnings[1].message
    assert cdm.relative_position_rtn_m is None and cdm.relative_velocity_rtn_m_s is None
    # missing optional blocks altogether (relative state, OD parameters): fine in both modes, no warning
    lines = [ln for ln in text.splitlines() if not ln.startswith(("RELATIVE_", "RECOMMENDED_OD_SPAN", "ACTUAL_OD_SPAN",
                                                                  "OBS_", "TRACKS_", "RESIDUALS_", "WEIGHTED_RMS"))]
    strict, cdm, warnings = _both("\n".join(lines) + "\n")
    assert strict is None and warnings == [] and cdm.relative_position_rtn_m is None
    assert "od" not in cdm.object1.blocks or not cdm.object1.blocks["od"].values


@pytest.mark.parametrize("comment,hbr_m,warned", [
    ("COMMENT HBR = 2 [m]", 2.0, None),
    ("COMMENT HBR = 2", 2.0, "no unit: metres assumed"),
    # the comment's own unit counts: this used to be read as 0.002 m
    ("COMMENT HBR = 0.002 [km]", 2.0, None),
    # not a number: ignored (both modes), the next source (the exclusion radii, 5 + 5 m) is used
    ("COMMENT HBR = NaN", 10.0, "not a number"),
    ("COMMENT HBR = 2 [m/s]", 10.0, "not a length"),
])
def test_hbr_comments(text, comment, hbr_m, warned):
    quirky, line = _variant(text, "COMMENT HBR", comment)
    strict, cdm, warnings = _both(quirky)
    assert strict is None
    assert cdm.hbr_m == pytest.approx(hbr_m)
    assert parse_cdm(quirky, "quirk.cdm").hbr_m == pytest.approx(hbr_m)
    if warned is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and warnings[0].line == line and warnings[0].keyword == "COMMENT HBR"
        assert warned in warnings[0].message


def test_xml_quirks(shared_data):
    src = (shared_data / "cdm" / "examples" / "cdm_example_section4.xml").read_text()
    quirky = src.replace('<RELATIVE_SPEED units="m/s">', '<RELATIVE_SPEED units="m">', 1)
    quirky = quirky.replace("<COLLISION_PROBABILITY>4.835E-05</COLLISION_PROBABILITY>",
                            "<COLLISION_PROBABILITY>NaN</COLLISION_PROBABILITY>", 1)
    assert quirky.count('units="m">') > src.count('units="m">') and "NaN" in quirky
    with pytest.raises(CDMError):
        parse_cdm(quirky, "quirk.xml")
    warnings: list[CdmWarning] = []
    cdm = parse_cdm(quirky, "quirk.xml", warnings=warnings)
    assert sorted(w.keyword for w in warnings) == ["COLLISION_PROBABILITY", "RELATIVE_SPEED"]
    assert all(w.line and w.line > 1 for w in warnings)
    assert cdm.collision_probability is None and cdm.relative_speed_m_s == pytest.approx(14762.0)
    ambiguous = src.replace('<MISS_DISTANCE units="m">', '<MISS_DISTANCE units="km">', 1)
    with pytest.raises(CDMError, match="not guessed"):
        parse_cdm(ambiguous, "quirk.xml", warnings=[])


def test_read_cdm_file_tolerant_and_clean_files_give_no_warning(shared_data, tmp_path, text):
    quirky, line = _variant(text, "RELATIVE_VELOCITY_T", "RELATIVE_VELOCITY_T = -0.3 [m]")
    p = tmp_path / "op[1].cdm"
    p.write_text(quirky)
    with pytest.raises(CDMError):
        read_cdm(p)
    warnings: list[CdmWarning] = []
    read_cdm(p, warnings=warnings)
    assert [(w.source, w.line) for w in warnings] == [("op[1].cdm", line)]
    # CARA's 53 test CDMs are clean: a tolerant read assumes nothing about them
    for f in sorted((shared_data / "pc" / "cara-cdms").glob("*.cdm")):
        w: list[CdmWarning] = []
        assert read_cdm(f, warnings=w) == read_cdm(f) and w == []


def test_unit_scale():
    assert unit_scale("m**3/(kg*s**2)") == (1.0, (("L", 3), ("M", -1), ("T", -2)))
    assert unit_scale("W/kg") == (1.0, (("L", 2), ("T", -3)))
    assert unit_scale("km/s")[0] == 1000.0 and unit_scale("m^2") == unit_scale("m**2")
    assert unit_scale("%") == (0.01, ()) and unit_scale("d") == (86400.0, (("T", 1),))
    for bad in ("", "m**", "(m", "m/s)", "xyz"):
        assert unit_scale(bad) is None
