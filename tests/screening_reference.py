"""Brute-force conjunction reference for the screening tests: exact SGP4 (python-sgp4) on a 1 s
grid, with local refinement. It shares no code with ``orbitwatch.conjunction.screening``.

1. every object every 60 s (exact positions and velocities); states SGP4 flags, unbound ones
   and ones beyond 1.5x the element set's apogee radius are unusable (the screening's rule);
2. a generous, rigorous filter finds the pairs and minutes that can hold an approach under
   ``d``: at each 60 s sample a KD-tree gives the pairs within ``d + 12 + 60 * vmax`` km
   (vmax the largest speed then), kept when the *straight-line* relative motion over +-30 s
   comes within ``d + 12`` km. 12 km covers the curvature (relative acceleration at most
   2 x 0.01 km/s^2 above 6,313 km, so 9 km over 30 s) and SGP4's velocity not being the
   derivative of its position (under 0.01 km/s, 0.6 km over 30 s);
3. for those pairs, exact positions every second over the flagged minutes (+-32 s), local
   minima of the distance on that grid;
4. each grid minimum is refined with Brent's root finder on the range rate, computed from
   positions only (central differences, 0.5 s);
5. minima of one pair closer than 1 s are one; those with a refined distance <= d are events.

Minima at the span's ends count when the distance is increasing from the start (decreasing
into the stop) there, as in the screening.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.spatial import cKDTree
from sgp4.api import WGS72, Satrec, SatrecArray

MU = 398600.8
NS = 1_000_000_000
JD_UNIX = 2440587.5


def _satrecs(es):
    """python-sgp4 satellites from the element columns (same initialisation as Vallado's twoline2rv)."""
    sats = []
    ep = es.epoch.astype(np.int64)
    for i in range(len(es)):
        s = Satrec()
        days, rem = divmod(int(ep[i]), 86400 * NS)
        jd = days + JD_UNIX
        fr = rem / (86400 * NS)
        xpdotp = 1440.0 / (2.0 * np.pi)
        s.sgp4init(WGS72, "i", int(es.norad_id[i]) if es.norad_id[i] < 340000 else 0, (jd + fr) - 2433281.5,
                   float(es.bstar[i]), float(es.mean_motion_dot[i] / (xpdotp * 1440.0)),
                   float(es.mean_motion_ddot[i] / (xpdotp * 1440.0 * 1440.0)), float(es.eccentricity[i]),
                   np.radians(es.arg_perigee_deg[i]), np.radians(es.inclination_deg[i]),
                   np.radians(es.mean_anomaly_deg[i]), float(es.mean_motion_rev_per_day[i] / xpdotp),
                   np.radians(es.raan_deg[i]))
        s.jdsatepoch = float(jd)
        s.jdsatepochF = float(fr)
        sats.append(s)
    return sats


def _jd(ns):
    ns = np.asarray(ns, dtype=np.int64)
    days, rem = np.divmod(ns, 86400 * NS)
    return (days + JD_UNIX).astype(np.float64), rem / (86400 * NS)


def _usable(r, v, e, ra):
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        rn = np.linalg.norm(r, axis=-1)
        en = 0.5 * np.sum(v * v, axis=-1) - MU / rn
        return (e == 0) & np.isfinite(rn) & (en < 0) & (rn < 1.5 * ra[:, None])


class _Sat:
    def __init__(self, sat, ra):
        self.sat = sat
        self.ra = ra

    def pos(self, ns):
        jd, fr = _jd(np.atleast_1d(ns))
        e, r, v = self.sat.sgp4_array(jd, fr)
        ok = _usable(r[None], v[None], e[None], np.array([self.ra]))[0]
        r = np.where(ok[:, None], r, np.nan)
        return r


def reference_screen(es, start, stop, d_km: float):
    """Brute-force events: dict of arrays i, j (row indices of ``es``, i < j), tca_ns, miss_km,
    boundary (0 interior, 1 span start, 2 span stop)."""
    start_ns = int(np.datetime64(start, "ns").astype(np.int64))
    stop_ns = int(np.datetime64(stop, "ns").astype(np.int64))
    n = len(es)
    sats = _satrecs(es)
    ra = es.semi_major_axis_km * (1.0 + es.eccentricity)
    # 1. coarse exact samples
    step = 60 * NS
    coarse = np.arange(start_ns, stop_ns + 1, step, dtype=np.int64)
    if coarse[-1] != stop_ns:
        coarse = np.r_[coarse, stop_ns]
    jd, fr = _jd(coarse)
    e, r, v = SatrecArray(sats).sgp4(jd, fr)
    ok = _usable(r, v, e, ra)
    # 2. generous filter: (pair -> set of coarse indices)
    flagged: dict[tuple[int, int], set[int]] = {}
    for k in range(coarse.size):
        good = np.flatnonzero(ok[:, k])
        if good.size < 2:
            continue
        pk = r[good, k]
        vk = v[good, k]
        vmax = float(np.max(np.linalg.norm(vk, axis=1)))
        pairs = cKDTree(pk).query_pairs(d_km + 12.0 + 60.0 * vmax, output_type="ndarray")
        if pairs.size == 0:
            continue
        a, b = pairs[:, 0], pairs[:, 1]
        dr = pk[b] - pk[a]
        dv = vk[b] - vk[a]
        vv = np.einsum("ij,ij->i", dv, dv)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = np.clip(np.where(vv > 0, -np.einsum("ij,ij->i", dr, dv) / vv, 0.0), -30.0, 30.0)
        closest = np.linalg.norm(dr + dv * s[:, None], axis=1)
        keep = closest <= d_km + 12.0
        for ia, ib in zip(good[a[keep]], good[b[keep]]):
            key = (int(min(ia, ib)), int(max(ia, ib)))
            flagged.setdefault(key, set()).add(k)
    # 3. 1 s grid over the flagged minutes; 4. refinement
    objs = [_Sat(sats[i], ra[i]) for i in range(n)]
    out_i, out_j, out_t, out_m, out_b = [], [], [], [], []
    for (i, j), ks in flagged.items():
        ks = sorted(ks)
        # merge consecutive flagged samples into intervals of whole seconds
        intervals = []
        for k in ks:
            lo = max(start_ns, int(coarse[k]) - 32 * NS)
            hi = min(stop_ns, int(coarse[k]) + 32 * NS)
            if intervals and lo <= intervals[-1][1]:
                intervals[-1][1] = max(intervals[-1][1], hi)
            else:
                intervals.append([lo, hi])
        for lo, hi in intervals:
            # grid aligned to whole seconds from the start, plus the span's ends
            g = np.arange(lo + (-(lo - start_ns)) % NS, hi + 1, NS, dtype=np.int64)
            g = np.unique(np.r_[lo, g, hi])
            ri = objs[i].pos(g)
            rj = objs[j].pos(g)
            rho = np.linalg.norm(rj - ri, axis=1)
            for m in range(g.size):
                if not np.isfinite(rho[m]):
                    continue
                left = rho[m - 1] if m > 0 else np.nan
                right = rho[m + 1] if m + 1 < g.size else np.nan
                at_start = g[m] == start_ns and m == 0
                at_stop = g[m] == stop_ns and m == g.size - 1
                if at_start:
                    is_min = np.isfinite(right) and rho[m] <= right
                elif at_stop:
                    is_min = np.isfinite(left) and rho[m] < left
                else:
                    if not (np.isfinite(left) and np.isfinite(right)):
                        continue  # window edge (not the span's): the neighbouring window decides
                    is_min = rho[m] < left and rho[m] <= right
                if not is_min or rho[m] > d_km + 10.0:
                    continue
                t, miss, bflag = _refine(objs[i], objs[j], g, m, start_ns, stop_ns)
                if miss is not None and miss <= d_km:
                    out_i.append(i)
                    out_j.append(j)
                    out_t.append(t)
                    out_m.append(miss)
                    out_b.append(bflag)
    res = {"i": np.array(out_i, np.int64), "j": np.array(out_j, np.int64), "tca_ns": np.array(out_t, np.int64),
           "miss_km": np.array(out_m), "boundary": np.array(out_b, np.int8)}
    return _dedupe(res)


def _refine(oi, oj, g, m, start_ns, stop_ns):
    """Exact minimum near grid point m: Brent on the range rate from positions (central
    differences, 0.5 s), inside [g[m-1], g[m+1]] clipped to the span."""
    half = 0.5

    def rr(t_s):
        ns = np.array([t_s - half, t_s, t_s + half]) * NS
        base = start_ns
        tt = base + np.round(ns).astype(np.int64)
        d = oj.pos(tt) - oi.pos(tt)
        return float(np.dot(d[1], (d[2] - d[0]) / (2 * half)))

    def dist(t_s):
        tt = start_ns + int(round(t_s * NS))
        return float(np.linalg.norm(oj.pos(tt)[0] - oi.pos(tt)[0]))

    a = (g[max(m - 1, 0)] - start_ns) / NS
    b = (g[min(m + 1, g.size - 1)] - start_ns) / NS
    span = (stop_ns - start_ns) / NS
    fa, fb = rr(a), rr(b)
    if not (np.isfinite(fa) and np.isfinite(fb)):
        return None, None, 0
    if a == 0.0 and fa >= 0:
        return start_ns, dist(0.0), 1
    if b == span and fb <= 0:
        return stop_ns, dist(span), 2
    if fa < 0 < fb:
        t = brentq(rr, a, b, xtol=1e-9, rtol=1e-15, maxiter=200)
    else:
        t = minimize_scalar(dist, bounds=(a, b), method="bounded", options={"xatol": 1e-7}).x
    miss = dist(t)
    return start_ns + int(round(t * NS)), miss, 0


def _dedupe(res):
    n = res["i"].size
    if n < 2:
        return res
    order = np.lexsort((res["miss_km"], res["tca_ns"], res["j"], res["i"]))
    keep = np.ones(n, bool)
    si, sj, st = res["i"][order], res["j"][order], res["tca_ns"][order]
    last = 0
    for k in range(1, n):
        if si[k] == si[last] and sj[k] == sj[last] and st[k] - st[last] < NS:
            keep[k] = False  # the same minimum reached from two grid points (or windows)
        else:
            last = k
    # within a chain the smallest miss may not be the first in time order: keep the best
    sel = order[keep]
    return {k: v[sel] for k, v in res.items()}
