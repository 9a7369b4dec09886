"""3D Pc for slow or long encounters: Hall's 3D-Nc and Coppola's 3D-Pc.

References
----------
D. T. Hall, "Expected Collision Rates for Tracked Satellites", J. Spacecraft and
Rockets 58(3), 715-728, 2021 (the 3D-Nc method; NASA CARA ``Pc3D_Hall``).
V. T. Coppola, "Including Velocity Uncertainty in the Probability of Collision between
Space Objects", AAS 12-247, 2012 (the collision-rate integral over the hard-body
sphere), and "Evaluating the Short Encounter Assumption of the Probability of Collision
Formula", AAS 12-248, 2012 (the linear-motion conjunction time bounds).

Method
------
Each object's state at TCA is a Gaussian in *equinoctial* elements (the Cartesian
covariance mapped through the element Jacobian), which two-body motion carries along
its curved orbit - unlike the 2D method's straight lines and frozen covariances.  The
expected number of collisions is the time integral of the collision rate::

    Nc = Int dNc/dt dt,    dNc/dt = R^2 Int_{unit sphere} nu(r) N3(R r; mu_r(t), A(t)) dOmega

where ``N3`` is the relative-position density at the point ``R r`` of the hard-body
sphere and ``nu`` the expected inward speed there: with the relative velocity
conditioned on that position, ``v.r ~ N(nu0, s^2)``, ``nu = E[max(0, -v.r)]``
(Coppola 2012a eqs. 31-39).  At every time the two orbits are linearised about the
*peak overlap point* of the two position densities, found by fixed-point iteration
(Hall 2021 sec. III; ``maxiter = 1`` skips the iteration and gives Coppola's original
3D-Pc).  For an isolated conjunction ``Nc = Pc``.

Implementation notes (orbitwatch's own, not CARA's code)
---------------------------------------------------------
* the frame is first rotated so that z bisects the two orbit normals, which keeps both
  orbits away from the prograde equinoctial singularity (CARA instead reorients only
  retrograde cases);
* the unit-sphere integral uses a Gauss-Legendre x trapezoid product rule with its pole
  on the mean relative position (CARA: 5810-point Lebedev rule); the order follows the
  ratio of HBR to the smallest position sigma;
* the time integral starts on Coppola's linear-motion bounds (gamma = 1e-16) with 101
  points, is extended while the rate at an edge is not negligible (up to the maxima of
  the mean relative distance that bracket TCA), and is refined by bisection until every
  trapezoid panel holds < 2% of the total and every peak is resolved.

Time bounds (``window_s``)
--------------------------
By default the integral may reach the ends of the *encounter segment*, the maxima of the
mean relative distance on either side of TCA (half the shorter period when there are
none).  ``window_s = (t0, t1)`` (seconds from TCA) replaces those limits, as the
``Tmin_limit``/``Tmax_limit`` parameters of NASA CARA's ``Pc3D_Hall`` do
(``default_params_Pc3D_Hall.m``, CARA Analysis Tools).  Use it for long encounters - GEO
pairs or formation flyers drifting past each other for hours, where the segment can span
most of a day - to count only the collisions expected within the time that matters (up
to the next orbit determination or planned maneuver), or within the span over which
two-body motion of the TCA covariance is still credible.  Nc then is the expected number
of collisions *within the window*: it is smaller than the unbounded value when the window
cuts the encounter, and the 3D usage checks (extended, offset) are measured against the
window.  A window wider than the segment may take in the pair's next encounters too.

Units: km, s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from numba import njit
from scipy.special import erfcinv

from ...errors import InvalidRequestError
from .equinoctial import MU_EGM96_KM3_S2, cart_to_eq, eq_jacobian, eq_to_cart, jacobian_e0_to_xt, orbit_period

__all__ = ["Nc3DResult", "nc3d", "nc3d_many", "coppola_bounds", "check_window_s"]

_MD2_CUT = 1491.0          # exp(-MD2/2) underflows to zero beyond this
_FCLIP = 1e-4
_SQRT2 = math.sqrt(2.0)
_SQRT_PI = math.sqrt(math.pi)
_SQRT_2PI = math.sqrt(2.0 * math.pi)


# --------------------------------------------------------------------------- numba core

@njit(cache=True)
def _clip_inverse(A, lclip):
    """Inverse and determinant of a symmetric 3x3 after clipping eigenvalues at lclip."""
    w, V = np.linalg.eigh(A)
    det = 1.0
    inv = np.zeros((3, 3))
    for k in range(3):
        lk = w[k] if w[k] > lclip else lclip
        det *= lk
        for i in range(3):
            for j in range(3):
                inv[i, j] += V[i, k] * V[j, k] / lk
    return inv, det


@njit(cache=True)
def _sym(P):
    return 0.5 * (P + P.T)


@njit(cache=True)
def _wrap_dlam(lb, ls):
    return math.asin(math.sin(lb - ls))


@njit(cache=True)
def _pop(dt, Eb1, Q1, Eb2, Q2, H, mu, maxiter, fclip):
    """Peak-overlap-point linearisation at time dt.  Returns (status, xu1, xu2, Js1, Js2):
    status 1 = converged, 0 = not converged, -1 = unbound/undefined orbit met."""
    xs1, Js1 = jacobian_e0_to_xt(Eb1, dt, mu)
    xs2, Js2 = jacobian_e0_to_xt(Eb2, dt, mu)
    Es1 = Eb1.copy()
    Es2 = Eb2.copy()
    xb1 = xs1.copy()
    xb2 = xs2.copy()
    lclip = (fclip * H) ** 2
    tol1, tol2 = 1e-6, 1e-3
    avgiter = min(35, int(round(maxiter * 0.35)))
    acciter = min(25, int(round(maxiter * 0.25)))
    osciter = min(15, int(round(maxiter * 0.15)))
    mup_old = np.full(3, np.nan)
    mup_old2 = np.full(3, np.nan)
    it = 0
    status = 0
    eye = np.eye(3)
    while True:
        if it == 0:
            xu1 = xs1.copy()
            xu2 = xs2.copy()
        else:
            dE1 = Eb1 - Es1
            dE1[5] = _wrap_dlam(Eb1[5], Es1[5])
            dE2 = Eb2 - Es2
            dE2[5] = _wrap_dlam(Eb2[5], Es2[5])
            xu1 = xs1 + Js1 @ dE1
            xu2 = xs2 + Js2 @ dE2
        P1 = _sym(Js1 @ Q1 @ Js1.T)
        P2 = _sym(Js2 @ Q2 @ Js2.T)
        A1inv, _ = _clip_inverse(P1[:3, :3].copy(), lclip)
        A2inv, _ = _clip_inverse(P2[:3, :3].copy(), lclip)
        Sp = np.linalg.inv(A1inv + A2inv)
        mup = Sp @ (A1inv @ xu1[:3] + A2inv @ xu2[:3])
        SpRemInv = np.linalg.inv(Sp + H * H * eye)
        if maxiter <= 1:
            status = 1
            break
        if it > avgiter:
            mup = 0.5 * (mup + mup_old)
        B1 = np.ascontiguousarray(P1[3:, :3])
        B2 = np.ascontiguousarray(P2[3:, :3])
        v1p = xu1[3:] + B1 @ (A1inv @ (mup - xu1[:3]))
        v2p = xu2[3:] + B2 @ (A2inv @ (mup - xu2[:3]))
        rm = math.sqrt(mup[0] ** 2 + mup[1] ** 2 + mup[2] ** 2)
        if 0.5 * (v1p @ v1p) - mu / rm >= 0.0 or 0.5 * (v2p @ v2p) - mu / rm >= 0.0:
            status = -1
            break
        xs1 = np.concatenate((mup, v1p))
        xs2 = np.concatenate((mup, v2p))
        iterating = True
        if it > 0:
            d = mup_old - mup
            dmd2 = d @ SpRemInv @ d
            if dmd2 <= tol1:
                iterating = False
                status = 1
            elif it >= maxiter:
                iterating = False
                status = 0
            elif it > osciter:
                d2 = mup_old2 - mup
                if d2 @ SpRemInv @ d2 <= tol1:
                    iterating = False
                    status = 1
                else:
                    if it > avgiter:
                        cut = tol2
                    elif it <= acciter:
                        cut = tol1
                    else:
                        frc = (it - acciter) / (avgiter - acciter)
                        cut = math.exp((1.0 - frc) * math.log(tol1) + frc * math.log(tol2))
                    if dmd2 <= cut:
                        iterating = False
                        status = 1
        e1 = cart_to_eq(xs1, mu)
        e2 = cart_to_eq(xs2, mu)
        if np.isnan(e1[0]) or np.isnan(e2[0]):
            status = -1
            break
        e1[5] = (e1[5] - e1[0] * dt) % (2.0 * math.pi)
        e2[5] = (e2[5] - e2[0] * dt) % (2.0 * math.pi)
        Es1 = e1
        Es2 = e2
        _, Js1 = jacobian_e0_to_xt(Es1, dt, mu)
        _, Js2 = jacobian_e0_to_xt(Es2, dt, mu)
        if not iterating:
            break
        mup_old2 = mup_old.copy()
        mup_old = mup.copy()
        it += 1
    if status == 1 and maxiter > 1:
        dE1 = Eb1 - Es1
        dE1[5] = _wrap_dlam(Eb1[5], Es1[5])
        dE2 = Eb2 - Es2
        dE2[5] = _wrap_dlam(Eb2[5], Es2[5])
        xu1 = xs1 + Js1 @ dE1
        xu2 = xs2 + Js2 @ dE2
    elif status == 1:
        xu1 = xb1
        xu2 = xb2
    return status, xu1, xu2, Js1, Js2


@njit(cache=True)
def _ncdot(xu1, xu2, Js1, Js2, Q1, Q2, H, fclip, gl_x, gl_w, nphi):
    """Collision rate dNc/dt at one time; returns (rate, MD2 of the HBR centre)."""
    P = _sym(Js1 @ Q1 @ Js1.T) + _sym(Js2 @ Q2 @ Js2.T)
    A = P[:3, :3].copy()
    B = P[3:, :3].copy()
    C = P[3:, 3:].copy()
    Ainv, detA = _clip_inverse(A, (fclip * H) ** 2)
    ru = xu2[:3] - xu1[:3]
    vu = xu2[3:] - xu1[3:]
    Ai_ru = Ainv @ ru
    md2 = ru @ Ai_ru
    ms2 = md2 - 2.0 * H * math.sqrt(Ai_ru @ Ai_ru)
    if ms2 > _MD2_CUT:
        return 0.0, md2
    Q1m = B @ Ainv
    Q2m = C - B @ Ainv @ B.T
    logZ = 0.5 * math.log((2.0 * math.pi) ** 3 * detA)
    # pole of the product rule on the mean relative position
    nr = math.sqrt(ru @ ru)
    if nr > 0.0:
        ax = ru / nr
    else:
        ax = np.array([0.0, 0.0, 1.0])
    if abs(ax[0]) < 0.9:
        t = np.array([1.0, 0.0, 0.0])
    else:
        t = np.array([0.0, 1.0, 0.0])
    b1 = np.cross(ax, t)
    b1 /= math.sqrt(b1 @ b1)
    b2 = np.cross(ax, b1)
    total = 0.0
    dphi = 2.0 * math.pi / nphi
    for i in range(gl_x.shape[0]):
        u = gl_x[i]
        s = math.sqrt(max(0.0, 1.0 - u * u))
        acc = 0.0
        for k in range(nphi):
            phi = (k + 0.5) * dphi
            cp = math.cos(phi)
            sp = math.sin(phi)
            rh = u * ax + s * (cp * b1 + sp * b2)
            dr = H * rh - ru
            m2 = dr @ (Ainv @ dr)
            if m2 > 2.0 * (_MD2_CUT + 50.0):
                continue
            sig2 = rh @ (Q2m @ rh)
            nu0 = rh @ (vu + Q1m @ dr)
            if sig2 <= 0.0:
                nu = max(0.0, -nu0)
            else:
                sig = math.sqrt(sig2)
                nus = nu0 / (sig * _SQRT2)
                nu = sig * (math.exp(-nus * nus) - _SQRT_PI * nus * math.erfc(nus)) / _SQRT_2PI
            acc += nu * math.exp(-logZ - 0.5 * m2)
        total += gl_w[i] * acc * dphi
    return H * H * total, md2


@njit(cache=True)
def _rate_at(dt, Eb1, Q1, Eb2, Q2, H, mu, maxiter, fclip, gl_x, gl_w, nphi):
    status, xu1, xu2, Js1, Js2 = _pop(dt, Eb1, Q1, Eb2, Q2, H, mu, maxiter, fclip)
    if status != 1:
        return math.nan, math.nan, status
    rate, md2 = _ncdot(xu1, xu2, Js1, Js2, Q1, Q2, H, fclip, gl_x, gl_w, nphi)
    if rate <= 1e-300:
        rate = 0.0
    return rate, md2, status


@njit(cache=True)
def _mean_distance2(ts, Eb1, Eb2, mu):
    """Squared distance between the two mean two-body orbits at times ts."""
    out = np.empty(ts.shape[0])
    for i in range(ts.shape[0]):
        E1 = Eb1.copy()
        E1[5] += Eb1[0] * ts[i]
        E2 = Eb2.copy()
        E2[5] += Eb2[0] * ts[i]
        d = eq_to_cart(E2, mu)[:3] - eq_to_cart(E1, mu)[:3]
        out[i] = d @ d
    return out


# --------------------------------------------------------------------------- python layer

def coppola_bounds(r_rel, v_rel, A, hbr, gamma: float = 1e-16) -> tuple[float, float, float, float]:
    """Linear-motion conjunction time bounds (Coppola 2012b): the time of least
    Mahalanobis distance ``T = -r.A^-1.v / v.A^-1.v``, its spread
    ``sT = 1/sqrt(v.A^-1.v)``, and ``T -/+ sT sqrt2 erfcinv(gamma)``.
    Returns ``(tau0, tau1, T, sT)``."""
    lclip = (_FCLIP * hbr) ** 2
    Ainv, _ = _clip_inverse(np.ascontiguousarray(A, dtype=float), lclip)
    vAv = float(v_rel @ Ainv @ v_rel)
    rAv = float(r_rel @ Ainv @ v_rel)
    if vAv <= 0:
        return -math.inf, math.inf, 0.0, math.inf
    T = -rAv / vAv
    sT = 1.0 / math.sqrt(vAv)
    dtau = sT * _SQRT2 * float(erfcinv(gamma))
    return T - dtau, T + dtau, T, sT


def _bisector_rotation(r1, v1, r2, v2) -> np.ndarray:
    """Rotation whose z axis bisects the two orbit normals (keeps both prograde)."""
    h1 = np.cross(r1, v1)
    h2 = np.cross(r2, v2)
    h1 /= np.linalg.norm(h1)
    h2 /= np.linalg.norm(h2)
    z = h1 + h2
    if np.linalg.norm(z) < 1e-8:       # anti-parallel orbit normals: any normal to both
        z = np.cross(h1, r1 / np.linalg.norm(r1))
    z /= np.linalg.norm(z)
    x = r1 - (r1 @ z) * z
    x /= np.linalg.norm(x)
    y = np.cross(z, x)
    return np.vstack([x, y, z])


def _gauss_legendre(n):
    x, w = np.polynomial.legendre.leggauss(n)
    return np.ascontiguousarray(x), np.ascontiguousarray(w)


@dataclass
class Nc3DResult:
    """Outcome of :func:`nc3d` (times in s from TCA)."""

    pc: float
    converged: bool
    method: str
    t_s: np.ndarray = field(repr=False)
    rate_per_s: np.ndarray = field(repr=False)
    segment_s: tuple[float, float] = (math.nan, math.nan)     # TA, TB: encounter segment (or the window given)
    duration_s: tuple[float, float] = (math.nan, math.nan)    # Ta, Tb: where the rate matters
    peak_s: float = math.nan
    coppola_s: tuple[float, float] = (math.nan, math.nan)
    period_min_s: float = math.nan
    n_failed: int = 0

    @property
    def extended(self) -> float:
        """Hall's 3D-Nc "extended" indicator (Tb - Ta) / (TB - TA); > 0.5 is a violation."""
        (ta, tb), (TA, TB) = self.duration_s, self.segment_s
        return (tb - ta) / (TB - TA)

    @property
    def offset(self) -> float:
        """3D-Nc "offset" indicator max(Ta/TA, Tb/TB); > 0.75 is a violation."""
        (ta, tb), (TA, TB) = self.duration_s, self.segment_s
        return max(ta / TA, tb / TB)


