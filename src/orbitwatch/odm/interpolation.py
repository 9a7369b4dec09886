"""Interpolate OEM ephemerides to any instants: N objects x T instants, a status per instant.

Method and degree
-----------------
Each segment says ``INTERPOLATION`` (``HERMITE``, ``LAGRANGE``, ``LINEAR``) and
``INTERPOLATION_DEGREE`` *d*.  As Orekit reads these keywords, a window of
``d + 1`` consecutive states around the instant is used (fewer when the segment
holds fewer):

* Lagrange: each of the six components (x, y, z, vx, vy, vz) is interpolated by
  its own polynomial of degree *d* through the window;
* Hermite: one polynomial per axis matches positions *and* velocities at the
  ``d + 1`` states (degree ``2d + 1``); the velocity is its derivative, so the
  two are consistent.  Accelerations, when given, are kept but not used.
* LINEAR is Lagrange of degree 1.  Without ``INTERPOLATION``, Hermite of degree
  :data:`DEFAULT_DEGREE` is used.

Windows are centred on the instant and slide inwards at the segment ends; they
never cross a segment boundary.  Repeated epochs keep their first state.  Time
runs on the continuous TAI scale (see :mod:`orbitwatch.ccsds.timesystems`), so
a leap second inside a UTC ephemeris does not bend the polynomials.

Spans, gaps and status
----------------------
An instant is served by the segment whose usable span (``USEABLE_START_TIME`` ..
``USEABLE_STOP_TIME``, else ``START_TIME`` .. ``STOP_TIME``) contains it; where
usable spans of an object's segments overlap, the later segment wins (the one
written after, e.g. after a manoeuvre).  Otherwise the instant gets a nonzero
:data:`STATUS_MESSAGES` code and NaN states; a batch never stops on one instant.

Error estimate (for screening)
------------------------------
:meth:`OEMTrajectory.error_estimate` interpolates each segment at midpoints
between its states (where interpolation error peaks) with the segment's window
and with a window two states smaller, and reports the largest difference.  For
a converging interpolation that difference is dominated by the error of the
smaller window, so it over-estimates the error of the one used: a conservative
bound, in km and km/s, to add to screening thresholds.

>>> import numpy as np
>>> from orbitwatch.odm import parse_oem
>>> lines = ["CCSDS_OEM_VERS = 2.0", "CREATION_DATE = 2024-01-01T00:00:00", "ORIGINATOR = EXAMPLE",
...          "META_START", "OBJECT_NAME = LINE", "OBJECT_ID = 2024-001A", "CENTER_NAME = EARTH",
...          "REF_FRAME = EME2000", "TIME_SYSTEM = UTC", "START_TIME = 2024-01-01T00:00:00",
...          "STOP_TIME = 2024-01-01T00:03:00", "INTERPOLATION = LAGRANGE", "INTERPOLATION_DEGREE = 3",
...          "META_STOP"]
>>> lines += [f"2024-01-01T00:0{m}:00 {7000 + 60 * m} 0 0 1.0 0 0" for m in range(4)]
>>> oem = parse_oem("\\n".join(lines))
>>> st = interpolate([oem], ["2024-01-01T00:01:30", "2024-01-01T00:05:00"])
>>> st.position_km[0, 0, 0], st.status[0].tolist()
(7090.0, [0, 2])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from ..ccsds import timesystems as _ts
from ..errors import InvalidRequestError
from ..requests import check_choice, check_int
from .frames import canonical_frame, check_conversion, convert_states
from .model import OEM, OEMSegment, iso_z

#: status codes of :class:`OEMStates` (0 ok)
STATUS_OK = 0
STATUS_BEFORE = 1
STATUS_AFTER = 2
STATUS_GAP = 3
STATUS_TOO_FEW = 4
STATUS_NO_TIME = 5
STATUS_UNCONVERTIBLE = 6
STATUS_MESSAGES = {
    STATUS_OK: "ok",
    STATUS_BEFORE: "before the first usable span of the object's ephemeris",
    STATUS_AFTER: "after the last usable span of the object's ephemeris",
    STATUS_GAP: "in a gap between the usable spans of two segments",
    STATUS_TOO_FEW: "the segment holds fewer than 2 distinct states",
    STATUS_NO_TIME: "the instant is not a time (NaT)",
    STATUS_UNCONVERTIBLE: "the segment's TIME_SYSTEM cannot be converted to UTC",
}

METHODS = ("HERMITE", "LAGRANGE", "LINEAR")
DEFAULT_METHOD = "HERMITE"
DEFAULT_DEGREE = 5
MAX_DEGREE = 31
_CHUNK = 32_768


# --------------------------------------------------------------------------- polynomial kernels

def _newton_eval(z: np.ndarray, f: np.ndarray, fp: np.ndarray | None, x: np.ndarray, want_derivative: bool):
    """Evaluate the interpolating polynomial through windows (Lagrange) or with derivatives (Hermite).

    z: (Q, n) nodes; f: (Q, n, C) values; fp: (Q, n, C) derivatives or None; x: (Q,).
    Returns p (Q, C) and, when asked, p' (Q, C).  Newton divided differences with
    repeated nodes for Hermite; no division at coincident nodes.
    """
    if fp is not None:
        z = np.repeat(z, 2, axis=1)
        f = np.repeat(f, 2, axis=1)
        fpp = np.repeat(fp, 2, axis=1)
    m = z.shape[1]
    coef = [f[:, 0, :]]
    c = f
    for k in range(1, m):
        num = c[:, 1:, :] - c[:, :-1, :]
        den = (z[:, k:] - z[:, :-k])[:, :, None]
        if fp is not None and k == 1:
            same = den == 0.0
            c = np.where(same, fpp[:, :-1, :], num / np.where(same, 1.0, den))
        else:
            c = num / den
        coef.append(c[:, 0, :])
    p = coef[-1]
    dp = np.zeros_like(p)
    for k in range(m - 2, -1, -1):
        dx = (x - z[:, k])[:, None]
        if want_derivative:
            dp = dp * dx + p
        p = p * dx + coef[k]
    return p, (dp if want_derivative else None)


@dataclass
class _Piece:
    """One segment prepared for interpolation: distinct sorted nodes on the TAI scale."""

    index: int
    t_s: np.ndarray            # (K,) seconds since ref_ns (TAI)
    ref_ns: int
    pos: np.ndarray
    vel: np.ndarray
    start_ns: int              # usable span, TAI ns
    stop_ns: int
    method: str
    degree: int
    step_s: float

    def evaluate(self, q_ns: np.ndarray, degree: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """States at TAI instants ``q_ns`` (all inside the span), chunked to bound memory."""
        k = self.t_s.shape[0]
        deg = self.degree if degree is None else degree
        n = max(2, min(deg + 1, k))
        out_r = np.empty((q_ns.shape[0], 3))
        out_v = np.empty((q_ns.shape[0], 3))
        for a in range(0, q_ns.shape[0], _CHUNK):
            x = (q_ns[a:a + _CHUNK] - self.ref_ns) / 1e9
            idx = np.searchsorted(self.t_s, x, side="right")
            i0 = np.clip(idx - n // 2, 0, k - n)
            win = i0[:, None] + np.arange(n)[None, :]
            z = self.t_s[win]
            # centre and scale time for conditioning: u = (t - centre) / scale
            centre = 0.5 * (z[:, 0] + z[:, -1])
            scale = np.maximum(0.5 * (z[:, -1] - z[:, 0]), 1e-9)
            u = (z - centre[:, None]) / scale[:, None]
            xu = (x - centre) / scale
            if self.method == "HERMITE":
                r, dr = _newton_eval(u, self.pos[win], self.vel[win] * scale[:, None, None], xu, True)
                out_r[a:a + _CHUNK] = r
                out_v[a:a + _CHUNK] = dr / scale[:, None]
            else:
                y = np.concatenate([self.pos[win], self.vel[win]], axis=2)
                p, _ = _newton_eval(u, y, None, xu, False)
                out_r[a:a + _CHUNK] = p[:, :3]
                out_v[a:a + _CHUNK] = p[:, 3:]
        return out_r, out_v


def _prepare(seg: OEMSegment, index: int, method: str | None, degree: int | None) -> _Piece | None:
    md = seg.metadata
    meth = (method or md.interpolation or DEFAULT_METHOD).upper()
    if meth not in METHODS:
        meth = DEFAULT_METHOD
    deg = degree if degree is not None else (md.interpolation_degree or DEFAULT_DEGREE)
    if meth == "LINEAR":
        meth, deg = "LAGRANGE", 1
    tai = seg.tai_ns
    order = np.argsort(tai, kind="stable")
    tai_sorted = tai[order]
    keep = np.ones(tai_sorted.shape[0], dtype=bool)
    keep[1:] = np.diff(tai_sorted) > 0
    sel = order[keep]
    tai_u = tai[sel]
    start, stop = seg.usable_span_tai_ns()
    ref = int(tai_u[0]) if tai_u.size else start
    t_s = (tai_u - ref) / 1e9
    steps = np.diff(t_s)
    return _Piece(index=index, t_s=t_s, ref_ns=ref, pos=seg.position_km[sel], vel=seg.velocity_km_s[sel],
                  start_ns=start, stop_ns=stop, method=meth, degree=int(deg),
                  step_s=float(np.median(steps)) if steps.size else float("nan"))


@dataclass
class OEMTrajectory:
    """One object's ephemeris, joined from its segments (possibly from several messages).

    ``frame`` is the frame states come out in (the first segment's, or the one
    asked for); segments in other frames are converted when they are read in.
    """

    object_id: str
    object_name: str
    center: str
    frame: str
    time_system: str
    segments: list[OEMSegment]
    pieces: list[_Piece] = field(default_factory=list)
    convertible: bool = True

    def usable_spans(self) -> list[tuple[np.datetime64, np.datetime64]]:
        """Usable (start, stop) of each segment in UTC, in file order."""
        return [(_ts.tai_ns_to_utc(np.array([p.start_ns]))[0], _ts.tai_ns_to_utc(np.array([p.stop_ns]))[0])
                for p in self.pieces]

    def step_s(self) -> list[float]:
        """Median sample spacing of each segment, seconds."""
        return [p.step_s for p in self.pieces]

    def interpolate(self, times, *, degree: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(position_km (T,3), velocity_km_s (T,3), status (T,))`` at UTC instants."""
        t = np.atleast_1d(np.asarray(times).astype("datetime64[ns]"))
        T = t.shape[0]
        r = np.full((T, 3), np.nan)
        v = np.full((T, 3), np.nan)
        status = np.full(T, STATUS_GAP, dtype=np.int8)
        nat = np.isnat(t)
        if not self.convertible:
            status[:] = STATUS_UNCONVERTIBLE
            status[nat] = STATUS_NO_TIME
            return r, v, status
        q = np.zeros(T, dtype=np.int64)
        if (~nat).any():
            q[~nat] = _ts.utc_to_tai_ns(t[~nat])
        owner = np.full(T, -1)
        for j, p in enumerate(self.pieces):
            owner[(q >= p.start_ns) & (q <= p.stop_ns) & ~nat] = j
        if self.pieces:
            first = min(p.start_ns for p in self.pieces)
            last = max(p.stop_ns for p in self.pieces)
            status[q < first] = STATUS_BEFORE
            status[q > last] = STATUS_AFTER
        else:
            status[:] = STATUS_TOO_FEW
        for j, p in enumerate(self.pieces):
            m = owner == j
            if not m.any():
                continue
            if p.t_s.shape[0] < 2:
                status[m] = STATUS_TOO_FEW
                continue
            rr, vv = p.evaluate(q[m], degree)
            r[m], v[m] = rr, vv
            status[m] = STATUS_OK
        status[nat] = STATUS_NO_TIME
        return r, v, status

    def error_estimate(self, *, max_points: int = 400) -> dict[str, Any]:
        """Largest difference at sample midpoints between the segment's window and one two states smaller.

        Returns ``{"position_km": max, "velocity_km_s": max, "segments": [...]}``
        (NaN where a segment has too few states to compare).
        """
        per = []
        for p in self.pieces:
            k = p.t_s.shape[0]
            n = min(p.degree + 1, k)
            if k < 3 or n < 3:
                per.append({"position_km": float("nan"), "velocity_km_s": float("nan"), "points": 0})
                continue
            mids = 0.5 * (p.t_s[1:] + p.t_s[:-1])
            inside = (p.ref_ns + mids * 1e9 >= p.start_ns) & (p.ref_ns + mids * 1e9 <= p.stop_ns)
            mids = mids[inside]
            if mids.size > max_points:
                mids = mids[np.linspace(0, mids.size - 1, max_points).round().astype(int)]
            q = p.ref_ns + np.round(mids * 1e9).astype(np.int64)
            if q.size == 0:
                per.append({"position_km": float("nan"), "velocity_km_s": float("nan"), "points": 0})
                continue
            r1, v1 = p.evaluate(q)
            r0, v0 = p.evaluate(q, degree=n - 3)
            per.append({"position_km": float(np.max(np.linalg.norm(r1 - r0, axis=1))),
                        "velocity_km_s": float(np.max(np.linalg.norm(v1 - v0, axis=1))), "points": int(q.size)})
        pos = [s["position_km"] for s in per if np.isfinite(s["position_km"])]
        vel = [s["velocity_km_s"] for s in per if np.isfinite(s["velocity_km_s"])]
        return {"position_km": max(pos) if pos else float("nan"),
                "velocity_km_s": max(vel) if vel else float("nan"), "segments": per,
                "method": "midpoint difference between windows of d+1 and d-1 states"}

    def to_dict(self, *, with_error: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "object_id": self.object_id, "object_name": self.object_name, "center_name": self.center,
            "frame": self.frame, "time_system": self.time_system, "convertible": self.convertible,
            "segments": [{"usable_start_utc": iso_z(a), "usable_stop_utc": iso_z(b), "step_s": p.step_s,
                          "states": int(p.t_s.shape[0]), "interpolation": p.method, "interpolation_degree": p.degree}
                         for p, (a, b) in zip(self.pieces, self.usable_spans())],
        }
        if with_error and self.convertible:
            err = self.error_estimate()
            out["error_estimate_km"] = err["position_km"]
            out["error_estimate_km_s"] = err["velocity_km_s"]
        return out


