"""Exact refinement of local minima with SGP4 (no interpolation).

The function minimised is a smooth function ``f(t)`` of the two objects' exact SGP4
positions: the squared distance for a spherical screening volume, the squared normalised
distance in the primary's RTN ellipsoid for an ellipsoidal one. Its derivatives come from a
five-point stencil of exact positions (step ``STENCIL_S``): SGP4's own velocity is not the
time derivative of its position (short-period and resonance terms make them differ by up to
several m/s for eccentric and deep-space orbits), and the minimum of the distance is defined
by positions.

Newton's method on f'(t) = 0, safeguarded by a bracket, runs on all candidates at once; each
iteration costs one batched propagation of 10 states per candidate.
"""

from __future__ import annotations

import numpy as np

from ...timeutil import NS_PER_S

#: stencil step, s. Truncation ~ h^4 f^(5)/30 is negligible; SGP4 position rounding noise
#: (~1e-9 km: mean anomalies of hundreds of radians) gives f' noise ~ 1.5 * noise / h.
STENCIL_S = 2.0
#: convergence on the time of the minimum, s
TOL_S = 1e-6
MAX_ITER = 40

#: outcome codes
OK = 0
AT_SPAN_START = 1
AT_SPAN_STOP = 2
NOT_CONVERGED = 3
INVALID_STATE = 4


def sphere_objective(r1, v1, r2, v2):
    """Squared distance (km^2); arrays (..., 3)."""
    d = r2 - r1
    return np.einsum("...k,...k->...", d, d)


def rtn_basis(r1, v1):
    """Unit radial, in-track (transverse) and cross-track vectors of the primary, (..., 3) each."""
    rhat = r1 / np.linalg.norm(r1, axis=-1, keepdims=True)
    h = np.cross(r1, v1)
    nhat = h / np.linalg.norm(h, axis=-1, keepdims=True)
    that = np.cross(nhat, rhat)
    return rhat, that, nhat


def to_rtn(r1, v1, vec):
    """Components of ``vec`` in the primary's RTN frame, (..., 3)."""
    rhat, that, nhat = rtn_basis(r1, v1)
    return np.stack([np.einsum("...k,...k->...", vec, rhat), np.einsum("...k,...k->...", vec, that),
                     np.einsum("...k,...k->...", vec, nhat)], axis=-1)


def ellipsoid_objective(semi_axes_km):
    """Squared normalised distance (R/a)^2 + (T/b)^2 + (N/c)^2 in the primary's RTN frame."""
    inv = 1.0 / np.asarray(semi_axes_km, dtype=np.float64)

    def f(r1, v1, r2, v2):
        x = to_rtn(r1, v1, r2 - r1) * inv
        return np.einsum("...k,...k->...", x, x)

    return f


