"""CCSDS epochs: ``YYYY-MM-DDThh:mm:ss[.d...][Z]`` and ``YYYY-DDDThh:mm:ss[.d...][Z]``, parsed in bulk.

Epochs are kept as ``datetime64[ns]`` *in the message's own time system* (a TAI
epoch stays a TAI epoch; :mod:`orbitwatch.ccsds.timesystems` converts).  Digits
beyond the nanosecond are dropped.  A leap second written ``23:59:60`` is read
as the first instant of the next minute (``datetime64`` has no 61st second).

Uniform columns of epochs (every ephemeris written by a program) are parsed as
one byte matrix, with no Python loop per epoch; anything else falls back to one
regular expression per epoch.

>>> parse_epoch("2004-100T00:00:00")
numpy.datetime64('2004-04-09T00:00:00.000000000')
>>> ts = parse_epochs(["2022-01-17T12:00:00.000", "2022-01-17T12:00:10.000"])
>>> format_epochs(ts, 3)
['2022-01-17T12:00:00.000', '2022-01-17T12:00:10.000']
>>> parse_epoch("2022-13-01T00:00:00")
Traceback (most recent call last):
...
orbitwatch.ccsds.epochs.EpochError: month 13 is not 1..12
"""

from __future__ import annotations

import re

import numpy as np

NS_PER_S = 1_000_000_000
NS_PER_DAY = 86_400 * NS_PER_S

_MIN_YEAR, _MAX_YEAR = 1677, 2262
_EPOCH = re.compile(r"^([+-]?\d{4,})-(?:(\d{2})-(\d{2})|(\d{3}))T(\d{2}):(\d{2}):(\d{2})(?:\.(\d*))?(Z)?$")


class EpochError(ValueError):
    """An epoch that is not a CCSDS calendar or day-of-year time; ``index`` says which one in a batch."""

    def __init__(self, reason: str, text: str = "", index: int | None = None, out_of_range: bool = False):
        self.reason = reason
        self.out_of_range = out_of_range
        self.text = text
        self.index = index
        super().__init__(reason)


def _month_start_days(year: np.ndarray, month: np.ndarray) -> np.ndarray:
    months = (year - 1970) * 12 + (month - 1)
    return months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _year_start_days(year: np.ndarray) -> np.ndarray:
    return (year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)


def _frac_ns(digits: str) -> int:
    return int((digits + "000000000")[:9]) if digits else 0


def parse_epoch(text: str) -> np.datetime64:
    """One epoch as ``datetime64[ns]`` (raises :class:`EpochError` with the reason)."""
    s = str(text).strip()
    m = _EPOCH.match(s)
    if m is None:
        raise EpochError("not a CCSDS epoch (YYYY-MM-DDThh:mm:ss[.d] or YYYY-DDDThh:mm:ss[.d])", s)
    year_s, mon_s, day_s, doy_s, hh, mm, ss, frac, _z = m.groups()
    if not _MIN_YEAR <= int(year_s) <= _MAX_YEAR:
        raise EpochError(f"year {year_s} is outside {_MIN_YEAR}..{_MAX_YEAR}, the span nanosecond times hold",
                         s, out_of_range=True)
    year = np.array([int(year_s)], dtype=np.int64)
    h, mi, sec = int(hh), int(mm), int(ss)
    if h > 23:
        raise EpochError(f"hour {h} is not 0..23", s)
    if mi > 59:
        raise EpochError(f"minute {mi} is not 0..59", s)
    if sec > 60:
        raise EpochError(f"second {sec} is not 0..60", s)
    if doy_s is not None:
        doy = int(doy_s)
        start = _year_start_days(year)[0]
        length = _year_start_days(year + 1)[0] - start
        if not 1 <= doy <= length:
            raise EpochError(f"day of year {doy} is not 1..{length}", s)
        days = start + doy - 1
    else:
        mon, day = int(mon_s), int(day_s)
        if not 1 <= mon <= 12:
            raise EpochError(f"month {mon} is not 1..12", s)
        start = _month_start_days(year, np.array([mon]))[0]
        length = _month_start_days(year + (mon == 12), np.array([mon % 12 + 1]))[0] - start
        if not 1 <= day <= length:
            raise EpochError(f"day {day} is not 1..{length} in month {mon}", s)
        days = start + day - 1
    ns = int(days) * NS_PER_DAY + ((h * 60 + mi) * 60 + sec) * NS_PER_S + _frac_ns(frac or "")
    if not -(2**63) < ns < 2**63:
        raise EpochError("outside the span nanosecond times hold (1677-09-22 .. 2262-04-11)", s, out_of_range=True)
    return np.datetime64(ns, "ns")


