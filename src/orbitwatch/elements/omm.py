"""CCSDS Orbit Mean-elements Messages (OMM, CCSDS 502.0-B-2/B-3) in KVN and XML, and the
CelesTrak / Space-Track JSON and CSV renderings of the same keywords.

Only element sets this package can propagate with SGP4 are accepted: mean elements of
theory SGP4 (or SGP/SGP4, SGP4-XP), in TEME, about the EARTH, with UTC epochs. A record
that states anything else (``REF_FRAME = EME2000``, ``CENTER_NAME = MOON``,
``MEAN_ELEMENT_THEORY = DSST``, ``TIME_SYSTEM = TAI``) is rejected with that reason;
a record that leaves them out (CelesTrak JSON and CSV do) gets those defaults.

Units follow CCSDS 502.0-B-3 (OMM): angles in deg, MEAN_MOTION in rev/day,
MEAN_MOTION_DOT in rev/day**2, MEAN_MOTION_DDOT in rev/day**3, BSTAR in 1/ER,
ECCENTRICITY and the TLE integers without units. A unit stated with a value (``[rad]``
in KVN, ``units="rad"`` in XML, ``"1.698 [rad]"`` as a JSON or CSV string) is checked:
radians are converted to degrees, any other unit than the standard one is rejected
with file, line, field and reason. Values are always stored in the standard units.

>>> kvn = KVN_EXAMPLE.replace("INCLINATION    = 97.2970 [deg]", "INCLINATION    = 1.69815 [rad]")
>>> round(float(parse_omm_kvn(kvn).elements.inclination_deg[0]), 4)
97.2968
>>> res = parse_omm_kvn(KVN_EXAMPLE.replace("= TEME", "= EME2000"), "eme.kvn")
>>> len(res.elements), str(res.rejected[0])
(0, "eme.kvn:7: REF_FRAME: reference frame 'EME2000' is not TEME: SGP4 mean elements are in TEME, so ...")
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from typing import Any

import numpy as np

from ..errors import ElementSetError, InputFileError
from ..timeutil import as_datetime64, format_iso
from .names import object_type_from_name
from .sets import OBJECT_TYPE_CODES, OBJECT_TYPES, ElementSets, validate_domain
from .text import clip, quote
from .tle import ParseResult

#: OMM keyword -> (column, kind). Kinds: f float, i int, s str, t time.
KEYWORDS: dict[str, tuple[str, str]] = {
    "OBJECT_NAME": ("name", "s"),
    "OBJECT_ID": ("intl_designator", "s"),
    "CENTER_NAME": ("center_name", "s"),
    "REF_FRAME": ("ref_frame", "s"),
    "TIME_SYSTEM": ("time_system", "s"),
    "MEAN_ELEMENT_THEORY": ("mean_element_theory", "s"),
    "EPOCH": ("epoch", "t"),
    "MEAN_MOTION": ("mean_motion_rev_per_day", "f"),
    "ECCENTRICITY": ("eccentricity", "f"),
    "INCLINATION": ("inclination_deg", "f"),
    "RA_OF_ASC_NODE": ("raan_deg", "f"),
    "ARG_OF_PERICENTER": ("arg_perigee_deg", "f"),
    "MEAN_ANOMALY": ("mean_anomaly_deg", "f"),
    "EPHEMERIS_TYPE": ("ephemeris_type", "i"),
    "CLASSIFICATION_TYPE": ("classification", "s"),
    "NORAD_CAT_ID": ("norad_id", "i"),
    "ELEMENT_SET_NO": ("element_set_no", "i"),
    "REV_AT_EPOCH": ("rev_at_epoch", "i"),
    "BSTAR": ("bstar", "f"),
    "MEAN_MOTION_DOT": ("mean_motion_dot", "f"),
    "MEAN_MOTION_DDOT": ("mean_motion_ddot", "f"),
    "CREATION_DATE": ("creation_date", "t"),
    "ORIGINATOR": ("originator", "s"),
    "COMMENT": ("comment", "s"),
    "OBJECT_TYPE": ("object_type", "o"),
}
REQUIRED = ("NORAD_CAT_ID", "EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION",
            "RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "MEAN_ANOMALY")
#: Column order CelesTrak uses for its JSON and CSV output.
CELESTRAK_ORDER = ("OBJECT_NAME", "OBJECT_ID", "EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION",
                   "RA_OF_ASC_NODE", "ARG_OF_PERICENTER", "MEAN_ANOMALY", "EPHEMERIS_TYPE",
                   "CLASSIFICATION_TYPE", "NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH", "BSTAR",
                   "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT")
#: accepted as the mean element theory of an SGP4 element set
SGP4_THEORIES = ("SGP4", "SGP/SGP4", "SGP4-XP")
#: what the metadata must say (when given) for SGP4: keyword -> (required value, why)
SGP4_METADATA = {
    "REF_FRAME": ("TEME", "reference frame {v!r} is not TEME: SGP4 mean elements are in TEME, so these "
                          "cannot be propagated with SGP4"),
    "CENTER_NAME": ("EARTH", "center {v!r} is not EARTH: SGP4 mean elements are about the Earth, so these "
                             "cannot be propagated with SGP4"),
    "TIME_SYSTEM": ("UTC", "time system {v!r} is not UTC: SGP4 element-set epochs are UTC"),
}
#: keyword -> (CCSDS 502.0-B-3 unit, {accepted unit spelling (lower case, no spaces): factor to that unit}).
#: ``None`` as the unit: dimensionless, no unit may be stated.
_DEG = {"deg": 1.0, "degree": 1.0, "degrees": 1.0, "\u00b0": 1.0,
        "rad": math.degrees(1.0), "radian": math.degrees(1.0), "radians": math.degrees(1.0)}
_NONE = {"": 1.0, "n/a": 1.0, "-": 1.0, "1": 1.0}
UNITS: dict[str, tuple[str | None, dict[str, float]]] = {
    "INCLINATION": ("deg", _DEG), "RA_OF_ASC_NODE": ("deg", _DEG), "ARG_OF_PERICENTER": ("deg", _DEG),
    "MEAN_ANOMALY": ("deg", _DEG),
    "MEAN_MOTION": ("rev/day", {"rev/day": 1.0, "rev/d": 1.0, "revs/day": 1.0}),
    "MEAN_MOTION_DOT": ("rev/day**2", {"rev/day**2": 1.0, "rev/d**2": 1.0, "revs/day**2": 1.0}),
    "MEAN_MOTION_DDOT": ("rev/day**3", {"rev/day**3": 1.0, "rev/d**3": 1.0, "revs/day**3": 1.0}),
    "BSTAR": ("1/ER", {"1/er": 1.0, "er**-1": 1.0, "1/re": 1.0}),
    "ECCENTRICITY": (None, _NONE), "EPHEMERIS_TYPE": (None, _NONE), "NORAD_CAT_ID": (None, _NONE),
    "ELEMENT_SET_NO": (None, _NONE), "REV_AT_EPOCH": (None, _NONE),
}
#: keywords of other element-set kinds, read only to say why a record cannot be used
_OTHER_KEYWORDS = ("SEMI_MAJOR_AXIS",)

_DEFAULTS = {"EPHEMERIS_TYPE": 0, "CLASSIFICATION_TYPE": "U", "ELEMENT_SET_NO": 999, "REV_AT_EPOCH": 0,
             "BSTAR": 0.0, "MEAN_MOTION_DOT": 0.0, "MEAN_MOTION_DDOT": 0.0, "CENTER_NAME": "EARTH",
             "REF_FRAME": "TEME", "TIME_SYSTEM": "UTC", "MEAN_ELEMENT_THEORY": "SGP4"}

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2}(?:\.\d*)?)Z?$")
_ISO_DOY = re.compile(r"^(\d{4})-(\d{3})T(\d{2}):(\d{2}):(\d{2}(?:\.\d*)?)Z?$")


def parse_time(text: str) -> np.datetime64:
    """CCSDS time (``YYYY-MM-DDThh:mm:ss[.f]`` or ``YYYY-DDDThh:mm:ss[.f]``) to datetime64[ns].

    ValueError if impossible."""
    s = text.strip()
    m = _ISO.match(s)
    if m:
        y, mo, d, hh, mi, sec = m.groups()
        if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31 and int(hh) < 24 and int(mi) < 60 and float(sec) < 61):
            raise ValueError(f"impossible time {text!r}")
        whole, _, frac = sec.partition(".")
        base = np.datetime64(f"{y}-{mo}-{d}T{hh}:{mi}:{whole}", "ns")
        # datetime64 silently accepts day 31 of a 30-day month? it does not: check round trip
        if str(base.astype("datetime64[D]")) != f"{y}-{mo}-{d}":
            raise ValueError(f"impossible date {text!r}")
        ns = int((frac + "000000000")[:9]) if frac else 0
        return base + np.timedelta64(ns, "ns")
    m = _ISO_DOY.match(s)
    if m:
        y, doy, hh, mi, sec = m.groups()
        ndays = 366 if (int(y) % 4 == 0 and int(y) % 100 != 0) or int(y) % 400 == 0 else 365
        if not (1 <= int(doy) <= ndays and int(hh) < 24 and int(mi) < 60 and float(sec) < 61):
            raise ValueError(f"impossible time {text!r}")
        whole, _, frac = sec.partition(".")
        base = (np.datetime64(f"{y}-01-01", "ns") + np.timedelta64(int(doy) - 1, "D")
                + np.timedelta64(int(hh) * 3600 + int(mi) * 60 + int(whole), "s"))
        ns = int((frac + "000000000")[:9]) if frac else 0
        return base + np.timedelta64(ns, "ns")
    raise ValueError(f"not a CCSDS time: {text!r}")


def _format_time(t: np.datetime64) -> str:
    ns = int(np.datetime64(t, "ns").astype(np.int64))
    return format_iso(t, 6 if ns % 1000 == 0 else 9)


def _fmt_float(v: float) -> str:
    r = repr(float(v))
    return r


# ----------------------------------------------------------------------------- record building
def split_unit(value: str) -> tuple[str, str | None]:
    """``"1.698 [rad]"`` -> ``("1.698", "rad")``; a value without brackets has unit None (linear time)."""
    v = value.strip()
    if v.endswith("]"):
        i = v.rfind("[")
        if i >= 0:
            return v[:i].rstrip(), v[i + 1:-1].strip()
    return v, None


def _in_standard_unit(key: str, value: float, unit: str | None, source: str, line: int | None,
                      record: int) -> float:
    """``value`` stated in ``unit``, in the CCSDS unit of ``key`` (or an ElementSetError saying why not)."""
    if unit is None or key not in UNITS:
        return value
    std, accepted = UNITS[key]
    norm = unit.replace(" ", "").replace("^", "**").lower()
    factor = accepted.get(norm)
    if factor is None:
        want = "no unit (it is dimensionless)" if std is None else f"[{std}]"
        raise ElementSetError(source, line, key, f"unit [{clip(unit, 20)}] is not allowed: CCSDS 502.0-B-3 "
                                                 f"gives {key} in {want}", record=record)
    return value * factor


def _convert(key: str, raw: Any, source: str, line: int | None, record: int, unit: str | None = None) -> Any:
    col, kind = KEYWORDS[key]
    if kind == "s":
        return "" if raw is None else str(raw).strip()
    if kind in "fi" and isinstance(raw, str) and unit is None:
        raw, unit = split_unit(raw)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if key in REQUIRED:
            raise ElementSetError(source, line, key, "required field is empty", record=record)
        return _DEFAULTS.get(key)
    try:
        if kind == "f":
            if isinstance(raw, bool):
                raise ValueError
            v = float(raw) if not isinstance(raw, str) else float(raw.strip())
            if not math.isfinite(v):
                raise ValueError
            return _in_standard_unit(key, v, unit, source, line, record)
        if kind == "i":
            if isinstance(raw, bool):
                raise ValueError
            if isinstance(raw, float) and raw.is_integer():
                v = int(raw)
            else:
                v = int(str(raw).strip())
            _in_standard_unit(key, 0.0, unit, source, line, record)
            return v
        if kind == "t":
            return parse_time(str(raw))
        if kind == "o":
            return OBJECT_TYPE_CODES.get(str(raw).strip().upper(), 0)
    except ElementSetError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        what = "impossible epoch" if kind == "t" else "non-numeric field"
        detail = str(exc) if kind == "t" and str(exc) else quote(raw)
        raise ElementSetError(source, line, key, f"{what}: {detail}", record=record) from None
    raise AssertionError(kind)


def _check_sgp4_metadata(values: dict, linenos: dict, first_line: int | None, source: str, rec: int) -> None:
    """Reject a record whose metadata says it is not an SGP4/TEME/EARTH/UTC element set."""
    theory = values.get("MEAN_ELEMENT_THEORY")
    theory = "" if theory is None else str(theory).strip().upper()
    if theory and theory not in SGP4_THEORIES:
        raise ElementSetError(source, linenos.get("MEAN_ELEMENT_THEORY", first_line), "MEAN_ELEMENT_THEORY",
                              f"unsupported mean element theory {quote(theory)}: only SGP4 (or SGP4-XP) mean "
                              "elements can be propagated with SGP4", record=rec)
    for key, (want, why) in SGP4_METADATA.items():
        v = values.get(key)
        v = "" if v is None else str(v).strip()
        if v and v.upper() != want:
            raise ElementSetError(source, linenos.get(key, first_line), key, why.format(v=clip(v, 40)),
                                  record=rec)


def _build(records: list[tuple], source: str, strict: bool,
           errors: list[ElementSetError]) -> ParseResult:
    """records: (values by keyword, line numbers by keyword, record index[, units by keyword])."""
    good: list[dict] = []
    lines: list[int] = []
    for values, linenos, rec, *more in records:
        units = more[0] if more else {}
        first_line = min(linenos.values()) if linenos else None
        try:
            _check_sgp4_metadata(values, linenos, first_line, source, rec)
            for key in REQUIRED:
                if key not in values:
                    if key == "MEAN_MOTION" and "SEMI_MAJOR_AXIS" in values:
                        raise ElementSetError(source, linenos.get("SEMI_MAJOR_AXIS", first_line), key,
                                              "SGP4 element sets give MEAN_MOTION [rev/day]; this record gives "
                                              "SEMI_MAJOR_AXIS instead", record=rec)
                    raise ElementSetError(source, first_line, key, "required field is missing", record=rec)
            conv = {}
            for key, raw in values.items():
                if key in KEYWORDS:
                    conv[key] = _convert(key, raw, source, linenos.get(key, first_line), rec, units.get(key))
            for key, default in _DEFAULTS.items():
                if conv.get(key) is None:
                    conv[key] = default
            # domain checks with the line of the offending keyword
            for key, ok, reason in (
                ("ECCENTRICITY", 0.0 <= conv["ECCENTRICITY"] < 1.0,
                 f"eccentricity {conv['ECCENTRICITY']!r} outside [0, 1)"),
                ("MEAN_MOTION", conv["MEAN_MOTION"] > 0.0,
                 f"mean motion {conv['MEAN_MOTION']!r} rev/day is not positive"),
                ("INCLINATION", 0.0 <= conv["INCLINATION"] <= 180.0,
                 f"inclination {conv['INCLINATION']!r} deg outside [0, 180]"),
                ("NORAD_CAT_ID", 0 <= conv["NORAD_CAT_ID"] < 10**9,
                 f"catalog number {conv['NORAD_CAT_ID']!r} out of range"),
            ):
                if not ok:
                    raise ElementSetError(source, linenos.get(key, first_line), key, reason, record=rec)
        except ElementSetError as e:
            if strict:
                raise
            errors.append(e)
            continue
        good.append(conv)
        lines.append(first_line if first_line is not None else -1)
    if not good:
        return ParseResult(ElementSets.empty(), errors)

    def col(key, dtype=None):
        vals = [g.get(key) for g in good]
        return np.array(vals, dtype=dtype) if dtype else vals

    names = np.array([g.get("OBJECT_NAME") or "" for g in good], dtype=str)
    otype_from_name = object_type_from_name(names)
    otype = np.array([g["OBJECT_TYPE"] if "OBJECT_TYPE" in g and g["OBJECT_TYPE"] is not None else otype_from_name[i]
                      for i, g in enumerate(good)], dtype=np.int8)
    cd = [g.get("CREATION_DATE") for g in good]
    es = ElementSets(
        norad_id=col("NORAD_CAT_ID", np.int64), name=names,
        intl_designator=np.array([g.get("OBJECT_ID") or "" for g in good], dtype=str),
        classification=np.array([(g.get("CLASSIFICATION_TYPE") or "U")[:1] for g in good], dtype="U1"),
        epoch=np.array(col("EPOCH"), dtype="datetime64[ns]"),
        mean_motion_dot=col("MEAN_MOTION_DOT", np.float64), mean_motion_ddot=col("MEAN_MOTION_DDOT", np.float64),
        bstar=col("BSTAR", np.float64), ephemeris_type=col("EPHEMERIS_TYPE", np.int16),
        element_set_no=col("ELEMENT_SET_NO", np.int32),
        inclination_deg=col("INCLINATION", np.float64), raan_deg=col("RA_OF_ASC_NODE", np.float64),
        eccentricity=col("ECCENTRICITY", np.float64), arg_perigee_deg=col("ARG_OF_PERICENTER", np.float64),
        mean_anomaly_deg=col("MEAN_ANOMALY", np.float64), mean_motion_rev_per_day=col("MEAN_MOTION", np.float64),
        rev_at_epoch=col("REV_AT_EPOCH", np.int64), object_type=otype, source_line=np.array(lines),
        center_name=np.array([g.get("CENTER_NAME") or "EARTH" for g in good], dtype=str),
        ref_frame=np.array([g.get("REF_FRAME") or "TEME" for g in good], dtype=str),
        time_system=np.array([g.get("TIME_SYSTEM") or "UTC" for g in good], dtype=str),
        mean_element_theory=np.array([g.get("MEAN_ELEMENT_THEORY") or "SGP4" for g in good], dtype=str),
        originator=np.array([g.get("ORIGINATOR") or "" for g in good], dtype=str),
        comment=np.array([g.get("COMMENT") or "" for g in good], dtype=str),
        creation_date=np.array([np.datetime64("NaT") if c is None else c for c in cd], dtype="datetime64[ns]"),
        source=source,
    )
    okmask, dom = validate_domain(es, source)
    if dom:
        if strict:
            raise dom[0]
        errors.extend(dom)
        es = es[okmask]
    return ParseResult(es, errors)


# ----------------------------------------------------------------------------- KVN
_KEY = re.compile(r"[A-Z0-9_]+")

#: a small valid OMM in KVN (the CCSDS example's NUSAT-8 element set), for examples and tests
KVN_EXAMPLE = """CCSDS_OMM_VERS = 2.0
CREATION_DATE  = 2021-01-01T00:00:00
ORIGINATOR     = EXAMPLE
OBJECT_NAME    = NUSAT-8 (MARIE)
OBJECT_ID      = 2020-003C
CENTER_NAME    = EARTH
REF_FRAME      = TEME
TIME_SYSTEM    = UTC
MEAN_ELEMENT_THEORY = SGP4
EPOCH          = 2020-12-29T11:59:56.951808
MEAN_MOTION    = 15.27990594 [rev/day]
ECCENTRICITY   = .0013363
INCLINATION    = 97.2970 [deg]
RA_OF_ASC_NODE = 66.7438 [deg]
ARG_OF_PERICENTER = 109.4976 [deg]
MEAN_ANOMALY   = 15.7307 [deg]
NORAD_CAT_ID   = 45018
BSTAR          = .83483E-4 [1/ER]
MEAN_MOTION_DOT = .2212E-4 [rev/day**2]
"""


def _kvn_line(line: str) -> tuple[str, str] | None:
    """``KEY = value`` -> (key, value) in linear time (no backtracking regular expression); None if not."""
    key, eq, val = line.partition("=")
    key = key.strip()
    if not eq or not _KEY.fullmatch(key):
        return None
    return key, val.strip()


def parse_omm_kvn(text: str, source: str = "<string>", strict: bool = False) -> ParseResult:
    """One or more OMM KVN messages (each begins with ``CCSDS_OMM_VERS``).

    Units in brackets after a number (``INCLINATION = 97.3 [deg]``) are checked and
    converted (see the module notes); brackets in text values (``OBJECT_NAME =
    STARLINK-11748 [DTC]``) are part of the text.
    """
    errors: list[ElementSetError] = []
    records: list[tuple[dict, dict, int]] = []
    cur: dict | None = None
    cur_lines: dict = {}
    comments: list[str] = []
    header_keys = ("CREATION_DATE", "ORIGINATOR")
    for no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("COMMENT") and (len(line) == 7 or line[7] in " \t"):
            if cur is not None:
                comments.append(line[7:].strip())
            continue
        kv = _kvn_line(line)
        if kv is None:
            e = ElementSetError(source, no, "syntax", f"not a KEY = value line: {quote(line)}", text=clip(raw))
            if strict:
                raise e
            errors.append(e)
            if cur is not None:
                cur["__bad__"] = e
            continue
        key, val = kv
        if key == "CCSDS_OMM_VERS":
            if cur is not None:
                records.append((cur, cur_lines, len(records)))
            cur, cur_lines, comments = {}, {"CCSDS_OMM_VERS": no}, []
            cur["COMMENT"] = comments
            continue
        if cur is None:
            e = ElementSetError(source, no, "CCSDS_OMM_VERS", "message does not begin with CCSDS_OMM_VERS",
                                text=clip(raw))
            if strict:
                raise e
            errors.append(e)
            cur, cur_lines, comments = {"__bad__": e}, {}, []
            cur["COMMENT"] = comments
            continue
        # CCSDS keywords this package does not use (covariance, spacecraft parameters, user-defined
        # ones) are accepted and ignored
        if key in cur and key not in header_keys:
            e = ElementSetError(source, no, key, "keyword appears twice in one message")
            if strict:
                raise e
            cur["__bad__"] = e
        cur[key] = val
        cur_lines[key] = no
    if cur is not None:
        records.append((cur, cur_lines, len(records)))
    clean = []
    for values, linenos, rec in records:
        if "__bad__" in values:
            if values["__bad__"] not in errors:
                errors.append(values["__bad__"])
            continue
        values["COMMENT"] = " ".join(values.get("COMMENT") or [])
        clean.append((values, linenos, rec))
    return _build(clean, source, strict, errors)


#: who the CCSDS header names as the originator of messages this package writes
DEFAULT_ORIGINATOR = "orbitwatch"


def _header(es: ElementSets, originator: str | None, creation_date) -> tuple[list[str], list[str]]:
    """CREATION_DATE and ORIGINATOR of each record: the caller's, else the record's own, else now / orbitwatch."""
    n = len(es)
    if creation_date is not None:
        dates = [_format_time(as_datetime64(creation_date))] * n
    else:
        now = None
        dates = []
        for i in range(n):
            cd = es.creation_date[i]
            if np.isnat(cd):
                if now is None:
                    now = _format_time(np.datetime64(_utc_now_us(), "us"))
                dates.append(now)
            else:
                dates.append(_format_time(cd))
    if originator is not None:
        who = [str(originator)] * n
    else:
        who = [str(o) or DEFAULT_ORIGINATOR for o in es.originator]
    return dates, who


def _utc_now_us() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).replace(tzinfo=None).isoformat(timespec="microseconds")


def write_omm_kvn(es: ElementSets, *, originator: str | None = None, creation_date=None) -> str:
    """OMM KVN messages, one per record.

    The header is always filled, as CCSDS requires: ``CREATION_DATE`` is
    ``creation_date`` when given, else the record's own (from the OMM it was read
    from), else now (UTC); ``ORIGINATOR`` likewise ``originator``, the record's own,
    else ``"orbitwatch"``.

    >>> es = parse_omm_kvn(KVN_EXAMPLE).elements
    >>> print(write_omm_kvn(es, originator="ME", creation_date="2024-01-02T03:04:05").splitlines()[1])
    CREATION_DATE  = 2024-01-02T03:04:05.000000
    """
    out = []
    dates, who = _header(es, originator, creation_date)
    for i in range(len(es)):
        d = _record_dict(es, i)
        d.pop("CREATION_DATE", None)
        d.pop("ORIGINATOR", None)
        out.append("CCSDS_OMM_VERS = 2.0")
        out.append(f"CREATION_DATE  = {dates[i]}")
        out.append(f"ORIGINATOR     = {_one_line(who[i])}")
        out.append("")
        comment = d.pop("COMMENT", "")
        if comment:
            out.append(f"COMMENT {comment}")
        for key in ("OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "TIME_SYSTEM", "MEAN_ELEMENT_THEORY"):
            out.append(f"{key:<19} = {d[key]}")
        out.append("")
        for key in ("EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE",
                    "ARG_OF_PERICENTER", "MEAN_ANOMALY"):
            unit = {"MEAN_MOTION": " [rev/day]", "INCLINATION": " [deg]", "RA_OF_ASC_NODE": " [deg]",
                    "ARG_OF_PERICENTER": " [deg]", "MEAN_ANOMALY": " [deg]"}.get(key, "")
            out.append(f"{key:<19} = {d[key]}{unit}")
        out.append("")
        for key in ("EPHEMERIS_TYPE", "CLASSIFICATION_TYPE", "NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH",
                    "BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT"):
            unit = {"BSTAR": " [1/ER]", "MEAN_MOTION_DOT": " [rev/day**2]",
                    "MEAN_MOTION_DDOT": " [rev/day**3]"}.get(key, "")
            out.append(f"{key:<19} = {d[key]}{unit}")
        out.append("")
    return "\n".join(out)


# ----------------------------------------------------------------------------- XML
def parse_omm_xml(text: str | bytes, source: str = "<string>", strict: bool = False) -> ParseResult:
    """OMM XML: a bare ``<omm>`` or an ``<ndm>`` holding many (CelesTrak style)."""
    from lxml import etree

    errors: list[ElementSetError] = []
    data = text.encode("utf-8") if isinstance(text, str) else text
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        e = ElementSetError(source, getattr(exc, "lineno", None), "xml", f"not well-formed XML: {exc.msg}")
        if strict:
            raise e from None
        return ParseResult(ElementSets.empty(), [e])
    except ValueError as exc:  # e.g. unicode strings with encoding declarations
        e = ElementSetError(source, None, "xml", f"unreadable XML: {exc}")
        if strict:
            raise e from None
        return ParseResult(ElementSets.empty(), [e])

    def local(tag) -> str:
        return etree.QName(tag).localname if isinstance(tag, str) else ""

    omms = [root] if local(root.tag) == "omm" else [el for el in root.iter() if local(el.tag) == "omm"]
    records = []
    for rec, omm in enumerate(omms):
        values: dict[str, Any] = {}
        linenos: dict[str, int] = {"omm": omm.sourceline}
        units: dict[str, str] = {}
        comments = []
        for el in omm.iter():
            name = local(el.tag)
            if name == "COMMENT":
                comments.append((el.text or "").strip())
            elif (name in KEYWORDS or name in _OTHER_KEYWORDS) and len(el) == 0:
                values[name] = el.text
                linenos[name] = el.sourceline
                if el.get("units") is not None:
                    units[name] = el.get("units")
        values["COMMENT"] = " ".join(c for c in comments if c)
        records.append((values, linenos, rec, units))
    if not omms:
        raise InputFileError(source, f"XML without any <omm> element (the root is <{clip(local(root.tag), 30)}>), "
                                     "not OMM element sets", line=root.sourceline)
    return _build(records, source, strict, errors)


def write_omm_xml(es: ElementSets, *, originator: str | None = None, creation_date=None) -> str:
    """OMM XML: an ``<ndm>`` holding one ``<omm>`` per record; the header as in :func:`write_omm_kvn`."""
    from xml.sax.saxutils import escape

    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<ndm xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:noNamespaceSchemaLocation="https://sanaregistry.org/r/ndmxml/ndmxml-1.0-master.xsd">']
    dates, who = _header(es, originator, creation_date)
    for i in range(len(es)):
        d = {k: escape(str(v)) for k, v in _record_dict(es, i).items()}
        d["CREATION_DATE"], d["ORIGINATOR"] = dates[i], escape(who[i])
        out.append('  <omm id="CCSDS_OMM_VERS" version="2.0">')
        out.append("    <header>")
        if d.get("COMMENT"):
            out.append(f"      <COMMENT>{d['COMMENT']}</COMMENT>")
        out.append(f"      <CREATION_DATE>{d.get('CREATION_DATE', '')}</CREATION_DATE>")
        out.append(f"      <ORIGINATOR>{d.get('ORIGINATOR', '')}</ORIGINATOR>")
        out.append("    </header>")
        out.append("    <body><segment>")
        out.append("      <metadata>")
        for k in ("OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "TIME_SYSTEM", "MEAN_ELEMENT_THEORY"):
            out.append(f"        <{k}>{d[k]}</{k}>")
        out.append("      </metadata>")
        out.append("      <data>")
        out.append("        <meanElements>")
        for k in ("EPOCH", "MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE",
                  "ARG_OF_PERICENTER", "MEAN_ANOMALY"):
            out.append(f"          <{k}>{d[k]}</{k}>")
        out.append("        </meanElements>")
        out.append("        <tleParameters>")
        for k in ("EPHEMERIS_TYPE", "CLASSIFICATION_TYPE", "NORAD_CAT_ID", "ELEMENT_SET_NO", "REV_AT_EPOCH",
                  "BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT"):
            out.append(f"          <{k}>{d[k]}</{k}>")
        out.append("        </tleParameters>")
        out.append("      </data>")
        out.append("    </segment></body>")
        out.append("  </omm>")
    out.append("</ndm>")
    return "\n".join(out) + "\n"


# ----------------------------------------------------------------------------- JSON / CSV
def parse_omm_json(text: str | bytes, source: str = "<string>", strict: bool = False) -> ParseResult:
    """CelesTrak / Space-Track GP JSON: a list of objects keyed by OMM keywords (numbers or strings)."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        line = getattr(exc, "lineno", None)
        e = ElementSetError(source, line, "json", f"not valid JSON: {getattr(exc, 'msg', exc)}")
        if strict:
            raise e from None
        return ParseResult(ElementSets.empty(), [e])
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        e = ElementSetError(source, None, "json", "expected a list of OMM objects")
        if strict:
            raise e
        return ParseResult(ElementSets.empty(), [e])
    records = []
    errors: list[ElementSetError] = []
    for rec, obj in enumerate(data):
        if not isinstance(obj, dict):
            e = ElementSetError(source, None, "json", f"record {rec} is not an object", record=rec)
            if strict:
                raise e
            errors.append(e)
            continue
        values = {str(k).upper(): v for k, v in obj.items()
                  if str(k).upper() in KEYWORDS or str(k).upper() in _OTHER_KEYWORDS}
        for k, v in values.items():
            if v is not None and not isinstance(v, (str, int, float)):
                values[k] = repr(v)  # will fail conversion with a clear message
        records.append((values, {}, rec))
    if records and not any(v for v, *_ in records):
        raise InputFileError(source, f"JSON objects without any OMM keyword ({', '.join(REQUIRED[:3])}, ...), "
                                     "not OMM element sets")
    return _build(records, source, strict, errors)


