"""TLE/3LE reading and writing: real catalogs, every rejection reason, round trips field by field."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from orbitwatch.elements import (alpha5_decode, alpha5_encode, checksum, format_elements,
                                 parse_elements, parse_tle, read_elements)
from orbitwatch.errors import DataError, ElementSetError, InputFileError

# CelesTrak's ISS element set, 2008 day 264 (the example on CelesTrak's "NORAD Two-Line Element Set
# Format" page, T.S. Kelso); used because every field is published with it.
ISS = """ISS (ZARYA)
1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927
2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537
"""


def _lines(text):
    return text.strip("\n").split("\n")


def test_iss_fields_match_the_published_description():
    es = parse_tle(ISS, strict=True).elements
    assert len(es) == 1
    assert es.norad_id[0] == 25544
    assert es.name[0] == "ISS (ZARYA)"
    assert es.intl_designator[0] == "1998-067A"
    assert es.classification[0] == "U"
    # epoch 08264.51782528 = 2008-09-20 12:25:40.104192 UTC
    assert es.epoch[0] == np.datetime64("2008-09-20T12:25:40.104192", "ns")
    assert es.mean_motion_dot[0] == pytest.approx(-0.00002182, abs=0)
    assert es.mean_motion_ddot[0] == 0.0
    assert es.bstar[0] == pytest.approx(-0.11606e-4, rel=1e-15)
    assert es.element_set_no[0] == 292
    assert es.inclination_deg[0] == 51.6416
    assert es.raan_deg[0] == 247.4627
    assert es.eccentricity[0] == pytest.approx(0.0006703, rel=1e-15)
    assert es.arg_perigee_deg[0] == 130.5360
    assert es.mean_anomaly_deg[0] == 325.0288
    assert es.mean_motion_rev_per_day[0] == 15.72125391
    assert es.rev_at_epoch[0] == 56353
    assert es.object_type[0] == 1


def test_checksum_and_alpha5():
    l1, l2 = _lines(ISS)[1:]
    assert checksum(l1) == int(l1[68])
    assert checksum(l2) == int(l2[68])
    # Alpha-5 (Space-Track): A=10 ... skipping I and O; T0000 = 270000, Z9999 = 339999
    assert alpha5_decode("T0000") == 270000
    assert alpha5_decode("A0000") == 100000
    assert alpha5_decode("J0001") == 180001
    assert alpha5_decode("Z9999") == 339999
    assert alpha5_decode("25544") == 25544
    for n in (0, 5, 99999, 100000, 180001, 270288, 339999):
        assert alpha5_decode(alpha5_encode(n)) == n
    with pytest.raises(ValueError):
        alpha5_encode(340000)
    with pytest.raises(ValueError):
        alpha5_decode("I0000")


def test_three_layouts_give_the_same_records():
    name, l1, l2 = _lines(ISS)
    two = parse_tle(f"{l1}\n{l2}\n", strict=True).elements
    three = parse_tle(f"0 {name}\n{l1}\n{l2}\n", strict=True).elements
    celestrak = parse_tle(f"{name:<24}\r\n{l1}\r\n{l2}\r\n", strict=True).elements
    assert two.name[0] == ""
    assert three.name[0] == celestrak.name[0] == name
    assert two.equals(three, ignore=("source_line", "name", "object_type"))
    assert three.equals(celestrak)


def test_full_catalog_reads_completely(shared_data):
    res = read_elements(shared_data / "catalog" / "full-catalog-2023-10-09.3le", strict=True)
    es = res.elements
    assert len(es) == 26140 and not res.rejected
    # the data README: 11,535 debris ("DEB" names), 2,135 rocket bodies ("R/B"), 266 Alpha-5 T-numbers
    assert np.sum(np.char.find(es.name, "DEB") >= 0) == 11535
    assert np.sum(np.char.find(es.name, "R/B") >= 0) == 2135
    assert np.sum((es.norad_id >= 270000) & (es.norad_id < 280000)) == 266
    assert (es.object_type == 3).sum() >= 11535
    assert (es.object_type == 2).sum() >= 2135
    assert es.norad_id[es.name == "ISS (ZARYA)"][0] == 25544


@pytest.mark.parametrize("fname", ["active-2025-09-28.tle", "payloads-2026-06-10.3le"])
def test_other_catalogs_read(shared_data, fname):
    res = read_elements(shared_data / "catalog" / fname, strict=True)
    assert len(res.elements) > 12000


def test_round_trip_full_catalog_field_by_field(shared_data):
    es = read_elements(shared_data / "catalog" / "full-catalog-2023-10-09.3le").elements
    for fmt in ("3le", "celestrak"):
        back = parse_tle(format_elements(es, fmt), strict=True).elements
        for col in es.column_names():
            if col == "source_line":
                continue
            a, b = getattr(es, col), getattr(back, col)
            if a.dtype.kind == "M":
                assert np.array_equal(a.astype(np.int64), b.astype(np.int64)), col
            else:
                assert np.array_equal(a, b), f"{fmt}: column {col} changed"
    # and the re-written lines are the originals, but for the optional zero-padding of the
    # catalog number and the sign of zero exponent fields
    src = (shared_data / "catalog" / "full-catalog-2023-10-09.3le").read_text().splitlines()
    out = format_elements(es, "3le").splitlines()
    same = sum(a.rstrip() == b for a, b in zip(src, out))
    assert same / len(src) > 0.95


def _bad(line1=None, line2=None):
    name, l1, l2 = _lines(ISS)
    return f"{name}\n{line1 or l1}\n{line2 or l2}\n"


def _fix_ck(line):
    return line[:68] + str(checksum(line))


@pytest.mark.parametrize("make, field, reason", [
    (lambda l1, l2: (l1[:68] + "0", l2), "checksum", "checksum is '0', computed 7"),
    (lambda l1, l2: (l1[:60], l2), "line 1", "wrong line length: 60 characters"),
    (lambda l1, l2: (l1, _fix_ck(l2[:8] + " 51.6x16" + l2[16:])), "inclination", "non-numeric field"),
    (lambda l1, l2: (l1, _fix_ck(l2[:2] + "25545" + l2[7:])), "catalog number", "differs from line 1"),
    (lambda l1, l2: (_fix_ck(l1[:18] + "08400.51782528" + l1[32:]), l2), "epoch", "impossible epoch: day 400"),
    (lambda l1, l2: (l1, _fix_ck(l2[:52] + " 0.00000000" + l2[63:])), "mean_motion", "not positive"),
    (lambda l1, l2: (_fix_ck(l1[:53] + "-1160a-4" + l1[61:]), l2), "bstar", "non-numeric field"),
])
def test_each_rejection_names_line_field_and_reason(make, field, reason):
    name, l1, l2 = _lines(ISS)
    b1, b2 = make(l1, l2)
    two = f"TWO\n{_fix_ck(l1.replace('25544', '25545'))}\n{_fix_ck(l2.replace('25544', '25545'))}\n"
    text = f"{name}\n{b1}\n{b2}\n{two}"
    res = parse_tle(text, "bad.tle")
    assert len(res.rejected) == 1
    err = res.rejected[0]
    assert isinstance(err, ElementSetError)
    assert err.source == "bad.tle"
    assert err.field == field
    assert reason in err.reason
    assert err.line in (2, 3)
    assert str(err).startswith(f"bad.tle:{err.line}: {field}:")
    # the good record after it still loads
    assert len(res.elements) == 1 and res.elements.norad_id[0] == 25545
    with pytest.raises(ElementSetError) as exc:
        parse_tle(text, "bad.tle", strict=True)
    assert exc.value.field == field


def test_eccentricity_above_one_cannot_be_written_but_is_rejected_on_read():
    # a 7-digit implied-decimal eccentricity cannot exceed 0.9999999 in a TLE; OMM can say 1.2
    res = parse_elements(
        "OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,ARG_OF_PERICENTER,"
        "MEAN_ANOMALY,NORAD_CAT_ID\nX,2000-001A,2020-01-01T00:00:00,15.0,1.2,51.0,10.0,10.0,10.0,99\n",
        "omm-csv", source="e.csv")
    assert len(res.elements) == 0
    assert res.rejected[0].field == "ECCENTRICITY" and "outside [0, 1)" in res.rejected[0].reason
    assert res.rejected[0].line == 2


def test_structural_errors_are_reported():
    name, l1, l2 = _lines(ISS)
    res = parse_tle(f"{name}\n{l1}\nSOMETHING ELSE\n{l2}\nLONELY NAME\n", "s.tle")
    fields = sorted(e.field for e in res.rejected)
    assert "line 2" in fields and "line 1" in fields
    assert len(res.elements) == 0


def test_empty_input():
    assert len(parse_tle("").elements) == 0
    assert parse_tle("\n\n").rejected == []


def test_implied_decimal_fields_are_correctly_rounded(shared_data):
    """B* and n-ddot equal float() of the decimal they write, bit for bit."""
    path = shared_data / "catalog" / "full-catalog-2023-10-09.3le"
    es = read_elements(path).elements
    line1 = path.read_text().splitlines()[1::3]

    def dec(s):
        return float(s[0].replace(" ", "").replace("+", "") + "0." + s[1:6] + "e" + s[6:8].replace(" ", "+"))

    assert np.array_equal(es.bstar, [dec(x[53:61]) for x in line1])
    assert np.array_equal(es.mean_motion_ddot, [dec(x[44:52]) for x in line1])


# ------------------------------------------------------------------ whole files that are not element sets
def _refused(path_or_text, *words, fmt=None, source=None):
    """The input is refused at once as one InputFileError, in strict and non-strict mode alike."""
    for strict in (False, True):
        with pytest.raises(InputFileError) as info:
            if source is None:
                read_elements(path_or_text, format=fmt, strict=strict)
            else:
                parse_elements(path_or_text, fmt, source=source, strict=strict)
        err = info.value
        assert isinstance(err, DataError) and not isinstance(err, ElementSetError)
        assert err.source == str(source or path_or_text)
        assert all(w in err.reason for w in words), err.reason
        assert len(str(err)) < 300
    return err


def test_binary_and_wrongly_encoded_files_are_refused_at_once(tmp_path):
    text = ISS * 20
    (tmp_path / "u16.tle").write_text(text, encoding="utf-16")
    _refused(tmp_path / "u16.tle", "UTF-16", "byte-order mark")
    (tmp_path / "u16le.tle").write_bytes(text.encode("utf-16-le"))
    _refused(tmp_path / "u16le.tle", "UTF-16", "without a byte-order mark")
    (tmp_path / "bin.tle").write_bytes(bytes(range(256)) * 40)
    _refused(tmp_path / "bin.tle", "binary")
    (tmp_path / "z.tle").write_bytes(b"PK\x03\x04" + bytes(200))
    _refused(tmp_path / "z.tle", "binary", "ZIP")
    (tmp_path / "latin1.tle").write_bytes(text.replace("ISS (ZARYA)", "CAF\u00c9").encode("latin-1"))
    _refused(tmp_path / "latin1.tle", "not UTF-8", "line 1")
    (tmp_path / "bad.tle.gz").write_bytes(gzip.compress(text.encode())[:60])
    _refused(tmp_path / "bad.tle.gz", "gzip", "fails")
    # a UTF-8 byte-order mark is fine
    (tmp_path / "bom.tle").write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert len(read_elements(tmp_path / "bom.tle", strict=True).elements) == 20


def test_other_ccsds_messages_are_named(shared_data):
    _refused(shared_data / "odm" / "oem" / "ISS.resampled.truncated.txt", "CCSDS OEM ephemeris", "not element sets")
    _refused(shared_data / "odm" / "oem" / "OEMExample3.xml", "CCSDS OEM ephemeris")
    _refused(shared_data / "odm" / "oem" / "OEMExampleWithHeaderComment.txt", "CCSDS OEM")
    _refused(shared_data / "odm" / "opm" / "502x0b2c1e2_fig3_2_opm.kvn", "CCSDS OPM")
    _refused(shared_data / "cdm" / "examples" / "CDMExample1.txt", "CCSDS CDM")
    _refused(shared_data / "cdm" / "examples" / "CDMExample1.xml", "CCSDS CDM")
    # even when a format is forced
    _refused(shared_data / "odm" / "oem" / "ISS.resampled.truncated.txt", "OEM", fmt="tle")


def test_files_without_element_sets_say_so(tmp_path, shared_data):
    (tmp_path / "empty.tle").write_text("")
    _refused(tmp_path / "empty.tle", "no element sets", "empty")
    (tmp_path / "blank.3le").write_text("\n  \n\t\n")
    _refused(tmp_path / "blank.3le", "no element sets")
    (tmp_path / "readme.txt").write_text("This folder holds\nthe element sets\nof 2023.\n")
    _refused(tmp_path / "readme.txt", "no element sets", "3 non-blank line(s)")
    _refused(shared_data / "pc" / "cara-pc-method-results.csv", "NORAD_CAT_ID")
    _refused("[]", "no element sets", fmt="omm-json", source="empty.json")
    _refused('[{"a": 1}, {"b": 2}]', "without any OMM keyword", fmt="omm-json", source="other.json")
    _refused("<root><x/></root>", "without any <omm>", fmt="omm-xml", source="other.xml")
    _refused("OBJECT_NAME,NORAD_CAT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,"
             "ARG_OF_PERICENTER,MEAN_ANOMALY\n", "no element sets", fmt="omm-csv", source="header-only.csv")


def test_a_huge_bad_line_is_quoted_short(tmp_path):
    # a 5 MB line used to be echoed whole in the message (and stored whole in the import log)
    name = "X" * 5_000_000
    text = ISS + f"{name}\n" + ISS.replace("ISS (ZARYA)", "AGAIN")
    res = parse_tle(text, "big.tle")
    (err,) = res.rejected
    assert err.field == "name" and len(str(err)) < 200 and "5000000 characters" in err.reason
    assert len(err.text) <= 200
    long1 = "1 " + " " * 3_000_000 + "x"
    res = parse_elements(ISS + long1 + "\n", "tle", source="long.tle")
    assert len(res.elements) == 1 and len(res.rejected[0].text) <= 200 and len(str(res.rejected[0])) < 200
