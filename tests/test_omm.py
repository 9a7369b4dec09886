"""OMM in KVN, XML, JSON and CSV: the shared samples, round trips, malformed records."""

from __future__ import annotations

import json
import math
import time
from datetime import datetime, timezone

import numpy as np
import pytest

from orbitwatch.elements import (format_elements, parse_elements, parse_omm_kvn, parse_tle, read_elements)
from orbitwatch.errors import ElementSetError

OMM_FILES = ["sample.csv", "sample.json", "sample.xml", "omm1_ct.kvn", "omm1_ct.xml"]
FORMATS = ["omm-kvn", "omm-xml", "omm-json", "omm-csv"]


@pytest.mark.parametrize("fname", OMM_FILES)
def test_shared_samples_parse(shared_data, fname):
    res = read_elements(shared_data / "omm" / fname, strict=True)
    assert len(res.elements) == 1
    es = res.elements
    if fname.startswith("sample"):
        assert es.norad_id[0] == 5 and es.name[0] == "VANGUARD 1" and es.intl_designator[0] == "1958-002B"
    else:
        # CCSDS example: NUSAT-8, 2020-12-29T11:59:56.951808
        assert es.norad_id[0] == 45018
        assert es.epoch[0] == np.datetime64("2020-12-29T11:59:56.951808", "ns")
        assert es.bstar[0] == 0.83483e-4 and es.mean_motion_dot[0] == 0.2212e-4
        assert es.mean_motion_rev_per_day[0] == 15.27990594


def test_csv_xml_samples_agree_with_each_other(shared_data):
    a = read_elements(shared_data / "omm" / "sample.csv").elements
    b = read_elements(shared_data / "omm" / "sample.xml").elements
    assert a.equals(b, ignore=("source_line", "creation_date", "originator"))
    kvn = read_elements(shared_data / "omm" / "omm1_ct.kvn").elements
    xml = read_elements(shared_data / "omm" / "omm1_ct.xml").elements
    assert kvn.equals(xml)


@pytest.mark.parametrize("src", OMM_FILES)
@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_every_format(shared_data, src, fmt):
    es = read_elements(shared_data / "omm" / src).elements
    back = parse_elements(format_elements(es, fmt), fmt, strict=True).elements
    # CCSDS KVN and XML always carry a filled header (CREATION_DATE, ORIGINATOR): the writer fills
    # what the source left empty and keeps what it had; every other field comes back unchanged
    header = ("creation_date", "originator") if fmt in ("omm-kvn", "omm-xml") else ()
    assert es.equals(back, ignore=("source_line",) + header), f"{src} -> {fmt} changed a field"
    if header:
        assert not np.isnat(back.creation_date).any() and all(back.originator)
        had = ~np.isnat(es.creation_date)
        assert np.array_equal(es.creation_date[had], back.creation_date[had])
        assert all(a == b for a, b in zip(es.originator, back.originator) if a)


def test_catalog_through_omm_json_and_back_to_tle(shared_data):
    """3LE -> OMM JSON -> 3LE keeps every TLE field (first 500 objects of the real catalog)."""
    text = (shared_data / "catalog" / "full-catalog-2023-10-09.3le").read_text().splitlines()[:1500]
    es = parse_tle("\n".join(text), strict=True).elements
    for fmt in FORMATS:
        via = parse_elements(format_elements(es, fmt), fmt, strict=True).elements
        # a TLE has no CCSDS header; KVN and XML fill it (see test_round_trip_every_format)
        header = ("creation_date", "originator") if fmt in ("omm-kvn", "omm-xml") else ()
        assert es.equals(via, ignore=("source_line",) + header), fmt
        again = parse_tle(format_elements(via, "3le"), strict=True).elements
        assert es.equals(again), fmt


KVN_GOOD = """CCSDS_OMM_VERS = 2.0
CREATION_DATE  = 2021-01-01T00:00:00
ORIGINATOR     = TEST
OBJECT_NAME    = TEST SAT
OBJECT_ID      = 2020-003C
CENTER_NAME    = EARTH
REF_FRAME      = TEME
TIME_SYSTEM    = UTC
MEAN_ELEMENT_THEORY = SGP4
EPOCH          = 2020-12-29T11:59:56.951808
MEAN_MOTION    = 15.27990594 [rev/day]
ECCENTRICITY   = .0013363
INCLINATION    = 97.2970 [deg]
RA_OF_ASC_NODE = 66.7438
ARG_OF_PERICENTER = 109.4976
MEAN_ANOMALY   = 15.7307
NORAD_CAT_ID   = 45018
BSTAR          = .83483E-4
"""


