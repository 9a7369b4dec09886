"""CCSDS CDM (508.0-B-1) KVN/XML reading and writing against the reference files.

References: the CCSDS blue-book example (section 4, Pc 4.835e-5), Orekit's CDM test
resources (incl. the deliberately malformed ones), NASA CARA's 53 real CDMs, and the
NDM/XML 2.0.0 CDM schema.  Paths come from the ``shared_data`` fixture.
"""

from __future__ import annotations

import csv
import re

import numpy as np
import pytest

from orbitwatch.conjunction.cdm import CDMError, KEYWORDS, parse_cdm, read_cdm, write_cdm
from orbitwatch.conjunction.cdm.schema import RTN_COV_KEYS, lookup

# file -> (keyword, line, reason fragment): each deliberately malformed example must be
# rejected naming the keyword, the line and why.
MALFORMED = {
    "CDM-missing-TCA.txt": ("TCA", 5, "mandatory keyword missing"),
    "CDM-wrong-key-word.txt": ("WRONG_KEYWORD", 6, "not a CDM keyword"),
    "CDM-missing-object2-state-vector.txt": ("X", 52, "mandatory keyword missing from the OBJECT2 state vector"),
    "CDM-covariance-wrong-entry-format.txt": ("CRDOT_T", 65, "is not a number"),
    "CDMExample1InvalidTca.txt": ("TCA", 5, "day 31 does not exist"),
    "CDM-missing-object1-covariance-block.xml": ("CR_R", 38,
                                                 "mandatory keyword missing from the OBJECT1 RTN covariance"),
    "CDMExample_issue1319_mandatory_empty_value.xml": ("X", 88, "mandatory keyword has no value"),
}


def _all_files(shared_data):
    ex = sorted((shared_data / "cdm" / "examples").iterdir())
    cara = sorted((shared_data / "pc" / "cara-cdms").glob("*.cdm"))
    return ex + cara


def test_registry_covers_every_schema_keyword(shared_data):
    """Every keyword of the 1.0 field list is known, in the right block, with its obligation."""
    rows = list(csv.DictReader(open(shared_data / "cdm" / "schema" / "cdm-508.0-B-1-fields.csv")))
    blocks = {"cdmHeader": "header", "relativeMetadataData": "relative", "relativeStateVectorType": "relative",
              "cdmMetadata": "metadata", "additionalParametersType": "additional",
              "cdmStateVectorType": "state", "cdmCovarianceMatrixType": "rtn"}
    checked = 0
    for r in rows:
        name = r["keyword"]
        if not re.fullmatch(r"[A-Z_0-9]+", name) or name == "COMMENT":
            continue  # sub-elements (header, body, segment, odParameters, ...)
        kw = lookup(name)
        assert kw is not None, name
        assert kw.block == blocks[r["xsd_complexType"]], name
        if r["xsd_complexType"] != "relativeStateVectorType":
            assert kw.mandatory == (r["obligation"] == "mandatory"), name
        assert not kw.v2, name
        checked += 1
    assert checked == 104  # the 122 CSV rows less COMMENTs and sub-element rows
    # the extended covariance: 45 lower-triangle terms of the 9x9
    assert len(RTN_COV_KEYS) == 45 and all(k in KEYWORDS for k, _, _ in RTN_COV_KEYS)


def test_every_reference_file_parses_or_is_rejected_precisely(shared_data):
    n_ok = 0
    for path in _all_files(shared_data):
        if path.suffix not in (".txt", ".xml", ".kvn", ".cdm"):
            continue
        if path.name in MALFORMED:
            keyword, line, reason = MALFORMED[path.name]
            with pytest.raises(CDMError) as err:
                read_cdm(path)
            e = err.value
            assert (e.keyword, e.line) == (keyword, line), str(e)
            assert reason in e.reason, str(e)
            assert e.source == path.name and path.name in str(e)
        else:
            cdm = read_cdm(path)
            assert cdm.object1.state_km.shape == (6,) and cdm.object2.covariance_rtn.shape[0] >= 6
            n_ok += 1
    assert n_ok == 24 + 53  # 31 examples less 7 malformed, and the 53 CARA CDMs