def _messages(items) -> list[OEM]:
    if isinstance(items, OEM):
        return [items]
    return list(items)


def trajectories(oems: Sequence[OEM] | OEM, *, frame: str | None = None, method: str | None = None,
                 degree: int | None = None) -> list[OEMTrajectory]:
    """One trajectory per ``OBJECT_ID`` across ``oems``, in order of first appearance.

    Raises :class:`InvalidRequestError` before any work when a frame conversion
    is not available or ``method``/``degree`` are invalid.
    """
    if method is not None:
        method = check_choice("method", method, METHODS)
    if degree is not None:
        degree = check_int("degree", degree, 1, MAX_DEGREE)
    groups: dict[str, list[OEMSegment]] = {}
    for oem in _messages(oems):
        for seg in oem.segments:
            groups.setdefault(seg.object_id, []).append(seg)
    out = []
    for oid, segs in groups.items():
        first = segs[0].metadata
        target = frame or first.ref_frame
        for s in segs:
            check_conversion(s.metadata.ref_frame, target, s.metadata.center_name)
        tr = OEMTrajectory(object_id=oid, object_name=first.object_name, center=first.center_name,
                           frame=target if frame is None else frame, time_system=first.time_system, segments=segs)
        tr.convertible = all(_ts.is_supported(s.time_system) for s in segs)
        if tr.convertible:
            for i, s in enumerate(segs):
                if canonical_frame(s.metadata.ref_frame) != canonical_frame(target):
                    r, v = convert_states(s.position_km, s.velocity_km_s, s.epochs_utc, s.metadata.ref_frame,
                                          target, s.metadata.center_name)
                    s = OEMSegment(metadata=s.metadata, epochs=s.epochs, position_km=r, velocity_km_s=v)
                tr.pieces.append(_prepare(s, i, method, degree))
        out.append(tr)
    return out