@pytest.mark.parametrize("old, new, field, reason, line", [
    ("ECCENTRICITY   = .0013363", "ECCENTRICITY   = 1.5", "ECCENTRICITY", "outside [0, 1)", 12),
    ("MEAN_MOTION    = 15.27990594", "MEAN_MOTION    = -1", "MEAN_MOTION", "not positive", 11),
    ("MEAN_MOTION    = 15.27990594", "MEAN_MOTION    = fast", "MEAN_MOTION", "non-numeric", 11),
    ("EPOCH          = 2020-12-29T11:59:56.951808", "EPOCH          = 2020-02-30T11:59:56", "EPOCH",
     "impossible", 10),
    ("NORAD_CAT_ID   = 45018\n", "", "NORAD_CAT_ID", "missing", None),
    ("MEAN_ELEMENT_THEORY = SGP4", "MEAN_ELEMENT_THEORY = DSST", "MEAN_ELEMENT_THEORY", "unsupported", 9),
])
def test_kvn_rejections(old, new, field, reason, line):
    text = KVN_GOOD.replace(old, new)
    res = parse_omm_kvn(text + "\n" + KVN_GOOD.replace("45018", "45019"), "x.kvn")
    assert len(res.elements) == 1 and res.elements.norad_id[0] == 45019
    (err,) = res.rejected
    assert err.field == field and reason in err.reason and err.source == "x.kvn"
    if line is not None:
        assert err.line == line
    with pytest.raises(ElementSetError):
        parse_omm_kvn(text, "x.kvn", strict=True)


def test_json_and_xml_rejections_name_the_record():
    good = json.loads(format_elements(parse_omm_kvn(KVN_GOOD).elements, "omm-json"))[0]
    bad = dict(good, INCLINATION="steep")
    res = parse_elements(json.dumps([bad, good]), "omm-json", source="g.json")
    assert len(res.elements) == 1
    assert res.rejected[0].record == 0 and res.rejected[0].field == "INCLINATION"
    xml = format_elements(parse_omm_kvn(KVN_GOOD).elements, "omm-xml").replace(
        "<ECCENTRICITY>0.0013363</ECCENTRICITY>", "<ECCENTRICITY>-0.1</ECCENTRICITY>")
    res = parse_elements(xml, "omm-xml", source="g.xml")
    assert res.rejected[0].field == "ECCENTRICITY" and res.rejected[0].line is not None
    res = parse_elements("<ndm><omm>", "omm-xml", source="broken.xml")
    assert res.rejected[0].field == "xml" and "well-formed" in res.rejected[0].reason


def test_csv_rejections_give_line_numbers():
    text = format_elements(parse_omm_kvn(KVN_GOOD).elements, "omm-csv")
    header, row = text.strip().split("\n")
    res = parse_elements("\n".join([header, row, row.replace("45018", "45x18"), row.replace("45018", "45020")]),
                         "omm-csv", source="c.csv")
    assert len(res.elements) == 2
    assert res.rejected[0].line == 3 and res.rejected[0].field == "NORAD_CAT_ID"


def test_format_detection(shared_data):
    for fname, fmt in [("sample.csv", "omm-csv"), ("sample.json", "omm-json"), ("sample.xml", "omm-xml"),
                       ("omm1_ct.kvn", "omm-kvn")]:
        text = (shared_data / "omm" / fname).read_text()
        assert parse_elements(text, source="noext").elements.norad_id[0] > 0
    from orbitwatch.elements import detect_format
    assert detect_format("CCSDS_OMM_VERS = 2.0\n") == "omm-kvn"
    assert detect_format("[{}]") == "omm-json"
    assert detect_format("0 ISS\n1 25544U") == "tle"


# ------------------------------------------------------------------ units and frames (CCSDS 502.0-B-3)
def _kvn(**changes):
    text = KVN_GOOD
    for old, new in changes.items():
        text = text.replace(old, new)
    return text


def test_kvn_angle_in_radians_is_converted_not_stored_as_degrees():
    # 1.698 rad is 97.2882 deg: before, 1.698 was stored as 1.698 deg (a wrong orbit, silently)
    res = parse_omm_kvn(KVN_GOOD.replace("97.2970 [deg]", "1.698 [rad]"), "rad.kvn", strict=True)
    assert res.elements.inclination_deg[0] == pytest.approx(math.degrees(1.698), rel=1e-15)
    assert res.elements.inclination_deg[0] == pytest.approx(97.2882, abs=1e-4)
    # RA_OF_ASC_NODE etc. too, and "[deg]" (the standard unit) changes nothing
    res = parse_omm_kvn(KVN_GOOD.replace("66.7438", "1.16490 [rad]").replace("109.4976", "109.4976 [deg]"))
    assert res.elements.raan_deg[0] == pytest.approx(math.degrees(1.16490))
    assert res.elements.arg_perigee_deg[0] == 109.4976