def _fast(texts: list[str]) -> np.ndarray | None:
    """Parse equal-width epochs of one layout as a byte matrix; None when they do not qualify."""
    first = texts[0]
    width = len(first)
    if width < 17 or len(set(map(len, texts))) != 1:
        return None
    try:
        raw = "".join(texts).encode("ascii")
    except UnicodeEncodeError:
        return None
    b = np.frombuffer(raw, dtype=np.uint8).reshape(len(texts), width)
    zulu = first.endswith("Z")
    body = width - 1 if zulu else width
    if zulu and not (b[:, width - 1] == ord("Z")).all():
        return None
    if first[4] == "-" and len(first) > 10 and first[10] == "T":
        seps = {4: "-", 7: "-", 10: "T", 13: ":", 16: ":"}
        fields = {"year": (0, 4), "month": (5, 7), "day": (8, 10), "hour": (11, 13), "minute": (14, 16),
                  "second": (17, 19)}
        frac_at = 19
    elif first[4] == "-" and first[8] == "T":
        seps = {4: "-", 8: "T", 11: ":", 14: ":"}
        fields = {"year": (0, 4), "doy": (5, 8), "hour": (9, 11), "minute": (12, 14), "second": (15, 17)}
        frac_at = 17
    else:
        return None
    if body < frac_at or (body > frac_at and first[frac_at] != "."):
        return None
    for pos, ch in seps.items():
        if not (b[:, pos] == ord(ch)).all():
            return None
    if body > frac_at and not (b[:, frac_at] == ord(".")).all():
        return None
    digit_cols = [c for c in range(body) if c not in seps and c != frac_at]
    d = b[:, digit_cols].astype(np.int64) - 48
    if ((d < 0) | (d > 9)).any():
        return None
    col = {c: i for i, c in enumerate(digit_cols)}

    def number(lo: int, hi: int) -> np.ndarray:
        out = np.zeros(len(texts), dtype=np.int64)
        for c in range(lo, hi):
            out = out * 10 + d[:, col[c]]
        return out

    v = {k: number(*span) for k, span in fields.items()}
    if ((v["year"] <= _MIN_YEAR) | (v["year"] >= _MAX_YEAR)).any():
        return None  # near or outside the datetime64[ns] span: the careful path checks it
    if (v["hour"] > 23).any() or (v["minute"] > 59).any() or (v["second"] > 59).any():
        return None  # errors and leap seconds: the careful path explains them
    if "doy" in v:
        start = _year_start_days(v["year"])
        length = _year_start_days(v["year"] + 1) - start
        if ((v["doy"] < 1) | (v["doy"] > length)).any():
            return None
        days = start + v["doy"] - 1
    else:
        mon = v["month"]
        if ((mon < 1) | (mon > 12)).any():
            return None
        start = _month_start_days(v["year"], mon)
        nxt = _month_start_days(v["year"] + (mon == 12), mon % 12 + 1)
        if ((v["day"] < 1) | (v["day"] > nxt - start)).any():
            return None
        days = start + v["day"] - 1
    ns = days * NS_PER_DAY + ((v["hour"] * 60 + v["minute"]) * 60 + v["second"]) * NS_PER_S
    nfrac = body - frac_at - 1
    if nfrac > 0:
        frac = number(frac_at + 1, frac_at + 1 + min(nfrac, 9))
        ns = ns + frac * 10 ** (9 - min(nfrac, 9))
    return ns.astype("datetime64[ns]")


def parse_epochs(texts) -> np.ndarray:
    """Many epochs as ``datetime64[ns]``; an :class:`EpochError` names the index of the first bad one."""
    texts = [str(t).strip() for t in texts] if not isinstance(texts, list) else texts
    if not texts:
        return np.empty(0, dtype="datetime64[ns]")
    fast = _fast(texts)
    if fast is not None:
        return fast
    out = np.empty(len(texts), dtype="datetime64[ns]")
    for i, t in enumerate(texts):
        try:
            out[i] = parse_epoch(t)
        except EpochError as exc:
            raise EpochError(exc.reason, exc.text, i, exc.out_of_range) from None
    return out


def decimals_of(text: str) -> int:
    """Fractional-second digits written in an epoch text (``'12:00:00.331'`` -> 3)."""
    s = str(text).strip().rstrip("Z")
    tail = s.rsplit(":", 1)[-1]
    return len(tail.split(".", 1)[1]) if "." in tail else 0


def decimals_needed(times) -> int:
    """Fewest fractional-second digits (0..9) that write every instant exactly."""
    ns = np.asarray(times).astype("datetime64[ns]").astype(np.int64)
    for d in range(10):
        if not (ns % 10 ** (9 - d)).any():
            return d
    return 9


def format_epochs(times, decimals: int | None = None) -> list[str]:
    """Calendar-form epochs (no zone letter) with ``decimals`` digits (default: as few as exact)."""
    t = np.atleast_1d(np.asarray(times).astype("datetime64[ns]"))
    if decimals is None:
        decimals = decimals_needed(t)
    decimals = max(0, min(9, int(decimals)))
    if decimals == 0:
        return list(np.datetime_as_string(t, unit="s"))
    text = np.datetime_as_string(t, unit="ns")
    cut = 9 - decimals
    return [s[:-cut] if cut else s for s in text.tolist()]


def format_epoch(t, decimals: int | None = None) -> str:
    """One calendar-form epoch (see :func:`format_epochs`)."""
    return format_epochs(np.datetime64(t, "ns"), decimals)[0]