def parse_omm_csv(text: str, source: str = "<string>", strict: bool = False) -> ParseResult:
    """CelesTrak / Space-Track GP CSV: a header row of OMM keywords, one record per row."""
    errors: list[ElementSetError] = []
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        return ParseResult(ElementSets.empty(), [])
    except csv.Error as exc:
        e = ElementSetError(source, 1, "csv", f"unreadable CSV: {exc}")
        if strict:
            raise e from None
        return ParseResult(ElementSets.empty(), [e])
    header = [h.strip().upper().lstrip("\ufeff") for h in header]
    if not any(h in KEYWORDS for h in header):
        raise InputFileError(source, f"CSV whose header names no OMM keyword ({', '.join(REQUIRED[:3])}, ...), "
                                     f"not OMM element sets: {quote(','.join(header))}", line=1)
    missing = [k for k in REQUIRED if k not in header]
    if missing and not (missing == ["MEAN_MOTION"] and "SEMI_MAJOR_AXIS" in header):
        # every row would be rejected for the same reason: say it once
        raise InputFileError(source, f"the CSV header lacks the OMM column(s) {', '.join(missing)} that every "
                                     "element set needs", field="header", line=1)
    records = []
    try:
        for rec, row in enumerate(reader):
            no = reader.line_num
            if not any(c.strip() for c in row):
                continue
            if len(row) != len(header):
                e = ElementSetError(source, no, "csv", f"{len(row)} columns, header has {len(header)}", record=rec)
                if strict:
                    raise e
                errors.append(e)
                continue
            values = {h: v for h, v in zip(header, row) if h in KEYWORDS or h in _OTHER_KEYWORDS}
            records.append((values, {k: no for k in values}, rec))
    except csv.Error as exc:
        e = ElementSetError(source, reader.line_num, "csv", f"unreadable CSV: {exc}")
        if strict:
            raise e from None
        errors.append(e)
    return _build(records, source, strict, errors)