@dataclass
class OEMStates:
    """States of N objects at T UTC instants, interpolated from OEMs (like ``propagate``'s Ephemeris).

    ``position_km`` / ``velocity_km_s`` are (N, T, 3) in ``frame``; ``status`` (N, T)
    holds :data:`STATUS_MESSAGES` codes, and states are NaN where it is not 0.
    """

    object_id: np.ndarray
    object_name: np.ndarray
    times: np.ndarray
    position_km: np.ndarray
    velocity_km_s: np.ndarray
    status: np.ndarray
    frame: str
    center: str = "EARTH"

    @property
    def shape(self) -> tuple[int, int]:
        return self.status.shape

    def to_frame(self, frame: str) -> "OEMStates":
        """The same states in another frame (see :mod:`orbitwatch.odm.frames`)."""
        from dataclasses import replace

        check_conversion(self.frame, frame, self.center)
        r, v = convert_states(self.position_km, self.velocity_km_s, self.times, self.frame, frame, self.center)
        return replace(self, position_km=r, velocity_km_s=v, frame=frame)

    def to_records(self) -> list[dict[str, Any]]:
        """One row per object and instant: ISO time with Z, km and km/s, status code and message."""
        from ..timeutil import format_iso

        times = [format_iso(t, 6) + "Z" for t in self.times]
        rows = []
        for i in range(self.status.shape[0]):
            for j, tt in enumerate(times):
                st = int(self.status[i, j])
                r = self.position_km[i, j]
                v = self.velocity_km_s[i, j]
                rows.append({"object_id": str(self.object_id[i]), "object_name": str(self.object_name[i]),
                             "time_utc": tt, "frame": self.frame,
                             "x_km": None if st else float(r[0]), "y_km": None if st else float(r[1]),
                             "z_km": None if st else float(r[2]), "vx_km_s": None if st else float(v[0]),
                             "vy_km_s": None if st else float(v[1]), "vz_km_s": None if st else float(v[2]),
                             "status": st, "status_message": STATUS_MESSAGES.get(st, "")})
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {"frame": self.frame, "center_name": self.center, "objects": [str(x) for x in self.object_id],
                "instants": int(self.times.shape[0]), "records": self.to_records(),
                "status_codes": {str(k): v for k, v in STATUS_MESSAGES.items()}}