def test_blue_book_example_values(shared_data):
    """CCSDS 508.0-B-1 section 4 example: values, units, comments, both objects."""
    kvn = read_cdm(shared_data / "cdm" / "examples" / "cdm_example_section4.kvn")
    xml = read_cdm(shared_data / "cdm" / "examples" / "cdm_example_section4.xml")
    for c in (kvn, xml):
        assert c.tca == np.datetime64("2010-03-13T22:37:52.618", "ns")
        assert c.miss_distance_m == 715.0 and c.relative_speed_m_s == 14762.0
        assert c.collision_probability == 4.835e-05 and c.collision_probability_method == "FOSTER-1992"
        np.testing.assert_array_equal(c.relative_position_rtn_m, [27.4, -70.2, 711.8])
        assert c.object1.name == "SATELLITE A" and c.object2.name == "FENGYUN 1C DEB"
        assert c.object2.object_type == "DEBRIS" and c.object1.value("MANEUVERABLE") == "YES"
        np.testing.assert_array_equal(c.object1.state_km, [2570.097065, 2244.654904, 6281.497978,
                                                           4.418769571, 4.833547743, -3.526774282])
        C = c.object2.covariance_rtn
        assert C.shape == (6, 6) and C[1, 0] == C[0, 1] == -4.806e4 and C[5, 5] == 5.178e-05
        assert c.object1.value("OBS_USED") == 59 and c.object1.value("RECOMMENDED_OD_SPAN") == 7.88
        assert c.object1.value("TIME_LASTOB_START") == np.datetime64("2010-03-12T02:14:12.746", "ns")
        assert "Object1 Covariance in the RTN Coordinate Frame" in " ".join(c.object1.comments)
    assert "Relative Metadata/Data" in kvn.relative.comments
    assert kvn.object2.blocks["additional"].comments[:2] == ["Object2 Additional Parameters",
                                                            "Apogee Altitude=768 km"]


def test_extended_covariances(shared_data):
    ex = shared_data / "cdm" / "examples"
    c2 = read_cdm(ex / "CDMExample2.txt")        # 8x8: drag and SRP rows
    c4 = read_cdm(ex / "CDMExample4.txt")        # 9x9: thrust row too
    assert c2.object1.covariance_dimension == 8 and c4.object1.covariance_dimension == 9
    C = c4.object1.covariance_rtn
    np.testing.assert_array_equal(C, C.T)
    assert C[6, 0] == c4.object1.value("CDRG_R") and C[8, 8] == c4.object1.value("CTHR_THR")
    assert c2.object1.value("CDRG_RDOT") == -1.214e-04


def test_kvn_xml_kvn_round_trip_is_lossless(shared_data):
    n = 0
    for path in _all_files(shared_data):
        if path.suffix == ".xml" or path.name in MALFORMED or path.name.startswith("README"):
            continue
        a = read_cdm(path)
        kvn1 = write_cdm(a, "kvn")
        b = parse_cdm(write_cdm(a, "xml"))
        c = parse_cdm(write_cdm(b, "kvn"))
        assert a == b == c, (path.name, a.difference(c)[:5])
        assert write_cdm(c, "kvn") == kvn1
        # and the KVN we write reads back to the same message
        assert parse_cdm(kvn1) == a
        n += 1
    assert n >= 60


def test_xml_reader_agrees_with_kvn_reader(shared_data):
    """Orekit ships the same message as KVN and XML: the values must agree."""
    ex = shared_data / "cdm" / "examples"
    for stem in ("CDMExample1", "CDMExample_issue942", "CDMExample_issue988", "cdm_example_section4"):
        suffix = ".kvn" if stem.startswith("cdm_") else ".txt"
        k, x = read_cdm(ex / f"{stem}{suffix}"), read_cdm(ex / f"{stem}.xml")
        for blk in ("state", "rtn", "metadata"):
            for o1, o2 in zip(k.objects, x.objects):
                vk, vx = o1.blocks[blk].values, o2.blocks[blk].values
                common = set(vk) & set(vx)
                # the .txt files spell 1997-030E with U+2212 and the e-mail differs on purpose
                norm = {n: (vk[n].replace("\u2212", "-") if isinstance(vk[n], str) else vk[n]) for n in common}
                assert len(common) >= 5 and all(norm[n] == vx[n] for n in common if n != "OPERATOR_EMAIL")


