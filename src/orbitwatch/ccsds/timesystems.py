"""Time systems of CCSDS messages and their conversion to UTC and to a continuous TAI scale.

Epochs in a message are calendar readings in the message's ``TIME_SYSTEM``.
Interpolation needs one continuous scale (UTC jumps at leap seconds), so every
epoch is converted to TAI nanoseconds since 1970-01-01T00:00 TAI (``tai_ns``),
and UTC ``datetime64[ns]`` is derived from that for people and for the rest of
orbitwatch.  Sources, none re-derived here:

* TAI - UTC: ERFA ``dat`` (the IERS leap-second table, IAU SOFA).  Before 1960
  UTC did not exist; 0 s is used.
* TT = TAI + 32.184 s and GPS = TAI - 19 s (definitions).
* UT1 - UTC: skyfield's built-in IERS table (``load.timescale(builtin=True)``,
  never a download), as :mod:`orbitwatch.propagation.frames` uses it.

Other CCSDS time systems (TCB, TCG, TDB, GMST, MET, MRT, SCLK, ...) are read and
written back unchanged but cannot be converted: :func:`to_tai_ns` raises
``ValueError`` for them, and callers map that to their own status or error.

>>> import numpy as np
>>> t = np.array(["2017-01-01T00:00:00"], dtype="datetime64[ns]")
>>> str(to_utc(t, "TAI")[0])
'2016-12-31T23:59:24.000000000'
>>> str(to_utc(t, "GPS")[0])
'2016-12-31T23:59:43.000000000'
"""

from __future__ import annotations

import warnings

import numpy as np

NS_PER_S = 1_000_000_000
NS_PER_DAY = 86_400 * NS_PER_S

#: time systems that convert to UTC here
SUPPORTED_TIME_SYSTEMS = ("UTC", "TAI", "TT", "GPS", "UT1")
#: every TIME_SYSTEM value of CCSDS 502.0-B-3 annex A (SANA "Time Systems")
KNOWN_TIME_SYSTEMS = SUPPORTED_TIME_SYSTEMS + ("GMST", "MET", "MRT", "SCLK", "TCB", "TCG", "TDB")

_TT_MINUS_TAI_NS = 32_184_000_000
_TAI_MINUS_GPS_NS = 19 * NS_PER_S
_UTC_START_DAY = int(np.datetime64("1960-01-01", "D").astype(np.int64))
_UTC_1972_DAY = int(np.datetime64("1972-01-01", "D").astype(np.int64))


def _normalise(system: str) -> str:
    s = str(system).strip().upper()
    if s == "TDT":  # the old name of TT
        return "TT"
    return s


