"""Exact SGP4 states for the screening, through any propagation backend, and the interpolation
steps and error bounds of every object.

Two access patterns are needed, and both are batched:

* a *grid*: a set of objects at common instants (the interpolation nodes of a window);
* *points*: one row of instants per evaluation (the exact refinement of times of closest
  approach, where every pair has its own instants).

:class:`StateSource` serves both through :class:`~orbitwatch.propagation.BatchPropagator`,
which uses what each backend declares it can do (subsets of a prepared state, per-object
instants, caller buffers) and a generic ``prepare``/``propagate_ns`` path otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...constants import MU_WGS72_KM3_S2, RE_WGS72_KM
from ...elements.sets import ElementSets
from ...propagation.backends import BatchPropagator
from ...timeutil import NS_PER_S

#: status code given to states SGP4 returned without error but which cannot be right:
#: an unbound state (positive two-body energy) or a radius more than 1.5 times the
#: element set's apogee radius (old element sets of decaying objects drift to millions of km).
STATUS_IMPLAUSIBLE = 7


def plausible(r_km: np.ndarray, v_km_s: np.ndarray, apogee_radius_km: np.ndarray) -> np.ndarray:
    """Mask of states that are physically possible for the object (see STATUS_IMPLAUSIBLE).

    ``r``/``v`` shaped (N, T, 3) (or (N, 3)); ``apogee_radius_km`` (N,)."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        rn = np.sqrt(np.einsum("...k,...k->...", r_km, r_km))
        v2 = np.einsum("...k,...k->...", v_km_s, v_km_s)
        lim = 1.5 * apogee_radius_km.reshape((-1,) + (1,) * (rn.ndim - 1))
        return np.isfinite(rn) & (0.5 * v2 - MU_WGS72_KM3_S2 / rn < 0.0) & (rn < lim)


def _mark_implausible_py(r, v, st, rmax, mu, code):
    """In place: status ``code`` and NaN states where SGP4 said ok but the state is implausible
    (see :func:`plausible`); NaN states wherever status != 0."""
    m, t = st.shape
    for a in range(m):
        for b in range(t):
            if st[a, b] == 0:
                rr = np.sqrt(r[a, b, 0] ** 2 + r[a, b, 1] ** 2 + r[a, b, 2] ** 2)
                v2 = v[a, b, 0] ** 2 + v[a, b, 1] ** 2 + v[a, b, 2] ** 2
                if not (rr < rmax[a] and 0.5 * v2 - mu / rr < 0.0):
                    st[a, b] = code
            if st[a, b] != 0:
                for c in range(3):
                    r[a, b, c] = np.nan
                    v[a, b, c] = np.nan


def _jit_mark():
    from numba import njit

    return njit(cache=True, nogil=True, error_model="numpy")(_mark_implausible_py)


_mark_implausible = _jit_mark()


class StateSource:
    """Exact SGP4 states of a catalog for the screening (see module docstring).

    A thin layer over :class:`~orbitwatch.propagation.BatchPropagator`, which serves every
    backend by its declared capabilities; this adds the plausibility check
    (:data:`STATUS_IMPLAUSIBLE`).

    Parameters
    ----------
    backend : PropagationBackend or BatchPropagator
    elements : ElementSets
        The N element sets (object index i is row i).
    prepared : optional
        ``backend.prepare(elements)`` if already done.
    """

    def __init__(self, backend, elements: ElementSets, prepared=None):
        prop = backend if isinstance(backend, BatchPropagator) else BatchPropagator(backend, elements, prepared)
        self.propagator = prop
        self.backend = prop.backend
        self.elements = elements
        self.prepared = prop.prepared
        self.apogee_radius_km = elements.semi_major_axis_km * (1.0 + elements.eccentricity)

    def __len__(self) -> int:
        return len(self.elements)

    def grid(self, idx: np.ndarray, times_ns: np.ndarray):
        """States of objects ``idx`` at the common instants ``times_ns`` (T,):
        r, v (M, T, 3), status (M, T) with STATUS_IMPLAUSIBLE applied."""
        idx = np.asarray(idx, dtype=np.int64)
        r, v, st = self.propagator.grid(idx, times_ns)
        return self._finish(idx, r, v, st)

    def points(self, idx: np.ndarray, times_ns: np.ndarray, with_velocity: bool = True):
        """States of object ``idx[m]`` at instants ``times_ns[m, :]``: r, v (M, K, 3), status (M, K)."""
        idx = np.asarray(idx, dtype=np.int64)
        r, v, st = self.propagator.rows(idx, times_ns)
        return self._finish(idx, r, v, st)

    def _finish(self, idx, r, v, st):
        if st.size:
            _mark_implausible(r, v, st, self.apogee_radius_km[idx] * 1.5, MU_WGS72_KM3_S2, STATUS_IMPLAUSIBLE)
        return r, v, st