def _schemas(shared_data, tmp_path):
    """The NDM/XML 2.0.0 CDM schema as published (namespace form), and the same schema
    with the namespace removed (the form CSpOC/Orekit/blue-book messages use).  The
    published files declare types only, so a one-line wrapper declares the root <cdm>."""
    xmlschema = pytest.importorskip("xmlschema")
    src = shared_data / "cdm" / "schema"
    ns_dir, nn_dir = tmp_path / "ns", tmp_path / "nons"
    ns_dir.mkdir()
    nn_dir.mkdir()
    for name in ("ndmxml-2.0.0-cdm-1.0.xsd", "ndmxml-2.0.0-common-2.0.xsd"):
        text = (src / name).read_text()
        (ns_dir / name).write_text(text)
        text = re.sub(r'\s(xmlns:ndm|targetNamespace)="urn:ccsds:schema:ndmxml"', "", text)
        (nn_dir / name).write_text(text.replace('"ndm:', '"'))
    (ns_dir / "root.xsd").write_text(
        '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:ndm="urn:ccsds:schema:ndmxml" '
        'targetNamespace="urn:ccsds:schema:ndmxml" elementFormDefault="qualified">'
        '<xsd:include schemaLocation="./ndmxml-2.0.0-cdm-1.0.xsd"/>'
        '<xsd:element name="cdm" type="ndm:cdmType"/></xsd:schema>')
    (nn_dir / "root.xsd").write_text(
        '<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema" elementFormDefault="unqualified">'
        '<xsd:include schemaLocation="./ndmxml-2.0.0-cdm-1.0.xsd"/>'
        '<xsd:element name="cdm" type="cdmType"/></xsd:schema>')
    return xmlschema.XMLSchema(str(ns_dir / "root.xsd")), xmlschema.XMLSchema(str(nn_dir / "root.xsd"))


def test_written_xml_validates_against_the_xsd(shared_data, tmp_path):
    s_ns, s_nn = _schemas(shared_data, tmp_path)
    # the validator is not vacuous: a reference file that breaks the schema fails it
    bad = (shared_data / "cdm" / "examples" / "CDM-missing-object1-covariance-block.xml").read_text()
    assert not s_nn.is_valid(bad)
    n = n_facet = 0
    for path in _all_files(shared_data):
        if path.name in MALFORMED or path.name.startswith("README"):
            continue
        cdm = read_cdm(path)
        if cdm.version != "1.0" or any(lookup(k).v2 for b in [cdm.header, cdm.relative] for k in b.values) or \
                any(lookup(k).v2 for o in cdm.objects for b in o.blocks.values() for k in b.values):
            continue  # 2.0-draft keywords are outside the 1.0 schema
        for schema, text in ((s_nn, write_cdm(cdm, "xml")), (s_ns, write_cdm(cdm, "xml", namespace=True))):
            for err in schema.iter_errors(text):
                # the only tolerated failures: values that already break the schema's range
                # facets in the source message (a few CARA CDMs carry a negative
                # CD_AREA_OVER_MASS, which the schema types as non-negative)
                name = err.elem.tag.rsplit("}", 1)[-1]
                assert "greater or equal than 0.0" in str(err.reason) and \
                    any(o.value(name, 0.0) < 0 for o in cdm.objects), (path.name, str(err)[:500])
                n_facet += 1
        n += 1
    assert n >= 70 and n_facet <= 8


