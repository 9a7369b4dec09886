"""Foster & Estes (1992) 2D Pc: the Gaussian integrated over the hard-body disk.

Reference
---------
J. L. Foster and H. S. Estes, "A Parametric Analysis of Orbital Debris Collision
Probability and Maneuver Rate for Space Vehicles", NASA JSC-25898, August 1992.

Numerical method
----------------
In the principal axes of the encounter-plane covariance the double integral reduces to
one dimension with the error function (Alfano 2005, "A Numerical Implementation of
Spherical Object Collision Probability", J. Astronaut. Sci. 53(1), eq. 8; the form NASA
CARA's ``PcCircle`` uses)::

    Pc = 1/(sx sqrt(8 pi)) * Int_{xm-R}^{xm+R} exp(-x^2 / 2 sx^2)
                              [erf((zm + Rx)/(sqrt2 sz)) - erf((zm - Rx)/(sqrt2 sz))] dx,
    Rx = sqrt(R^2 - (x - xm)^2).

Substituting ``x = xm + R cos t`` turns it into an integral over ``t`` in ``[0, pi]`` of a
smooth function whose even 2 pi-periodic extension is analytic, for which the trapezoid
rule converges exponentially (Trefethen & Weideman 2014, SIAM Review 56(3)).  The rule is
doubled (nested) until two successive estimates agree to ``rtol`` (default 1e-13), from a
starting order that resolves the smallest length scale (``~ 2 R / sz`` nodes), so the
result is exact to near machine precision - the "Foster" reference every other 2D
method here is compared with.  Differences of error functions are taken through
``erfc`` on the tails, so tiny probabilities (1e-300) keep full relative precision.

Also here: the *square* approximations CARA offers (``PcCircle`` EstimationMode 0 and
-1): the equal-area square and the circumscribing square (an upper bound).  CSpOC's
``FOSTER-1992`` values on CDMs behave like the circumscribing square (see
``docs/collision-probability.md``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["pc_circle", "pc_circle_max", "pc_square", "pc_square_equal_area"]

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_8PI = 1.0 / math.sqrt(8.0 * math.pi)
_SQRT_PI_2 = math.sqrt(math.pi / 2.0)


@njit(cache=True, inline="always")
def _erf_diff(a: float, b: float) -> float:
    """erf(a) - erf(b), accurate in the tails."""
    if a >= 0.0 and b >= 0.0:
        return math.erfc(b) - math.erfc(a)
    if a <= 0.0 and b <= 0.0:
        return math.erfc(-a) - math.erfc(-b)
    return math.erf(a) - math.erf(b)


_NMAX = 1 << 16
# cos/sin of j*pi/_NMAX: every trapezoid level n <= _NMAX uses a sub-grid of these nodes
_COS = np.cos(np.arange(_NMAX + 1) * (math.pi / _NMAX))
_SIN = np.sin(np.arange(_NMAX + 1) * (math.pi / _NMAX))


@njit(cache=True, inline="always")
def _node(c, s, xm, zm, dx, dz, sx, sz, R, want_q):
    """Integrand at one node (cos t = c, sin t = s): returns (g, g_q) where g is the
    Pc integrand and g_q its Mahalanobis-weighted companion (for the maximum Pc)."""
    if s <= 0.0:
        return 0.0, 0.0
    x = xm + R * c
    h = R * s
    e = math.exp(-(x / dx) ** 2)
    if e == 0.0:
        return 0.0, 0.0
    a = (zm - h) / dz
    b = (zm + h) / dz
    de = _erf_diff(b, a)
    g = s * e * de
    if not want_q:
        return g, 0.0
    # int w^2 exp(-w^2/2) dw over [a', b'] (w = z/sz) = a' e^{-a'^2/2} - b' e^{-b'^2/2} + sqrt(pi/2) derf,
    # so q = x^2/sx^2 + w^2 integrates to ((x/sx)^2 + 1) derf + (that bracket)/sqrt(pi/2), times sqrt(pi/2) sz
    ap = a * _SQRT2
    bp = b * _SQRT2
    i2 = ap * math.exp(-0.5 * ap * ap) - bp * math.exp(-0.5 * bp * bp)
    gq = s * e * (((x / sx) ** 2 + 1.0) * de + i2 / _SQRT_PI_2)
    return g, gq


@njit(cache=True)
def _disk(xm, zm, sx, sz, R, rtol, nmax, want_q, COS, SIN):
    """(Pc, <q> Pc) over the disk by the nested trapezoid rule in t (see module doc)."""
    dx = _SQRT2 * sx
    dz = _SQRT2 * sz
    need = 2.0 * R / min(sx, sz)
    n = 8
    while n < need and n < nmax:
        n *= 2
    stride = _NMAX // n
    s = 0.0
    sq = 0.0
    for k in range(1, n):
        g, gq = _node(COS[k * stride], SIN[k * stride], xm, zm, dx, dz, sx, sz, R, want_q)
        s += g
        sq += gq
    T = s / n
    Tq = sq / n
    while n < nmax:
        stride2 = stride // 2
        for k in range(n):
            j = (2 * k + 1) * stride2
            g, gq = _node(COS[j], SIN[j], xm, zm, dx, dz, sx, sz, R, want_q)
            s += g
            sq += gq
        n *= 2
        stride = stride2
        T_new = s / n
        Tq_new = sq / n
        done = abs(T_new - T) <= rtol * abs(T_new) or (T_new == 0.0 and T == 0.0)
        if want_q:
            done = done and abs(Tq_new - Tq) <= rtol * abs(Tq_new)
        T = T_new
        Tq = Tq_new
        if done:
            break
    f = math.pi * R * _INV_SQRT_8PI / sx
    return T * f, Tq * f


@njit(cache=True)
def _foster_one(xm, zm, sx, sz, R, rtol, nmax, COS, SIN):
    if not (R > 0.0):
        return 0.0
    if math.isinf(R):
        return 1.0
    p, _ = _disk(xm, zm, sx, sz, R, rtol, nmax, False, COS, SIN)
    return min(1.0, max(0.0, p))


@njit(cache=True, parallel=True)
def _foster_many(xm, zm, sx, sz, R, rtol, nmax, out, COS, SIN):
    for i in prange(xm.shape[0]):
        out[i] = _foster_one(xm[i], zm[i], sx[i], sz[i], R[i], rtol, nmax, COS, SIN)


@njit(cache=True)
def _max_one(xm, zm, sx, sz, R, rtol, COS, SIN):
    """Maximum over k of Pc with sigmas (k sx, k sz): solve <q_k> = 2 (d log Pc/d log k = 0)
    by the fixed-point step s <- s + log(<q>/2)/2 in s = log k.  Returns (Pc_max, k)."""
    if not (R > 0.0):
        return 0.0, math.nan
    if xm * xm + zm * zm <= R * R:
        return 1.0, 0.0
    # small-disk start, with the disk-average correction of q
    k2 = 0.5 * ((xm / sx) ** 2 + (zm / sz) ** 2 + 0.25 * R * R * (1.0 / sx ** 2 + 1.0 / sz ** 2))
    logk = 0.5 * math.log(k2)
    p = 0.0
    for _ in range(60):
        k = math.exp(logk)
        p, pq = _disk(xm, zm, k * sx, k * sz, R, rtol, _NMAX, True, COS, SIN)
        if p <= 0.0 or pq <= 0.0:
            break
        step = 0.5 * math.log((pq / p) / 2.0)
        step = max(-1.0, min(1.0, step))
        logk += step
        if abs(step) < 1e-9:
            break
    k = math.exp(logk)
    p, _ = _disk(xm, zm, k * sx, k * sz, R, rtol, _NMAX, False, COS, SIN)
    return min(1.0, p), k


@njit(cache=True, parallel=True)
def _max_many(xm, zm, sx, sz, R, rtol, pc, kk, COS, SIN):
    for i in prange(xm.shape[0]):
        pc[i], kk[i] = _max_one(xm[i], zm[i], sx[i], sz[i], R[i], rtol, COS, SIN)


def pc_circle_max(xm, zm, sx, sz, hbr, rtol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Maximum over ``k`` of :func:`pc_circle` with sigmas ``k*sx, k*sz`` and the
    maximiser ``k`` (0 when the miss is inside the disk: the maximum, 1, is approached
    as the covariance shrinks).  See :mod:`.maxpc`."""
    shape, (xm, zm, sx, sz, R) = _arrays(xm, zm, sx, sz, hbr)
    pc = np.empty_like(xm)
    kk = np.empty_like(xm)
    _max_many(np.abs(xm), np.abs(zm), sx, sz, R, float(rtol), pc, kk, _COS, _SIN)
    return pc.reshape(shape), kk.reshape(shape)