def _one_line(text: str) -> str:
    """A text value on one KVN line (line breaks would start a new keyword)."""
    return " ".join(str(text).split()) if ("\n" in text or "\r" in text) else text


def _record_dict(es: ElementSets, i: int) -> dict[str, Any]:
    cd = es.creation_date[i]
    return {
        "OBJECT_NAME": str(es.name[i]), "OBJECT_ID": str(es.intl_designator[i]),
        "CENTER_NAME": str(es.center_name[i]), "REF_FRAME": str(es.ref_frame[i]),
        "TIME_SYSTEM": str(es.time_system[i]), "MEAN_ELEMENT_THEORY": str(es.mean_element_theory[i]),
        "EPOCH": _format_time(es.epoch[i]),
        "MEAN_MOTION": _fmt_float(es.mean_motion_rev_per_day[i]),
        "ECCENTRICITY": _fmt_float(es.eccentricity[i]), "INCLINATION": _fmt_float(es.inclination_deg[i]),
        "RA_OF_ASC_NODE": _fmt_float(es.raan_deg[i]), "ARG_OF_PERICENTER": _fmt_float(es.arg_perigee_deg[i]),
        "MEAN_ANOMALY": _fmt_float(es.mean_anomaly_deg[i]), "EPHEMERIS_TYPE": int(es.ephemeris_type[i]),
        "CLASSIFICATION_TYPE": str(es.classification[i]), "NORAD_CAT_ID": int(es.norad_id[i]),
        "ELEMENT_SET_NO": int(es.element_set_no[i]), "REV_AT_EPOCH": int(es.rev_at_epoch[i]),
        "BSTAR": _fmt_float(es.bstar[i]), "MEAN_MOTION_DOT": _fmt_float(es.mean_motion_dot[i]),
        "MEAN_MOTION_DDOT": _fmt_float(es.mean_motion_ddot[i]),
        "CREATION_DATE": "" if np.isnat(cd) else _format_time(cd),
        "ORIGINATOR": str(es.originator[i]), "COMMENT": str(es.comment[i]),
        "OBJECT_TYPE": OBJECT_TYPES[int(es.object_type[i])],
    }


