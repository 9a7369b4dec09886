"""Fuzzing: whatever the input, the parsers return records or raise a DataError, nothing else.

A bad record is returned in ``rejected`` (or raised as ElementSetError in strict mode); a whole
input that is not element sets (binary, empty, another CCSDS message) raises InputFileError in
either mode. Both are DataErrors (the CLI's exit 65); nothing else may escape.
"""

from __future__ import annotations

import json

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orbitwatch.elements import ElementSets, format_elements, parse_elements, parse_tle
from orbitwatch.errors import ElementSetError, InputFileError

ISS = ("ISS (ZARYA)\n"
       "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927\n"
       "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537\n")
FORMATS = [None, "tle", "omm-kvn", "omm-xml", "omm-json", "omm-csv"]
TLE_ALPHABET = "0123456789 .-+ABCTUXZ\n"

FUZZ = settings(max_examples=int(__import__("os").environ.get("FUZZ_EXAMPLES", 150)), deadline=None,
                suppress_health_check=[HealthCheck.too_slow])


def _check(text, fmt):
    try:
        res = parse_elements(text, fmt, source="fuzz")
    except InputFileError as exc:
        # the whole input is refused, in strict mode too
        assert exc.source == "fuzz" and exc.reason
        try:
            parse_elements(text, fmt, source="fuzz", strict=True)
        except InputFileError:
            return None
        raise AssertionError("strict mode accepted an input non-strict mode refused")
    assert isinstance(res.elements, ElementSets)
    assert all(isinstance(e, ElementSetError) for e in res.rejected)
    es = res.elements
    # whatever loads is physically valid
    assert np.all((es.eccentricity >= 0) & (es.eccentricity < 1))
    assert np.all(es.mean_motion_rev_per_day > 0)
    assert not np.isnat(es.epoch).any()
    try:
        parse_elements(text, fmt, source="fuzz", strict=True)
    except (ElementSetError, InputFileError):
        pass
    return res


@FUZZ
@given(st.text(), st.sampled_from(FORMATS))
def test_arbitrary_text(text, fmt):
    _check(text, fmt)


@FUZZ
@given(st.lists(st.tuples(st.integers(0, len(ISS) - 1), st.sampled_from(TLE_ALPHABET)), max_size=6))
def test_mutated_tle(mutations):
    chars = list(ISS)
    for pos, ch in mutations:
        chars[pos] = ch
    res = _check("".join(chars), "tle")
    if not mutations:
        assert len(res.elements) == 1


@FUZZ
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data):
    for fmt in FORMATS:
        try:
            res = parse_elements(data, fmt, source="bytes")
        except InputFileError:
            continue
        assert isinstance(res.elements, ElementSets)


_json_values = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=True) | st.integers() | st.text(max_size=12),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10)


@FUZZ
@given(st.dictionaries(st.sampled_from(["NORAD_CAT_ID", "EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION",
                                        "RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "MEAN_ANOMALY", "BSTAR",
                                        "OBJECT_NAME", "OBJECT_TYPE"]), _json_values))
def test_json_records_with_wrong_types(overrides):
    base = json.loads(format_elements(parse_tle(ISS).elements, "omm-json"))[0]
    base.update(overrides)
    _check(json.dumps([base]), "omm-json")


@FUZZ
@given(st.sampled_from(["omm-kvn", "omm-xml", "omm-csv"]), st.integers(0, 10_000), st.text(max_size=5))
def test_mutated_omm(fmt, pos, insert):
    text = format_elements(parse_tle(ISS).elements, fmt)
    pos = pos % (len(text) + 1)
    _check(text[:pos] + insert + text[pos:], fmt)
