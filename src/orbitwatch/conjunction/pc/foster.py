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

__all__ = ["pc_circle", "pc_square", "pc_square_equal_area"]

_SQRT2 = math.sqrt(2.0)
_INV_SQRT_8PI = 1.0 / math.sqrt(8.0 * math.pi)


@njit(cache=True, inline="always")
def _erf_diff(a: float, b: float) -> float:
    """erf(a) - erf(b), accurate in the tails."""
    if a >= 0.0 and b >= 0.0:
        return math.erfc(b) - math.erfc(a)
    if a <= 0.0 and b <= 0.0:
        return math.erfc(-a) - math.erfc(-b)
    return math.erf(a) - math.erf(b)


@njit(cache=True, inline="always")
def _g(t: float, xm: float, zm: float, dx: float, dz: float, R: float) -> float:
    st = math.sin(t)
    if st <= 0.0:
        return 0.0
    x = xm + R * math.cos(t)
    h = R * st
    e = math.exp(-(x / dx) ** 2)
    if e == 0.0:
        return 0.0
    return st * e * _erf_diff((zm + h) / dz, (zm - h) / dz)


@njit(cache=True)
def _foster_one(xm: float, zm: float, sx: float, sz: float, R: float, rtol: float, nmax: int) -> float:
    if not (R > 0.0):
        return 0.0
    if math.isinf(R):
        return 1.0
    dx = _SQRT2 * sx
    dz = _SQRT2 * sz
    # starting order: resolve the narrowest feature (scale sz or sx against R)
    need = 2.0 * R / min(sx, sz)
    n = 16
    while n < need and n < nmax:
        n *= 2
    h = math.pi / n
    s = 0.0
    for k in range(1, n):
        s += _g(k * h, xm, zm, dx, dz, R)
    T = s * h
    while n < nmax:
        # nested doubling: add the midpoints
        s_mid = 0.0
        for k in range(n):
            s_mid += _g((k + 0.5) * h, xm, zm, dx, dz, R)
        s += s_mid
        n *= 2
        h *= 0.5
        T_new = s * h
        if abs(T_new - T) <= rtol * abs(T_new) or T_new == 0.0 and T == 0.0:
            T = T_new
            break
        T = T_new
    return min(1.0, max(0.0, R * T * _INV_SQRT_8PI / sx))


@njit(cache=True, parallel=True)
def _foster_many(xm, zm, sx, sz, R, rtol, nmax, out):
    for i in prange(xm.shape[0]):
        out[i] = _foster_one(xm[i], zm[i], sx[i], sz[i], R[i], rtol, nmax)


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
    _foster_many(np.abs(xm), np.abs(zm), sx, sz, R, float(rtol), int(nmax), out)
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