MINI = """CCSDS_CDM_VERS = 1.0
CREATION_DATE = 2024-01-01T00:00:00
ORIGINATOR = TEST
MESSAGE_ID = M1
TCA = 2024-01-02T03:04:05.5
MISS_DISTANCE = 100 [m]
{extra}OBJECT = OBJECT1
OBJECT_DESIGNATOR = 1
CATALOG_NAME = SATCAT
OBJECT_NAME = A
INTERNATIONAL_DESIGNATOR = 2000-001A
EPHEMERIS_NAME = NONE
COVARIANCE_METHOD = CALCULATED
MANEUVERABLE = NO
REF_FRAME = EME2000
{state}{cov}OBJECT = OBJECT2
OBJECT_DESIGNATOR = 2
CATALOG_NAME = SATCAT
OBJECT_NAME = B
INTERNATIONAL_DESIGNATOR = 2000-002A
EPHEMERIS_NAME = NONE
COVARIANCE_METHOD = CALCULATED
MANEUVERABLE = NO
REF_FRAME = EME2000
{state}{cov}"""
STATE = "X = 7000 [km]\nY = 0 [km]\nZ = 0 [km]\nX_DOT = 0 [km/s]\nY_DOT = 7.5 [km/s]\nZ_DOT = 0 [km/s]\n"
COV = "".join(f"{k} = {1.0 if i == j else 0.0}\n" for k, i, j in RTN_COV_KEYS[:21])


def _mini(extra="", state=STATE, cov=COV):
    return MINI.format(extra=extra, state=state, cov=cov)


def test_minimal_message_and_specific_errors():
    c = parse_cdm(_mini())
    assert c.tca == np.datetime64("2024-01-02T03:04:05.500", "ns")
    np.testing.assert_array_equal(c.object1.cov6_rtn_km, np.eye(6) * 1e-6)
    cases = [
        (_mini(extra="RELATIVE_SPEED = 10 [km/s]\n"), "RELATIVE_SPEED", 7, "unit [km/s] is not the CDM unit [m/s]"),
        (_mini(extra="MISS_DISTANCE = 5 [m]\n"), "MISS_DISTANCE", 7, "appears twice (first on line 6)"),
        (_mini(extra="OBJECT_TYPE = SPACESHIP\n"), "OBJECT_TYPE", 7, "object keyword before"),
        (_mini(state=STATE + "TCA = 2024-01-02T03:04:05\n"), "TCA", 22, "out of place"),
        (_mini(cov=COV + "CSRP_R = 1\n"), "CDRG_R", 43, "lacks CDRG_R"),
        (_mini(extra="COLLISION_PROBABILITY = abc\n"), "COLLISION_PROBABILITY", 7, "is not a number"),
        (_mini().replace("MANEUVERABLE = NO", "MANEUVERABLE = MAYBE", 1), "MANEUVERABLE", 14, "not one of"),
        (_mini().replace("2024-01-02T03:04:05.5", "2024-13-02T03:04:05.5"), "TCA", 5, "month 13"),
    ]
    for text, keyword, line, reason in cases:
        with pytest.raises(CDMError) as err:
            parse_cdm(text, source="mini.cdm")
        e = err.value
        assert (e.keyword, e.line) == (keyword, line) and reason in e.reason, str(e)


def test_day_of_year_epochs_and_xml_errors():
    c = parse_cdm(_mini().replace("2024-01-02T03:04:05.5", "2024-002T03:04:05.5"))
    assert c.tca == np.datetime64("2024-01-02T03:04:05.500", "ns")
    x = write_cdm(c, "xml")
    with pytest.raises(CDMError) as err:
        parse_cdm(x.replace("<MISS_DISTANCE units=\"m\">", "<MISS_DISTANCE units=\"km\">"))
    assert err.value.keyword == "MISS_DISTANCE" and "unit" in err.value.reason and err.value.line > 1
    with pytest.raises(CDMError) as err:
        parse_cdm(x.replace("<TCA>", "<TCAX>").replace("</TCA>", "</TCAX>"))
    assert err.value.keyword == "TCAX" and "not a CDM keyword" in err.value.reason
    with pytest.raises(CDMError) as err:
        parse_cdm(x[: len(x) // 2])
    assert "not well-formed" in err.value.reason