def _arrays(*args):
    arrs = np.broadcast_arrays(*[np.asarray(a, dtype=np.float64) for a in args])
    shape = arrs[0].shape
    return shape, [np.ascontiguousarray(a.ravel()) for a in arrs]


def pc_circle(xm, zm, sx, sz, hbr, rtol: float = 1e-13, nmax: int = 1 << 16) -> np.ndarray:
    """Foster (1992) Pc: the encounter-plane Gaussian integrated over the disk of radius
    ``hbr`` centred at the miss ``(xm, zm)``, in the covariance's principal axes
    (``sx``, ``sz`` the principal sigmas).  Arrays broadcast; any consistent length unit."""
    shape, (xm, zm, sx, sz, R) = _arrays(xm, zm, sx, sz, hbr)
    if np.any(sx <= 0) or np.any(sz <= 0):
        raise ValueError("principal sigmas must be positive (remediate the covariance first)")
    out = np.empty_like(xm)
    _foster_many(np.abs(xm), np.abs(zm), sx, sz, R, float(rtol), int(min(nmax, _NMAX)), out, _COS, _SIN)
    return out.reshape(shape)


def _erf_diff_np(a, b):
    from scipy.special import erf, erfc

    out = erf(a) - erf(b)
    pos = (a >= 0) & (b >= 0)
    neg = (a <= 0) & (b <= 0)
    out = np.where(pos, erfc(b) - erfc(a), out)
    out = np.where(neg, erfc(-a) - erfc(-b), out)
    return out


def pc_square(xm, zm, sx, sz, hbr) -> np.ndarray:
    """Pc over the square of half-width ``hbr`` aligned with the principal axes, which
    circumscribes the hard-body disk: an upper bound of :func:`pc_circle` (CARA
    ``PcCircle`` EstimationMode -1; Alfano 2005 eq. 5 in closed form)."""
    xm, zm, sx, sz, R = (np.asarray(a, dtype=float) for a in (xm, zm, sx, sz, hbr))
    ex = _erf_diff_np((xm + R) / (_SQRT2 * sx), (xm - R) / (_SQRT2 * sx))
    ez = _erf_diff_np((zm + R) / (_SQRT2 * sz), (zm - R) / (_SQRT2 * sz))
    return 0.25 * ex * ez


def pc_square_equal_area(xm, zm, sx, sz, hbr) -> np.ndarray:
    """Pc over the principal-axes square with the disk's area (half-width
    ``hbr * sqrt(pi)/2``): a fast approximation (CARA ``PcCircle`` EstimationMode 0)."""
    return pc_square(xm, zm, sx, sz, np.asarray(hbr, dtype=float) * math.sqrt(math.pi) / 2.0)
