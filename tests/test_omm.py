"""OMM in KVN, XML, JSON and CSV: the shared samples, round trips, malformed records."""

from __future__ import annotations

import json

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