def _segment_limits(E1, E2, P1, P2, taum, mu):
    half = 0.5 * min(P1, P2)
    Ts = min(1.10 * max(P1, P2), 2.20 * min(P1, P2))
    if not np.isfinite(Ts):
        return -half, half
    ts = np.linspace(-Ts, Ts, 51)
    d2 = _mean_distance2(ts, E1, E2, mu)
    imax = [i for i in range(1, 50) if d2[i] >= d2[i - 1] and d2[i] >= d2[i + 1]]
    lo_c = [i for i in imax if ts[i] < min(0.0, taum)]
    hi_c = [i for i in imax if ts[i] > max(0.0, taum)]
    if not lo_c or not hi_c:
        return -half, half
    out = []
    for i in (max(lo_c), min(hi_c)):
        a, b = ts[i - 1], ts[i + 1]
        g = (math.sqrt(5) - 1) / 2
        for _ in range(40):
            c, d = b - g * (b - a), a + g * (b - a)
            fc, fd = _mean_distance2(np.array([c, d]), E1, E2, mu)
            if fc >= fd:
                b = d
            else:
                a = c
        out.append(0.5 * (a + b))
    return out[0], out[1]


def check_window_s(window_s) -> tuple[float, float] | None:
    """``None``, or ``(t0, t1)`` seconds from TCA with finite t0 < t1; a single number
    ``S > 0`` means the symmetric ``(-S, S)``.

    >>> check_window_s(600), check_window_s((-60, 120.5))
    ((-600.0, 600.0), (-60.0, 120.5))
    """
    from ...requests import check_positive

    if window_s is None:
        return None
    if np.ndim(window_s) == 0:
        s = check_positive("window_s", window_s)
        return -s, s
    w = np.asarray(window_s, dtype=float)
    if w.shape != (2,) or not np.all(np.isfinite(w)) or not w[0] < w[1]:
        raise InvalidRequestError("window_s", "must be S > 0 or (t0, t1) seconds from TCA with t0 < t1, both finite",
                                  window_s)
    return float(w[0]), float(w[1])


