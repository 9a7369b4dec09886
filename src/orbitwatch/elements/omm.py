"""CCSDS Orbit Mean-elements Messages (OMM, CCSDS 502.0-B-2) in KVN and XML, and the
CelesTrak / Space-Track JSON and CSV renderings of the same keywords.

Only SGP4 mean elements (``MEAN_ELEMENT_THEORY = SGP4``, TEME, UTC) are accepted: other
theories cannot be propagated by this package, and are rejected with that reason.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from typing import Any

import numpy as np

from ..errors import ElementSetError
from ..timeutil import format_iso
from .names import object_type_from_name
from .sets import OBJECT_TYPE_CODES, OBJECT_TYPES, ElementSets, validate_domain
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
_DEFAULTS = {"EPHEMERIS_TYPE": 0, "CLASSIFICATION_TYPE": "U", "ELEMENT_SET_NO": 999, "REV_AT_EPOCH": 0,
             "BSTAR": 0.0, "MEAN_MOTION_DOT": 0.0, "MEAN_MOTION_DDOT": 0.0, "CENTER_NAME": "EARTH",
             "REF_FRAME": "TEME", "TIME_SYSTEM": "UTC", "MEAN_ELEMENT_THEORY": "SGP4"}

_ISO = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2}(?:\.\d*)?)Z?$")
_ISO_DOY = re.compile(r"^(\d{4})-(\d{3})T(\d{2}):(\d{2}):(\d{2}(?:\.\d*)?)Z?$")


def parse_time(text: str) -> np.datetime64:
    """CCSDS time (``YYYY-MM-DDThh:mm:ss[.f]`` or ``YYYY-DDDThh:mm:ss[.f]``) to datetime64[ns]; ValueError if impossible."""
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
def _convert(key: str, raw: Any, source: str, line: int | None, record: int) -> Any:
    col, kind = KEYWORDS[key]
    if kind == "s":
        return "" if raw is None else str(raw).strip()
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if key in REQUIRED:
            raise ElementSetError(source, line, key, "required field is empty", record=record)
        return _DEFAULTS.get(key)
    try:
        if kind == "f":
            v = float(raw) if not isinstance(raw, str) else float(raw.strip())
            if not math.isfinite(v):
                raise ValueError
            return v
        if kind == "i":
            if isinstance(raw, float) and raw.is_integer():
                return int(raw)
            if isinstance(raw, bool):
                raise ValueError
            return int(str(raw).strip())
        if kind == "t":
            return parse_time(str(raw))
        if kind == "o":
            return OBJECT_TYPE_CODES.get(str(raw).strip().upper(), 0)
    except ElementSetError:
        raise
    except (ValueError, TypeError, OverflowError) as exc:
        what = "impossible epoch" if kind == "t" else "non-numeric field"
        detail = str(exc) if kind == "t" and str(exc) else f"{raw!r}"
        raise ElementSetError(source, line, key, f"{what}: {detail}", record=record) from None
    raise AssertionError(kind)


def _build(records: list[tuple[dict, dict, int]], source: str, strict: bool,
           errors: list[ElementSetError]) -> ParseResult:
    """records: (values by keyword, line numbers by keyword, record index)."""
    good: list[dict] = []
    lines: list[int] = []
    for values, linenos, rec in records:
        first_line = min(linenos.values()) if linenos else None
        try:
            for key in REQUIRED:
                if key not in values:
                    raise ElementSetError(source, first_line, key, "required field is missing", record=rec)
            theory = str(values.get("MEAN_ELEMENT_THEORY", "SGP4")).strip().upper()
            if theory and theory not in ("SGP4", "SGP/SGP4", "SGP4-XP") and not theory.startswith("SGP4"):
                raise ElementSetError(source, linenos.get("MEAN_ELEMENT_THEORY", first_line),
                                      "MEAN_ELEMENT_THEORY", f"unsupported mean element theory {theory!r}",
                                      record=rec)
            conv = {}
            for key, raw in values.items():
                if key in KEYWORDS:
                    conv[key] = _convert(key, raw, source, linenos.get(key, first_line), rec)
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
_KVN_LINE = re.compile(r"^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$")
_UNITS = re.compile(r"\s*\[[^\]]*\]\s*$")


def parse_omm_kvn(text: str, source: str = "<string>", strict: bool = False) -> ParseResult:
    """One or more OMM KVN messages (each begins with ``CCSDS_OMM_VERS``)."""
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
        if line.startswith("COMMENT"):
            if cur is not None:
                comments.append(line[7:].strip())
            continue
        m = _KVN_LINE.match(line)
        if not m:
            e = ElementSetError(source, no, "syntax", f"not a KEY = value line: {line[:60]!r}")
            if strict:
                raise e
            errors.append(e)
            if cur is not None:
                cur["__bad__"] = e
            continue
        key, val = m.group(1), _UNITS.sub("", m.group(2))
        if key == "CCSDS_OMM_VERS":
            if cur is not None:
                records.append((cur, cur_lines, len(records)))
            cur, cur_lines, comments = {}, {"CCSDS_OMM_VERS": no}, []
            cur["COMMENT"] = comments
            continue
        if cur is None:
            e = ElementSetError(source, no, "CCSDS_OMM_VERS", "message does not begin with CCSDS_OMM_VERS")
            if strict:
                raise e
            errors.append(e)
            cur, cur_lines, comments = {"__bad__": e}, {}, []
            cur["COMMENT"] = comments
            continue
        if key not in KEYWORDS and key not in ("USER_DEFINED",) and not key.startswith("USER_DEFINED_"):
            # CCSDS keywords we do not use (covariance, spacecraft parameters, ...) are accepted and ignored
            pass
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


def write_omm_kvn(es: ElementSets) -> str:
    out = []
    for i in range(len(es)):
        d = _record_dict(es, i)
        out.append("CCSDS_OMM_VERS = 2.0")
        out.append(f"CREATION_DATE  = {d.pop('CREATION_DATE', '')}")
        out.append(f"ORIGINATOR     = {d.pop('ORIGINATOR', '')}")
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
        comments = []
        for el in omm.iter():
            name = local(el.tag)
            if name == "COMMENT":
                comments.append((el.text or "").strip())
            elif name in KEYWORDS and len(el) == 0:
                values[name] = el.text
                linenos[name] = el.sourceline
        values["COMMENT"] = " ".join(c for c in comments if c)
        records.append((values, linenos, rec))
    if not omms:
        e = ElementSetError(source, root.sourceline, "omm", "no <omm> element found")
        if strict:
            raise e
        errors.append(e)
    return _build(records, source, strict, errors)


def write_omm_xml(es: ElementSets) -> str:
    from xml.sax.saxutils import escape

    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<ndm xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
           'xsi:noNamespaceSchemaLocation="https://sanaregistry.org/r/ndmxml/ndmxml-1.0-master.xsd">']
    for i in range(len(es)):
        d = {k: escape(str(v)) for k, v in _record_dict(es, i).items()}
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
        values = {str(k).upper(): v for k, v in obj.items() if str(k).upper() in KEYWORDS}
        for k, v in values.items():
            if v is not None and not isinstance(v, (str, int, float)):
                values[k] = repr(v)  # will fail conversion with a clear message
        records.append((values, {}, rec))
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
            values = {h: v for h, v in zip(header, row) if h in KEYWORDS}
            records.append((values, {k: no for k in values}, rec))
    except csv.Error as exc:
        e = ElementSetError(source, reader.line_num, "csv", f"unreadable CSV: {exc}")
        if strict:
            raise e from None
        errors.append(e)
    return _build(records, source, strict, errors)


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
