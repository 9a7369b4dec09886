"""Value parsing and whole-message checks shared by the KVN and XML readers."""

from __future__ import annotations

import re

import numpy as np

from .errors import CDMError
from .schema import (ENUMS, KEYWORDS, OBJECT_BLOCKS, RELATIVE_STATE_KEYS, RTN_COV_KEYS, Keyword,
                     block_keywords)

_EPOCH_CAL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z?$")
_EPOCH_DOY = re.compile(r"^(\d{4})-(\d{3})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?Z?$")
_INT = re.compile(r"^[+-]?\d+$")


def parse_epoch(text: str) -> np.datetime64:
    """CCSDS epoch (``YYYY-MM-DDThh:mm:ss[.d...][Z]`` or ``YYYY-DDDThh:mm:ss[.d...]``) as
    ``datetime64[ns]`` UTC; raises ValueError with the reason otherwise."""
    s = text.strip()
    m = _EPOCH_CAL.match(s)
    if m:
        y, mo, d, hh, mm, ss = (int(g) for g in m.groups()[:6])
        frac = m.group(7) or ""
        if not (1 <= mo <= 12):
            raise ValueError(f"month {mo} out of range")
        days_in = [31, 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28, 31, 30, 31, 30,
                   31, 31, 30, 31, 30, 31][mo - 1]
        if not (1 <= d <= days_in):
            raise ValueError(f"day {d} does not exist in {y:04d}-{mo:02d}")
        base = np.datetime64(f"{y:04d}-{mo:02d}-{d:02d}", "ns")
    else:
        m = _EPOCH_DOY.match(s)
        if not m:
            raise ValueError("not a CCSDS epoch (YYYY-MM-DDThh:mm:ss.d or YYYY-DDDThh:mm:ss.d)")
        y, doy, hh, mm, ss = (int(g) for g in m.groups()[:5])
        frac = m.group(6) or ""
        ndays = 366 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 365
        if not (1 <= doy <= ndays):
            raise ValueError(f"day of year {doy} out of range for {y}")
        base = np.datetime64(f"{y:04d}-01-01", "ns") + np.timedelta64(doy - 1, "D")
    if hh > 23 or mm > 59 or ss > 60:
        raise ValueError(f"time {hh:02d}:{mm:02d}:{ss:02d} out of range")
    ns = 0
    if frac:
        digits = frac[1:]
        ns = int((digits + "000000000")[:9]) if digits else 0
        if len(digits) > 9 and digits[9] >= "5":
            ns += 1
    return base + np.timedelta64(hh * 3600 + mm * 60 + ss, "s") + np.timedelta64(ns, "ns")


def format_epoch(t: np.datetime64) -> str:
    """``YYYY-MM-DDThh:mm:ss.fff`` with 3, 6 or 9 fraction digits as needed (no value lost)."""
    t = np.datetime64(t, "ns")
    s = np.datetime_as_string(t, unit="ns")
    head, frac = s.split(".")
    if frac[6:] != "000":
        return f"{head}.{frac}"
    if frac[3:6] != "000":
        return f"{head}.{frac[:6]}"
    return f"{head}.{frac[:3]}"


def format_epoch_z(t) -> str:
    """ISO-8601 UTC with a ``Z`` (``orbitwatch.timeutil.format_iso``), 3, 6 or 9 fraction
    digits as needed: the form results and JSON use.

    >>> format_epoch_z(np.datetime64("2010-03-13T22:37:52.618"))
    '2010-03-13T22:37:52.618Z'
    """
    from ...timeutil import format_iso

    ns = int(np.datetime64(t, "ns").astype(np.int64) % 1_000_000_000)
    digits = 3 if ns % 1_000_000 == 0 else (6 if ns % 1000 == 0 else 9)
    return format_iso(t, digits) + "Z"


def format_float(x: float) -> str:
    """Shortest text that reads back to the same double, CCSDS style (``E`` exponent)."""
    r = repr(float(x))
    if "e" in r:
        mant, exp = r.split("e")
        e = int(exp)
        return f"{mant}E{'-' if e < 0 else '+'}{abs(e):02d}"
    return r


def format_value(kw: Keyword, value) -> str:
    if kw.kind == "epoch":
        return format_epoch(value)
    if kw.kind == "float":
        return format_float(value)
    if kw.kind == "int":
        return str(int(value))
    if kw.kind == "floats":
        return " ".join(format_float(v) for v in value)
    if kw.kind == "ints":
        return " ".join(str(int(v)) for v in value)
    return str(value)


def parse_value(kw: Keyword, text: str, source: str, line: int | None):
    """Typed value of ``text`` for keyword ``kw``; CDMError naming keyword/line/reason."""
    s = text.strip()
    if s == "":
        raise CDMError(source, line, kw.name, "empty value")
    try:
        if kw.kind == "epoch":
            return parse_epoch(s)
        if kw.kind == "float":
            v = float(s)
            if not np.isfinite(v):
                raise ValueError("not finite")
            return v
        if kw.kind == "int":
            if not _INT.match(s):
                raise ValueError("not an integer")
            return int(s)
        if kw.kind == "floats":
            return tuple(float(x) for x in s.replace(",", " ").split())
        if kw.kind == "ints":
            return tuple(int(x) for x in s.replace(",", " ").split())
    except ValueError as exc:
        what = {"epoch": "a CCSDS epoch", "float": "a number", "int": "an integer",
                "floats": "a list of numbers", "ints": "a list of integers"}[kw.kind]
        detail = str(exc)
        if detail.startswith("could not convert") or detail.startswith("invalid literal"):
            detail = ""
        raise CDMError(source, line, kw.name,
                       f"value {s!r} is not {what}" + (f" ({detail})" if detail else "")) from None
    if kw.kind == "enum":
        allowed = ENUMS.get(kw.name)
        if allowed is not None:
            up = s.upper()
            if up not in allowed:
                raise CDMError(source, line, kw.name,
                               f"value {s!r} is not one of {', '.join(allowed)}")
            return up
    return s


