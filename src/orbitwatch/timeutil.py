"""Time handling: ``datetime64[ns]`` UTC at every boundary.

SGP4 needs minutes since each object's epoch; those are computed from integer
nanoseconds so no precision is lost to a single float Julian date (a float64
JD carries only ~40 microseconds of resolution near the present).
"""

from __future__ import annotations

import datetime as _dt

import numpy as np

NS_PER_S = 1_000_000_000
NS_PER_MIN = 60 * NS_PER_S
NS_PER_DAY = 86_400 * NS_PER_S

#: Julian date of the Unix epoch 1970-01-01T00:00 UTC.
JD_UNIX_EPOCH = 2440587.5


def as_datetime64(t) -> np.ndarray:
    """Convert ISO strings, ``datetime`` objects or ``datetime64`` values to ``datetime64[ns]``.

    Timezone-aware datetimes are converted to UTC; naive ones are taken as UTC.
    A trailing ``Z`` on ISO strings is accepted.
    """
    if isinstance(t, np.ndarray) and t.dtype == "datetime64[ns]":
        return t
    if isinstance(t, np.datetime64):
        return np.asarray(t.astype("datetime64[ns]"))
    if isinstance(t, _dt.datetime):
        if t.tzinfo is not None:
            t = t.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        return np.asarray(np.datetime64(t, "ns"))
    if isinstance(t, str):
        s = t.strip()
        if s.endswith(("Z", "z")):
            s = s[:-1]
        if s.endswith("+00:00"):
            s = s[:-6]
        try:
            return np.asarray(np.datetime64(s, "ns"))
        except ValueError as exc:
            raise ValueError(f"not an ISO-8601 UTC time: {t!r}") from exc
    arr = np.asarray(t)
    if arr.dtype.kind == "M":
        return arr.astype("datetime64[ns]")
    if arr.dtype.kind in "OUS":
        flat = [as_datetime64(x) for x in arr.ravel()]
        return np.array(flat, dtype="datetime64[ns]").reshape(arr.shape)
    raise TypeError(f"cannot interpret {type(t).__name__} as a UTC time")


def time_range(start, stop, step_s: float) -> np.ndarray:
    """Instants from ``start`` to ``stop`` inclusive (when it falls on the grid) every ``step_s`` seconds."""
    t0 = as_datetime64(start)
    t1 = as_datetime64(stop)
    if step_s <= 0:
        raise ValueError("step_s must be positive")
    step_ns = int(round(step_s * NS_PER_S))
    span = int((t1 - t0) / np.timedelta64(1, "ns"))
    if span < 0:
        raise ValueError("stop is before start")
    n = span // step_ns + 1
    return t0 + np.arange(n, dtype=np.int64) * np.timedelta64(step_ns, "ns")


def minutes_between(t: np.ndarray, epoch: np.ndarray) -> np.ndarray:
    """Minutes from ``epoch`` to ``t`` computed from integer nanoseconds (broadcasts)."""
    dt_ns = t.astype("datetime64[ns]").astype(np.int64) - epoch.astype("datetime64[ns]").astype(np.int64)
    return dt_ns / NS_PER_MIN


def jd_split(t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two-part Julian date (whole, fraction) of UTC instants, exact to float64 in each part."""
    ns = t.astype("datetime64[ns]").astype(np.int64)
    days, rem = np.divmod(ns, NS_PER_DAY)
    return days + JD_UNIX_EPOCH, rem / NS_PER_DAY


def year_doy_to_datetime64(year: np.ndarray, day_int: np.ndarray, frac_ns: np.ndarray) -> np.ndarray:
    """UTC instants from year, integer day of year (1 = Jan 1) and nanoseconds into that day."""
    jan1 = (np.asarray(year, dtype=np.int64) - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    return (jan1 + (np.asarray(day_int, dtype=np.int64) - 1).astype("timedelta64[D]")).astype(
        "datetime64[ns]") + np.asarray(frac_ns, dtype=np.int64).astype("timedelta64[ns]")


def is_leap(year: np.ndarray) -> np.ndarray:
    year = np.asarray(year)
    return ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)


def format_iso(t, decimals: int = 6) -> str:
    """ISO-8601 text of one UTC instant with ``decimals`` fractional-second digits (no zone suffix)."""
    t = np.datetime64(t, "ns")
    s = str(t)  # YYYY-MM-DDTHH:MM:SS.fffffffff
    if "." not in s:
        s += ".000000000"
    head, frac = s.split(".")
    frac = (frac + "000000000")[:9]
    if decimals <= 0:
        return head
    # round to the requested digits
    value = int(frac)
    scale = 10 ** (9 - decimals)
    rounded = (value + scale // 2) // scale
    if rounded >= 10 ** decimals:  # carry into seconds
        t2 = np.datetime64(head) + np.timedelta64(1, "s")
        return f"{str(t2)}.{0:0{decimals}d}"
    return f"{head}.{rounded:0{decimals}d}"


def format_utc(t, decimals: int = 3, *, sep: str = "T", zone: str = "Z") -> str:
    """One UTC instant for people and files: :func:`format_iso` with a date/time separator
    and a zone suffix (every front end formats times through this one function).

    >>> format_utc(np.datetime64("2023-10-09T12:00:01.2345"), 3)
    '2023-10-09T12:00:01.235Z'
    >>> format_utc(np.datetime64("2023-10-09T12:00:01.2345"), 0, sep=" ", zone="")
    '2023-10-09 12:00:01'
    """
    return format_iso(t, decimals).replace("T", sep, 1) + zone
