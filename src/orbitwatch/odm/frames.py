"""Reference frames of OEM/OPM states, and the conversions orbitwatch already has.

An OEM keeps its ``REF_FRAME``; :func:`convert_states` changes frame only
through rotations that :mod:`orbitwatch.propagation.frames` provides (no
precession or nutation is re-derived here):

=================  ===========================================================
from -> to         how
=================  ===========================================================
EME2000 <-> GCRF   constant frame-bias matrix (skyfield ``ICRS_to_J2000``)
TEME -> GCRF       skyfield's TEME frame (IAU 2000A), ``teme_to_gcrs``
GCRF -> TEME       the transpose of that rotation
TEME -> ITRF       ``teme_to_itrf`` (Vallado 2006, with the Earth-rotation term)
GCRF -> ITRF       GCRF -> TEME -> ITRF
ITRF -> anything   not available: :class:`~orbitwatch.errors.InvalidRequestError`
TOD, MOD, others   not available: :class:`~orbitwatch.errors.InvalidRequestError`
=================  ===========================================================

Names: ``J2000`` is read as ``EME2000``; ``ICRF`` of an Earth-centred message has
the axes of ``GCRF``; every ITRF realisation (``ITRF-93``, ``ITRF2014``, ...) is
treated as the ITRF skyfield computes (realisations differ by centimetres).
Conversions other than EME2000 <-> GCRF need ``CENTER_NAME = EARTH``.

>>> canonical_frame("J2000"), canonical_frame("ITRF-93"), canonical_frame("icrf")
('EME2000', 'ITRF', 'GCRF')
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidRequestError

#: frames states can be converted between (canonical names)
CONVERTIBLE = ("EME2000", "GCRF", "TEME", "ITRF")


def canonical_frame(name: str) -> str:
    """Canonical spelling used to compare frames (see the module docstring)."""
    n = str(name).strip().upper()
    if n == "J2000":
        return "EME2000"
    if n in ("ICRF", "GCRF"):
        return "GCRF"
    if n.startswith("ITRF"):
        return "ITRF"
    return n


def conversion_problem(src: str, dst: str, center: str = "EARTH") -> str | None:
    """Why ``src`` -> ``dst`` cannot be done here (None when it can)."""
    a, b = canonical_frame(src), canonical_frame(dst)
    if a == b:
        return None
    if {a, b} == {"EME2000", "GCRF"}:
        return None
    for f in (a, b):
        if f not in CONVERTIBLE:
            return (f"no conversion between {src} and {dst}: orbitwatch converts among "
                    f"{', '.join(CONVERTIBLE)} only")
    if a == "ITRF":
        return (f"no conversion from {src}: orbitwatch.propagation.frames converts into ITRF, not out of it")
    if str(center).strip().upper() != "EARTH":
        return f"converting {src} to {dst} needs an Earth-centred message, not CENTER_NAME = {center}"
    return None


def check_conversion(src: str, dst: str, center: str = "EARTH") -> None:
    """Raise :class:`InvalidRequestError` when :func:`conversion_problem` finds one."""
    why = conversion_problem(src, dst, center)
    if why:
        raise InvalidRequestError("frame", why, dst)


def _gcrs_to_teme(r, v, times):
    from ..propagation.frames import teme_to_gcrs_matrix

    M = teme_to_gcrs_matrix(times)  # r_gcrs = M r_teme -> r_teme = M^T r_gcrs
    return np.einsum("jit,...tj->...ti", M, r), np.einsum("jit,...tj->...ti", M, v)


def convert_states(r_km, v_km_s, times_utc, src: str, dst: str, center: str = "EARTH", eop=None):
    """Positions (..., T, 3) and velocities from frame ``src`` to ``dst`` at UTC ``times_utc`` (T,).

    ``eop`` (:class:`orbitwatch.propagation.frames.EOP`) overrides UT1-UTC and polar
    motion for the step into ITRF; by default skyfield's built-in IERS table gives
    UT1-UTC and polar motion is zero, as in ``teme_to_itrf``.
    """
    from ..propagation import frames as pf

    check_conversion(src, dst, center)
    a, b = canonical_frame(src), canonical_frame(dst)
    r = np.asarray(r_km, dtype=np.float64)
    v = np.asarray(v_km_s, dtype=np.float64)
    if a == b:
        return r.copy(), v.copy()
    if a == "EME2000":
        r, v = pf.eme2000_to_gcrs(r, v)
        a = "GCRF"
        if b == "GCRF":
            return r, v
    if a == "GCRF":
        if b == "EME2000":
            return pf.gcrs_to_eme2000(r, v)
        r, v = _gcrs_to_teme(r, v, times_utc)
        a = "TEME"
        if b == "TEME":
            return r, v
    if a == "TEME":
        return pf.convert(r, v, times_utc, "EME2000" if b == "EME2000" else "GCRS" if b == "GCRF" else b, eop)
    raise InvalidRequestError("frame", f"no conversion from {src} to {dst}", dst)  # pragma: no cover


def oem_to_frame(oem, frame: str):
    """A copy of ``oem`` with every segment's states in ``frame``.

    Accelerations are rotated with the states only between EME2000 and GCRF
    (a constant rotation); otherwise they are dropped, as a rotating frame adds
    terms that are not computed here.  A covariance without ``COV_REF_FRAME``
    gets the segment's old frame written out, so its meaning does not change.
    """
    import copy

    from ..ccsds import timesystems as ts

    out = copy.deepcopy(oem)
    for seg in out.segments:
        md = seg.metadata
        check_conversion(md.ref_frame, frame, md.center_name)
        if not ts.is_supported(md.time_system) and {canonical_frame(md.ref_frame), canonical_frame(frame)} - {
                "EME2000", "GCRF"}:
            raise InvalidRequestError("frame", f"converting needs UTC epochs; TIME_SYSTEM {md.time_system} cannot "
                                               "be converted", frame)
        utc = seg.epochs_utc if ts.is_supported(md.time_system) else seg.epochs
        old = md.ref_frame
        r, v = convert_states(seg.position_km, seg.velocity_km_s, utc, old, frame, md.center_name)
        if seg.acceleration_km_s2 is not None:
            if {canonical_frame(old), canonical_frame(frame)} <= {"EME2000", "GCRF"}:
                acc, _ = convert_states(seg.acceleration_km_s2, seg.acceleration_km_s2, utc, old, frame)
                seg.acceleration_km_s2 = acc
            else:
                seg.acceleration_km_s2 = None
        seg.position_km, seg.velocity_km_s = r, v
        for cov in seg.covariances:
            if not cov.ref_frame:
                cov.ref_frame = old
        md.values["REF_FRAME"] = frame
        md.values.pop("REF_FRAME_EPOCH", None)
    return out
