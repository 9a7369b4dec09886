"""Patera (2001, 2005) contour-integral 2D Pc.

References
----------
R. P. Patera, "General Method for Calculating Satellite Collision Probability", J.
Guidance, Control, and Dynamics 24(4), 716-722, 2001; and "Calculating Collision
Probability for Arbitrary Space Vehicle Shapes via Numerical Quadrature", JGCD 28(6),
1326-1328, 2005.

Scaling the encounter plane by the principal sigmas makes the density the standard
isotropic Gaussian; Green's theorem then turns the area integral over the (now
elliptical) hard-body region into a line integral around its boundary::

    Pc = 1/(2 pi) * Contour (1 - exp(-rho^2/2)) d(alpha)     (origin inside the region)
    Pc = -1/(2 pi) * Contour exp(-rho^2/2) d(alpha)          (origin outside)

with ``rho, alpha`` the polar coordinates of the boundary point in the scaled plane.
The boundary is the image of the circle ``(xm + R cos p, zm + R sin p)``; the integrand
is smooth and periodic in ``p``, so the trapezoid rule converges exponentially and is
doubled until it settles to ``rtol``.  (Patera 2005 integrates the same contour with
a fixed quadrature; the result here is the converged value, which is why it agrees
with :func:`~orbitwatch.conjunction.pc.foster.pc_circle` to ~1e-12.)
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

__all__ = ["pc_patera"]


@njit(cache=True)
def _patera_one(xm, zm, sx, sz, R, rtol, nmax):
    if not (R > 0.0):
        return 0.0
    if math.isinf(R):
        return 1.0
    inside = xm * xm + zm * zm < R * R
    n = 32
    need = 4.0 * R / min(sx, sz)
    while n < need and n < nmax:
        n *= 2
    prev = 0.0
    total = 0.0
    count = 0
    first = True
    while True:
        # evaluate the points not yet evaluated (all on the first pass, odd ones after)
        h = 2.0 * math.pi / n
        start = 0 if first else 1
        step = 1 if first else 2
        for k in range(start, n, step):
            p = k * h
            c = math.cos(p)
            s = math.sin(p)
            px = (xm + R * c) / sx
            pz = (zm + R * s) / sz
            dpx = -R * s / sx
            dpz = R * c / sz
            rho2 = px * px + pz * pz
            cross = px * dpz - pz * dpx
            if inside:
                if rho2 < 1e-12:
                    f = 0.5 * cross       # (1 - e^-x)/x -> 1/2 ... times rho2 cancels
                    total += f
                else:
                    total += -math.expm1(-0.5 * rho2) * cross / rho2
            else:
                total += -math.exp(-0.5 * rho2) * cross / rho2
            count += 1
        val = total * h / (2.0 * math.pi)
        if not first and (abs(val - prev) <= rtol * abs(val) or (val == 0.0 and prev == 0.0)):
            return min(1.0, max(0.0, val))
        if n >= nmax:
            return min(1.0, max(0.0, val))
        prev = val
        first = False
        n *= 2


@njit(cache=True, parallel=True)
def _patera_many(xm, zm, sx, sz, R, rtol, nmax, out):
    for i in prange(xm.shape[0]):
        out[i] = _patera_one(xm[i], zm[i], sx[i], sz[i], R[i], rtol, nmax)


def pc_patera(xm, zm, sx, sz, hbr, rtol: float = 1e-12, nmax: int = 1 << 18) -> np.ndarray:
    """Patera (2005) contour-integral Pc (arrays broadcast; any consistent length unit)."""
    arrs = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (xm, zm, sx, sz, hbr)))
    shape = arrs[0].shape
    xm, zm, sx, sz, R = (np.ascontiguousarray(a.ravel()) for a in arrs)
    out = np.empty_like(xm)
    _patera_many(np.abs(xm), np.abs(zm), sx, sz, R, float(rtol), int(nmax), out)
    return out.reshape(shape)
