"""Acquisition opportunities: when can each satellite's sensor see any part of the area.

Search, per satellite (see ``docs/disaster-response.md`` for the bounds):

1. **Coarse screen** on a common grid (``coarse_step_s``, default 300 s) for the whole fleet in one
   propagation call: with ``d(t)`` the geocentric angle between the sub-satellite direction and the
   area centre and ``w`` a bound on its rate (the sub-satellite point's angular speed), no access is
   possible in ``[t_k, t_k+1]`` when ``(d_k + d_k+1)/2 - w*step/2 > lambda_max + rho + margin``,
   ``lambda_max`` being the largest Earth-central angle of the sensor's field of regard and ``rho``
   the area's angular radius. Everything else is a candidate.
2. **Fine states** at ``fine_step_s`` (default 30 s) inside candidates only, screened again with the
   same bound; the runs left are *passes*. States between samples: cubic Hermite interpolation.
3. **Exact geometry** per pass on the densified polygon (``geometry.py``): for strip sensors
   (SAR, steerable and nadir push-brooms) every boundary point is mapped to its zero-Doppler time
   and look angle; the window is the time extent of the mapped polygon clipped to the field of
   regard - exact up to the boundary densification, no sampling. For agile (cone) sensors the
   window is where min/max over the area of the off-nadir (or incidence) angle enters the field
   of regard, found with a Lipschitz-bounded subdivision and bisection to ``tol_s``.
4. **Coverage**: equal-area cells of the area mapped the same way; each pass offers a few roll
   positions of the swath (strip *options*), each covering a set of cells.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from ..elements import ElementSets
from ..propagation import get_backend
from ..propagation.backends import PropagationBackend
from ..timeutil import NS_PER_S
from . import geometry as geo
from .activation import Activation
from .fleet import Fleet, Satellite, Sensor, fleet_elements


@dataclass(frozen=True)
class AccessConfig:
    """Search and feasibility settings (units in the names)."""

    coarse_step_s: float = 300.0
    fine_step_s: float = 30.0
    margin_deg: float = 1.0
    #: optical acquisitions need the Sun at least this high at the target
    min_sun_elevation_deg: float = 10.0
    #: bisection tolerance of cone-window edges
    tol_s: float = 1e-2
    #: smallest subdivision of the cone search (a window shorter than this that dips less than
    #: L*min_step_s/2 rad into the field of regard may be missed; see the docs)
    min_step_s: float = 0.5
    #: most strip positions offered per pass
    max_options: int = 6


@dataclass
class Passes:
    """Fine satellite states of every pass: nodes ``R[n0:n0+n]``, ``V[...]`` (ITRF) at ``t0 + k*dt``."""

    sat: np.ndarray
    t0_ns: np.ndarray
    n0: np.ndarray
    n: np.ndarray
    dt_s: float
    R: np.ndarray
    V: np.ndarray

    def __len__(self):
        return len(self.sat)


@dataclass
class Opportunity:
    """One satellite sensor's access to the area on one pass (and one look side)."""

    index: int
    satellite: Satellite
    sensor: Sensor
    pass_index: int
    side: str                 # 'right', 'left' or 'both'
    window_start: np.datetime64
    window_end: np.datetime64
    ascending: bool
    off_nadir_min_deg: float
    off_nadir_max_deg: float
    incidence_min_deg: float
    incidence_max_deg: float
    sun_elevation_deg: float  # at the area's accessible part, mid-window
    daylight_ok: bool
    best_fraction: float = 0.0
    options: list[int] = field(default_factory=list)  # indices into AccessResult option arrays

    @property
    def direction(self) -> str:
        return "ascending" if self.ascending else "descending"