# ---------------------------------------------------------------------------- interpolation steps


@dataclass
class Sampling:
    """Interpolation of every object: node step ``segment_s * 2**k`` and error bound.

    ``k`` (N,) int; ``eps_km`` (N,) bound on |SGP4 position - Hermite interpolant| (the worst
    measured over one orbit at the start of the span, one at its stop and, for objects SGP4
    gives up on during the span, the last orbit before that; times ``safety``, plus
    ``floor_km``); ``measured_km`` the raw measurement; ``usable_until_ns`` (N,) int64: the
    object is screened before this instant only (SGP4 failed there; a failed object is not
    trusted again even if SGP4 later returns states), ``unusable_status`` the code it gave.
    """

    segment_s: float
    k: np.ndarray
    eps_km: np.ndarray
    measured_km: np.ndarray
    usable_until_ns: np.ndarray = None
    unusable_status: np.ndarray = None

    def __post_init__(self):
        n = len(self.k)
        if self.usable_until_ns is None:
            self.usable_until_ns = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
        if self.unusable_status is None:
            self.unusable_status = np.zeros(n, dtype=np.uint8)

    @property
    def step_s(self) -> np.ndarray:
        return self.segment_s * np.exp2(self.k)


def _hermite_at(r0, v0, r1, v1, h, tau):
    """Cubic Hermite interpolant at the fraction ``tau`` of [t0, t0 + h]."""
    t2, t3 = tau * tau, tau ** 3
    return ((2 * t3 - 3 * t2 + 1) * r0 + (t3 - 2 * t2 + tau) * h * v0 + (-2 * t3 + 3 * t2) * r1
            + (t3 - t2) * h * v1)


#: where each piece is checked: the h^4 term peaks at the middle; the term from SGP4's velocity
#: not being the derivative of its position can cancel there and peaks at the quarters
TAUS = (0.25, 0.5, 0.75)


def analytic_step_exponent(elements: ElementSets, segment_s: float, target_km: float, kmin: int, kmax: int):
    """First guess of the step exponent from the cubic Hermite error term h^4/384 |r''''|.

    |r''''| is estimated at perigee as (mu / r_p^2) * (v_p / r_p)^2 (exact, n^4 a, for a circular
    orbit); the measured error then decides (see :func:`calibrate`)."""
    a = elements.semi_major_axis_km
    e = np.clip(elements.eccentricity, 0.0, 0.99)
    rp = np.maximum(a * (1.0 - e), RE_WGS72_KM)
    vp = np.sqrt(MU_WGS72_KM3_S2 * (2.0 / rp - 1.0 / a))
    f4 = MU_WGS72_KM3_S2 / rp**2 * (vp / rp) ** 2 * (1.0 + 10.0 * e)
    with np.errstate(divide="ignore", invalid="ignore"):
        hmax = (384.0 * target_km / f4) ** 0.25
        k = np.floor(np.log2(hmax / segment_s))
    k = np.where(np.isfinite(k), k, kmin)
    return np.clip(k, kmin, kmax).astype(np.int64)


def _hermite_error_py(r, v, rm, c0, c1, c2, c3, err):
    """In place: ``err[m, p] = max(err[m, p], |H(tau) - rm[m, p]|)`` for the Hermite interpolant H of piece p
    (nodes p and p + 1 of ``r``/``v``) with coefficients ``c0..c3`` of :func:`_hermite_at` (``c1``, ``c3``
    times the step). The same operations in the same order as :func:`_hermite_at` and ``np.linalg.norm``
    (so the same bits), without their (M, T, 3) temporaries; NaN propagates as in ``np.maximum``."""
    m_n, p_n = err.shape
    for m in range(m_n):
        for p in range(p_n):
            d0 = c0 * r[m, p, 0] + c1 * v[m, p, 0] + c2 * r[m, p + 1, 0] + c3 * v[m, p + 1, 0] - rm[m, p, 0]
            d1 = c0 * r[m, p, 1] + c1 * v[m, p, 1] + c2 * r[m, p + 1, 1] + c3 * v[m, p + 1, 1] - rm[m, p, 1]
            d2 = c0 * r[m, p, 2] + c1 * v[m, p, 2] + c2 * r[m, p + 1, 2] + c3 * v[m, p + 1, 2] - rm[m, p, 2]
            e = np.sqrt(d0 * d0 + d1 * d1 + d2 * d2)
            cur = err[m, p]
            if cur == cur and (e != e or e > cur):
                err[m, p] = e