def _json_value(key: str, v: Any) -> Any:
    if key in ("MEAN_MOTION", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE", "ARG_OF_PERICENTER",
               "MEAN_ANOMALY", "BSTAR", "MEAN_MOTION_DOT", "MEAN_MOTION_DDOT"):
        return float(v)
    return v


_EXTRA = ("CENTER_NAME", "REF_FRAME", "TIME_SYSTEM", "MEAN_ELEMENT_THEORY", "OBJECT_TYPE",
          "CREATION_DATE", "ORIGINATOR", "COMMENT")


def write_omm_json(es: ElementSets, indent: int | None = 4) -> str:
    """CelesTrak-style JSON; the CCSDS metadata keys follow the CelesTrak ones."""
    out = []
    for i in range(len(es)):
        d = _record_dict(es, i)
        obj = {k: _json_value(k, d[k]) for k in CELESTRAK_ORDER}
        for k in _EXTRA:
            if d[k] != "":
                obj[k] = d[k]
        out.append(obj)
    return json.dumps(out, indent=indent) + "\n"


def write_omm_csv(es: ElementSets) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = list(CELESTRAK_ORDER) + list(_EXTRA)
    w.writerow(cols)
    for i in range(len(es)):
        d = _record_dict(es, i)
        w.writerow([d[k] for k in cols])
    return buf.getvalue()
