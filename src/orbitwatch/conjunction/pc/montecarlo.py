"""Monte Carlo Pc from the states and covariances, with confidence bounds.

The reference for every analytic method: draw both objects' states at TCA from their
Gaussians, fly each pair on two-body orbits over a window around TCA, and count the
pairs that come closer than the combined hard-body radius.  This is the "simple
dynamics Monte Carlo" of D. T. Hall et al., "High-fidelity Collision Probabilities
Estimated Using Brute Force Monte Carlo Simulations", AAS 18-244, 2018 (NASA CARA's
``Pc_SDMC``), which CARA uses to validate its 2D-Pc and 3D-Nc values.

Implementation (orbitwatch's): samples are drawn in Cartesian coordinates (covariance
square root by eigen-decomposition with non-positive eigenvalues clipped to zero).
For each pair, the closest approach is found by Newton's method on
``d/dt |r2 - r1|^2 = 0`` with exact two-body motion (equinoctial elements, mean
longitude advancing linearly), started from every local minimum of the *mean*
trajectories' separation inside the window; window ends count too.  The window
defaults to +/- a quarter of the shorter orbital period; ``window_s`` (``S`` for +/-S,
or ``(t0, t1)`` s from TCA) bounds it as the 3D-Nc's ``window_s`` does (CARA's SDMC
takes its span from the 3D-Nc's conjunction limits in the same way): a sample counts
as a hit only when the pair comes within the hard-body radius inside the window.
Bounds are Clopper-Pearson (exact binomial) intervals.

Counting statistics set the cost: ``n`` samples resolve Pc down to ~``10/n``; the
estimate needs ~``400 / Pc`` samples for +/-10% at 95% confidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit, prange
from scipy.stats import beta

from .equinoctial import MU_EGM96_KM3_S2, cart_to_eq, eq_to_cart, orbit_period

__all__ = ["MonteCarloResult", "pc_monte_carlo", "pc_monte_carlo_many", "clopper_pearson"]


def clopper_pearson(hits: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Exact binomial confidence interval for hits/n."""
    a = 1.0 - confidence
    lo = 0.0 if hits == 0 else float(beta.ppf(a / 2, hits, n - hits + 1))
    hi = 1.0 if hits == n else float(beta.ppf(1 - a / 2, hits + 1, n - hits))
    return lo, hi


@dataclass
class MonteCarloResult:
    pc: float
    pc_low: float
    pc_high: float
    hits: int
    samples: int
    confidence: float
    window_s: tuple[float, float]


@njit(cache=True)
def _state_at(E, t, mu):
    Et = E.copy()
    Et[5] = E[5] + E[0] * t
    return eq_to_cart(Et, mu)


@njit(cache=True)
def _min_distance(E1, E2, starts, ta, tb, mu):
    best = math.inf
    for t0 in (ta, tb):
        x1 = _state_at(E1, t0, mu)
        x2 = _state_at(E2, t0, mu)
        d = x2[:3] - x1[:3]
        best = min(best, math.sqrt(d @ d))
    for s in range(starts.shape[0]):
        t = starts[s]
        for _ in range(30):
            x1 = _state_at(E1, t, mu)
            x2 = _state_at(E2, t, mu)
            dr = x2[:3] - x1[:3]
            dv = x2[3:] - x1[3:]
            r1 = math.sqrt(x1[0] ** 2 + x1[1] ** 2 + x1[2] ** 2)
            r2 = math.sqrt(x2[0] ** 2 + x2[1] ** 2 + x2[2] ** 2)
            da = -mu * x2[:3] / r2 ** 3 + mu * x1[:3] / r1 ** 3
            g = dr @ dv
            gp = dv @ dv + dr @ da
            if gp <= 0.0:
                break
            step = g / gp
            t_new = min(max(t - step, ta), tb)
            if abs(t_new - t) < 1e-7:
                t = t_new
                break
            t = t_new
        x1 = _state_at(E1, t, mu)
        x2 = _state_at(E2, t, mu)
        d = x2[:3] - x1[:3]
        best = min(best, math.sqrt(d @ d))
    return best


@njit(cache=True, parallel=True)
def _count_hits(X1, X2, starts, ta, tb, H, mu):
    n = X1.shape[0]
    hit = np.zeros(n, dtype=np.uint8)
    for i in prange(n):
        E1 = cart_to_eq(X1[i], mu)
        E2 = cart_to_eq(X2[i], mu)
        if np.isnan(E1[0]) or np.isnan(E2[0]):
            continue
        if _min_distance(E1, E2, starts, ta, tb, mu) < H:
            hit[i] = 1
    return hit.sum()