def _jit_hermite_error():
    from numba import njit

    return njit(cache=True, nogil=True, error_model="numpy")(_hermite_error_py)


_hermite_error = _jit_hermite_error()


def hermite_coefficients(h: float, tau: float):
    """``(c0, c1, c2, c3)``: :func:`_hermite_at` is ``c0 r0 + c1 v0 + c2 r1 + c3 v1`` (same roundings)."""
    t2, t3 = tau * tau, tau ** 3
    return (2 * t3 - 3 * t2 + 1), (t3 - 2 * t2 + tau) * h, (-2 * t3 + 3 * t2), (t3 - t2) * h


def measure_errors(src: StateSource, start_ns: int, step_s: np.ndarray, max_orbit_pieces: int = 20000) -> np.ndarray:
    """Largest distance (km) between SGP4 and the Hermite interpolant at the quarters and the middle
    of every piece over one orbit from ``start_ns`` (see :data:`TAUS`; at most
    ``max_orbit_pieces`` pieces). NaN where SGP4 fails over that orbit.

    Objects are measured in batches of one step and a similar number of pieces per orbit (a
    batch covers its longest orbit: shorter ones get more than one orbit). Each object's result
    depends on its own element set only (not on the batch: :func:`calibrate_objects` relies on it)."""
    es = src.elements
    n = len(es)
    out = np.full(n, np.nan)
    if n == 0:
        return out
    period_s = 86400.0 / np.maximum(es.mean_motion_rev_per_day, 1e-3)
    npieces = np.minimum(np.maximum(np.ceil(period_s / step_s).astype(np.int64), 1), max_orbit_pieces)
    # batches: pieces per orbit rounded up to 8 (up to 128) or to 1/16 of a power of two
    scale = np.maximum(8, 2 ** np.floor(np.log2(np.maximum(npieces, 1))).astype(np.int64) // 16)
    bucket = -(-npieces // scale) * scale
    step_ns_all = np.round(step_s * NS_PER_S).astype(np.int64)
    for h_ns in np.unique(step_ns_all):
        h = h_ns / NS_PER_S
        for bk in np.unique(bucket[step_ns_all == h_ns]):
            members = np.flatnonzero((step_ns_all == h_ns) & (bucket == bk))
            npc = int(bk)
            nodes_t = start_ns + np.arange(npc + 1, dtype=np.int64) * h_ns
            r, v, st = src.grid(members, nodes_t)
            bad = (st[:, :-1] != 0) | (st[:, 1:] != 0)
            err = np.zeros(bad.shape)
            for tau in TAUS:
                rm, _, stm = src.grid(members, nodes_t[:-1] + int(round(tau * h_ns)))
                _hermite_error(r, v, rm, *hermite_coefficients(h, tau), err)
                bad |= stm != 0
            err[bad] = -np.inf
            m = err.max(axis=1)
            out[members] = np.where(np.isfinite(m), m, np.nan)
    return out


def usable_until(src, start_ns: int, stop_ns: int, scan_s: float = 600.0):
    """When SGP4 stops giving usable states for each object: ``(until_ns, status)``.

    ``until_ns`` is ``start_ns`` for objects unusable at the start, the first failing instant of
    a ``scan_s`` grid for objects usable at the start but not at the stop, and int64 max for
    the others (whose individual interpolation nodes are still checked)."""
    n = len(src.elements)
    until = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    code = np.zeros(n, dtype=np.uint8)
    if n == 0:
        return until, code
    _, _, st = src.grid(np.arange(n), np.array([start_ns, stop_ns], dtype=np.int64))
    bad0 = st[:, 0] != 0
    until[bad0] = start_ns
    code[bad0] = st[bad0, 0]
    dying = np.flatnonzero(~bad0 & (st[:, 1] != 0))
    if dying.size:
        t = np.arange(start_ns, stop_ns + 1, int(scan_s * NS_PER_S), dtype=np.int64)
        t = np.unique(np.r_[t, stop_ns])
        _, _, sd = src.grid(dying, t)
        first = np.argmax(sd != 0, axis=1)
        until[dying] = t[first]
        code[dying] = sd[np.arange(dying.size), first]
    return until, code


def calibrate_objects(src: StateSource, start_ns: int, segment_s: float, target_km: float, *, kmin: int = -3,
                      kmax: int = 3, safety: float = 1.5, floor_km: float = 0.002, stop_ns: int | None = None):
    """The per-object part of :func:`calibrate`: ``(k, measured_km, usable_until_ns, unusable_status)`` of
    every object of ``src``. Each object's result depends on its own element set only, so any split of
    a catalog into chunks gives the same bits (see ``_calibrate_all`` in core, which runs chunks on the
    screening's executor); :func:`sampling_from` then gives the bounds."""
    stop_ns = start_ns if stop_ns is None else stop_ns
    until, code = usable_until(src, start_ns, stop_ns)
    k = analytic_step_exponent(src.elements, segment_s, target_km, kmin, kmax)
    measured = np.full(len(k), np.nan)
    alive = until > start_ns
    todo = np.flatnonzero(alive)
    period_ns = 86400e9 / np.maximum(src.elements.mean_motion_rev_per_day, 1e-3)
    for _ in range(kmax - kmin + 1):
        if todo.size == 0:
            break
        steps = segment_s * np.exp2(k[todo])
        ms = [measure_errors(_Sub(src, todo), start_ns, steps)]
        at_stop = np.flatnonzero(until[todo] > stop_ns)
        if stop_ns != start_ns and at_stop.size:
            m = np.full(todo.size, np.nan)
            m[at_stop] = measure_errors(_Sub(src, todo[at_stop]), stop_ns, steps[at_stop])
            ms.append(m)
        dying = np.flatnonzero(until[todo] <= stop_ns)
        if dying.size:
            # the error grows on the way down: measure the last orbit before SGP4 gives up, in
            # groups by the hour it happens
            m = np.full(todo.size, np.nan)
            hour = 3600 * NS_PER_S
            last = until[todo[dying]] - hour
            ep = np.maximum(start_ns, ((last - 1.1 * period_ns[todo[dying]]).astype(np.int64) // hour) * hour)
            for e in np.unique(ep):
                g = dying[ep == e]
                m[g] = measure_errors(_Sub(src, todo[g]), int(e), steps[g])
            ms.append(m)
        ms = np.stack(ms)
        # the worst of the epochs, NaN only where every measurement failed
        m = np.where(np.isnan(ms).all(axis=0), np.nan, np.max(np.where(np.isnan(ms), -np.inf, ms), axis=0))
        measured[todo] = m
        too_big = (safety * m + floor_km > target_km) & (k[todo] > kmin)
        todo = todo[too_big]
        k[todo] -= 1
    return k, measured, until, code


def sampling_from(k, measured_km, usable_until_ns, unusable_status, segment_s: float, target_km: float, *,
                  safety: float = 1.5, floor_km: float = 0.002) -> Sampling:
    """The :class:`Sampling` of objects calibrated by :func:`calibrate_objects` (all of them together:
    an object without a measurement gets the worst bound of its step class, at least the target)."""
    eps = safety * measured_km + floor_km
    missing = ~np.isfinite(eps)
    for kk in np.unique(k[missing]):
        cls = (k == kk) & ~missing
        fill = max(target_km, float(np.max(eps[cls]))) if cls.any() else target_km
        eps[missing & (k == kk)] = fill
    return Sampling(segment_s=segment_s, k=k, eps_km=eps, measured_km=measured_km, usable_until_ns=usable_until_ns,
                    unusable_status=unusable_status)


def calibrate(src: StateSource, start_ns: int, segment_s: float, target_km: float, *, kmin: int = -3,
              kmax: int = 3, safety: float = 1.5, floor_km: float = 0.002, stop_ns: int | None = None) -> Sampling:
    """Choose every object's node step (``segment_s * 2**k``, kmin <= k <= kmax) and error bound.

    Start from :func:`analytic_step_exponent`, measure (:func:`measure_errors`) over one orbit
    from ``start_ns``, one from ``stop_ns`` (orbits evolve over a span: decay, resonances) and,
    for objects SGP4 gives up on during the span (:func:`usable_until`), the last orbit before
    that; halve the step of objects whose bound ``safety * measured + floor_km`` exceeds
    ``target_km`` until it does not or k = kmin (:func:`calibrate_objects`, then
    :func:`sampling_from`)."""
    k, measured, until, code = calibrate_objects(src, start_ns, segment_s, target_km, kmin=kmin, kmax=kmax,
                                                 safety=safety, floor_km=floor_km, stop_ns=stop_ns)
    return sampling_from(k, measured, until, code, segment_s, target_km, safety=safety, floor_km=floor_km)


class _Sub:
    """A view of a StateSource on some of its objects (same interface as StateSource)."""

    def __init__(self, src: StateSource, idx: np.ndarray):
        self.src = src
        self.idx = np.asarray(idx, dtype=np.int64)
        self.elements = src.elements[self.idx]

    def grid(self, idx, times_ns):
        return self.src.grid(self.idx[np.asarray(idx, dtype=np.int64)], times_ns)

    def points(self, idx, times_ns, with_velocity=True):
        return self.src.points(self.idx[np.asarray(idx, dtype=np.int64)], times_ns, with_velocity)