def refine_minima(src, i, j, t0_s, lo_s, hi_s, span_start_ns, span_s, objective=sphere_objective,
                  window_s: float = 120.0, lo_bound=None, hi_bound=None):
    """Exact local minima of ``objective`` for pairs (i, j) near the guesses ``t0_s``.

    Times are seconds from ``span_start_ns``; the search for candidate m stays within
    ``[min(lo, t0) - window_s, max(hi, t0) + window_s]`` and inside the span ``[0, span_s]``,
    or inside ``[lo_bound[m], hi_bound[m]]`` when given (the time both objects are usable: an
    ephemeris' usable span; NaN bounds give NOT_CONVERGED). Returns ``(t_s, f, outcome)``
    (outcome: OK, AT_SPAN_START / AT_SPAN_STOP for a minimum on the lower/upper bound,
    NOT_CONVERGED, INVALID_STATE).
    """
    i = np.asarray(i, dtype=np.int64)
    j = np.asarray(j, dtype=np.int64)
    n = i.size
    lb = np.zeros(n) if lo_bound is None else np.asarray(lo_bound, dtype=np.float64)
    ub = np.full(n, float(span_s)) if hi_bound is None else np.asarray(hi_bound, dtype=np.float64)
    no_span = ~(lb <= ub)
    lb = np.where(no_span, 0.0, lb)
    ub = np.where(no_span, 0.0, ub)
    t = np.clip(np.asarray(t0_s, dtype=np.float64).copy(), lb, ub)
    a0 = np.maximum(np.minimum(np.asarray(lo_s, float), t) - window_s, lb)
    b0 = np.minimum(np.maximum(np.asarray(hi_s, float), t) + window_s, ub)
    a = a0.copy()
    b = b0.copy()
    outcome = np.full(n, NOT_CONVERGED, dtype=np.int8)
    active = ~no_span
    h = STENCIL_S
    offs = np.array([-2 * h, -h, 0.0, h, 2 * h])
    for _ in range(MAX_ITER):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        tt = t[idx]
        f5, okst = _stencil(src, i[idx], j[idx], tt, offs, span_start_ns, objective)
        if not okst.all():
            outcome[idx[~okst]] = INVALID_STATE
            active[idx[~okst]] = False
            idx, tt, f5 = idx[okst], tt[okst], f5[okst]
        g = (f5[:, 0] - 8 * f5[:, 1] + 8 * f5[:, 3] - f5[:, 4]) / (12 * h)
        d2 = (-f5[:, 0] + 16 * f5[:, 1] - 30 * f5[:, 2] + 16 * f5[:, 3] - f5[:, 4]) / (12 * h * h)
        aa = np.where(g < 0, np.maximum(a[idx], tt), a[idx])
        bb = np.where(g > 0, np.minimum(b[idx], tt), b[idx])
        a[idx], b[idx] = aa, bb
        lo_i, hi_i = lb[idx], ub[idx]
        # on the span's edges: a receding pair at the start (approaching at the stop) is closest there
        at0 = (tt == lo_i) & (g >= 0)
        at1 = (tt == hi_i) & (g <= 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = tt - g / d2
        good = (d2 > 0) & np.isfinite(newton)
        tn = np.where(good & (newton > aa) & (newton < bb), newton, 0.5 * (aa + bb))
        # a step beyond an edge of the span tries the edge itself
        tn = np.where(good & (newton <= aa) & (aa == lo_i) & (g > 0), lo_i, tn)
        tn = np.where(good & (newton >= bb) & (bb == hi_i) & (g < 0), hi_i, tn)
        conv = (np.abs(tn - tt) < TOL_S) | (g == 0) | (bb - aa < TOL_S)
        done = conv | at0 | at1
        t[idx] = np.where(at0 | at1, tt, np.where(conv, tn, tn))
        outcome[idx[done]] = np.where(at0[done], AT_SPAN_START, np.where(at1[done], AT_SPAN_STOP, OK))
        active[idx[done]] = False
        # a bracket closing onto its own start (a = 0 after g > 0 all the way) is the span start
    ok = outcome == OK
    # converged onto an edge of the search window (not of the span): no minimum inside it
    lost = ok & (((t - a0 < 10 * TOL_S) & (a0 > lb)) | ((b0 - t < 10 * TOL_S) & (b0 < ub)))
    outcome[lost] = NOT_CONVERGED
    # converged onto the span's edges by bisection
    outcome[ok & ~lost & (t - lb < 10 * TOL_S) & (a0 == lb)] = AT_SPAN_START
    outcome[ok & ~lost & (ub - t < 10 * TOL_S) & (b0 == ub)] = AT_SPAN_STOP
    t = np.where(outcome == AT_SPAN_START, lb, np.where(outcome == AT_SPAN_STOP, ub, t))
    fval = np.full(n, np.nan)
    conv = np.flatnonzero(np.isin(outcome, (OK, AT_SPAN_START, AT_SPAN_STOP)))
    if conv.size:
        f1, ok1 = _stencil(src, i[conv], j[conv], t[conv], np.zeros(1), span_start_ns, objective)
        fval[conv] = f1[:, 0]
        outcome[conv[~ok1]] = INVALID_STATE
    return t, fval, outcome


def _stencil(src, i, j, centre_s, offs, span_start_ns, objective):
    """objective at centre + offs for every pair: (M, K) values and a (M,) all-valid mask."""
    m = i.size
    k = offs.size
    tns = span_start_ns + np.round((centre_s[:, None] + offs[None, :]) * NS_PER_S).astype(np.int64)
    idx = np.concatenate([i, j])
    r, v, st = src.points(idx, np.concatenate([tns, tns]))
    r1, r2 = r[:m], r[m:]
    v1, v2 = v[:m], v[m:]
    ok = (st[:m] == 0).all(axis=1) & (st[m:] == 0).all(axis=1)
    with np.errstate(invalid="ignore"):
        f = objective(r1, v1, r2, v2)
    f = np.where(ok[:, None], f, np.nan)
    return f.reshape(m, k), ok


def states_at(src, idx, t_s, span_start_ns):
    """Exact TEME states (r, v, status) of objects ``idx`` at seconds ``t_s`` from the span start."""
    tns = span_start_ns + np.round(np.asarray(t_s, float) * NS_PER_S).astype(np.int64)
    r, v, st = src.points(idx, tns[:, None])
    return r[:, 0], v[:, 0], st[:, 0], tns