def _sqrtm(C):
    w, V = np.linalg.eigh(0.5 * (C + C.T))
    return V * np.sqrt(np.clip(w, 0.0, None))


def _nominal_minima(X1, X2, ta, tb, mu):
    E1 = cart_to_eq(X1, mu)
    E2 = cart_to_eq(X2, mu)
    ts = np.linspace(ta, tb, 4001)
    d2 = np.array([np.sum((_state_at(E2, t, mu)[:3] - _state_at(E1, t, mu)[:3]) ** 2) for t in ts])
    idx = [i for i in range(1, len(ts) - 1) if d2[i] <= d2[i - 1] and d2[i] <= d2[i + 1]]
    starts = [0.0] + [float(ts[i]) for i in idx]
    return np.array(sorted(set(starts)))


def pc_monte_carlo(r1_km, v1_km_s, cov1_km, r2_km, v2_km_s, cov2_km, hbr_km: float, samples: int = 1_000_000,
                   seed: int | None = 0, window_s: tuple[float, float] | None = None, confidence: float = 0.95,
                   batch: int = 200_000, mu: float = MU_EGM96_KM3_S2) -> MonteCarloResult:
    """Monte Carlo Pc of one conjunction (inertial states at TCA, 6x6 covariances, km).

    ``window_s``: ``S`` (+/-S) or ``(t0, t1)`` seconds from TCA; None: +/- a quarter of
    the shorter orbital period."""
    from .nc3d import check_window_s

    window_s = check_window_s(window_s)
    r1, v1, r2, v2 = (np.asarray(a, float).reshape(3) for a in (r1_km, v1_km_s, r2_km, v2_km_s))
    X1 = np.r_[r1, v1]
    X2 = np.r_[r2, v2]
    S1 = _sqrtm(np.asarray(cov1_km, float)[:6, :6])
    S2 = _sqrtm(np.asarray(cov2_km, float)[:6, :6])
    if window_s is None:
        P = min(orbit_period(r1, v1, mu), orbit_period(r2, v2, mu))
        window_s = (-P / 4.0, P / 4.0)
    ta, tb = float(window_s[0]), float(window_s[1])
    starts = _nominal_minima(X1, X2, ta, tb, mu)
    rng = np.random.default_rng(seed)
    hits = 0
    done = 0
    while done < samples:
        m = min(batch, samples - done)
        x1 = X1 + rng.standard_normal((m, 6)) @ S1.T
        x2 = X2 + rng.standard_normal((m, 6)) @ S2.T
        hits += int(_count_hits(np.ascontiguousarray(x1), np.ascontiguousarray(x2), starts, ta, tb,
                                float(hbr_km), mu))
        done += m
    lo, hi = clopper_pearson(hits, samples, confidence)
    return MonteCarloResult(pc=hits / samples, pc_low=lo, pc_high=hi, hits=hits, samples=samples,
                            confidence=confidence, window_s=(ta, tb))


def pc_monte_carlo_many(r1_km, v1_km_s, cov1_km, r2_km, v2_km_s, cov2_km, hbr_km, samples: int = 100_000,
                        seed: int | None = 0, confidence: float = 0.95, window_s=None):
    """:func:`pc_monte_carlo` over N conjunctions (each with the same ``window_s``);
    returns ``(pc, pc_low, pc_high)`` arrays."""
    r1, v1, r2, v2 = (np.atleast_2d(np.asarray(a, float)) for a in (r1_km, v1_km_s, r2_km, v2_km_s))
    n = len(r1)
    C1 = np.broadcast_to(np.asarray(cov1_km, float), (n, 6, 6))
    C2 = np.broadcast_to(np.asarray(cov2_km, float), (n, 6, 6))
    H = np.broadcast_to(np.asarray(hbr_km, float), (n,))
    out = np.full((3, n), np.nan)
    rng = np.random.default_rng(seed)
    for i in range(n):
        m = pc_monte_carlo(r1[i], v1[i], C1[i], r2[i], v2[i], C2[i], float(H[i]), samples=samples,
                           seed=int(rng.integers(2**31)), confidence=confidence, window_s=window_s)
        out[:, i] = (m.pc, m.pc_low, m.pc_high)
    return out[0], out[1], out[2]