def test_xml_units_attribute_in_radians_is_converted():
    xml = format_elements(parse_omm_kvn(KVN_GOOD).elements, "omm-xml").replace(
        "<INCLINATION>97.297</INCLINATION>", '<INCLINATION units="rad">1.698</INCLINATION>')
    assert 'units="rad"' in xml
    es = parse_elements(xml, "omm-xml", source="rad.xml", strict=True).elements
    assert es.inclination_deg[0] == pytest.approx(97.2882, abs=1e-4)
    bad = xml.replace('<MEAN_MOTION>15.27990594</MEAN_MOTION>', '<MEAN_MOTION units="km">15.27990594</MEAN_MOTION>')
    res = parse_elements(bad, "omm-xml", source="km.xml")
    (err,) = res.rejected
    assert err.field == "MEAN_MOTION" and "[km]" in err.reason and "rev/day" in err.reason and err.line


def test_json_and_csv_values_with_units_are_checked_too():
    good = json.loads(format_elements(parse_omm_kvn(KVN_GOOD).elements, "omm-json"))[0]
    es = parse_elements(json.dumps([dict(good, INCLINATION="1.698 [rad]")]), "omm-json", strict=True).elements
    assert es.inclination_deg[0] == pytest.approx(97.2882, abs=1e-4)
    res = parse_elements(json.dumps([dict(good, MEAN_MOTION="15.28 [km]")]), "omm-json", source="j.json")
    assert res.rejected[0].field == "MEAN_MOTION" and "[km]" in res.rejected[0].reason
    text = format_elements(parse_omm_kvn(KVN_GOOD).elements, "omm-csv")
    header, row = text.strip().split("\n")
    res = parse_elements(f"{header}\n{row.replace('97.297', '1.698 [rad]')}\n", "omm-csv", strict=True)
    assert res.elements.inclination_deg[0] == pytest.approx(97.2882, abs=1e-4)


@pytest.mark.parametrize("old, new, field, words", [
    ("MEAN_MOTION    = 15.27990594 [rev/day]", "MEAN_MOTION    = 15.28 [km]", "MEAN_MOTION", ["[km]", "rev/day"]),
    ("INCLINATION    = 97.2970 [deg]", "INCLINATION    = 97.2970 [km]", "INCLINATION", ["[km]", "deg"]),
    ("ECCENTRICITY   = .0013363", "ECCENTRICITY   = .0013363 [deg]", "ECCENTRICITY", ["dimensionless"]),
    ("BSTAR          = .83483E-4", "BSTAR          = .83483E-4 [m**2/kg]", "BSTAR", ["1/ER"]),
    ("REF_FRAME      = TEME", "REF_FRAME      = EME2000", "REF_FRAME", ["EME2000", "TEME"]),
    ("CENTER_NAME    = EARTH", "CENTER_NAME    = MOON", "CENTER_NAME", ["MOON", "EARTH"]),
    ("TIME_SYSTEM    = UTC", "TIME_SYSTEM    = TAI", "TIME_SYSTEM", ["TAI", "UTC"]),
    ("MEAN_ELEMENT_THEORY = SGP4", "MEAN_ELEMENT_THEORY = SGP4-FOO", "MEAN_ELEMENT_THEORY", ["SGP4-FOO"]),
])
def test_units_and_frames_sgp4_cannot_use_are_rejected_with_line_and_reason(old, new, field, words):
    assert old in KVN_GOOD
    lines = KVN_GOOD.splitlines()
    line = next(i for i, s in enumerate(lines, 1) if s == old)
    res = parse_omm_kvn(KVN_GOOD.replace(old, new), "x.kvn")
    assert len(res.elements) == 0
    (err,) = res.rejected
    assert (err.source, err.line, err.field) == ("x.kvn", line, field)
    assert all(w in err.reason for w in words), err.reason
    with pytest.raises(ElementSetError):
        parse_omm_kvn(KVN_GOOD.replace(old, new), "x.kvn", strict=True)


@pytest.mark.parametrize("fmt", ["omm-json", "omm-csv", "omm-xml"])
def test_frames_are_checked_in_every_format(fmt):
    es = parse_omm_kvn(KVN_GOOD).elements
    es.ref_frame = np.array(["EME2000"])
    res = parse_elements(format_elements(es, fmt), fmt, source="f")
    assert len(res.elements) == 0 and res.rejected[0].field == "REF_FRAME"
    es.ref_frame, es.center_name = np.array(["teme"]), np.array(["MOON"])
    res = parse_elements(format_elements(es, fmt), fmt, source="f")
    assert len(res.elements) == 0 and res.rejected[0].field == "CENTER_NAME"