def _dat_s(utc_ns: np.ndarray) -> np.ndarray:
    """TAI - UTC in seconds at UTC instants (ERFA ``dat``), evaluated per distinct day after 1972."""
    import erfa

    utc_ns = np.asarray(utc_ns, dtype=np.int64)
    out = np.zeros(utc_ns.shape, dtype=np.float64)
    days = np.floor_divide(utc_ns, NS_PER_DAY)
    ok = days >= _UTC_START_DAY
    if not ok.any():
        return out
    # after 1972 TAI-UTC is constant within a UTC day: one ERFA call per distinct day
    late = ok & (days >= _UTC_1972_DAY)
    early = ok & ~late
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ERFA warns "dubious year" for dates past its table
        if late.any():
            uniq, inv = np.unique(days[late], return_inverse=True)
            ymd = uniq.astype("datetime64[D]")
            y = ymd.astype("datetime64[Y]").astype(np.int64) + 1970
            m = ymd.astype("datetime64[M]").astype(np.int64) % 12 + 1
            d = (ymd - ymd.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
            out[late] = np.asarray(erfa.dat(y, m, d, np.zeros_like(uniq, dtype=float)))[inv]
        if early.any():
            dd = days[early]
            ymd = dd.astype("datetime64[D]")
            y = ymd.astype("datetime64[Y]").astype(np.int64) + 1970
            m = ymd.astype("datetime64[M]").astype(np.int64) % 12 + 1
            d = (ymd - ymd.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
            frac = (utc_ns[early] - dd * NS_PER_DAY) / NS_PER_DAY
            out[early] = np.asarray(erfa.dat(y, m, d, frac))
    return out


def _dat_ns(utc_ns: np.ndarray) -> np.ndarray:
    return np.round(_dat_s(utc_ns) * NS_PER_S).astype(np.int64)


def utc_to_tai_ns(utc) -> np.ndarray:
    """TAI nanoseconds since 1970-01-01T00:00 TAI of UTC instants (``datetime64`` or int64 ns)."""
    u = np.asarray(utc)
    ns = u.astype("datetime64[ns]").astype(np.int64) if u.dtype.kind == "M" else u.astype(np.int64)
    return ns + _dat_ns(ns)


def tai_ns_to_utc(tai_ns) -> np.ndarray:
    """UTC ``datetime64[ns]`` of TAI nanoseconds (inverse of :func:`utc_to_tai_ns` off leap seconds)."""
    tai = np.asarray(tai_ns, dtype=np.int64)
    utc = tai - _dat_ns(tai)
    utc = tai - _dat_ns(utc)
    return utc.astype("datetime64[ns]")


def _dut1_ns(utc_ns: np.ndarray) -> np.ndarray:
    """UT1 - UTC in ns from skyfield's built-in IERS table."""
    from ..propagation.frames import skyfield_time

    flat = np.asarray(utc_ns, dtype=np.int64).ravel()
    if flat.size == 0:
        return flat.copy()
    dut1 = np.asarray(skyfield_time(flat).dut1, dtype=np.float64)
    return np.round(dut1 * NS_PER_S).astype(np.int64).reshape(np.shape(utc_ns))


def to_tai_ns(epochs, system: str) -> np.ndarray:
    """Continuous TAI nanoseconds of epochs read in ``system`` (ValueError when it cannot convert)."""
    s = _normalise(system)
    ns = np.asarray(epochs).astype("datetime64[ns]").astype(np.int64)
    if s == "TAI":
        return ns.copy()
    if s == "UTC":
        return ns + _dat_ns(ns)
    if s == "TT":
        return ns - _TT_MINUS_TAI_NS
    if s == "GPS":
        return ns + _TAI_MINUS_GPS_NS
    if s == "UT1":
        utc = ns - _dut1_ns(ns)
        utc = ns - _dut1_ns(utc)
        return utc + _dat_ns(utc)
    raise ValueError(f"time system {system!r} cannot be converted to UTC here; "
                     f"supported: {', '.join(SUPPORTED_TIME_SYSTEMS)}")


def to_utc(epochs, system: str) -> np.ndarray:
    """UTC ``datetime64[ns]`` of epochs read in ``system``."""
    s = _normalise(system)
    if s == "UTC":
        return np.asarray(epochs).astype("datetime64[ns]")
    return tai_ns_to_utc(to_tai_ns(epochs, s))


def from_utc(utc, system: str) -> np.ndarray:
    """Epochs in ``system`` (``datetime64[ns]`` readings of that clock) of UTC instants."""
    s = _normalise(system)
    u = np.asarray(utc).astype("datetime64[ns]")
    ns = u.astype(np.int64)
    if s == "UTC":
        return u.copy()
    if s == "UT1":
        return (ns + _dut1_ns(ns)).astype("datetime64[ns]")
    tai = utc_to_tai_ns(ns)
    if s == "TAI":
        return tai.astype("datetime64[ns]")
    if s == "TT":
        return (tai + _TT_MINUS_TAI_NS).astype("datetime64[ns]")
    if s == "GPS":
        return (tai - _TAI_MINUS_GPS_NS).astype("datetime64[ns]")
    raise ValueError(f"time system {system!r} cannot be converted from UTC here; "
                     f"supported: {', '.join(SUPPORTED_TIME_SYSTEMS)}")


def is_supported(system: str) -> bool:
    return _normalise(system) in SUPPORTED_TIME_SYSTEMS
