"""Screening with operators' ephemerides (CCSDS OEM) beside the SGP4 catalog, against a brute force.

Ephemerides are made here from real orbits: catalog objects propagated with python-sgp4 at 60 s
or 120 s steps, written as OEM text (EME2000, GCRF or TEME) and read back with
``orbitwatch.odm.parse_oem``; each differs from its TLE (a time shift of 0.2 s, about 1.5 km
along-track, or a rotation of its orbit). They cover every case of the guarantee:

* A - Hermite degree 5, EME2000, OBJECT_ID the catalog's international designator: it replaces
  that object's element set;
* B - Lagrange degree 7, TEME, OBJECT_ID unknown to the catalog (a synthetic, negative catalog
  number): A's trajectory turned by 10 degrees about A's position at one instant and raised by
  2e-4 of its radius, so that A and B meet twice per orbit about 1.4 km apart (ephemeris vs
  ephemeris);
* C - Hermite degree 7 at 120 s, GCRF, OBJECT_ID a catalog number, usable only from 3 h after
  the start to 4 h before the stop (data on both sides): screened inside that span only;
* D - two segments with a 50 s gap (USEABLE_STOP/START) around one of its approaches to its own
  TLE (its orbit turned by 2 degrees and raised by 1e-3): a minimum on each edge of the gap.

The brute force shares no code with the screening: the polynomial through the OEM window of
d + 1 states (the OEM convention: centred, sliding inwards at the ends) solved here in the
monomial basis (Hermite: positions and velocities; Lagrange: positions), rotated to TEME by
skyfield (tabulated every 10 s),
python-sgp4 for the catalog; positions every 60 s, a straight-line filter with 12 km of margin,
every second over the flagged minutes, Brent on the range rate. Requirement: 100% recall, TCA
within 1 ms, miss within 1 m, nothing else reported.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import brentq, minimize_scalar
from sgp4.api import SatrecArray

import orbitwatch
from orbitwatch.conjunction import screen
from orbitwatch.conjunction.screening.ephemeris import synthetic_norad_id
from orbitwatch.elements import read_elements
from orbitwatch.odm import parse_oem

from screening_reference import _jd, _satrecs, _usable

SAMPLE = Path(orbitwatch.__file__).parent / "data" / "sample" / "catalog-2023-10-09.3le.gz"
NS = 1_000_000_000
START = np.datetime64("2023-10-09T12:00", "ns")
STOP = START + np.timedelta64(86400, "s")
S0, S1 = int(START.astype(np.int64)), int(STOP.astype(np.int64))
D_KM = 20.0
TCA_TOL_NS = 1_000_000       # 1 ms
MISS_TOL_KM = 1e-3           # 1 m


# ----------------------------------------------------------------------------- frames (skyfield)


def _gcrs_to_teme_exact(t_ns):
    """(T, 3, 3) rotation GCRS -> TEME at each instant, skyfield."""
    from skyfield.api import load
    from skyfield.sgp4lib import TEME

    ts = load.timescale(builtin=True)
    t_ns = np.atleast_1d(np.asarray(t_ns, np.int64))
    days, rem = np.divmod(t_ns, 86400 * NS)
    t = ts.utc(1970, 1, 1 + days, 0, 0, rem / NS)
    R = TEME.rotation_at(t)
    return np.moveaxis(R.reshape(3, 3, -1), 2, 0)


_TABLE = {}
_TABLE_STEP = 10 * NS


def _gcrs_to_teme(t_ns):
    """skyfield's rotation, tabulated every 10 s over the test's day and interpolated linearly in
    between (precession-nutation bends it by far less than 1e-15 rad over 10 s)."""
    if not _TABLE:
        g = np.arange(S0 - 3600 * NS, S1 + 3600 * NS + 1, _TABLE_STEP, dtype=np.int64)
        _TABLE.update(g0=int(g[0]), R=_gcrs_to_teme_exact(g))
    t_ns = np.atleast_1d(np.asarray(t_ns, np.int64))
    x = (t_ns - _TABLE["g0"]) / _TABLE_STEP
    k = np.clip(np.floor(x).astype(np.int64), 0, _TABLE["R"].shape[0] - 2)
    f = (x - k)[:, None, None]
    return _TABLE["R"][k] * (1 - f) + _TABLE["R"][k + 1] * f


def _bias():
    from skyfield.framelib import ICRS_to_J2000

    return np.asarray(ICRS_to_J2000)  # r_eme2000 = B r_gcrs


def to_frame(frame, r_teme, v_teme, t_ns):
    R = _gcrs_to_teme(t_ns)  # r_teme = R r_gcrs
    rg = np.einsum("tji,tj->ti", R, r_teme)
    vg = np.einsum("tji,tj->ti", R, v_teme)
    if frame == "GCRF":
        return rg, vg
    B = _bias()
    return rg @ B.T, vg @ B.T


def to_teme(frame, r, t_ns):
    if frame == "TEME":
        return r
    rg = r if frame == "GCRF" else r @ _bias()
    return np.einsum("tij,tj->ti", _gcrs_to_teme(t_ns), rg)


# ----------------------------------------------------------------------------- OEM text


def _iso(ns):
    return str(np.datetime64(int(ns), "ns"))[:23]


def oem_segment(name, oid, frame, method, degree, t_ns, r, v, usable=None):
    lines = ["META_START", f"OBJECT_NAME = {name}", f"OBJECT_ID = {oid}", "CENTER_NAME = EARTH",
             f"REF_FRAME = {frame}", "TIME_SYSTEM = UTC", f"START_TIME = {_iso(t_ns[0])}"]
    if usable:
        lines += [f"USEABLE_START_TIME = {_iso(usable[0])}", f"USEABLE_STOP_TIME = {_iso(usable[1])}"]
    lines += [f"STOP_TIME = {_iso(t_ns[-1])}", f"INTERPOLATION = {method}", f"INTERPOLATION_DEGREE = {degree}",
              "META_STOP", ""]
    for k in range(len(t_ns)):
        lines.append(_iso(t_ns[k]) + " " + " ".join(repr(float(x)) for x in np.r_[r[k], v[k]]))
    return "\n".join(lines) + "\n"


def oem_text(*segments):
    head = "CCSDS_OEM_VERS = 2.0\nCREATION_DATE = 2023-10-09T00:00:00\nORIGINATOR = ORBITWATCH-TEST\n\n"
    return head + "\n".join(segments)


def rot(axis, angle_rad):
    """Rotation matrix about a unit axis (Rodrigues)."""
    a = axis / np.linalg.norm(axis)
    K = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + np.sin(angle_rad) * K + (1 - np.cos(angle_rad)) * K @ K


# ----------------------------------------------------------------------------- the brute force's ephemeris


class DenseEphemeris:
    """An ephemeris evaluated as its OEM says, written here from the convention alone: a window of
    d + 1 consecutive states around the instant (centred, sliding inwards at the segment's ends),
    Hermite through positions and velocities or Lagrange through positions, each solved as a
    linear system in the monomial basis of centred, scaled time; states outside every usable span
    are NaN. Rotated to TEME by skyfield."""

    def __init__(self, frame, segments):
        self.frame = frame
        self.segments = segments  # list of dict(t_ns, r, v, method, degree, usable=(a, b))

    def usable(self):
        return [s["usable"] for s in self.segments]

    def _segment_at(self, t):
        own = None
        for k, s in enumerate(self.segments):
            if s["usable"][0] <= t <= s["usable"][1]:
                own = k  # the later segment wins
        return own

    def pos(self, t_ns, continue_edges=True):
        return self.state(t_ns, continue_edges)[0]

    def state(self, t_ns, continue_edges=True):
        """TEME position (km) and velocity (km/s; the interpolant's derivative, rotated) at UTC ns."""
        t_ns = np.atleast_1d(np.asarray(t_ns, np.int64))
        cache = self.__dict__.setdefault("_cache", {})
        todo = np.unique(np.array([t for t in t_ns if int(t) not in cache], np.int64))
        if todo.size:
            r, v, inside = self._state(todo)
            for k, t in enumerate(todo):
                cache[int(t)] = (r[k], v[k], inside[k])
        got = [cache[int(t)] for t in t_ns]
        r = np.array([g[0] for g in got]).reshape(-1, 3)
        v = np.array([g[1] for g in got]).reshape(-1, 3)
        if not continue_edges:
            inside = np.array([g[2] for g in got], bool)
            r[~inside] = np.nan
            v[~inside] = np.nan
        return r, v

    def _state(self, t_ns):
        own = np.full(t_ns.size, -1)
        inside = np.zeros(t_ns.size, bool)
        for m, t in enumerate(t_ns):
            k = self._segment_at(t)
            inside[m] = k is not None
            if k is None:
                # just outside a usable span (the refinement's differences there): the nearest segment
                best = min(range(len(self.segments)), key=lambda q: min(abs(t - self.segments[q]["usable"][0]),
                                                                          abs(t - self.segments[q]["usable"][1])))
                s = self.segments[best]
                if min(abs(t - s["usable"][0]), abs(t - s["usable"][1])) <= 5 * NS:
                    k = best
            if k is not None:
                own[m] = k
        r = np.full((t_ns.size, 3), np.nan)
        v = np.full((t_ns.size, 3), np.nan)
        for k in np.unique(own[own >= 0]):
            m = np.flatnonzero(own == k)
            r[m], v[m] = self._interp(self.segments[int(k)], t_ns[m])
        return to_teme(self.frame, r, t_ns), to_teme(self.frame, v, t_ns), inside

    @staticmethod
    def _interp(s, t_ns):
        """The OEM convention: the window of d + 1 states holding each instant, centred."""
        ts = (s["t_ns"] - s["t_ns"][0]) / NS
        x = (t_ns - s["t_ns"][0]) / NS
        K = ts.size
        n = min(s["degree"] + 1, K)
        i0 = np.clip(np.searchsorted(ts, x, side="right") - n // 2, 0, K - n)
        r = np.empty((x.size, 3))
        v = np.empty((x.size, 3))
        for w in np.unique(i0):
            m = i0 == w
            z = ts[w:w + n]
            c = 0.5 * (z[0] + z[-1])
            h = max(0.5 * (z[-1] - z[0]), 1e-9)
            u = (z - c) / h
            if s["method"] == "HERMITE":
                # p(u) = sum a_k u^k through the positions and (h times) the velocities: 2n conditions
                k = np.arange(2 * n)
                A = np.vstack([u[:, None] ** k[None, :], np.where(k > 0, k * u[:, None] ** np.maximum(k - 1, 0), 0.0)])
                coef = np.linalg.solve(A, np.vstack([s["r"][w:w + n], h * s["v"][w:w + n]]))
            else:
                k = np.arange(n)
                coef = np.linalg.solve(u[:, None] ** k[None, :], s["r"][w:w + n])
            xu = (x[m] - c) / h
            r[m] = (xu[:, None] ** k[None, :]) @ coef
            v[m] = ((np.where(k > 0, k * xu[:, None] ** np.maximum(k - 1, 0), 0.0)) @ coef) / h
        return r, v


# ----------------------------------------------------------------------------- brute force


def _intervals(spans_a, spans_b):
    """Intersections of two lists of closed spans with [START, STOP]."""
    out = []
    for a0, a1 in spans_a:
        for b0, b1 in spans_b:
            lo, hi = max(a0, b0, S0), min(a1, b1, S1)
            if lo < hi:
                out.append((lo, hi))
    return out


def brute_force(objects, pairs, d_km):
    """Events of ``pairs`` (keys of ``objects``: name -> (object with ``pos(t_ns)`` and ``state(t_ns)``
    in TEME km and km/s, usable spans))."""
    events = []
    for ka, kb in pairs:
        oa, ua = objects[ka]
        ob, ub = objects[kb]
        pa, pb = oa.pos, ob.pos
        for lo, hi in _intervals(ua, ub):
            coarse = np.unique(np.r_[np.arange(lo, hi, 60 * NS), hi])
            # straight-line filter over +-30 s (12 km: curvature under 9 km, and SGP4's velocity is not
            # exactly the derivative of its position, under 0.6 km)
            ra, va = oa.state(coarse)
            rb, vb = ob.state(coarse)
            dr, dv = rb - ra, vb - va
            vv = np.einsum("ij,ij->i", dv, dv)
            s = np.clip(np.where(vv > 0, -np.einsum("ij,ij->i", dr, dv) / np.where(vv > 0, vv, 1), 0), -30, 30)
            close = np.linalg.norm(dr + dv * s[:, None], axis=1) <= d_km + 12.0
            for k in np.flatnonzero(close):
                events += _minima(pa, pb, lo, hi, max(lo, coarse[k] - 32 * NS), min(hi, coarse[k] + 32 * NS), d_km,
                                  (ka, kb))
    return _dedupe(events)


def _minima(pa, pb, lo, hi, g0, g1, d_km, key):
    g = np.unique(np.r_[g0, np.arange(g0 + (-(g0 - S0)) % NS, g1 + 1, NS), g1])
    rho = np.linalg.norm(pb(g) - pa(g), axis=1)
    out = []
    for m in range(g.size):
        left = rho[m - 1] if m > 0 else np.nan
        right = rho[m + 1] if m + 1 < g.size else np.nan
        if g[m] == lo and m == 0:
            is_min = rho[m] <= right
        elif g[m] == hi and m == g.size - 1:
            is_min = rho[m] < left
        else:
            if not (np.isfinite(left) and np.isfinite(right)):
                continue
            is_min = rho[m] < left and rho[m] <= right
        if is_min and rho[m] <= d_km + 5.0:
            t, miss, edge = _refine(pa, pb, g, m, lo, hi)
            if miss is not None and miss <= d_km:
                out.append((key, t, miss, edge))
    return out


def _refine(pa, pb, g, m, lo, hi):
    def rr(t_s):
        tt = lo + np.round(np.array([t_s - 0.5, t_s, t_s + 0.5]) * NS).astype(np.int64)
        d = pb(tt) - pa(tt)
        return float(np.dot(d[1], d[2] - d[0]))

    def dist(t_s):
        tt = lo + int(round(t_s * NS))
        return float(np.linalg.norm(pb(tt)[0] - pa(tt)[0]))

    a = (g[max(m - 1, 0)] - lo) / NS
    b = (g[min(m + 1, g.size - 1)] - lo) / NS
    span = (hi - lo) / NS
    fa, fb = rr(a), rr(b)
    if a == 0.0 and fa >= 0:
        return lo, dist(0.0), "start"
    if b == span and fb <= 0:
        return hi, dist(span), "stop"
    if fa < 0 < fb:
        t = brentq(rr, a, b, xtol=1e-9, rtol=1e-15, maxiter=200)
    else:
        t = minimize_scalar(dist, bounds=(a, b), method="bounded", options={"xatol": 1e-7}).x
    return lo + int(round(t * NS)), dist(t), ""


def _dedupe(events):
    events.sort(key=lambda e: (e[0], e[1]))
    out = []
    for e in events:
        if out and out[-1][0] == e[0] and e[1] - out[-1][1] < NS:
            if e[2] < out[-1][2]:
                out[-1] = e
            continue
        out.append(e)
    return out


# ----------------------------------------------------------------------------- fixtures


def subset(es, seed=11):
    rng = np.random.default_rng(seed)
    rp, ra, n = es.perigee_km, es.apogee_km, es.mean_motion_rev_per_day
    dense = np.flatnonzero((rp > 530) & (ra < 560))
    geo = np.flatnonzero((n > 0.95) & (n < 1.05))
    other = np.setdiff1d(np.arange(len(es)), np.r_[dense, geo])
    pick = np.unique(np.r_[rng.choice(dense, 700, replace=False), rng.choice(geo, 150, replace=False),
                           rng.choice(other, 150, replace=False)])
    return es[pick]


class _SgpObject:
    def __init__(self, sat, ra):
        self.sat = sat
        self.ra = ra

    def state(self, t_ns):
        jd, fr = _jd(np.atleast_1d(t_ns))
        e, r, v = self.sat.sgp4_array(jd, fr)
        ok = _usable(r[None], v[None], e[None], np.array([self.ra]))[0]
        return np.where(ok[:, None], r, np.nan), np.where(ok[:, None], v, np.nan)

    def pos(self, t_ns):
        return self.state(t_ns)[0]


@pytest.fixture(scope="module")
def case():
    es = read_elements(SAMPLE).elements
    sub = subset(es)
    assert len(sub) == 1000
    dense = np.flatnonzero((sub.perigee_km > 530) & (sub.apogee_km < 560) & (sub.eccentricity < 0.002))
    ix, iy, iz = (int(dense[k]) for k in (3, 40, 90))
    sats = _satrecs(sub)
    step = 60 * NS
    t = np.arange(S0 - 600 * NS, S1 + 600 * NS + 1, step, dtype=np.int64)

    def sgp4_states(row, t_ns, shift_s=0.0):
        jd, fr = _jd(t_ns + int(round(shift_s * NS)))
        e, r, v = sats[row].sgp4_array(jd, fr)
        assert (e == 0).all()
        return r, v

    oems, dense_objs, info = [], {}, {}
    # A: X shifted by 0.2 s, Hermite 5, EME2000, OBJECT_ID = X's designator (replaces X)
    rA, vA = sgp4_states(ix, t, 0.2)
    r, v = to_frame("EME2000", rA, vA, t)
    oems.append(oem_text(oem_segment("SAT-A", str(sub.intl_designator[ix]), "EME2000", "HERMITE", 5, t, r, v)))
    dense_objs["A"] = DenseEphemeris("EME2000", [dict(t_ns=t, r=r, v=v, method="HERMITE", degree=5,
                                                      usable=(t[0], t[-1]))])
    # B: A turned 10 deg about A's position at tc, raised by 2e-4; Lagrange 7, TEME, unknown id
    tc = S0 + 5 * 3600 * NS
    kc = int(np.searchsorted(t, tc))
    R = rot(rA[kc], np.radians(10.0)) * (1.0 + 2e-4)
    rB, vB = rA @ R.T, vA @ R.T
    oems.append(oem_text(oem_segment("SAT-B [new]", "ORBW-TEST-1", "TEME", "LAGRANGE", 7, t, rB, vB)))
    dense_objs["B"] = DenseEphemeris("TEME", [dict(t_ns=t, r=rB, v=vB, method="LAGRANGE", degree=7,
                                                   usable=(t[0], t[-1]))])
    # C: Y shifted by 0.2 s, Hermite 7 at 120 s, GCRF, OBJECT_ID = Y's catalog number, usable
    # from START + 3 h to STOP - 4 h
    t2 = t[::2]
    rC, vC = sgp4_states(iy, t2, 0.2)
    r, v = to_frame("GCRF", rC, vC, t2)
    uC = (S0 + 3 * 3600 * NS, S1 - 4 * 3600 * NS)
    oems.append(oem_text(oem_segment("SAT-C", str(int(sub.norad_id[iy])), "GCRF", "HERMITE", 7, t2, r, v, uC)))
    dense_objs["C"] = DenseEphemeris("GCRF", [dict(t_ns=t2, r=r, v=v, method="HERMITE", degree=7, usable=uC)])
    # D: Z turned 2 deg about its position at td and raised by 1e-3; two segments, a gap of 50 s
    # around its approach to Z's TLE at td: approaching at the first edge, receding at the second
    td = S0 + 9 * 3600 * NS + 17 * NS
    rZ, vZ = sgp4_states(iz, t)
    kd = int(np.searchsorted(t, td))
    rz_td, _ = sgp4_states(iz, np.array([td]))
    Rd = rot(rz_td[0], np.radians(2.0)) * (1.0 + 1e-3)
    rD, vD = rZ @ Rd.T, vZ @ Rd.T
    r, v = to_frame("EME2000", rD, vD, t)
    u1 = (t[0], td - 20 * NS)
    u2 = (td + 30 * NS, t[-1])
    s1 = slice(0, kd + 10)
    s2 = slice(kd - 10, None)
    oems.append(oem_text(oem_segment("SAT-D", "2099-999Z", "EME2000", "HERMITE", 5, t[s1], r[s1], v[s1], u1),
                         oem_segment("SAT-D", "2099-999Z", "EME2000", "HERMITE", 5, t[s2], r[s2], v[s2], u2)))
    dense_objs["D"] = DenseEphemeris("EME2000", [
        dict(t_ns=t[s1], r=r[s1], v=v[s1], method="HERMITE", degree=5, usable=u1),
        dict(t_ns=t[s2], r=r[s2], v=v[s2], method="HERMITE", degree=5, usable=u2)])
    parsed = [parse_oem(x, f"eph{k}.oem") for k, x in enumerate(oems)]
    info.update(sub=sub, ix=ix, iy=iy, iz=iz, td=td, uC=uC, u1=u1, u2=u2, oems=parsed, dense=dense_objs,
                sats=sats)
    return info


@pytest.fixture(scope="module")
def fleet_result(case):
    return screen(case["sub"], START, STOP, threshold_km=D_KM, ephemerides=case["oems"],
                  primaries=["2099-999Z", "ORBW-TEST-1", str(case["sub"].intl_designator[case["ix"]]),
                         int(case["sub"].norad_id[case["iy"]])], executor=1)


@pytest.fixture(scope="module")
def reference(case):
    sub = case["sub"]
    ra = sub.semi_major_axis_km * (1.0 + sub.eccentricity)
    replaced = {case["ix"], case["iy"]}
    objects = {}
    for name, de in case["dense"].items():
        objects[name] = (de, de.usable())
    catalog_rows = [k for k in range(len(sub)) if k not in replaced]
    # coarse pre-selection of catalog objects for each ephemeris: within reach at some minute
    coarse = np.arange(S0, S1 + 1, 60 * NS, dtype=np.int64)
    jd, fr = _jd(coarse)
    e, r, v = SatrecArray([case["sats"][k] for k in catalog_rows]).sgp4(jd, fr)
    ok = _usable(r, v, e, ra[catalog_rows])
    r = np.where(ok[..., None], r, np.nan)
    pairs = []
    for name, de in case["dense"].items():
        re_ = de.pos(coarse, continue_edges=False)
        dist = np.linalg.norm(r - re_[None], axis=-1)
        dmin = np.min(np.where(np.isfinite(dist), dist, np.inf), axis=1)
        for m in np.flatnonzero(dmin <= D_KM + 12.0 + 60 * 8.0):
            key = f"T{catalog_rows[m]}"
            objects[key] = (_SgpObject(case["sats"][catalog_rows[m]], ra[catalog_rows[m]]), [(S0, S1)])
            pairs.append((name, key))
    names = list(case["dense"])
    pairs += [(a, b) for ia, a in enumerate(names) for b in names[ia + 1:]]
    return brute_force(objects, pairs, D_KM)


# ----------------------------------------------------------------------------- tests


def _key_of(case, res, norad):
    sub = case["sub"]
    ids = {int(sub.norad_id[case["ix"]]): "A", synthetic_norad_id("ORBW-TEST-1"): "B",
           int(sub.norad_id[case["iy"]]): "C", synthetic_norad_id("2099-999Z"): "D"}
    if int(norad) in ids:
        return ids[int(norad)]
    return f"T{int(np.flatnonzero(sub.norad_id == norad)[0])}"


def test_against_brute_force(case, fleet_result, reference):
    ev = fleet_result.events
    keys = [tuple(sorted((_key_of(case, fleet_result, a), _key_of(case, fleet_result, b))))
            for a, b in zip(ev.norad_1, ev.norad_2)]
    ref = [(tuple(sorted(k)), t, m, edge) for k, t, m, edge in reference]
    assert len(ref) > 60
    assert sum(1 for k, *_ in ref if k[0] in "ABCD" and k[1] in "ABCD") > 20  # ephemeris vs ephemeris
    used = np.zeros(len(ev), bool)
    missed = []
    tca = ev.tca.astype(np.int64)
    for k, t, m, edge in ref:
        cand = [q for q in range(len(ev)) if keys[q] == k and abs(tca[q] - t) < NS]
        if not cand:
            missed.append((k, np.datetime64(int(t), "ns"), m))
            continue
        q = min(cand, key=lambda q: abs(tca[q] - t))
        used[q] = True
        assert abs(tca[q] - t) <= TCA_TOL_NS, (k, edge, (tca[q] - t) / 1e6, "ms")
        assert abs(ev.miss_km[q] - m) <= MISS_TOL_KM, (k, edge, (ev.miss_km[q] - m) * 1e3, "m")
        if edge:
            assert ev.boundary[q] in (1, 2, 3, 4)
    assert not missed, f"{len(missed)} of {len(ref)} brute-force events missed: {missed[:5]}"
    extra = np.flatnonzero(~used)
    assert extra.size == 0, [(keys[q], ev.tca[q], ev.miss_km[q], ev.boundary[q]) for q in extra[:5]]


def test_identity_spans_and_status(case, fleet_result):
    res, sub = fleet_result, case["sub"]
    ev = res.events
    x, y = int(sub.norad_id[case["ix"]]), int(sub.norad_id[case["iy"]])
    assert sorted(res.replaced) == sorted([x, y])
    # every event has an ephemeris object first (the fleet), under its OEM name and OBJECT_ID
    assert np.all(ev.state_source_1 == "OEM")
    names = {x: "SAT-A", synthetic_norad_id("ORBW-TEST-1"): "SAT-B [new]", y: "SAT-C",
             synthetic_norad_id("2099-999Z"): "SAT-D"}
    for k in range(len(ev)):
        assert ev.name_1[k] == names[int(ev.norad_1[k])]
    a = ev.norad_1 == x
    assert a.any() and np.all(ev.object_id_1[a] == str(sub.intl_designator[case["ix"]]))
    assert np.all(ev.intl_designator_1[a] == str(sub.intl_designator[case["ix"]]))
    assert synthetic_norad_id("ORBW-TEST-1") < 0 and synthetic_norad_id("2099-999Z") < 0
    # the replaced element sets take no part: no event has an SGP4 object numbered x or y
    for n, s in ((ev.norad_2, ev.state_source_2), (ev.norad_1, ev.state_source_1)):
        assert not np.any(np.isin(n, [x, y]) & (s == "SGP4"))
    # C is screened inside its usable span only
    c = (ev.norad_1 == y) | (ev.norad_2 == y)
    tc = ev.tca.astype(np.int64)[c]
    assert c.sum() > 0 and tc.min() >= case["uC"][0] and tc.max() <= case["uC"][1]
    # D: a minimum on each edge of its gap (approaching its first stop, receding from the restart)
    dd = np.flatnonzero(ev.norad_1 == synthetic_norad_id("2099-999Z"))
    edges = {int(ev.boundary[k]): int(ev.tca[k].astype(np.int64)) for k in dd if ev.boundary[k] in (3, 4)}
    assert edges.get(4) == case["u1"][1] and edges.get(3) == case["u2"][0]
    assert not np.any((ev.tca.astype(np.int64)[dd] > case["u1"][1]) & (ev.tca.astype(np.int64)[dd] < case["u2"][0]))
    # object status: C before its span, D in its gap
    st = {int(n): (int(s), str(o), f) for n, s, o, f in zip(res.object_status.norad_id, res.object_status.status,
                                                            res.object_status.object_id, res.object_status.first_bad)}
    assert st[y][0] == 11 and st[y][1] == str(y)
    assert st[synthetic_norad_id("2099-999Z")][0] == 13
    assert int(st[synthetic_norad_id("2099-999Z")][2].astype(np.int64)) == case["u1"][1]
    # the service form names every ephemeris object with its spans and measured bound
    d = res.to_dict(events=False)
    eph = {e["object_id"]: e for e in d["ephemerides"]}
    assert set(eph) == {str(sub.intl_designator[case["ix"]]), "ORBW-TEST-1", str(y), "2099-999Z"}
    assert eph["ORBW-TEST-1"]["norad_id"] == synthetic_norad_id("ORBW-TEST-1") and not eph["ORBW-TEST-1"]["catalogued"]
    assert eph["2099-999Z"]["usable_spans_utc"][0][1].endswith("Z") and len(eph["2099-999Z"]["usable_spans_utc"]) == 2
    assert all(0 < e["interpolation_bound_km"] < 0.3 for e in eph.values())
    recs = ev.to_records()
    assert recs[0]["state_source_1"] == "OEM" and "object_id_2" in recs[0]
    assert "OEM" in ev.to_csv().splitlines()[1]


def test_ephemerides_as_ordinary_members(case, fleet_result):
    """All-vs-all with the ephemerides among the catalog: the events with an ephemeris are the
    fleet's, and those between element sets are the plain screening's without the replaced ones."""
    sub = case["sub"]
    both = screen(sub, START, STOP, threshold_km=D_KM, ephemerides=case["oems"], executor=1)
    ev = both.events
    with_eph = (ev.state_source_1 == "OEM") | (ev.state_source_2 == "OEM")
    fl = fleet_result.events
    a = sorted(zip(np.minimum(ev.norad_1, ev.norad_2)[with_eph], np.maximum(ev.norad_1, ev.norad_2)[with_eph],
                   ev.tca.astype(np.int64)[with_eph]))
    b = sorted(zip(np.minimum(fl.norad_1, fl.norad_2), np.maximum(fl.norad_1, fl.norad_2), fl.tca.astype(np.int64)))
    assert a == b
    keep = ~np.isin(sub.norad_id, [sub.norad_id[case["ix"]], sub.norad_id[case["iy"]]])
    plain = screen(sub[np.flatnonzero(keep)], START, STOP, threshold_km=D_KM, executor=1).events
    tle = ev[np.flatnonzero(~with_eph)]
    assert len(tle) == len(plain) > 100
    assert np.array_equal(tle.norad_1, plain.norad_1) and np.array_equal(tle.tca, plain.tca)
    assert np.array_equal(tle.miss_km, plain.miss_km)


def test_ephemeris_state_is_the_oem_interpolant(case):
    """The screening's exact state of an ephemeris object is orbitwatch.odm's interpolation of it,
    rotated into TEME (skyfield, per instant) - to the rounding of the hourly rotation grid."""
    import pickle

    from orbitwatch.conjunction.screening.ephemeris import EphemerisSet, prepare_ephemerides
    from orbitwatch.odm import interpolate

    prep = prepare_ephemerides(case["sub"], case["oems"])
    eph = EphemerisSet(prep.trajectories, prep.objects, S0 - 3 * 3600 * NS, S1 + 3 * 3600 * NS, 490.0)
    rng = np.random.default_rng(5)
    t = np.sort(S0 + (rng.random(400) * (S1 - S0)).astype(np.int64))
    for e, tr in enumerate(prep.trajectories):
        r, v, st = eph.grid(np.array([e]), t)
        ref = interpolate([tr], t.astype("datetime64[ns]"))
        ok = ref.status[0] == 0
        assert np.all(st[0][ok] == 0)
        # beyond the usable spans only within the continuation (490 s here) past an edge
        extra = t[(st[0] == 0) & ~ok]
        edges = np.array([x for span in prep.objects[e].usable_ns for x in span])
        assert all(np.min(np.abs(edges - x)) <= 490 * NS for x in extra)
        rt = to_teme(tr.frame if tr.frame != "EME2000" else "EME2000", ref.position_km[0][ok], t[ok])
        assert np.max(np.linalg.norm(r[0][ok] - rt, axis=1)) < 2e-6  # km (the hourly rotation grid)
    # continued one node step past a usable edge, not further; the same after a trip through pickle
    c = [k for k, o in enumerate(prep.objects) if o.object_id == str(int(case["sub"].norad_id[case["iy"]]))][0]
    edge = case["uC"][1]
    _, _, st = eph.grid(np.array([c]), np.array([edge + 400 * NS, edge + 600 * NS]))
    assert st.tolist() == [[0, 12]]
    eph2 = pickle.loads(pickle.dumps(eph))
    assert np.array_equal(eph2.grid(np.arange(len(eph)), t)[0], eph.grid(np.arange(len(eph)), t)[0], equal_nan=True)


def test_ephemeris_inputs_refused_before_work(case):
    from orbitwatch.errors import InvalidRequestError, NotFoundError

    sub = case["sub"]
    t = np.arange(S0, S0 + 3600 * NS, 60 * NS)
    r = np.tile([[7000.0, 0.0, 0.0]], (t.size, 1))
    v = np.tile([[0.0, 7.5, 0.0]], (t.size, 1))
    itrf = parse_oem(oem_text(oem_segment("X", "2099-001A", "ITRF2014", "HERMITE", 5, t, r, v)), "x.oem")
    with pytest.raises(InvalidRequestError) as exc:
        screen(sub[:50], START, STOP, ephemerides=[itrf])
    assert exc.value.field == "ephemerides" and "ITRF2014" in str(exc.value)
    # two OBJECT_IDs of one catalog object (its designator, its number): which one to fly is unclear
    from orbitwatch.errors import ConflictError

    x = case["ix"]
    again = parse_oem(oem_text(oem_segment("X", str(int(sub.norad_id[x])), "TEME", "HERMITE", 5, t, r, v)), "y.oem")
    with pytest.raises(ConflictError, match=str(int(sub.norad_id[x]))):
        screen(sub, START, STOP, ephemerides=[case["oems"][0], again])
    with pytest.raises(NotFoundError, match="NO-SUCH-ID"):
        screen(sub[:50], START, STOP, ephemerides=[case["oems"][1]], primaries=["NO-SUCH-ID"])


# ----------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def cli_files(case, tmp_path_factory):
    from orbitwatch.elements.tle import write_tle

    d = tmp_path_factory.mktemp("ephcli")
    cat = d / "subset.3le"
    cat.write_text(write_tle(case["sub"]))
    files = []
    for k, o in enumerate(case["oems"]):
        p = d / f"eph[{k}].oem"
        p.write_text(o.to_kvn())
        files.append(p)
    return cat, files


def _cli(*args):
    from typer.testing import CliRunner

    from orbitwatch.cli.main import app

    return CliRunner().invoke(app, ["screen", *map(str, args)])


def test_cli_screens_ephemerides(case, cli_files, fleet_result, tmp_path, wide_console):
    import json

    cat, files = cli_files
    args = [cat, "--start", "2023-10-09T12:00Z", "--hours", 24, "--threshold-km", D_KM, "-q", "--workers", 1]
    oem_args = [x for f in files for x in ("--oem", f)]
    res = _cli(*args, *oem_args, "--json")
    assert res.exit_code == 0, res.output
    assert "Traceback" not in res.output
    doc = json.loads(res.stdout)
    ev = fleet_result.events
    assert len(doc["events"]) == len(ev)
    assert sorted(e["tca"] for e in doc["events"]) == sorted(r["tca"] for r in ev.to_records())
    meta = doc["meta"]
    assert {e["object_id"] for e in meta["ephemerides"]} >= {"ORBW-TEST-1", "2099-999Z"}
    assert sorted(meta["element_sets_replaced_by_ephemerides"]) == sorted(
        int(case["sub"].norad_id[k]) for k in (case["ix"], case["iy"]))
    assert "SAT-B [new]" in {e["name_1"] for e in doc["events"]} | {e["name_2"] for e in doc["events"]}
    # what the run did is said on stderr: replacements, synthetic numbers, spans
    assert "flown on its ephemeris instead of its element set" in res.stderr
    assert f"catalog number {synthetic_norad_id('ORBW-TEST-1')} (synthetic)" in res.stderr
    assert "in a gap between usable spans of the ephemeris" in res.stderr
    # the table names ephemeris objects by OBJECT_ID (synthetic numbers) and marks them; names print verbatim
    res = _cli(*args, *oem_args, "--top", 200, "--sort", "tca")
    assert res.exit_code == 0, res.output
    assert "ORBW-TEST-1 SAT-B [new] (OEM)" in res.stdout and "2099-999Z SAT-D (OEM)" in res.stdout
    # CDMs and the report carry them too
    cdms, rep = tmp_path / "cdm", tmp_path / "r.txt"
    res = _cli(*args, *oem_args, "--top", 3, "--cdm-dir", cdms, "--report", rep)
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in cdms.iterdir())
    assert len(names) == 3
    text = "\n".join(p.read_text() for p in cdms.iterdir())
    assert "OEM OBJECT_ID" in text
    assert "(OEM)" in rep.read_text()


def test_cli_records_and_alerts(cli_files, tmp_path):
    cat, files = cli_files
    url = f"sqlite:///{tmp_path / 'ow.db'}"
    args = [cat, "--start", "2023-10-09T12:00Z", "--hours", 24, "--threshold-km", D_KM, "-q", "--workers", 1,
            "--oem", files[0], "--oem", files[1], "--record", "--alerts", "--db-url", url]
    res = _cli(*args)
    assert res.exit_code == 0, res.output
    # the A-B pair meets every half orbit about 1.4 km apart: no radial under 200 m, no Pc: no alert;
    # the run says so
    assert "recorded in" in res.stderr and "alerts:" in res.stderr
    from orbitwatch.store import open_store

    with open_store(url) as st:
        tracks = st.tracks()
        assert any(t.norad_lo == synthetic_norad_id("ORBW-TEST-1") or t.norad_hi == synthetic_norad_id("ORBW-TEST-1")
                   for t in tracks)
        tr = st.track(tracks[0].track_id)
        assert any("OEM" in u.source_ref for t in tracks[:5] for u in st.track(t.track_id).updates)
    # with Pc, and a pair 1.4 km apart, CARA's yellow level is met on the first run, and only then
    res = _cli(*args, "--pc", "--hbr-m", 20)
    assert res.exit_code == 0, res.output
    first = res.stderr.count("cara-yellow")
    res = _cli(*args, "--pc", "--hbr-m", 20)
    assert res.exit_code == 0, res.output
    assert first > 0 and res.stderr.count("cara-yellow") == 0
    assert tr is not None


def test_cli_refusals(cli_files, tmp_path):
    cat, files = cli_files
    base = [cat, "--start", "2023-10-09T12:00Z", "--hours", 2, "-q"]
    res = _cli(*base, "--oem", tmp_path / "missing.oem")
    assert res.exit_code == 66 and "missing.oem" in res.output and "Traceback" not in res.output
    res = _cli(*base, "--oem", files[0], "--alerts")
    assert res.exit_code == 2 and "--record" in res.output
    # a catalog file with --db-url: the URL is only where --record stores the events
    res = _cli(*base, "--db-url", f"sqlite:///{tmp_path / 'x.db'}")
    assert res.exit_code == 2 and "--db-url" in res.output and not (tmp_path / "x.db").exists()
    res = _cli(*base, "--oem", files[0], "--oem-role", "boss")
    assert res.exit_code == 2 and "--oem-role" in res.output
    bad = tmp_path / "bad.oem"
    bad.write_text(files[0].read_text().replace("ORIGINATOR", "ORIGINAT0R", 1))
    res = _cli(*base, "--oem", bad)
    assert res.exit_code == 65 and "bad.oem" in res.output and "Traceback" not in res.output
    t = np.arange(S0, S0 + 3600 * NS, 60 * NS)
    r = np.tile([[7000.0, 0.0, 0.0]], (t.size, 1))
    v = np.tile([[0.0, 7.5, 0.0]], (t.size, 1))
    itrf = tmp_path / "itrf.oem"
    itrf.write_text(oem_text(oem_segment("X", "2099-001A", "ITRF-93", "HERMITE", 5, t, r, v)))
    res = _cli(*base, "--oem", itrf)
    assert res.exit_code == 2 and "--oem" in res.output and "ITRF-93" in res.output


def test_ephemerides_alone_and_on_a_thread_pool(case, fleet_result):
    from orbitwatch.distributed import InProcessExecutor
    from orbitwatch.elements.sets import ElementSets

    # no catalog at all: ephemeris against ephemeris only (the A-B pair of the fleet run)
    alone = screen(ElementSets.empty(), START, STOP, threshold_km=D_KM, ephemerides=case["oems"], executor=1).events
    fl = fleet_result.events
    ab = (fl.state_source_1 == "OEM") & (fl.state_source_2 == "OEM")
    assert len(alone) == ab.sum() == 30
    assert np.array_equal(np.sort(alone.tca), np.sort(fl.tca[ab]))
    # the windows on two threads give the same table
    sub = case["sub"][:300]
    one = screen(sub, START, STOP, threshold_km=D_KM, ephemerides=case["oems"], executor=1).events
    two = screen(sub, START, STOP, threshold_km=D_KM, ephemerides=case["oems"],
                 executor=InProcessExecutor(2, kind="thread")).events
    assert len(one) == len(two) > 30
    assert np.array_equal(one.tca, two.tca) and np.array_equal(one.miss_km, two.miss_km)


def test_ephemerides_streamed_to_parquet_equal_the_in_memory_run(case, fleet_result, tmp_path):
    # the events streamed as windows finish (the ephemerides' edge minima with the halo minima at the
    # end) are the in-memory run's, on a thread pool (the identity is tested on Dask in test_screening_streaming)
    import os

    if os.environ.get("CI", "").strip().lower() not in ("1", "true", "yes"):
        pytest.importorskip("pyarrow", reason="the Parquet sink needs pyarrow (the dask and test extras)")
    from orbitwatch.conjunction.screening.sinks import ParquetSink, read_events
    from orbitwatch.distributed import InProcessExecutor

    out = tmp_path / "eph-events"
    res = screen(case["sub"], START, STOP, threshold_km=D_KM, ephemerides=case["oems"],
                 primaries=["2099-999Z", "ORBW-TEST-1", str(case["sub"].intl_designator[case["ix"]]),
                        int(case["sub"].norad_id[case["iy"]])], executor=InProcessExecutor(2),
                 sink=ParquetSink(out))
    a, b = fleet_result.events, read_events(out)
    assert len(a) == len(b) == res.stats["events"] and np.any(a.boundary >= 3)
    for name, col in a.columns().items():
        other = getattr(b, name)
        if "eme2000" in name:  # one-row BLAS products round differently (see test_screening_streaming)
            assert np.max(np.abs(col - other), initial=0.0) <= 1e-9, name
        elif col.dtype.kind == "f":
            assert np.array_equal(col, other, equal_nan=True), name
        else:
            assert np.array_equal(col, other), name
    assert np.array_equal(res.object_status.object_id, fleet_result.object_status.object_id)