def test_defaults_when_metadata_is_left_out_and_sgp4_xp_accepted(shared_data):
    # CelesTrak JSON states no frame: SGP4 / TEME / EARTH / UTC are assumed
    es = read_elements(shared_data / "omm" / "sample.json", strict=True).elements
    assert (es.ref_frame[0], es.center_name[0], es.time_system[0], es.mean_element_theory[0]) == \
        ("TEME", "EARTH", "UTC", "SGP4")
    assert len(parse_omm_kvn(_kvn(**{"= SGP4": "= SGP4-XP"}), strict=True).elements) == 1


def test_semi_major_axis_instead_of_mean_motion_says_so():
    text = KVN_GOOD.replace("MEAN_MOTION    = 15.27990594 [rev/day]", "SEMI_MAJOR_AXIS = 6939.5 [km]")
    (err,) = parse_omm_kvn(text, "a.kvn").rejected
    assert err.field == "MEAN_MOTION" and "SEMI_MAJOR_AXIS" in err.reason and err.line == 11


def test_brackets_in_text_values_are_kept():
    # KVN units apply to numbers: before, "[DTC]" was cut from the name as if it were a unit
    text = KVN_GOOD.replace("OBJECT_NAME    = TEST SAT", "OBJECT_NAME    = STARLINK-11748 [DTC]")
    es = parse_omm_kvn(text, strict=True).elements
    assert es.name[0] == "STARLINK-11748 [DTC]"
    back = parse_omm_kvn(format_elements(es, "omm-kvn"), strict=True).elements
    assert back.name[0] == "STARLINK-11748 [DTC]"


def test_kvn_with_a_huge_line_is_parsed_in_linear_time_and_quoted_short():
    # a value followed by 200,000 spaces: the old backtracking pattern took minutes on such lines
    pad = " " * 200_000
    text = KVN_GOOD.replace("OBJECT_ID      = 2020-003C", f"OBJECT_ID      = 2020-003C{pad}x") + f"NOT A KEY{pad}y\n"
    t0 = time.perf_counter()
    res = parse_omm_kvn(text, "long.kvn")
    assert time.perf_counter() - t0 < 2.0
    (err,) = res.rejected
    assert err.field == "syntax" and len(err.reason) < 120 and "..." in err.reason and len(err.text) <= 200
    (err,) = parse_omm_kvn(KVN_GOOD.replace("= 15.27990594", "= x" + "5" * 100_000), "n.kvn").rejected
    assert err.field == "MEAN_MOTION" and "100001 characters" in err.reason and len(str(err)) < 200


# ------------------------------------------------------------------ the CCSDS header the writer fills
@pytest.mark.parametrize("fmt", ["omm-kvn", "omm-xml"])
def test_writer_fills_creation_date_and_originator(fmt):
    es = parse_tle(ISS_TLE).elements  # a TLE has no header
    before = np.datetime64(datetime.now(timezone.utc).replace(tzinfo=None), "us")
    text = format_elements(es, fmt)
    back = parse_elements(text, fmt, strict=True).elements
    after = np.datetime64(datetime.now(timezone.utc).replace(tzinfo=None), "us")
    assert back.originator[0] == "orbitwatch"
    assert before - np.timedelta64(1, "s") <= back.creation_date[0] <= after + np.timedelta64(1, "s")
    if fmt == "omm-kvn":
        assert "CREATION_DATE  = 20" in text and "ORIGINATOR     = orbitwatch" in text
    else:
        assert "<CREATION_DATE>20" in text and "<ORIGINATOR>orbitwatch</ORIGINATOR>" in text
    text = format_elements(es, fmt, originator="ACME <ops>", creation_date="2024-05-06T07:08:09Z")
    back = parse_elements(text, fmt, strict=True).elements
    assert back.originator[0] == "ACME <ops>"
    assert back.creation_date[0] == np.datetime64("2024-05-06T07:08:09", "ns")
    # a record read from an OMM keeps its own header
    own = parse_omm_kvn(KVN_GOOD).elements
    back = parse_elements(format_elements(own, fmt), fmt, strict=True).elements
    assert back.originator[0] == "TEST" and back.creation_date[0] == np.datetime64("2021-01-01T00:00:00", "ns")


ISS_TLE = ("ISS (ZARYA)\n"
           "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927\n"
           "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537\n")