def tolerate_partial_relative_state(cdm, warnings) -> None:
    """Tolerant reads: a relative state vector with some of its six keywords missing
    (absent or ``NaN``) is dropped whole, with a warning (orbitwatch computes the
    relative state from the two objects' states when it needs one)."""
    from .tolerant import CdmWarning

    rel = cdm.relative
    present = [k for k in RELATIVE_STATE_KEYS if k in rel]
    if not present or len(present) == len(RELATIVE_STATE_KEYS):
        return
    missing = [k for k in RELATIVE_STATE_KEYS if k not in rel and k not in rel.invalid]
    if not missing:
        return
    line = rel.lines.get(present[0], rel.start_line)
    for k in present:
        rel.values.pop(k, None)
        rel.lines.pop(k, None)
    warnings.append(CdmWarning(cdm.source, line, missing[0],
                               f"the relative state vector is incomplete (no {', '.join(missing)}): it is not used; "
                               f"the relative state is computed from the object states"))


def check_cdm(cdm, problems: list[CDMError] | None = None) -> None:
    """Mandatory keywords, both objects, complete covariance rows, consistent units.

    Raises the first :class:`CDMError`; with a ``problems`` list, appends every one
    instead (a keyword a collecting reader already rejected is not reported again)."""
    def report(err: CDMError) -> None:
        if problems is None:
            raise err
        problems.append(err)

    src = cdm.source
    for kw in block_keywords("header"):
        if kw.mandatory and kw.name not in cdm.header and kw.name not in cdm.header.invalid:
            report(CDMError(src, cdm.header.start_line, kw.name, "mandatory keyword missing from the header"))
    rel = cdm.relative
    for kw in block_keywords("relative"):
        if kw.mandatory and kw.name not in rel and kw.name not in rel.invalid:
            report(CDMError(src, rel.start_line, kw.name,
                            "mandatory keyword missing from the relative metadata/data section"))
    present = [k for k in RELATIVE_STATE_KEYS if k in rel]
    if present and len(present) != len(RELATIVE_STATE_KEYS):
        for missing in (k for k in RELATIVE_STATE_KEYS if k not in rel and k not in rel.invalid):
            report(CDMError(src, rel.lines.get(present[0], rel.start_line), missing,
                            "the relative state vector is incomplete (all six RELATIVE_* keywords are needed)"))
    if len(cdm.objects) != 2:
        report(CDMError(src, None, "OBJECT", f"a CDM has exactly two object segments, found {len(cdm.objects)}"))
        return
    for idx, obj in enumerate(cdm.objects, 1):
        where = obj.start_line
        label = f"OBJECT{idx}"
        meta = obj.blocks.get("metadata")
        if meta is None or "OBJECT" not in meta:
            if meta is None or "OBJECT" not in meta.invalid:
                report(CDMError(src, where, "OBJECT", f"the {label} segment is missing"))
            continue
        if meta["OBJECT"] != label:
            report(CDMError(src, meta.lines.get("OBJECT", where), "OBJECT",
                            f"segment {idx} must be {label}, found {meta['OBJECT']}"))
        for block in OBJECT_BLOCKS:
            b = obj.blocks.get(block)
            what = {"metadata": "metadata", "state": "state vector", "rtn": "RTN covariance"}.get(block, block)
            missing = [kw.name for kw in block_keywords(block)
                       if kw.mandatory and (b is None or (kw.name not in b and kw.name not in b.invalid))]
            if not missing:
                continue
            bl = b.start_line if (b is not None and b.start_line) else where
            if problems is not None and (b is None or (not b.values and not b.invalid)) and len(missing) > 1:
                # a whole block absent: one problem, not one per keyword
                report(CDMError(src, bl, missing[0], f"mandatory keyword missing from the {label} {what} "
                                                     f"(the whole block is absent: {', '.join(missing)})"))
                continue
            for name in missing:
                report(CDMError(src, bl, name, f"mandatory keyword missing from the {label} {what}"))
        cov = obj.blocks.get("rtn")
        if cov is None:
            continue
        # rows of the extended covariance come whole and in order (8x8 needs DRG, 9x9 SRP and THR)
        rows_present = {i for key, i, j in RTN_COV_KEYS if key in cov}
        if not rows_present:
            continue
        nrows = max(rows_present) + 1
        first = next(k for k, ii, jj in RTN_COV_KEYS if ii == nrows - 1 and k in cov)
        for key, i, j in RTN_COV_KEYS:
            if i < nrows and key not in cov and key not in cov.invalid and i >= 6:
                report(CDMError(src, cov.lines.get(first, cov.start_line), key,
                                f"the {label} covariance has row {nrows} but lacks {key} "
                                f"(a {nrows}x{nrows} lower triangle needs all {nrows * (nrows + 1) // 2} terms)"))


def known_keyword(name: str) -> bool:
    return name in KEYWORDS