@dataclass
class AccessResult:
    """Opportunities, their strip options and the cells each option covers."""

    activation: Activation
    satellites: list[Satellite]
    opportunities: list[Opportunity]
    passes: Passes
    # option arrays (one row per strip option)
    opt_opp: np.ndarray
    opt_roll0_rad: np.ndarray
    opt_roll1_rad: np.ndarray
    opt_start: np.ndarray
    opt_end: np.ndarray
    opt_fraction: np.ndarray
    opt_cells: np.ndarray        # (n_opt, n_cells) bool
    opt_off_nadir_deg: np.ndarray  # (n_opt, 2) min, max over covered cells
    opt_incidence_deg: np.ndarray  # (n_opt, 2)
    opt_sun_elevation_deg: np.ndarray
    opt_ok: np.ndarray           # feasible (daylight for optical)
    #: satellites with no element set among those given
    missing: list[Satellite] = field(default_factory=list)
    #: satellites whose element sets SGP4 cannot propagate over the horizon (decayed, too old)
    unpropagated: list[Satellite] = field(default_factory=list)
    element_epochs: np.ndarray = field(default_factory=lambda: np.zeros(0, "datetime64[ns]"))
    timings_s: dict = field(default_factory=dict)
    config: AccessConfig = field(default_factory=AccessConfig)

    @property
    def n_cells(self) -> int:
        return self.opt_cells.shape[1]

    def footprint_lonlat(self, option: int, n_along: int = 12) -> np.ndarray:
        """Ground strip of one option as a closed (M, 2) lon/lat ring (the swath over the acquisition)."""
        o = self.opportunities[self.opt_opp[option]]
        p = o.pass_index
        ps = self.passes
        t0 = ps.t0_ns[p]
        a = (self.opt_start[option].astype(np.int64) - t0) / NS_PER_S
        b = (self.opt_end[option].astype(np.int64) - t0) / NS_PER_S
        pad = 0.5
        tmax = (ps.n[p] - 1) * ps.dt_s
        taus = np.linspace(max(0.0, a - pad), min(tmax, b + pad), n_along)
        ring = []
        for roll in (self.opt_roll0_rad[option], self.opt_roll1_rad[option]):
            out = np.empty((n_along, 3))
            geo.strip_points(int(ps.n0[p]), int(ps.n[p]), ps.dt_s, ps.R, ps.V, taus, float(roll), out)
            ring.append(out)
        pts = np.vstack([ring[0], ring[1][::-1]])
        pts = pts[np.isfinite(pts).all(axis=1)]
        lat, lon = geo.itrf_to_latlon(pts)
        lon0 = self.activation.area.center_lon_deg
        lon = lon0 + (lon - lon0 + 180.0) % 360.0 - 180.0
        ring = np.column_stack([lon, lat])
        return np.vstack([ring, ring[:1]])


# ---------------------------------------------------------------------------- frames
# one implementation, in orbitwatch.propagation.frames (re-exported here for existing callers)
from ..propagation.frames import teme_to_itrf_fast  # noqa: E402,F401


# ---------------------------------------------------------------------------- helpers
def _reach_central_angle(sensor: Sensor, r_km: float, R_km: float) -> float:
    """Largest Earth-central angle (rad) from the sub-satellite point to a point in the field of regard."""
    hi = math.radians(sensor.angle_max_deg)
    horizon = math.acos(min(1.0, R_km / r_km))
    if sensor.angle_kind == "incidence":
        eta = math.asin(min(1.0, R_km / r_km * math.sin(hi)))
        return min(hi - eta, horizon)
    x = r_km / R_km * math.sin(hi)
    if x >= 1.0:
        return horizon
    return min(math.asin(x) - hi, horizon)