def nc3d(r1_km, v1_km_s, cov1_km, r2_km, v2_km_s, cov2_km, hbr_km: float, method: str = "hall",
         mu: float = MU_EGM96_KM3_S2, neph: int = 101, max_points: int = 4000,
         sphere_order: int | None = None, window_s=None) -> Nc3DResult:
    """Expected number of collisions (= Pc) of one conjunction by Hall's 3D-Nc
    (``method="hall"``) or Coppola's 3D-Pc (``method="coppola"``).

    Inputs are inertial states at TCA (km, km/s) and 6x6 inertial covariances
    (km**2, km**2/s, km**2/s**2); ``hbr_km`` is the combined hard-body radius.
    ``window_s``: time bounds around TCA, ``S`` (meaning +/-S) or ``(t0, t1)`` in
    seconds from TCA, in place of the encounter segment (see the module notes)."""
    if method not in ("hall", "coppola"):
        raise InvalidRequestError("method", "must be 'hall' or 'coppola'", method)
    window = check_window_s(window_s)
    maxiter = 100 if method == "hall" else 1
    H = float(hbr_km)
    if not H > 0:
        raise InvalidRequestError("hbr_km", "must be positive", hbr_km)
    r1, v1, r2, v2 = (np.asarray(a, float).reshape(3) for a in (r1_km, v1_km_s, r2_km, v2_km_s))
    C1 = np.asarray(cov1_km, float)[:6, :6]
    C2 = np.asarray(cov2_km, float)[:6, :6]
    Rm = _bisector_rotation(r1, v1, r2, v2)
    R6 = np.zeros((6, 6))
    R6[:3, :3] = Rm
    R6[3:, 3:] = Rm
    X1 = R6 @ np.r_[r1, v1]
    X2 = R6 @ np.r_[r2, v2]
    C1 = R6 @ C1 @ R6.T
    C2 = R6 @ C2 @ R6.T
    E1 = cart_to_eq(X1, mu)
    E2 = cart_to_eq(X2, mu)
    nan = Nc3DResult(math.nan, False, method, np.zeros(0), np.zeros(0))
    if np.any(np.isnan(E1)) or np.any(np.isnan(E2)):
        return nan
    K1 = np.linalg.inv(eq_jacobian(E1, mu))
    K2 = np.linalg.inv(eq_jacobian(E2, mu))
    Q1 = np.ascontiguousarray(_sym(K1 @ C1 @ K1.T))
    Q2 = np.ascontiguousarray(_sym(K2 @ C2 @ K2.T))
    r = X2[:3] - X1[:3]
    v = X2[3:] - X1[3:]
    A = C1[:3, :3] + C2[:3, :3]
    tau0, tau1, _, _ = coppola_bounds(r, v, A, H)
    taum = 0.5 * (tau0 + tau1) if np.isfinite(tau0 + tau1) else 0.0
    P1 = orbit_period(X1[:3], X1[3:], mu)
    P2 = orbit_period(X2[:3], X2[3:], mu)
    TA, TB = _segment_limits(E1, E2, P1, P2, taum, mu)
    if window is not None:
        TA, TB = window          # CARA's Tmin_limit/Tmax_limit: the caller's bounds replace the segment
    # sphere rule order from HBR against the smallest position sigma
    smin = math.sqrt(max(np.linalg.eigvalsh(A)[0], (_FCLIP * H) ** 2))
    nu = sphere_order or int(min(96, max(16, 8 * math.ceil(2.0 * H / smin))))
    gl_x, gl_w = _gauss_legendre(nu)
    nphi = 2 * nu

    cache: dict[float, tuple[float, float, int]] = {}

    def rate(t: float):
        if t not in cache:
            cache[t] = _rate_at(float(t), E1, Q1, E2, Q2, H, mu, maxiter, _FCLIP, gl_x, gl_w, nphi)
        return cache[t]

    lo, hi = tau0, tau1
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= TA or lo >= TB:
        lo, hi = TA, TB
    lo, hi = max(lo, TA), min(hi, TB)
    ts = set(np.linspace(lo, hi, neph).tolist())
    for _round in range(400):
        grid = np.array(sorted(ts))
        vals = np.array([rate(t)[0] for t in grid])
        good = np.isfinite(vals)
        f = np.where(good, vals, 0.0)
        fmax = f.max() if len(f) else 0.0
        new: set[float] = set()
        span = grid[-1] - grid[0]
        if fmax > 0:
            cut = 1e-7 * fmax
            # extend at the edges while the rate is not negligible there
            if f[0] > cut and grid[0] > TA:
                new.update(np.linspace(max(TA, grid[0] - span), grid[0], 26)[:-1].tolist())
            if f[-1] > cut and grid[-1] < TB:
                new.update(np.linspace(grid[-1], min(TB, grid[-1] + span), 26)[1:].tolist())
            dt = np.diff(grid)
            panel = 0.5 * dt * (f[:-1] + f[1:])
            total = panel.sum()
            for i in np.flatnonzero(panel > 0.02 * total):
                new.add(0.5 * (grid[i] + grid[i + 1]))
            # resolve peaks: neighbours within 20% of the peak value
            for i in range(len(f)):
                if f[i] <= 0 or (i > 0 and f[i - 1] >= f[i]) or (i < len(f) - 1 and f[i + 1] >= f[i]):
                    continue
                if f[i] < 1e-3 * fmax:
                    continue
                if i > 0 and f[i] - f[i - 1] > 0.2 * f[i]:
                    new.add(0.5 * (grid[i] + grid[i - 1]))
                if i < len(f) - 1 and f[i] - f[i + 1] > 0.2 * f[i]:
                    new.add(0.5 * (grid[i] + grid[i + 1]))
            # at least ~50 points across where the rate exceeds 1e-6 of its peak
            idx = np.flatnonzero(f > 1e-6 * fmax)
            i0, i1 = max(idx[0] - 1, 0), min(idx[-1] + 1, len(grid) - 1)
            dtmax = (grid[i1] - grid[i0]) / 50.0
            for i in range(i0, i1):
                if grid[i + 1] - grid[i] > dtmax:
                    new.add(0.5 * (grid[i] + grid[i + 1]))
        else:
            # nothing yet: look near the least Mahalanobis distance
            md2 = np.array([rate(t)[1] for t in grid])
            if np.all(~np.isfinite(md2)):
                break
            j = int(np.nanargmin(md2))
            if np.nanmin(md2) > 2 * _MD2_CUT:
                break
            for k in (j - 1, j):
                if 0 <= k < len(grid) - 1 and grid[k + 1] - grid[k] > 1e-6 * max(span, 1e-9):
                    new.add(0.5 * (grid[k] + grid[k + 1]))
        new -= ts
        if not new or len(ts) + len(new) > max_points:
            break
        ts |= new
    grid = np.array(sorted(ts))
    res = [rate(t) for t in grid]
    vals = np.array([x[0] for x in res])
    f = np.where(np.isfinite(vals), vals, 0.0)
    nc = float(np.trapezoid(f, grid)) if len(grid) > 1 else 0.0
    failed = ~np.isfinite(vals)
    converged = True
    if np.any(failed):
        fmax = f.max()
        if fmax == 0:
            converged = not np.all(failed)
        else:
            near = f >= 1e-6 * fmax
            for i in np.flatnonzero(near):
                if (i > 0 and failed[i - 1]) or (i < len(f) - 1 and failed[i + 1]):
                    converged = False
    pc = min(1.0, nc) if converged else math.nan
    out = Nc3DResult(pc=pc, converged=converged, method=method, t_s=grid, rate_per_s=vals, segment_s=(TA, TB),
                     coppola_s=(tau0, tau1), period_min_s=min(P1, P2), n_failed=int(failed.sum()))
    if converged and nc > 0:
        cum = np.concatenate([[0.0], np.cumsum(0.5 * np.diff(grid) * (f[:-1] + f[1:]))]) / nc
        gam = 1e-6
        above = np.flatnonzero(f >= f.max() * math.exp(-0.5 * (_SQRT2 * erfcinv(gam)) ** 2))
        inside = np.flatnonzero((cum > gam) & (cum < 1 - gam))
        ta = min(grid[above].min(), grid[max(inside.min() - 1, 0)] if len(inside) else np.inf)
        tb = max(grid[above].max(), grid[min(inside.max() + 1, len(grid) - 1)] if len(inside) else -np.inf)
        out.duration_s = (float(ta), float(tb))
        out.peak_s = float(grid[int(np.argmax(f))])
    return out