def interpolate(oems, times, *, frame: str | None = None, method: str | None = None,
                degree: int | None = None) -> OEMStates:
    """States of every object of ``oems`` (OEMs or prepared trajectories) at UTC ``times``.

    All objects must share one frame unless ``frame`` asks for a conversion (checked
    before any work).  ``method``/``degree`` override the segments' own.
    """
    from ..timeutil import as_datetime64

    items = [oems] if isinstance(oems, (OEM, OEMTrajectory)) else list(oems)
    given_trajectories = bool(items) and all(isinstance(x, OEMTrajectory) for x in items)
    if given_trajectories:
        trs = items
        if degree is not None:
            degree = check_int("degree", degree, 1, MAX_DEGREE)
        if frame is not None:
            for tr in trs:
                check_conversion(tr.frame, frame, tr.center)
    else:
        trs = trajectories(items, frame=frame, method=method, degree=degree)
    try:
        t = np.atleast_1d(as_datetime64(times)).astype("datetime64[ns]")
    except (ValueError, TypeError) as exc:
        raise InvalidRequestError("times", f"not UTC instants: {exc}", None) from None
    if t.ndim != 1:
        raise InvalidRequestError("times", "must be one-dimensional", None)
    frames = {canonical_frame(tr.frame) for tr in trs}
    if len(frames) > 1:
        raise InvalidRequestError("frame", f"the objects come in different frames ({', '.join(sorted(frames))}); "
                                           "ask for one frame to convert them to", None)
    N, T = len(trs), t.shape[0]
    r = np.full((N, T, 3), np.nan)
    v = np.full((N, T, 3), np.nan)
    st = np.zeros((N, T), dtype=np.int8)
    for i, tr in enumerate(trs):
        r[i], v[i], st[i] = tr.interpolate(t, degree=degree if given_trajectories else None)
    out_frame = trs[0].frame if trs else (frame or "EME2000")
    states = OEMStates(object_id=np.array([tr.object_id for tr in trs], dtype=object),
                       object_name=np.array([tr.object_name for tr in trs], dtype=object), times=t,
                       position_km=r, velocity_km_s=v, status=st, frame=out_frame,
                       center=trs[0].center if trs else "EARTH")
    if frame is not None and canonical_frame(frame) != canonical_frame(out_frame):
        states = states.to_frame(frame)
    return states