def _propagate_rows(be, prepared, es: ElementSets, rows):
    """TEME states of object ``i`` at its own instants, for each (i, times_ns) row: one batched
    call through :class:`~orbitwatch.propagation.BatchPropagator`, which uses what the backend
    declares it can do (per-object instants) and a generic path otherwise."""
    from ..propagation import BatchPropagator

    if not rows:
        return [], []
    idx = np.array([i for i, _ in rows], dtype=np.int64)
    T = max(len(t) for _, t in rows)
    mat = np.empty((len(rows), T), dtype=np.int64)
    for k, (_, t) in enumerate(rows):
        mat[k, :len(t)] = t
        mat[k, len(t):] = t[-1]
    r, v, _st = BatchPropagator(be, es, prepared).rows(idx, mat)
    return [r[k, :len(t)] for k, (_, t) in enumerate(rows)], [v[k, :len(t)] for k, (_, t) in enumerate(rows)]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of each run of True."""
    if not mask.any():
        return []
    m = np.r_[False, mask, False].astype(np.int8)
    d = np.diff(m)
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1)))


def sun_elevation_at(lat_deg, lon_deg, times) -> np.ndarray:
    """Sun elevation (deg, geometric) at pairs (lat_i, lon_i, t_i), on the WGS-84 normal.

    The Sun's ITRF position comes from :func:`orbitwatch.propagation.frames.sun_position_itrf`
    at 3-hour nodes; between nodes both neighbours are rotated about the Earth's axis to the
    query time and blended linearly (the Sun moves 0.12 deg per 3 h against the stars, so the
    chord error is below 1e-6 rad).
    """
    from ..propagation.frames import sun_position_itrf_interp

    t = np.asarray(times).astype("datetime64[ns]").astype(np.int64)
    if t.size == 0:
        return np.zeros(0)
    s = sun_position_itrf_interp(t)
    p = geo.ground_points(lat_deg, lon_deg)
    u = geo.ground_normals(lat_deg, lon_deg)
    d = s - p
    return np.degrees(np.arcsin(np.clip(np.sum(d * u, axis=-1) / np.linalg.norm(d, axis=-1), -1, 1)))


# ---------------------------------------------------------------------------- main entry
def compute_access(activation: Activation, fleet: Fleet, elements: ElementSets | str | None = None, *,
                   backend: str | PropagationBackend | None = None, config: AccessConfig | None = None,
                   progress=None) -> AccessResult:
    """Every opportunity of every fleet sensor over the activation's area and horizon.

    ``progress`` (:class:`orbitwatch.progress.Progress` or a ``(done, total, stage)`` callback)
    hears each of the four stages; ``cancel()`` stops the work between them.
    """
    import time as _time

    from ..progress import as_progress

    prog = as_progress(progress)
    prog.update(0, 4, "coarse propagation")
    cfg = config or AccessConfig()
    timings = {}
    t_all = _time.perf_counter()
    es, missing = fleet_elements(fleet, elements)
    sats = [s for s in fleet.satellites if s not in set(missing)] if missing else list(fleet.satellites)
    by_platform: dict[str, list[Sensor]] = {}
    for s in fleet.sensors:
        by_platform.setdefault(s.platform, []).append(s)
    area = activation.area
    be = get_backend(backend)
    N = len(es)
    t0 = np.datetime64(activation.start, "ns").astype(np.int64)
    t1 = np.datetime64(activation.end, "ns").astype(np.int64)
    step0 = int(cfg.coarse_step_s * NS_PER_S)
    step1 = int(cfg.fine_step_s * NS_PER_S)
    pad = 2 * step0
    grid = np.arange(t0 - pad, t1 + pad + 1, step0, dtype=np.int64)

    # 1. coarse screen ---------------------------------------------------------------
    tt = _time.perf_counter()
    prep = be.prepare(es)
    r, v, status = be.propagate_ns(prep, grid)
    timings["propagate_coarse"] = _time.perf_counter() - tt
    ri, vi = teme_to_itrf_fast(r, v, grid)
    rn = np.linalg.norm(ri, axis=-1)
    u = ri / rn[..., None]
    c_hat = geo.ground_points(area.center_lat_deg, area.center_lon_deg)
    c_hat = c_hat / np.linalg.norm(c_hat)
    d = np.arccos(np.clip(u @ c_hat, -1, 1))  # (N, T0)
    # angular rate of the sub-satellite direction: |u x v| / |r|
    rate = np.linalg.norm(np.cross(u, vi), axis=-1) / rn
    # SGP4 fails (NaN states) for element sets propagated past decay or far from their epoch: a
    # satellite with no valid state on the grid cannot be screened, and is reported, not searched
    valid = np.isfinite(rate) & np.isfinite(rn)
    usable = valid.any(axis=1)
    omega = np.max(np.where(valid, rate, 0.0), axis=1, initial=0.0) * 1.05 + 1e-5
    rmax = np.where(usable, np.max(np.where(valid, rn, 0.0), axis=1, initial=0.0), np.nan)
    lam = np.zeros(N)
    for i, s in enumerate(sats):
        sens = by_platform.get(s.platform, [])
        if np.isfinite(rmax[i]) and sens:
            lam[i] = max(_reach_central_angle(x, rmax[i], geo.B_KM) for x in sens)
    thr = lam + math.radians(area.radius_deg + cfg.margin_deg)
    dd = np.where(np.isfinite(d), d, np.pi)
    lower = 0.5 * (dd[:, 1:] + dd[:, :-1]) - omega[:, None] * cfg.coarse_step_s / 2
    cand = lower <= thr[:, None]
    # never look outside [t0, t1] for windows, but keep fine samples around it
    timings["screen_coarse"] = _time.perf_counter() - tt - timings["propagate_coarse"]
    prog.update(1, 4, "candidate windows")
    prog.check()

    # 2. fine states in candidates --------------------------------------------------
    tt = _time.perf_counter()
    pass_sat, pass_t0, pass_n0, pass_n = [], [], [], []
    Rn, Vn = [], []
    fine_calls = []
    for i in range(N):
        runs = _runs(cand[i])
        if not runs:
            continue
        times = []
        for a, b in runs:
            ta = max(grid[a], t0 - 2 * step1)
            tb = min(grid[b], t1 + 2 * step1)
            if tb <= ta:
                continue
            times.append(np.arange(ta, tb + step1, step1, dtype=np.int64))
        if times:
            fine_calls.append((i, times))
    all_times = np.concatenate([np.concatenate(ts) for _, ts in fine_calls]) if fine_calls else np.zeros(0, np.int64)
    fine_r, fine_v = _propagate_rows(be, prep, es, [(i, np.concatenate(ts)) for i, ts in fine_calls])
    timings["propagate_fine"] = _time.perf_counter() - tt
    prog.update(2, 4, "fine propagation")
    prog.check()
    if fine_calls:
        R_all, V_all = teme_to_itrf_fast(np.concatenate(fine_r), np.concatenate(fine_v), all_times)
        # one segment per candidate interval; screen every fine interval at once
        seg_len = np.array([len(ts) for _, times in fine_calls for ts in times], dtype=np.int64)
        seg_sat = np.array([i for i, times in fine_calls for _ in times], dtype=np.int64)
        seg_start = np.r_[0, np.cumsum(seg_len)[:-1]]
        sample_sat = np.repeat(seg_sat, seg_len)
        ok = np.isfinite(R_all).all(axis=1)
        rn1 = np.linalg.norm(R_all, axis=1)
        with np.errstate(invalid="ignore"):
            d1 = np.where(ok, np.arccos(np.clip((R_all / rn1[:, None]) @ c_hat, -1, 1)), np.pi)
        low1 = 0.5 * (d1[1:] + d1[:-1]) - omega[sample_sat[:-1]] * cfg.fine_step_s / 2
        last = np.zeros(len(d1), bool)
        last[seg_start + seg_len - 1] = True          # interval k joins samples k, k+1 of one segment
        keep = (low1 <= thr[sample_sat[:-1]]) & ~last[:-1] & ok[:-1] & ok[1:]
        m = np.r_[False, keep, False].astype(np.int8)
        dm = np.diff(m)
        ra, rb = np.flatnonzero(dm == 1), np.flatnonzero(dm == -1)   # intervals [ra, rb)
        seg_of = np.searchsorted(seg_start, ra, side="right") - 1
        s0, s1 = seg_start[seg_of], seg_start[seg_of] + seg_len[seg_of] - 1
        a = np.maximum(s0, ra - 2)
        b = np.minimum(s1, rb + 2)
        good = (b - a) >= 2
        a, b, seg_of = a[good], b[good], seg_of[good]
        # runs are disjoint and ordered; nodes a..b of each become a pass
        cnt = b - a + 1
        take = np.repeat(a - np.r_[0, np.cumsum(cnt)[:-1]], cnt) + np.arange(cnt.sum())
        pass_sat = seg_sat[seg_of].tolist()
        pass_t0 = all_times[a].tolist()
        pass_n = cnt.tolist()
        pass_n0 = np.r_[0, np.cumsum(cnt)[:-1]].tolist()
        Rn = [R_all[take]]
        Vn = [V_all[take]]
    passes = Passes(sat=np.array(pass_sat, dtype=np.int64), t0_ns=np.array(pass_t0, dtype=np.int64),
                    n0=np.array(pass_n0, dtype=np.int64), n=np.array(pass_n, dtype=np.int64), dt_s=cfg.fine_step_s,
                    R=np.ascontiguousarray(np.concatenate(Rn)) if Rn else np.zeros((0, 3)),
                    V=np.ascontiguousarray(np.concatenate(Vn)) if Vn else np.zeros((0, 3)))
    timings["screen_fine"] = _time.perf_counter() - tt - timings["propagate_fine"]

    # 3. exact geometry ---------------------------------------------------------------
    tt = _time.perf_counter()
    result = _geometry(activation, sats, by_platform, passes, cfg, t0, t1)
    timings["geometry"] = _time.perf_counter() - tt
    result.missing = list(missing)
    result.unpropagated = [sats[i] for i in np.flatnonzero(~usable)]
    result.element_epochs = es.epoch.copy()
    result.timings_s = timings
    timings["total"] = _time.perf_counter() - t_all
    prog.update(4, 4, "done")
    return result


def _empty_result(activation, sats, passes, cfg, n_cells):
    z = np.zeros(0)
    return AccessResult(activation, sats, [], passes, np.zeros(0, np.int64), z, z, np.zeros(0, "datetime64[ns]"),
                        np.zeros(0, "datetime64[ns]"), z, np.zeros((0, n_cells), bool), np.zeros((0, 2)),
                        np.zeros((0, 2)), z, np.zeros(0, bool), config=cfg)


def _bands(sensor: Sensor):
    """(side, lo, hi) bands in the signed angle coordinate (+ right, - left), radians."""
    lo, hi = math.radians(sensor.angle_min_deg), math.radians(sensor.angle_max_deg)
    if sensor.pointing in ("agile", "nadir") or (sensor.look_side == "both" and lo == 0.0):
        return [("both", -hi, hi)]
    out = []
    if sensor.look_side in ("right", "both"):
        out.append(("right", lo, hi))
    if sensor.look_side in ("left", "both"):
        out.append(("left", -hi, -lo))
    return out


def _geometry(activation: Activation, sats, by_platform, passes: Passes, cfg: AccessConfig, t0_ns, t1_ns):
    area = activation.area
    nc = len(area.cell_lat_deg)
    if len(passes) == 0:
        return _empty_result(activation, sats, passes, cfg, nc)
    P = geo.ground_points(area.boundary_lat_deg, area.boundary_lon_deg)
    U = geo.ground_normals(area.boundary_lat_deg, area.boundary_lon_deg)
    ring_start = area.ring_start.astype(np.int64)
    bx, by = area.projection.forward(area.boundary_lat_deg, area.boundary_lon_deg)
    XY = np.ascontiguousarray(np.column_stack([bx, by]))
    dt = passes.dt_s
    npass = len(passes)
    # Newton start: the node nearest the area centre, then the centre's own zero-Doppler time
    center = geo.ground_points(area.center_lat_deg, area.center_lon_deg)[None, :]
    cu = geo.ground_normals(area.center_lat_deg, area.center_lon_deg)[None, :]
    dist = np.linalg.norm(passes.R - center, axis=1)
    guess = np.array([np.argmin(dist[a:a + m]) for a, m in zip(passes.n0, passes.n)], dtype=float) * dt
    tc, _e, _t, _r = geo.map_points(passes.n0, passes.n, dt, passes.R, passes.V, center, cu, guess)
    guess = np.where(np.isfinite(tc[:, 0]), tc[:, 0], guess)
    mid_ns = passes.t0_ns + (guess * NS_PER_S).astype(np.int64)
    # the Sun at the area centre mid-pass: skip optical sensors on passes in deep night
    sun_pass = sun_elevation_at(np.full(npass, area.center_lat_deg), np.full(npass, area.center_lon_deg),
                                mid_ns.astype("datetime64[ns]"))
    night = sun_pass < cfg.min_sun_elevation_deg - 5.0 - area.radius_deg
    # which passes can any sensor use? The look angles at zero Doppler of any area point differ
    # from the centre's by at most rho_km (1/R + 1/h) (ground distance times the angles' rate
    # of change with it); with a factor 1.5 of safety the passes outside are skipped.
    eta_cn, th_cn, roll_cn = _e[:, 0], _t[:, 0], _r[:, 0]
    sgn_cn = np.where(roll_cn >= 0, 1.0, -1.0)
    h_min = np.minimum.reduceat(np.linalg.norm(passes.R, axis=1), passes.n0) - geo.A_KM
    rho_km = math.radians(area.radius_deg) * geo.A_KM
    slack = 1.5 * rho_km * (1.0 / geo.A_KM + 1.0 / np.maximum(h_min, 100.0)) + math.radians(0.5)
    need = np.zeros(npass, dtype=bool)
    for j in range(npass):
        if not np.isfinite(tc[j, 0]):
            need[j] = True  # the centre is not passed inside the samples: keep, be safe
            continue
        for sen in by_platform.get(sats[int(passes.sat[j])].platform, []):
            if sen.type == "optical" and night[j]:
                continue
            a_c = th_cn[j] if sen.angle_kind == "incidence" else eta_cn[j]
            if sen.pointing == "agile":
                if eta_cn[j] - slack[j] <= math.radians(sen.angle_max_deg) + math.radians(2.0):
                    need[j] = True
                    break
                continue
            x = a_c * sgn_cn[j]
            if any(x + slack[j] >= lo and x - slack[j] <= hi for _side, lo, hi in _bands(sen)):
                need[j] = True
                break
    tau_b = np.full((npass, len(P)), np.nan)
    eta_b, th_b, roll_b = tau_b.copy(), tau_b.copy(), tau_b.copy()
    nz = np.flatnonzero(need)
    if nz.size:
        tb_, eb_, hb_, rb_ = geo.map_points(passes.n0[nz], passes.n[nz], dt, passes.R, passes.V, P, U, guess[nz])
        tau_b[nz], eta_b[nz], th_b[nz], roll_b[nz] = tb_, eb_, hb_, rb_
    rel0 = (t0_ns - passes.t0_ns) / NS_PER_S   # horizon in pass-relative seconds
    rel1 = (t1_ns - passes.t0_ns) / NS_PER_S

    # --- windows: strip sensors by clipping the mapped polygon, cone sensors by search
    band_jobs, cone_jobs = [], []
    for j in nz:
        i = int(passes.sat[j])
        for sen in by_platform.get(sats[i].platform, []):
            if sen.type == "optical" and night[j]:
                continue
            if sen.pointing == "agile":
                cone_jobs.append((j, i, sen))
            else:
                for side, lo, hi in _bands(sen):
                    band_jobs.append((j, i, sen, side, lo, hi))
    raw = []
    if band_jobs:
        ws, we = geo.band_windows(np.array([b[0] for b in band_jobs], dtype=np.int64),
                                  np.array([b[2].angle_kind == "incidence" for b in band_jobs]),
                                  np.array([b[4] for b in band_jobs]), np.array([b[5] for b in band_jobs]),
                                  tau_b, eta_b, th_b, roll_b, ring_start)
        for b, a0, a1 in zip(band_jobs, ws, we):
            if a0 == a0:
                raw.append(b + (a0, a1))
    if cone_jobs:
        jp = np.array([c[0] for c in cone_jobs], dtype=np.int64)
        jlo = np.array([math.radians(c[2].angle_min_deg) for c in cone_jobs])
        jhi = np.array([math.radians(c[2].angle_max_deg) for c in cone_jobs])
        jinc = np.array([c[2].angle_kind == "incidence" for c in cone_jobs])
        rmin = np.minimum.reduceat(np.linalg.norm(passes.R, axis=1), passes.n0)
        vmax = np.maximum.reduceat(np.linalg.norm(passes.V, axis=1), passes.n0)
        L = 1.2 * (vmax / np.maximum(rmin - geo.A_KM, 100.0) + 0.0015)
        ws, we = geo.cone_windows(jp, jlo, jhi, jinc, passes.n0, passes.n, dt, passes.R, passes.V, P, U, XY,
                                  ring_start, math.radians(area.center_lat_deg), math.radians(area.center_lon_deg),
                                  area.projection.radius_km, L, cfg.min_step_s, cfg.tol_s, 4)
        for k, (j, i, sen) in enumerate(cone_jobs):
            hi = math.radians(sen.angle_max_deg)
            for w in range(ws.shape[1]):
                if ws[k, w] == ws[k, w]:
                    raw.append((j, i, sen, "both", -hi, hi, ws[k, w], we[k, w]))
    kept = []
    for rw in raw:
        j = rw[0]
        a0, a1 = max(rw[6], rel0[j]), min(rw[7], rel1[j])
        if a1 >= a0:
            kept.append(rw[:6] + (a0, a1))
    if not kept:
        return _empty_result(activation, sats, passes, cfg, nc)
    kept.sort(key=lambda k: (k[0], k[6]))

    # --- cells of the passes with a window
    used = np.unique([k[0] for k in kept])
    Pc = geo.ground_points(area.cell_lat_deg, area.cell_lon_deg)
    Uc = geo.ground_normals(area.cell_lat_deg, area.cell_lon_deg)
    tau_c, eta_c, th_c, roll_c = geo.map_points(passes.n0[used], passes.n[used], dt, passes.R, passes.V, Pc, Uc,
                                                guess[used], 2)
    row_of = np.full(npass, -1, dtype=np.int64)
    row_of[used] = np.arange(len(used))

    # --- per opportunity: orbit direction, radii, strip options
    kj = np.array([k[0] for k in kept], dtype=np.int64)
    tmid = np.array([0.5 * (k[6] + k[7]) for k in kept])
    st = np.empty(9)
    nadir = np.empty((1, 3))
    r_sat = np.empty(len(kept))
    R_loc = np.empty(len(kept))
    asc = np.empty(len(kept), dtype=bool)
    for q, (j, t) in enumerate(zip(kj, tmid)):
        geo.hermite(t, int(passes.n0[j]), int(passes.n[j]), dt, passes.R, passes.V, st)
        asc[q] = st[5] > 0
        r_sat[q] = math.sqrt(st[0] ** 2 + st[1] ** 2 + st[2] ** 2)
        geo.strip_points(int(passes.n0[j]), int(passes.n[j]), dt, passes.R, passes.V, np.array([t]), 0.0, nadir)
        R_loc[q] = float(np.linalg.norm(nadir[0])) if np.isfinite(nadir).all() else geo.A_KM
    sens = [k[2] for k in kept]
    r0, r1, ts, te, cov, ang, acc_ang = geo.strip_options(
        row_of[kj], np.array([k[4] for k in kept]), np.array([k[5] for k in kept]),
        np.array([s.angle_kind == "incidence" for s in sens]), np.array([s.pointing == "nadir" for s in sens]),
        np.array([s.swath_km for s in sens]), r_sat, R_loc, tau_c, eta_c, th_c, roll_c,
        np.ascontiguousarray(tau_b[kj]), np.ascontiguousarray(roll_b[kj]), ring_start,
        np.array([k[6] for k in kept]), np.array([k[7] for k in kept]),
        np.array([s.pointing != "agile" for s in sens]), cfg.max_options)
    # horizon clip of the acquisitions
    ts = np.maximum(ts, rel0[kj][:, None])
    te = np.minimum(te, rel1[kj][:, None])
    valid = np.isfinite(r0) & np.isfinite(ts) & (te >= ts)
    oq, oo = np.nonzero(valid)
    if oq.size == 0:
        return _empty_result(activation, sats, passes, cfg, nc)
    keep_opp = np.unique(oq)
    new_index = np.full(len(kept), -1, dtype=np.int64)
    new_index[keep_opp] = np.arange(len(keep_opp))
    t0p = passes.t0_ns[kj]
    opt_start = (t0p[oq] + np.round(ts[oq, oo] * NS_PER_S).astype(np.int64)).astype("datetime64[ns]")
    opt_end = (t0p[oq] + np.round(te[oq, oo] * NS_PER_S).astype(np.int64)).astype("datetime64[ns]")
    opt_cells = cov[oq, oo]
    frac = opt_cells.mean(axis=1) if nc else np.zeros(len(oq))
    # the Sun at the covered cells' centroid, mid-acquisition
    Pc_n = Pc / np.linalg.norm(Pc, axis=1)[:, None]
    w = opt_cells.astype(float)
    cnt = w.sum(axis=1)
    cen = (w @ Pc_n) / np.maximum(cnt, 1)[:, None]
    cen[cnt == 0] = center[0] / np.linalg.norm(center[0])
    lat_m, lon_m = geo.itrf_to_latlon(cen * geo.A_KM)
    t_mid = opt_start + (opt_end - opt_start) // 2
    sun = sun_elevation_at(lat_m, lon_m, t_mid)
    is_opt = np.array([sens[q].type == "optical" for q in oq])
    ok = ~is_opt | (sun >= cfg.min_sun_elevation_deg)
    opps = []
    for q in keep_opp:
        j, i, sen, side, lo, hi, a0, a1 = kept[q]
        idx = np.flatnonzero(oq == q)
        best = idx[np.argmax(frac[idx])]
        e = np.degrees(acc_ang[q])
        opps.append(Opportunity(index=int(new_index[q]), satellite=sats[i], sensor=sen, pass_index=int(j), side=side,
                                window_start=_abs(passes.t0_ns[j], a0), window_end=_abs(passes.t0_ns[j], a1),
                                ascending=bool(asc[q]), off_nadir_min_deg=float(e[0]), off_nadir_max_deg=float(e[1]),
                                incidence_min_deg=float(e[2]), incidence_max_deg=float(e[3]),
                                sun_elevation_deg=float(sun[best]), daylight_ok=bool(ok[idx].any()),
                                best_fraction=float(frac[idx][ok[idx]].max()) if ok[idx].any() else 0.0,
                                options=[int(x) for x in idx]))
    ang_sel = np.degrees(ang[oq, oo])
    return AccessResult(activation=activation, satellites=sats, opportunities=opps, passes=passes,
                        opt_opp=new_index[oq], opt_roll0_rad=r0[oq, oo], opt_roll1_rad=r1[oq, oo], opt_start=opt_start,
                        opt_end=opt_end, opt_fraction=frac, opt_cells=opt_cells,
                        opt_off_nadir_deg=ang_sel[:, 0:2], opt_incidence_deg=ang_sel[:, 2:4],
                        opt_sun_elevation_deg=sun, opt_ok=ok, config=cfg)


def _abs(t0_ns, rel_s) -> np.datetime64:
    return np.datetime64(int(t0_ns) + int(round(rel_s * NS_PER_S)), "ns")