def nc3d_many(r1_km, v1_km_s, cov1_km, r2_km, v2_km_s, cov2_km, hbr_km, method: str = "hall", window_s=None):
    """:func:`nc3d` over N conjunctions (arrays (N,3), (N,6,6), hbr scalar or (N,)),
    each with the same ``window_s`` (None: each its own encounter segment).

    Returns ``(pc, converged)`` arrays (N,).  Each conjunction is integrated on its own
    adaptive time grid, so this is a loop (~0.1 s per conjunction): a CDM-level method."""
    r1, v1, r2, v2 = (np.atleast_2d(np.asarray(a, float)) for a in (r1_km, v1_km_s, r2_km, v2_km_s))
    n = len(r1)
    C1 = np.broadcast_to(np.asarray(cov1_km, float), (n, 6, 6))
    C2 = np.broadcast_to(np.asarray(cov2_km, float), (n, 6, 6))
    H = np.broadcast_to(np.asarray(hbr_km, float), (n,))
    pc = np.full(n, np.nan)
    ok = np.zeros(n, dtype=bool)
    for i in range(n):
        res = nc3d(r1[i], v1[i], C1[i], r2[i], v2[i], C2[i], float(H[i]), method=method, window_s=window_s)
        pc[i], ok[i] = res.pc, res.converged
    return pc, ok
