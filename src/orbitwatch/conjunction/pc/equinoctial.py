"""Equinoctial orbital elements, two-body motion and their Jacobians (numba).

Element set ``E = (n, af, ag, chi, psi, lam)`` (prograde, retrograde factor +1):

    n   = sqrt(mu / a^3)                mean motion (rad/s)
    af  = e cos(w + W),  ag = e sin(w + W)
    chi = tan(i/2) sin W, psi = tan(i/2) cos W
    lam = M + w + W                     mean longitude (rad)

R. A. Broucke and P. J. Cefola, "On the Equinoctial Orbit Elements", Celestial
Mechanics 5, 303-310, 1972; D. A. Vallado and S. Alfano, "Updated Analytical Partials
for Covariance Transformations and Optimization", AAS 15-537, 2015 (the conversion
formulas and the ``(n, af, ag, chi, psi, lam)`` ordering that NASA CARA's 3D-Nc uses).

Two-body motion only advances ``lam`` by ``n t``, so the state at time ``t`` is
``X(t) = cart(E0 + n t e_lam)`` and its Jacobian with respect to the epoch elements is
``dX(t)/dE0 = J(E(t)) (I + t e_lam e_n^T)``.  ``J = dX/dE`` is computed by the
complex-step derivative (Squire & Trapp, SIAM Review 40(1), 1998), exact to machine
precision because ``cart`` is analytic (the generalised Kepler equation is solved by
Newton's method in complex arithmetic).

Units: km, s, rad; ``MU_EGM96_KM3_S2`` by default (CARA's value).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ...constants import MU_EGM96_KM3_S2 as _MU_EGM96

__all__ = ["MU_EGM96_KM3_S2", "cart_to_eq", "eq_to_cart", "eq_jacobian", "propagate_eq", "jacobian_e0_to_xt",
           "orbit_period"]

#: EGM-96 gravitational parameter (km^3/s^2), as used by NASA CARA (``constants.py``).
MU_EGM96_KM3_S2 = _MU_EGM96


@njit(cache=True)
def eq_to_cart(E, mu):
    """Cartesian state (6,) from equinoctial elements (6,); real or complex input."""
    n, af, ag, chi, psi, lam = E[0], E[1], E[2], E[3], E[4], E[5]
    a = (mu / (n * n)) ** (1.0 / 3.0)
    # generalised Kepler equation  lam = F + ag cos F - af sin F
    F = lam
    for _ in range(50):
        sF = np.sin(F)
        cF = np.cos(F)
        f = F + ag * cF - af * sF - lam
        fp = 1.0 - ag * sF - af * cF
        dF = f / fp
        F = F - dF
        if abs(dF) < 1e-15:
            break
    sF = np.sin(F)
    cF = np.cos(F)
    root = np.sqrt(1.0 - af * af - ag * ag)
    b = 1.0 / (1.0 + root)
    X1 = a * ((1.0 - ag * ag * b) * cF + af * ag * b * sF - af)
    Y1 = a * ((1.0 - af * af * b) * sF + af * ag * b * cF - ag)
    r = a * (1.0 - af * cF - ag * sF)
    k = n * a * a / r
    Xd = k * (af * ag * b * cF - (1.0 - ag * ag * b) * sF)
    Yd = k * ((1.0 - af * af * b) * cF - af * ag * b * sF)
    C = 1.0 + chi * chi + psi * psi
    fx = (1.0 - chi * chi + psi * psi) / C
    fy = 2.0 * chi * psi / C
    fz = -2.0 * chi / C
    gx = 2.0 * chi * psi / C
    gy = (1.0 + chi * chi - psi * psi) / C
    gz = 2.0 * psi / C
    out = np.empty(6, dtype=E.dtype)
    out[0] = X1 * fx + Y1 * gx
    out[1] = X1 * fy + Y1 * gy
    out[2] = X1 * fz + Y1 * gz
    out[3] = Xd * fx + Yd * gx
    out[4] = Xd * fy + Yd * gy
    out[5] = Xd * fz + Yd * gz
    return out


@njit(cache=True)
def cart_to_eq(X, mu):
    """Equinoctial elements (6,) of a Cartesian state (6,); NaNs if not an ellipse or
    if the orbit is exactly retrograde-equatorial (the prograde set's singularity)."""
    rx, ry, rz, vx, vy, vz = X[0], X[1], X[2], X[3], X[4], X[5]
    rm = math.sqrt(rx * rx + ry * ry + rz * rz)
    v2 = vx * vx + vy * vy + vz * vz
    out = np.full(6, np.nan)
    inv_a = 2.0 / rm - v2 / mu
    if not (inv_a > 0.0):
        return out
    a = 1.0 / inv_a
    n = math.sqrt(mu * inv_a ** 3)
    hx = ry * vz - rz * vy
    hy = rz * vx - rx * vz
    hz = rx * vy - ry * vx
    hm = math.sqrt(hx * hx + hy * hy + hz * hz)
    wx, wy, wz = hx / hm, hy / hm, hz / hm
    if 1.0 + wz <= 1e-12:
        return out
    chi = wx / (1.0 + wz)
    psi = -wy / (1.0 + wz)
    C = 1.0 + chi * chi + psi * psi
    fx = (1.0 - chi * chi + psi * psi) / C
    fy = 2.0 * chi * psi / C
    fz = -2.0 * chi / C
    gx = 2.0 * chi * psi / C
    gy = (1.0 + chi * chi - psi * psi) / C
    gz = 2.0 * psi / C
    rv = rx * vx + ry * vy + rz * vz
    c1 = v2 - mu / rm
    ex = (c1 * rx - rv * vx) / mu
    ey = (c1 * ry - rv * vy) / mu
    ez = (c1 * rz - rv * vz) / mu
    af = ex * fx + ey * fy + ez * fz
    ag = ex * gx + ey * gy + ez * gz
    e2 = af * af + ag * ag
    if e2 >= 1.0:
        return out
    X1 = rx * fx + ry * fy + rz * fz
    Y1 = rx * gx + ry * gy + rz * gz
    root = math.sqrt(1.0 - e2)
    b = 1.0 / (1.0 + root)
    sF = ag + ((1.0 - ag * ag * b) * Y1 - af * ag * b * X1) / (a * root)
    cF = af + ((1.0 - af * af * b) * X1 - af * ag * b * Y1) / (a * root)
    F = math.atan2(sF, cF)
    lam = F + ag * cF - af * sF
    out[0] = n
    out[1] = af
    out[2] = ag
    out[3] = chi
    out[4] = psi
    out[5] = lam % (2.0 * math.pi)
    return out


@njit(cache=True)
def eq_jacobian(E, mu):
    """dX/dE (6x6) at E by complex step."""
    J = np.empty((6, 6))
    Ec = np.empty(6, dtype=np.complex128)
    for k in range(6):
        h = 1e-20 * max(1.0, abs(E[k]))
        for j in range(6):
            Ec[j] = E[j]
        Ec[k] = E[k] + 1j * h
        Xc = eq_to_cart(Ec, mu)
        for i in range(6):
            J[i, k] = Xc[i].imag / h
    return J


@njit(cache=True)
def propagate_eq(E0, dt):
    """Epoch elements advanced by ``dt`` seconds of two-body motion."""
    E = E0.copy()
    E[5] = E0[5] + E0[0] * dt
    return E


@njit(cache=True)
def jacobian_e0_to_xt(E0, dt, mu):
    """(X(t), dX(t)/dE0) for two-body motion from epoch elements E0 over ``dt`` s."""
    E = propagate_eq(E0, dt)
    X = eq_to_cart(E.astype(np.float64), mu)
    J = eq_jacobian(E, mu)
    # d lam(t) / d n0 = dt : add dt * column lam to column n
    for i in range(6):
        J[i, 0] += dt * J[i, 5]
    return X, J


def orbit_period(r_km, v_km_s, mu: float = MU_EGM96_KM3_S2) -> float:
    """Two-body period (s) of a bound orbit; inf if unbound."""
    r = float(np.linalg.norm(r_km))
    v2 = float(np.dot(v_km_s, v_km_s))
    inv_a = 2.0 / r - v2 / mu
    if inv_a <= 0:
        return math.inf
    return 2.0 * math.pi * math.sqrt((1.0 / inv_a) ** 3 / mu)
