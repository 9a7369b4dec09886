"""Building blocks of the library's request objects: validation before any work.

Each domain has its own request dataclass (``PropagationRequest``,
``ScreeningRequest``, ``ResponseRequest``...) built from plain values by any front
end (typer, FastAPI, a notebook) with the same defaults and the same checks.
They use these helpers, which raise :class:`~orbitwatch.errors.InvalidRequestError`
naming the field, the value and the reason, or
:class:`~orbitwatch.errors.ResourceLimitError` with the numbers.

>>> check_positive("step_s", 60.0)
60.0
>>> check_positive("step_s", float("inf"))
Traceback (most recent call last):
...
orbitwatch.errors.InvalidRequestError: step_s: must be a finite number > 0, got inf
>>> span = TimeSpan.resolve(start="2023-10-09T12:00", hours=6)
>>> str(span.stop)
'2023-10-09T18:00:00.000000000'
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import InvalidRequestError, ResourceLimitError
from .timeutil import NS_PER_S, as_datetime64

#: a span longer than this (days) is refused as a typo unless the caller raises it
MAX_SPAN_DAYS = 366.0


def _number(field: str, value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise InvalidRequestError(field, f"must be a number, got {value!r}", value) from None
    if math.isnan(x):
        raise InvalidRequestError(field, "must be a number, got NaN", value)
    return x


def check_positive(field: str, value: Any, *, allow_zero: bool = False) -> float:
    """A finite number > 0 (or >= 0 with ``allow_zero``)."""
    x = _number(field, value)
    ok = math.isfinite(x) and (x >= 0 if allow_zero else x > 0)
    if not ok:
        raise InvalidRequestError(field, f"must be a finite number {'>=' if allow_zero else '>'} 0, got {value!r}",
                                  value)
    return x


def check_range(field: str, value: Any, lo: float | None = None, hi: float | None = None, *,
                lo_open: bool = False, hi_open: bool = False, unit: str = "") -> float:
    """A finite number within [lo, hi] (ends open when asked)."""
    x = _number(field, value)
    u = f" {unit}" if unit else ""
    bad = not math.isfinite(x)
    if lo is not None:
        bad |= x <= lo if lo_open else x < lo
    if hi is not None:
        bad |= x >= hi if hi_open else x > hi
    if bad:
        lo_s = "-inf" if lo is None else f"{lo:g}"
        hi_s = "inf" if hi is None else f"{hi:g}"
        interval = f"{'(' if lo_open or lo is None else '['}{lo_s}, {hi_s}{')' if hi_open or hi is None else ']'}"
        raise InvalidRequestError(field, f"must be in {interval}{u}, got {value!r}", value)
    return x


def check_int(field: str, value: Any, lo: int | None = None, hi: int | None = None) -> int:
    """An integer within [lo, hi]."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        try:
            if float(value) != int(value):
                raise ValueError
            value = int(value)
        except (TypeError, ValueError, OverflowError):
            raise InvalidRequestError(field, f"must be a whole number, got {value!r}", value) from None
    v = int(value)
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        rng = f"{'' if lo is None else lo}..{'' if hi is None else hi}"
        raise InvalidRequestError(field, f"must be in {rng}, got {v}", value)
    return v


def check_choice(field: str, value: str, choices, *, case_insensitive: bool = True) -> str:
    """One of ``choices`` (returned in its canonical spelling)."""
    for c in choices:
        if value == c or (case_insensitive and str(value).lower() == str(c).lower()):
            return c
    raise InvalidRequestError(field, f"unknown value {value!r}; choose from {', '.join(map(str, choices))}", value)


def parse_time(field: str, value: Any) -> np.datetime64:
    """One UTC instant from ISO text, ``datetime`` or ``datetime64``, or an error naming the field."""
    try:
        t = as_datetime64(value)
    except (ValueError, TypeError, OverflowError):
        raise InvalidRequestError(field, f"not an ISO-8601 UTC time: {value!r} (e.g. 2023-10-09T12:00Z)",
                                  value) from None
    if t.ndim != 0 or np.isnat(t):
        raise InvalidRequestError(field, f"not one UTC instant: {value!r}", value)
    return t[()]


@dataclass(frozen=True)
class TimeSpan:
    """A validated UTC span [start, stop]."""

    start: np.datetime64
    stop: np.datetime64

    @property
    def seconds(self) -> float:
        return float((self.stop - self.start) / np.timedelta64(1, "ns")) / NS_PER_S

    @classmethod
    def resolve(cls, start: Any = None, stop: Any = None, *, days: float | None = None, hours: float | None = None,
                default_start: Any = None, default_hours: float | None = None,
                max_days: float = MAX_SPAN_DAYS) -> "TimeSpan":
        """One span from the usual options: ``start`` and one of ``stop``/``days``/``hours``.

        Giving more than one of ``stop``, ``days`` and ``hours`` is an error (never
        silently one of them). Without ``start``, ``default_start`` is used; without
        a length, ``default_hours``.
        """
        given = [n for n, v in (("stop", stop), ("days", days), ("hours", hours)) if v is not None]
        if len(given) > 1:
            raise InvalidRequestError(given[1], f"give only one of stop, days and hours (got {' and '.join(given)})")
        if start is None:
            if default_start is None:
                raise InvalidRequestError("start", "a start time is required")
            t0 = parse_time("start", default_start)
        else:
            t0 = parse_time("start", start)
        if stop is not None:
            t1 = parse_time("stop", stop)
            if t1 <= t0:
                raise InvalidRequestError("stop", f"must be after start ({t0}), got {stop!r}", stop)
        else:
            if days is not None:
                length_h, field, val = check_positive("days", days) * 24.0, "days", days
            elif hours is not None:
                length_h, field, val = check_positive("hours", hours), "hours", hours
            elif default_hours is not None:
                length_h, field, val = float(default_hours), "hours", default_hours
            else:
                raise InvalidRequestError("stop", "give a stop time, days or hours")
            if length_h / 24.0 > max_days:
                raise InvalidRequestError(field, f"a span of {length_h / 24.0:g} days is longer than the "
                                                 f"{max_days:g}-day limit", val)
            t1 = t0 + np.timedelta64(int(round(length_h * 3600 * NS_PER_S)), "ns")
        span_days = float((t1 - t0) / np.timedelta64(1, "s")) / 86400.0
        if span_days > max_days:
            raise InvalidRequestError("stop", f"a span of {span_days:g} days is longer than the "
                                              f"{max_days:g}-day limit", stop)
        return cls(t0, t1)


def memory_limit_bytes() -> int:
    """Largest single allocation a request may plan for.

    ``ORBITWATCH_MAX_MEMORY_GB`` when set, else half of the machine's physical memory.
    """
    env = os.environ.get("ORBITWATCH_MAX_MEMORY_GB")
    if env:
        try:
            return int(float(env) * 1e9)
        except ValueError:
            raise InvalidRequestError("ORBITWATCH_MAX_MEMORY_GB", f"must be a number of GB, got {env!r}",
                                      env) from None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        total = 8 * 10**9
    return int(total // 2)


def check_memory(field: str, needed_bytes: float, what: str, value: Any = None) -> None:
    """Refuse (before any work) a request whose main arrays would exceed :func:`memory_limit_bytes`."""
    limit = memory_limit_bytes()
    if needed_bytes > limit:
        raise ResourceLimitError(
            field, f"{what} would need about {needed_bytes / 1e9:,.1f} GB, more than the "
                   f"{limit / 1e9:,.1f} GB limit (ORBITWATCH_MAX_MEMORY_GB)", value, needed=float(needed_bytes),
            limit=float(limit))
