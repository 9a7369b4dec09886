"""Operators' ephemerides (CCSDS OEM) as screening objects, beside the SGP4 catalog.

An ephemeris object is screened like an element set, with its OEM interpolant in place of
SGP4: the *exact* state of an ephemeris object at an instant is the OEM's own interpolation
(:mod:`orbitwatch.odm.interpolation`: the segment's ``INTERPOLATION`` and degree, on the TAI
scale, the later segment where usable spans overlap), rotated from the OEM's ``REF_FRAME``
into TEME (the screening's frame) by the precession-nutation of
:func:`orbitwatch.propagation.frames.teme_to_gcrs_matrix` evaluated hourly and interpolated
linearly (under 1e-10 rad). Everything downstream - node sampling, the measured
interpolation bound, the broad and narrow phases, the exact refinement - calls that state.

* **Identity.** An ephemeris object keeps its OEM ``OBJECT_NAME`` and ``OBJECT_ID``. Its
  catalog number is known when ``OBJECT_ID`` is an international designator held by a
  catalog object (``1998-067A``, also written ``98067A``) or is itself a catalog number
  (digits); the ephemeris then *replaces* that object's element set in the run. Otherwise
  it gets a **synthetic catalog number**, negative: ``-(1 + CRC-32(OBJECT_ID) mod 2**31)``,
  the same in every run (event tracks follow it), never a real catalog number.
* **Usable spans.** An object is screened only inside the union of its segments' usable
  spans (``USEABLE_START/STOP_TIME``, else ``START/STOP_TIME``), intersected with the
  screening span; elsewhere it is listed in ``ScreeningResult.object_status`` (codes
  :data:`EPH_STATUS_TEXT`). A minimum on the edge of a usable span (the pair receding from
  its start or approaching its stop) is reported there, with ``boundary`` 3 or 4, as the
  span's own edges are (1, 2). To screen every instant of a usable span, the interpolant
  is continued for one node step past each edge (the OEM polynomial of the nearest
  segment); those instants serve the node interpolation only, never an event.
* **Interpolation bound.** Measured on the ephemeris itself over the *whole* span (not one
  orbit, as for SGP4: an ephemeris can change segment, step or manoeuvre anywhere): the
  distance between the OEM interpolant and the screening's cubic Hermite interpolant of its
  nodes at the quarter points and middle of every piece, times the safety factor, plus the
  floor. The OEM's own interpolation uncertainty
  (:meth:`~orbitwatch.odm.OEMTrajectory.error_estimate`) is reported beside it.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

from ...ccsds import timesystems as _ts
from ...constants import MU_WGS72_KM3_S2
from ...elements.sets import ElementSets
from ...errors import ConflictError, InvalidRequestError
from ...timeutil import NS_PER_S

#: object-status codes of ephemeris objects (SGP4's own codes are 1-7)
STATUS_EPH_BEFORE = 11
STATUS_EPH_AFTER = 12
STATUS_EPH_GAP = 13
STATUS_EPH_TOO_FEW = 14
STATUS_EPH_UNCONVERTIBLE = 16
EPH_STATUS_TEXT = {
    STATUS_EPH_BEFORE: "before the first usable span of the ephemeris",
    STATUS_EPH_AFTER: "after the last usable span of the ephemeris",
    STATUS_EPH_GAP: "in a gap between usable spans of the ephemeris",
    STATUS_EPH_TOO_FEW: "an ephemeris segment holds fewer than 2 distinct states",
    STATUS_EPH_UNCONVERTIBLE: "the ephemeris' TIME_SYSTEM cannot be converted to UTC",
}

#: frames an ephemeris can be screened in (rotated into TEME)
SCREENABLE_FRAMES = ("EME2000", "GCRF", "TEME")
#: grid of the frame rotation, s
ROTATION_GRID_S = 3600.0
#: extra continuation past a usable edge beyond one node step (the refinement's stencil), s
EDGE_MARGIN_S = 10.0

_METHOD_CODE = {"HERMITE": 0, "LAGRANGE": 1}
_DESIGNATOR = re.compile(r"^\s*(\d{2}|\d{4})-?(\d{3})\s*([A-Z]{1,3})\s*$")


def normalise_designator(text: str) -> str:
    """A COSPAR international designator as ``YYYY-NNNP``, or '' when ``text`` is not one.

    >>> normalise_designator("1998-067A"), normalise_designator("98067a"), normalise_designator("MYSAT-1")
    ('1998-067A', '1998-067A', '')
    """
    m = _DESIGNATOR.match(str(text).upper())
    if not m:
        return ""
    year = int(m.group(1))
    if len(m.group(1)) == 2:
        year += 1900 if year >= 57 else 2000
    return f"{year:04d}-{m.group(2)}{m.group(3)}"


def synthetic_norad_id(object_id: str) -> int:
    """The catalog number given to an ephemeris object the catalog does not know: negative,
    ``-(1 + CRC-32(OBJECT_ID upper-cased) mod 2**31)``, the same in every run.

    >>> synthetic_norad_id("MYSAT-1") < 0, synthetic_norad_id("mysat-1") == synthetic_norad_id("MYSAT-1")
    (True, True)
    """
    return -(1 + (zlib.crc32(str(object_id).strip().upper().encode("utf-8")) & 0x7FFFFFFF))


# ----------------------------------------------------------------------------- evaluation kernel


def _eval_py(obj, q_tai, q_utc, bp_off, bp, owner, pc_off, pc_n, pc_ref, pc_meth, pc_deg, T, P, V, frame_of,
             rot_t0, rot_dt, ROT, out_r, out_v, out_st):
    """OEM interpolant of ephemeris ``obj[m]`` at TAI ``q_tai[m]`` (UTC ``q_utc[m]``), rotated to TEME.

    The schedule of object o is ``bp[bp_off[o]:bp_off[o+1]]`` (sorted TAI breakpoints, one more
    than its entries) and ``owner`` (piece index >= 0, or -status); the piece's polynomial is
    the one of :meth:`orbitwatch.odm.interpolation._Piece.evaluate`: a window of
    ``min(degree + 1, K)`` states (at least 2) centred on the instant, time centred and scaled,
    Newton divided differences (nodes doubled for Hermite)."""
    Q = obj.shape[0]
    G = ROT.shape[1]
    pr = np.empty(6)
    dpr = np.empty(6)
    zz = np.empty(64)
    cf = np.empty((64, 6))
    cc = np.empty((64, 6))
    fp = np.empty((64, 6))
    for m in range(Q):
        o = obj[m]
        q = q_tai[m]
        a = bp_off[o]
        b = bp_off[o + 1]
        # owner of q: the entry k with bp[a+k] <= q < bp[a+k+1] (closed at the last breakpoint)
        lo = a
        hi = b - 1
        if q < bp[a] or q > bp[b - 1]:
            own = -STATUS_EPH_BEFORE if q < bp[a] else -STATUS_EPH_AFTER
        else:
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if bp[mid] <= q:
                    lo = mid
                else:
                    hi = mid
            own = owner[lo - o]  # entries are offset by one per object (bp has one more)
        if own < 0:
            out_st[m] = -own
            for c in range(3):
                out_r[m, c] = np.nan
                out_v[m, c] = np.nan
            continue
        p = own
        off = pc_off[p]
        K = pc_n[p]
        deg = pc_deg[p]
        n = min(deg + 1, K)
        if n < 2:
            n = 2
        x = (q - pc_ref[p]) / 1e9
        # searchsorted(t, x, side="right")
        l2 = 0
        h2 = K
        while l2 < h2:
            mid = (l2 + h2) // 2
            if T[off + mid] <= x:
                l2 = mid + 1
            else:
                h2 = mid
        i0 = l2 - n // 2
        if i0 < 0:
            i0 = 0
        if i0 > K - n:
            i0 = K - n
        z0 = T[off + i0]
        z1 = T[off + i0 + n - 1]
        centre = 0.5 * (z0 + z1)
        scale = max(0.5 * (z1 - z0), 1e-9)
        xu = (x - centre) / scale
        herm = pc_meth[p] == 0
        if herm:
            mm = 2 * n
            for k in range(n):
                u = (T[off + i0 + k] - centre) / scale
                zz[2 * k] = u
                zz[2 * k + 1] = u
                for c in range(3):
                    cc[2 * k, c] = P[off + i0 + k, c]
                    cc[2 * k + 1, c] = P[off + i0 + k, c]
                    fp[2 * k, c] = V[off + i0 + k, c] * scale
                    fp[2 * k + 1, c] = V[off + i0 + k, c] * scale
            nc = 3
        else:
            mm = n
            for k in range(n):
                zz[k] = (T[off + i0 + k] - centre) / scale
                for c in range(3):
                    cc[k, c] = P[off + i0 + k, c]
                    cc[k, 3 + c] = V[off + i0 + k, c]
            nc = 6
        for c in range(nc):
            cf[0, c] = cc[0, c]
        # divided differences, in place: after step k, cc[0..mm-k-1] hold the k-th differences
        for k in range(1, mm):
            for s in range(mm - k):
                den = zz[s + k] - zz[s]
                for c in range(nc):
                    num = cc[s + 1, c] - cc[s, c]
                    if herm and k == 1 and den == 0.0:
                        cc[s, c] = fp[s, c]
                    else:
                        cc[s, c] = num / den
            for c in range(nc):
                cf[k, c] = cc[0, c]
        # Horner with derivative
        for c in range(nc):
            pr[c] = cf[mm - 1, c]
            dpr[c] = 0.0
        for k in range(mm - 2, -1, -1):
            dx = xu - zz[k]
            for c in range(nc):
                if herm:
                    dpr[c] = dpr[c] * dx + pr[c]
                pr[c] = pr[c] * dx + cf[k, c]
        if herm:
            rx, ry, rz = pr[0], pr[1], pr[2]
            vx, vy, vz = dpr[0] / scale, dpr[1] / scale, dpr[2] / scale
        else:
            rx, ry, rz = pr[0], pr[1], pr[2]
            vx, vy, vz = pr[3], pr[4], pr[5]
        f = frame_of[o]
        xg = (q_utc[m] - rot_t0) / rot_dt
        kg = int(np.floor(xg))
        if kg < 0:
            kg = 0
        if kg > G - 2:
            kg = G - 2
        w = xg - kg
        for c in range(3):
            r0 = ROT[f, kg, c, 0] * (1.0 - w) + ROT[f, kg + 1, c, 0] * w
            r1 = ROT[f, kg, c, 1] * (1.0 - w) + ROT[f, kg + 1, c, 1] * w
            r2 = ROT[f, kg, c, 2] * (1.0 - w) + ROT[f, kg + 1, c, 2] * w
            out_r[m, c] = r0 * rx + r1 * ry + r2 * rz
            out_v[m, c] = r0 * vx + r1 * vy + r2 * vz
        out_st[m] = 0


def _jit_eval():
    from numba import njit

    return njit(cache=True, nogil=True, error_model="numpy")(_eval_py)


_eval = _jit_eval()


# ----------------------------------------------------------------------------- objects


@dataclass
class EphemerisObject:
    """One ephemeris object of a screening: who it is and what its OEM offers."""

    object_id: str
    object_name: str
    norad_id: int
    #: the catalog knows the object (its number is real); else ``norad_id`` is synthetic (negative)
    catalogued: bool
    #: the ephemeris took the place of the catalog's element set for this object
    replaces_element_set: bool
    frame: str
    time_system: str
    source: str
    #: usable spans, UTC int64 ns, merged, sorted
    usable_ns: list[tuple[int, int]] = field(default_factory=list)
    segments: int = 0
    states: int = 0
    step_s: float = float("nan")
    interpolation: str = ""
    interpolation_degree: int = 0
    #: the OEM's own interpolation uncertainty (difference of two window sizes at midpoints), km
    oem_interpolation_error_km: float = float("nan")
    intl_designator: str = ""
    object_type: int = 1

    def to_dict(self) -> dict[str, Any]:
        from ...timeutil import format_iso

        def iso(ns):
            return format_iso(np.datetime64(int(ns), "ns"), 3) + "Z"

        return {"object_id": self.object_id, "object_name": self.object_name, "norad_id": int(self.norad_id),
                "catalogued": self.catalogued, "replaces_element_set": self.replaces_element_set,
                "frame": self.frame, "time_system": self.time_system, "source": self.source,
                "usable_spans_utc": [[iso(a), iso(b)] for a, b in self.usable_ns], "segments": self.segments,
                "states": self.states, "step_s": None if not np.isfinite(self.step_s) else float(self.step_s),
                "interpolation": self.interpolation, "interpolation_degree": self.interpolation_degree,
                "oem_interpolation_error_km": None if not np.isfinite(self.oem_interpolation_error_km)
                else float(self.oem_interpolation_error_km)}


def _as_trajectories(ephemerides) -> tuple[list, dict[str, str]]:
    """OEMTrajectory objects from OEMs, OEMTrajectory objects or file paths (joined by OBJECT_ID),
    and the message(s) each object came from."""
    from ...odm import OEM, OEMTrajectory, read_oem, trajectories

    items = [ephemerides] if isinstance(ephemerides, (OEM, OEMTrajectory, str, Path)) else list(ephemerides)
    oems: list = []
    ready: list = []
    for x in items:
        if isinstance(x, OEMTrajectory):
            ready.append(x)
        elif isinstance(x, OEM):
            oems.append(x)
        elif isinstance(x, (str, Path)):
            oems.append(read_oem(x))
        else:
            raise InvalidRequestError("ephemerides", f"expected OEMs, OEM trajectories or OEM files, got "
                                                     f"{type(x).__name__}")
    out = list(ready)
    sources: dict[str, str] = {}
    for o in oems:
        for oid in o.object_ids():
            sources.setdefault(oid, [])
            if str(o.source) not in sources[oid]:
                sources[oid].append(str(o.source))
    sources = {k: ", ".join(v) for k, v in sources.items()}
    if oems:
        for s in (seg for o in oems for seg in o.segments):
            why = _frame_problem(s.metadata.ref_frame, s.metadata.center_name)
            if why:
                raise InvalidRequestError("ephemerides", f"{s.object_id} ({_source_of(oems, s)}): {why}",
                                          s.metadata.ref_frame)
        out += trajectories(oems)
    seen: dict[str, int] = {}
    for tr in out:
        key = tr.object_id.strip().upper()
        if key in seen:
            raise InvalidRequestError("ephemerides", f"OBJECT_ID {tr.object_id!r} is given twice (give its "
                                                     "segments in one call to join them)", tr.object_id)
        seen[key] = 1
    for tr in ready:
        why = _frame_problem(tr.frame, tr.center)
        if why:
            raise InvalidRequestError("ephemerides", f"{tr.object_id}: {why}", tr.frame)
    return out, sources


def _source_of(oems, seg) -> str:
    for o in oems:
        if any(s is seg for s in o.segments):
            return str(o.source)
    return "<memory>"


def _frame_problem(frame: str, center: str) -> str | None:
    from ...odm.frames import canonical_frame

    f = canonical_frame(frame)
    if str(center).strip().upper() != "EARTH":
        return f"CENTER_NAME = {center}: only Earth-centred ephemerides can be screened"
    if f not in SCREENABLE_FRAMES:
        return (f"REF_FRAME = {frame} cannot be screened: convert it to EME2000, GCRF or TEME first "
                f"(orbitwatch converts among {', '.join(SCREENABLE_FRAMES)} into TEME, not out of ITRF or "
                "other frames)")
    return None


def _osculating(r, v):
    """Osculating elements (a km, e, i, raan, argp, M deg) of a TEME state, WGS-72 mu."""
    mu = MU_WGS72_KM3_S2
    rn = np.linalg.norm(r)
    h = np.cross(r, v)
    hn = np.linalg.norm(h)
    energy = 0.5 * np.dot(v, v) - mu / rn
    a = -mu / (2.0 * energy) if energy < 0 else np.inf
    evec = np.cross(v, h) / mu - r / rn
    e = float(np.linalg.norm(evec))
    inc = float(np.degrees(np.arccos(np.clip(h[2] / hn, -1.0, 1.0))))
    node = np.array([-h[1], h[0], 0.0])
    nn = np.linalg.norm(node)
    raan = float(np.degrees(np.arctan2(node[1], node[0])) % 360.0) if nn > 1e-12 else 0.0
    if nn > 1e-12 and e > 1e-12:
        argp = float(np.degrees(np.arccos(np.clip(np.dot(node, evec) / (nn * e), -1, 1))))
        if evec[2] < 0:
            argp = 360.0 - argp
    else:
        argp = 0.0
    if e > 1e-12:
        nu = np.arccos(np.clip(np.dot(evec, r) / (e * rn), -1, 1))
        if np.dot(r, v) < 0:
            nu = 2 * np.pi - nu
        ecc_anom = 2 * np.arctan2(np.sqrt(max(1 - e, 0.0)) * np.sin(nu / 2), np.sqrt(1 + e) * np.cos(nu / 2))
        mean = float(np.degrees(ecc_anom - e * np.sin(ecc_anom)) % 360.0)
    else:
        mean = 0.0
    return a, min(e, 0.999), inc, raan, argp, mean


class EphemerisSet:
    """The ephemeris objects of one screening, ready for batched evaluation in TEME.

    Parameters
    ----------
    trajectories : list of OEMTrajectory
    objects : list of EphemerisObject
        Identity of each (same order).
    t_lo_ns, t_hi_ns : int
        UTC range the screening will ask for (the rotation grid covers it).
    margin_s : float
        How far past each usable edge the interpolant is continued (one node step and the
        refinement's stencil).
    """

    def __init__(self, trajectories: Sequence, objects: Sequence[EphemerisObject], t_lo_ns: int, t_hi_ns: int,
                 margin_s: float):
        from ...odm.frames import canonical_frame

        self.objects = list(objects)
        self.margin_s = float(margin_s)
        margin_ns = int(round(margin_s * NS_PER_S))
        E = len(self.objects)
        frames = ["TEME"]
        frame_of = np.zeros(E, np.int64)
        bp_all, owner_all, bp_off = [], [], [0]
        T, P, V, off, cnt, ref, meth, deg = [], [], [], [], [], [], [], []
        npc = 0
        nt = 0
        for e, (tr, ob) in enumerate(zip(trajectories, self.objects)):
            f = canonical_frame(tr.frame)
            if f not in frames:
                frames.append(f)
            frame_of[e] = frames.index(f)
            pieces = list(tr.pieces) if tr.convertible else []
            base = npc
            for p in pieces:
                T.append(np.asarray(p.t_s, float))
                P.append(np.asarray(p.pos, float).reshape(-1, 3))
                V.append(np.asarray(p.vel, float).reshape(-1, 3))
                off.append(nt)
                cnt.append(p.t_s.shape[0])
                ref.append(int(p.ref_ns))
                meth.append(_METHOD_CODE.get(p.method, 0))
                deg.append(int(p.degree))
                nt += p.t_s.shape[0]
                npc += 1
            bp, own, usable = _schedule(pieces, base, margin_ns, tr.convertible)
            bp_all.append(bp)
            owner_all.append(own)
            bp_off.append(bp_off[-1] + bp.size)
            ob.usable_ns = [(int(a), int(b)) for a, b in
                            zip(_ts.tai_ns_to_utc(np.array([u[0] for u in usable], np.int64)).astype(np.int64),
                                _ts.tai_ns_to_utc(np.array([u[1] for u in usable], np.int64)).astype(np.int64))] \
                if usable else []
        self.bp_off = np.asarray(bp_off, np.int64)
        self.bp = np.concatenate(bp_all).astype(np.int64) if bp_all else np.zeros(0, np.int64)
        self.owner = np.concatenate(owner_all).astype(np.int64) if owner_all else np.zeros(0, np.int64)
        self.pc_off = np.asarray(off, np.int64)
        self.pc_n = np.asarray(cnt, np.int64)
        self.pc_ref = np.asarray(ref, np.int64)
        self.pc_meth = np.asarray(meth, np.int64)
        self.pc_deg = np.asarray(deg, np.int64)
        self.T = np.concatenate(T) if T else np.zeros(0)
        self.P = np.concatenate(P) if P else np.zeros((0, 3))
        self.V = np.concatenate(V) if V else np.zeros((0, 3))
        if self.T.size:
            self.P = np.ascontiguousarray(self.P)
            self.V = np.ascontiguousarray(self.V)
        self.frame_of = frame_of
        self.frames = frames
        self._rotations(frames, t_lo_ns, t_hi_ns)
        # TAI - UTC over the range: one constant unless a leap second falls inside
        d = _ts.utc_to_tai_ns(np.array([t_lo_ns, t_hi_ns], np.int64)) - np.array([t_lo_ns, t_hi_ns], np.int64)
        self.dat_ns = int(d[0]) if d[0] == d[1] else None
        self.usable = [np.asarray(ob.usable_ns, np.int64).reshape(-1, 2) for ob in self.objects]

    def _rotations(self, frames, t_lo_ns, t_hi_ns):
        from ...propagation.frames import teme_to_gcrs_matrix

        g_ns = int(ROTATION_GRID_S * NS_PER_S)
        t0 = (int(t_lo_ns) // g_ns - 1) * g_ns
        G = max(int((int(t_hi_ns) - t0) // g_ns) + 3, 2)
        grid = t0 + np.arange(G, dtype=np.int64) * g_ns
        ROT = np.zeros((len(frames), G, 3, 3))
        ROT[:] = np.eye(3)
        if any(f != "TEME" for f in frames):
            from skyfield.framelib import ICRS_to_J2000

            M = np.moveaxis(teme_to_gcrs_matrix(grid.astype("datetime64[ns]")), 2, 0)  # (G,3,3): r_gcrs = M r_teme
            Mt = np.swapaxes(M, 1, 2)  # r_teme = M^T r_gcrs
            B = np.asarray(ICRS_to_J2000)  # r_eme = B r_gcrs
            for k, f in enumerate(frames):
                if f == "GCRF":
                    ROT[k] = Mt
                elif f == "EME2000":
                    ROT[k] = Mt @ B.T
        self.rot_t0 = int(t0)
        self.rot_dt = float(g_ns)
        self.ROT = np.ascontiguousarray(ROT)

    def __len__(self) -> int:
        return len(self.objects)

    def _tai(self, utc_ns: np.ndarray) -> np.ndarray:
        if self.dat_ns is not None:
            return utc_ns + self.dat_ns
        return _ts.utc_to_tai_ns(utc_ns)

    def evaluate(self, e_idx: np.ndarray, utc_ns: np.ndarray):
        """TEME states of ephemeris ``e_idx[m]`` at UTC ``utc_ns[m]`` (flat): r, v (Q, 3), status (Q,)."""
        e_idx = np.ascontiguousarray(e_idx, dtype=np.int64)
        q = np.ascontiguousarray(utc_ns, dtype=np.int64)
        Q = q.size
        r = np.empty((Q, 3))
        v = np.empty((Q, 3))
        st = np.empty(Q, np.uint8)
        if Q:
            _eval(e_idx, self._tai(q), q, self.bp_off, self.bp, self.owner, self.pc_off, self.pc_n, self.pc_ref,
                  self.pc_meth, self.pc_deg, self.T, self.P, self.V, self.frame_of, self.rot_t0, self.rot_dt,
                  self.ROT, r, v, st)
        return r, v, st

    def grid(self, e_idx: np.ndarray, times_ns: np.ndarray):
        """States of ephemerides ``e_idx`` (M,) at common instants (T,): r, v (M, T, 3), status (M, T)."""
        e_idx = np.asarray(e_idx, np.int64)
        times_ns = np.asarray(times_ns, np.int64)
        M, T = e_idx.size, times_ns.size
        r, v, st = self.evaluate(np.repeat(e_idx, T), np.tile(times_ns, M))
        return r.reshape(M, T, 3), v.reshape(M, T, 3), st.reshape(M, T)

    def points(self, e_idx: np.ndarray, times_ns: np.ndarray):
        """States of ephemeris ``e_idx[m]`` at instants ``times_ns[m, :]``: r, v (M, K, 3), status (M, K)."""
        e_idx = np.asarray(e_idx, np.int64)
        times_ns = np.asarray(times_ns, np.int64)
        M, K = times_ns.shape
        r, v, st = self.evaluate(np.repeat(e_idx, K), times_ns.ravel())
        return r.reshape(M, K, 3), v.reshape(M, K, 3), st.reshape(M, K)

    def interval_of(self, e_idx: np.ndarray, t_ns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The usable span (UTC ns) of ephemeris ``e_idx[m]`` holding ``t_ns[m]``, or the nearest one;
        (int64 min, int64 min) where the object has none."""
        e_idx = np.asarray(e_idx, np.int64)
        t_ns = np.asarray(t_ns, np.int64)
        lo = np.full(e_idx.size, np.iinfo(np.int64).min, np.int64)
        hi = lo.copy()
        for e in np.unique(e_idx):
            m = np.flatnonzero(e_idx == e)
            u = self.usable[int(e)]
            if u.shape[0] == 0:
                continue
            k = np.searchsorted(u[:, 0], t_ns[m], side="right") - 1
            k = np.clip(k, 0, u.shape[0] - 1)
            # past the end of span k and closer to the start of span k+1: take k+1
            nxt = np.minimum(k + 1, u.shape[0] - 1)
            later = (t_ns[m] > u[k, 1]) & (nxt > k) & ((u[nxt, 0] - t_ns[m]) < (t_ns[m] - u[k, 1]))
            k = np.where(later, nxt, k)
            lo[m] = u[k, 0]
            hi[m] = u[k, 1]
        return lo, hi


def _schedule(pieces, base: int, margin_ns: int, convertible: bool):
    """Breakpoints (TAI ns, sorted; one more than the entries) and owners (piece index, or -status) of
    one object, continued ``margin_ns`` past each usable edge; and its usable spans (TAI ns, merged).

    Where the usable spans of segments overlap the later one serves (as in :mod:`orbitwatch.odm`)."""
    big = np.iinfo(np.int64).max // 4
    if not convertible or not pieces:
        code = STATUS_EPH_UNCONVERTIBLE if not convertible else STATUS_EPH_TOO_FEW
        return np.array([-big, big], np.int64), np.array([-code], np.int64), []
    pts = sorted({int(p.start_ns) for p in pieces} | {int(p.stop_ns) for p in pieces})
    # elementary intervals [pts[k], pts[k+1]]: owned by the last piece covering them
    entries: list[tuple[int, int, int]] = []  # (start, stop, owner)
    for k in range(len(pts) - 1):
        a, b = pts[k], pts[k + 1]
        own = -STATUS_EPH_GAP
        for j, p in enumerate(pieces):
            if p.start_ns <= a and b <= p.stop_ns:
                own = base + j if p.t_s.shape[0] >= 2 else -STATUS_EPH_TOO_FEW
        entries.append((a, b, own))
    if not entries:  # one instant: a zero-length span
        p = pieces[-1]
        entries.append((pts[0], pts[0], base + len(pieces) - 1 if p.t_s.shape[0] >= 2 else -STATUS_EPH_TOO_FEW))
    # merge neighbours with the same owner
    merged: list[list[int]] = []
    for a, b, own in entries:
        if merged and merged[-1][2] == own and merged[-1][1] == a:
            merged[-1][1] = b
        else:
            merged.append([a, b, own])
    usable = []
    for a, b, own in merged:
        if own >= 0:
            if usable and usable[-1][1] >= a:
                usable[-1] = (usable[-1][0], max(usable[-1][1], b))
            else:
                usable.append((a, b))
    # continuation past usable edges into gaps and past the ends
    out: list[list[int]] = []
    first_a = merged[0][0]
    if merged[0][2] >= 0:
        out.append([first_a - margin_ns, first_a, merged[0][2]])
    for k, (a, b, own) in enumerate(merged):
        if own == -STATUS_EPH_GAP:
            prev = merged[k - 1][2] if k > 0 else -1
            nxt = merged[k + 1][2] if k + 1 < len(merged) else -1
            cut_a = min(a + margin_ns, (a + b) // 2) if prev >= 0 else a
            cut_b = max(b - margin_ns, (a + b) // 2) if nxt >= 0 else b
            if prev >= 0 and cut_a > a:
                out.append([a, cut_a, prev])
            if cut_b > cut_a:
                out.append([cut_a, cut_b, -STATUS_EPH_GAP])
            if nxt >= 0 and b > cut_b:
                out.append([cut_b, b, nxt])
        else:
            out.append([a, b, own])
    last_b = merged[-1][1]
    if merged[-1][2] >= 0:
        out.append([last_b, last_b + margin_ns, merged[-1][2]])
    bp = [out[0][0]] + [x[1] for x in out]
    own = [x[2] for x in out]
    # zero-length entries (a one-instant span) would never be selected: fine, the edges serve it
    return np.asarray(bp, np.int64), np.asarray(own, np.int64), usable


# ----------------------------------------------------------------------------- identity


@dataclass
class PreparedEphemerides:
    """The catalog and the ephemeris objects of a screening, before any propagation.

    ``elements`` holds the catalog's element sets first (minus those replaced by an ephemeris),
    then one synthetic row per ephemeris object (its identity, and osculating elements of its
    first usable state for the choice of node step; SGP4 never sees it)."""

    elements: ElementSets
    n_tle: int
    objects: list[EphemerisObject]
    trajectories: list
    replaced: list[int]

    @property
    def norad_ids(self) -> np.ndarray:
        return np.array([o.norad_id for o in self.objects], np.int64)


def prepare_ephemerides(elements: ElementSets, ephemerides) -> PreparedEphemerides:
    """Identify the ephemeris objects against the catalog and build the screening's object table.

    Raises :class:`~orbitwatch.errors.InvalidRequestError` for a frame that cannot be screened
    (ITRF, TOD, ...; a centre other than the Earth) or an ``OBJECT_ID`` given twice, and
    :class:`~orbitwatch.errors.ConflictError` when two ephemerides resolve to one catalog number."""
    trs, sources = _as_trajectories(ephemerides)
    intl = np.array([normalise_designator(x) for x in elements.intl_designator]) if len(elements) else \
        np.zeros(0, str)
    by_intl = {d: k for k, d in enumerate(intl) if d}
    row_of = {int(n): k for k, n in enumerate(elements.norad_id)}
    objects: list[EphemerisObject] = []
    replace_rows: list[int] = []
    taken: dict[int, str] = {}
    for tr in trs:
        oid = str(tr.object_id).strip()
        d = normalise_designator(oid)
        row = by_intl.get(d) if d else None
        if row is None and oid.isdigit() and int(oid) in row_of:
            row = row_of[int(oid)]
        if row is not None:
            norad, catalogued = int(elements.norad_id[row]), True
            otype = int(elements.object_type[row])
            des = str(elements.intl_designator[row])
        elif oid.isdigit() and 0 < int(oid) < 10_000_000:
            norad, catalogued, otype, des = int(oid), True, 1, ""
        else:
            norad, catalogued, otype, des = synthetic_norad_id(oid), False, 1, d
        if norad in taken:
            raise ConflictError(f"catalog number {norad}", f"ephemerides {taken[norad]!r} and {oid!r} are the same "
                                                          "object; give one")
        taken[norad] = oid
        if row is not None:
            replace_rows.append(row)
        steps = [s for s in tr.step_s() if np.isfinite(s)]
        err = tr.error_estimate()["position_km"] if tr.convertible and tr.pieces else float("nan")
        objects.append(EphemerisObject(
            object_id=oid, object_name=str(tr.object_name), norad_id=norad, catalogued=catalogued,
            replaces_element_set=row is not None, frame=str(tr.frame), time_system=str(tr.time_system),
            source=sources.get(tr.object_id, "<memory>"),
            segments=len(tr.segments), states=int(sum(len(s) for s in tr.segments)),
            step_s=float(min(steps)) if steps else float("nan"),
            interpolation=tr.pieces[0].method if tr.pieces else "",
            interpolation_degree=int(tr.pieces[0].degree) if tr.pieces else 0,
            oem_interpolation_error_km=float(err), intl_designator=des, object_type=otype))
    keep = np.setdiff1d(np.arange(len(elements)), np.asarray(replace_rows, np.int64))
    tle = elements[keep] if len(replace_rows) else elements
    synth = _synthetic_rows(trs, objects)
    both = ElementSets.concat([tle, synth]) if len(tle) else synth
    both.source = elements.source
    return PreparedEphemerides(elements=both, n_tle=len(tle), objects=objects, trajectories=trs,
                               replaced=[int(elements.norad_id[r]) for r in replace_rows])


def _synthetic_rows(trs, objects) -> ElementSets:
    """One ElementSets row per ephemeris object: identity, and osculating elements of its first state."""
    n = len(objects)
    cols = {c: np.zeros(n) for c in ("mean_motion_dot", "mean_motion_ddot", "bstar", "inclination_deg",
                                      "raan_deg", "eccentricity", "arg_perigee_deg", "mean_anomaly_deg",
                                      "mean_motion_rev_per_day")}
    epoch = np.zeros(n, "datetime64[ns]")
    for k, (tr, ob) in enumerate(zip(trs, objects)):
        p = next((p for p in tr.pieces if p.t_s.shape[0] >= 1), None) if tr.convertible else None
        if p is None:
            cols["mean_motion_rev_per_day"][k] = 15.0
            epoch[k] = np.datetime64("NaT")
            continue
        r = np.asarray(p.pos[0], float)
        v = np.asarray(p.vel[0], float)
        a, e, inc, raan, argp, mean = _osculating(r, v)
        n_rad_s = np.sqrt(MU_WGS72_KM3_S2 / a ** 3) if np.isfinite(a) and a > 0 else 2 * np.pi / 86400.0
        cols["mean_motion_rev_per_day"][k] = n_rad_s * 86400.0 / (2 * np.pi)
        cols["eccentricity"][k] = e
        cols["inclination_deg"][k] = inc
        cols["raan_deg"][k] = raan
        cols["arg_perigee_deg"][k] = argp
        cols["mean_anomaly_deg"][k] = mean
        epoch[k] = np.datetime64(ob.usable_ns[0][0], "ns") if ob.usable_ns else \
            _ts.tai_ns_to_utc(np.array([p.start_ns], np.int64))[0]
    return ElementSets(norad_id=np.array([o.norad_id for o in objects], np.int64), epoch=epoch,
                       name=np.array([o.object_name for o in objects], dtype=str),
                       intl_designator=np.array([o.intl_designator for o in objects], dtype=str),
                       object_type=np.array([o.object_type for o in objects], np.int8),
                       ephemeris_type=np.full(n, -1, np.int16), **cols)


# ----------------------------------------------------------------------------- the mixed state source


class MixedSource:
    """States of a screening's objects: rows ``< n_tle`` from SGP4 (a
    :class:`~orbitwatch.conjunction.screening.sampling.StateSource`), the others from their
    ephemerides (:class:`EphemerisSet`); the same interface as ``StateSource``."""

    def __init__(self, tle_src, eph: EphemerisSet, n_tle: int, elements: ElementSets):
        self.tle = tle_src
        self.eph = eph
        self.n_tle = int(n_tle)
        self.elements = elements

    def __len__(self) -> int:
        return len(self.elements)

    def _split(self, idx):
        idx = np.asarray(idx, dtype=np.int64)
        is_tle = idx < self.n_tle
        return idx, np.flatnonzero(is_tle), np.flatnonzero(~is_tle)

    def grid(self, idx, times_ns):
        idx, a, b = self._split(idx)
        times_ns = np.asarray(times_ns, np.int64)
        M, T = idx.size, times_ns.size
        r = np.empty((M, T, 3))
        v = np.empty((M, T, 3))
        st = np.empty((M, T), np.uint8)
        if a.size:
            r[a], v[a], st[a] = self.tle.grid(idx[a], times_ns)
        if b.size:
            r[b], v[b], st[b] = self.eph.grid(idx[b] - self.n_tle, times_ns)
        return r, v, st

    def points(self, idx, times_ns, with_velocity=True):
        idx, a, b = self._split(idx)
        times_ns = np.asarray(times_ns, np.int64)
        M, K = times_ns.shape
        r = np.empty((M, K, 3))
        v = np.empty((M, K, 3))
        st = np.empty((M, K), np.uint8)
        if a.size:
            r[a], v[a], st[a] = self.tle.points(idx[a], times_ns[a], with_velocity)
        if b.size:
            r[b], v[b], st[b] = self.eph.points(idx[b] - self.n_tle, times_ns[b])
        return r, v, st

    def bounds(self, i, j, t_s, span_start_ns: int, span_s: float):
        """Per pair (i, j) near ``t_s`` (s from the span start): the interval where both objects are
        usable, ``(lo_s, hi_s)`` within ``[0, span_s]``; NaN where an ephemeris has no usable span."""
        i = np.asarray(i, np.int64)
        j = np.asarray(j, np.int64)
        t_ns = span_start_ns + np.round(np.asarray(t_s, float) * NS_PER_S).astype(np.int64)
        lo = np.zeros(i.size)
        hi = np.full(i.size, float(span_s))
        for obj in (i, j):
            e = np.flatnonzero(obj >= self.n_tle)
            if e.size == 0:
                continue
            a, b = self.eph.interval_of(obj[e] - self.n_tle, t_ns[e])
            none = a == np.iinfo(np.int64).min
            la = np.where(none, np.nan, (a - span_start_ns) / NS_PER_S)
            lb = np.where(none, np.nan, (b - span_start_ns) / NS_PER_S)
            lo[e] = np.maximum(lo[e], la)
            hi[e] = np.minimum(hi[e], lb)
        bad = ~(lo <= hi)
        lo[bad] = np.nan
        hi[bad] = np.nan
        return lo, hi


# ----------------------------------------------------------------------------- calibration


def calibrate_ephemerides(src, idx: np.ndarray, k0: np.ndarray, start_ns: int, stop_ns: int, segment_s: float,
                          target_km: float, *, kmin: int, kmax: int, safety: float, floor_km: float = 0.002,
                          chunk_pieces: int = 2048):
    """Node step exponent and interpolation bound of ephemeris objects ``idx`` (rows of ``src``).

    The bound is measured over every piece of the span (nodes at ``start + m * step``, as the
    windows place them): the largest distance between the exact (OEM) state and the cubic
    Hermite interpolant of the nodes at the quarter points and the middle of each piece,
    times ``safety``, plus ``floor_km``; the step is halved from ``k0`` while the bound exceeds
    ``target_km`` (down to ``kmin``). Pieces with an unusable node are not measured (they are
    not screened). Returns ``(k, eps_km, measured_km)``; NaN measured where no piece was usable
    (such objects get ``target_km``)."""
    from .sampling import TAUS, _hermite_at

    idx = np.asarray(idx, np.int64)
    k = np.clip(np.asarray(k0, np.int64).copy(), kmin, kmax)
    measured = np.full(idx.size, np.nan)
    todo = np.arange(idx.size)
    span_ns = stop_ns - start_ns
    for _ in range(kmax - kmin + 1):
        if todo.size == 0:
            break
        for kk in np.unique(k[todo]):
            members = todo[k[todo] == kk]
            h_ns = int(round(segment_s * 2.0 ** kk * NS_PER_S))
            h = h_ns / NS_PER_S
            npc = max(1, -(-span_ns // h_ns))
            worst = np.full(members.size, -np.inf)
            for c0 in range(0, npc, chunk_pieces):
                c1 = min(npc, c0 + chunk_pieces)
                nodes = start_ns + np.arange(c0, c1 + 1, dtype=np.int64) * h_ns
                r, v, st = src.grid(idx[members], nodes)
                bad = (st[:, :-1] != 0) | (st[:, 1:] != 0)
                err = np.zeros(bad.shape)
                for tau in TAUS:
                    rm, _, stm = src.grid(idx[members], nodes[:-1] + int(round(tau * h_ns)))
                    with np.errstate(invalid="ignore"):
                        interp = _hermite_at(r[:, :-1], v[:, :-1], r[:, 1:], v[:, 1:], h, tau)
                        err = np.maximum(err, np.linalg.norm(interp - rm, axis=-1))
                    bad |= stm != 0
                err = np.where(bad, -np.inf, err)
                worst = np.maximum(worst, err.max(axis=1))
            measured[members] = np.where(np.isfinite(worst), worst, np.nan)
        too_big = (safety * measured[todo] + floor_km > target_km) & (k[todo] > kmin)
        todo = todo[too_big]
        k[todo] -= 1
    eps = safety * measured + floor_km
    eps = np.where(np.isfinite(eps), eps, target_km)
    return k, eps, measured


def ephemeris_status(objects: Sequence[EphemerisObject], start_ns: int, stop_ns: int):
    """Object status of ephemeris objects over ``[start, stop]``: for those not usable throughout,
    ``(positions, first_uncovered_ns, code)`` (see :data:`EPH_STATUS_TEXT`)."""
    pos, first, code = [], [], []
    for k, ob in enumerate(objects):
        spans = [(max(a, start_ns), min(b, stop_ns)) for a, b in ob.usable_ns if b >= start_ns and a <= stop_ns]
        if not ob.usable_ns:
            pos.append(k)
            first.append(start_ns)
            code.append(STATUS_EPH_UNCONVERTIBLE if ob.time_system and not _ts.is_supported(ob.time_system)
                        else STATUS_EPH_TOO_FEW)
            continue
        if not spans:
            pos.append(k)
            first.append(start_ns)
            code.append(STATUS_EPH_BEFORE if ob.usable_ns[0][0] > stop_ns else STATUS_EPH_AFTER)
            continue
        if spans[0][0] > start_ns:
            pos.append(k)
            first.append(start_ns)
            code.append(STATUS_EPH_BEFORE)
            continue
        t = spans[0][1]
        gap = False
        for a, b in spans[1:]:
            if a > t:
                gap = True
                break
            t = max(t, b)
        if gap:
            pos.append(k)
            first.append(t)
            code.append(STATUS_EPH_GAP)
        elif t < stop_ns:
            pos.append(k)
            first.append(t)
            code.append(STATUS_EPH_AFTER)
    return np.asarray(pos, np.int64), np.asarray(first, np.int64), np.asarray(code, np.uint8)


def resolve_primaries(primaries: Iterable, prepared: PreparedEphemerides | None) -> np.ndarray:
    """Catalog numbers of a fleet given as catalog numbers and/or ephemeris ``OBJECT_ID`` strings."""
    by_id = {o.object_id.strip().upper(): o.norad_id for o in (prepared.objects if prepared else [])}
    out = []
    for p in primaries:
        if isinstance(p, str) and not p.strip().lstrip("-").isdigit():
            key = p.strip().upper()
            if key not in by_id:
                from ...errors import NotFoundError

                raise NotFoundError(f"primary {p!r} is no ephemeris OBJECT_ID of this screening")
            out.append(by_id[key])
        else:
            out.append(int(p))
    return np.unique(np.asarray(out, np.int64))


__all__ = ["EphemerisObject", "EphemerisSet", "PreparedEphemerides", "prepare_ephemerides", "MixedSource",
           "calibrate_ephemerides", "ephemeris_status", "synthetic_norad_id", "normalise_designator",
           "EPH_STATUS_TEXT", "SCREENABLE_FRAMES"]
