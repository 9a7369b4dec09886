"""Collision-avoidance option search: burn time x direction x magnitude, linear map, confirmation.

Method
------
1. The event is the CDM's TCA states and covariances (EME2000; covariances as the CDM
   gives them in each object's RTN frame).
2. One variational integration of the primary from the earliest burn time to TCA with the
   configured force model gives ``Phi(TCA, t_b)`` for every candidate burn time ``t_b``.
   An impulse ``dv`` (inertial) at ``t_b`` moves the primary at TCA by
   ``dx = Phi(TCA, t_b)[:, 3:] dv`` (position and velocity).
3. The post-maneuver encounter is evaluated with the linear-motion TCA (the miss vector's
   component normal to the new relative velocity, as :func:`~orbitwatch.conjunction.pc_at_tca`
   does with ``miss="project"``), Pc by Foster's 2D integral.  **Covariances are carried as
   in the event**: each object's CDM covariance stays fixed in its own RTN frame, re-expressed
   around the maneuvered state (no maneuver execution error is added, no covariance growth
   change from moving the burn).
4. Per burn time and direction the least grid magnitude meeting the target (Pc <= target
   and, when given, miss >= distance) is the "delta-v needed"; the least over the grid is the
   chosen option, which is then flown with full numerical propagation (burn, then
   integration through TCA); the new TCA is found by minimising the distance to the
   secondary (also propagated numerically from its CDM state) and Pc is recomputed from those
   propagated states with the same Pc code.  The linear-versus-full difference is reported.

Directions: ``+T``/``-T`` (along-track), ``+R``/``-R`` (radial), ``+N``/``-N`` (cross-track)
in the RTN frame of the primary at the burn, and ``free``: per burn time the unit impulse
that increases the encounter-plane Mahalanobis distance fastest (``-B^T S^-1 m`` with ``B``
the linear map to the encounter plane, ``S`` the combined 2x2 covariance, ``m`` the miss
vector; the top singular direction of ``S^-1/2 B`` when the miss is ~0).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..errors import InvalidRequestError
from ..timeutil import NS_PER_S, format_iso
from .propagator import Burn, ForceModel, Trajectory, _bias, propagate_with_burns, rtn_matrix, stm_to

__all__ = ["DIRECTIONS", "CamRequest", "CamEvent", "CamGrid", "CamOption", "CamResult", "event_from_cdm",
           "plan_avoidance", "linear_deflection"]

#: fixed RTN unit vectors of the named directions ("free" is computed per burn time)
DIRECTIONS = {"+T": (0.0, 1.0, 0.0), "-T": (0.0, -1.0, 0.0), "+R": (1.0, 0.0, 0.0), "-R": (-1.0, 0.0, 0.0),
              "+N": (0.0, 0.0, 1.0), "-N": (0.0, 0.0, -1.0), "free": None}


@dataclass(frozen=True)
class CamRequest:
    """What the operator allows and wants.

    target_pc : Pc at or below which the risk is acceptable (default 1e-6); None: miss only
    min_miss_km : miss distance at or beyond which the risk is acceptable (optional; with
        ``target_pc`` both must hold)
    earliest / latest : burn window, UTC; defaults: TCA - 2 days and TCA - ``min_lead_s``
    min_lead_s : default latest burn before TCA (s), 1800
    max_dv_mps : largest magnitude per burn (m/s); the grid is geometric from max/1000
    directions : any of :data:`DIRECTIONS`
    n_times, n_magnitudes : grid sizes (default 48 x 40)
    """

    target_pc: float | None = 1e-6
    min_miss_km: float | None = None
    earliest: np.datetime64 | None = None
    latest: np.datetime64 | None = None
    min_lead_s: float = 1800.0
    max_dv_mps: float = 1.0
    directions: tuple[str, ...] = ("+T", "-T", "+R", "-R", "+N", "-N")
    n_times: int = 48
    n_magnitudes: int = 40
    hbr_m: float | None = None
    force_model: ForceModel = field(default_factory=ForceModel)

    def __post_init__(self):
        if self.target_pc is None and self.min_miss_km is None:
            raise InvalidRequestError("target_pc", "give a target Pc, a miss distance, or both", None)
        if self.target_pc is not None and not 0 < self.target_pc < 1:
            raise InvalidRequestError("target_pc", "must be in (0, 1)", self.target_pc)
        if self.min_miss_km is not None and not 0 < self.min_miss_km <= 1000:
            raise InvalidRequestError("min_miss_km", "must be in (0, 1000] km", self.min_miss_km)
        if not 0 < self.max_dv_mps <= 100:
            raise InvalidRequestError("max_dv_mps", "must be in (0, 100] m/s (an avoidance burn, not a transfer)",
                                      self.max_dv_mps)
        if not self.min_lead_s >= 0:
            raise InvalidRequestError("min_lead_s", "must be >= 0", self.min_lead_s)
        bad = [d for d in self.directions if d not in DIRECTIONS]
        if bad or not self.directions:
            raise InvalidRequestError("directions", f"choose from {', '.join(DIRECTIONS)}", ",".join(bad))
        if not 1 <= int(self.n_times) <= 2000:
            raise InvalidRequestError("n_times", "must be 1..2000", self.n_times)
        if not 2 <= int(self.n_magnitudes) <= 2000:
            raise InvalidRequestError("n_magnitudes", "must be 2..2000", self.n_magnitudes)


@dataclass
class CamEvent:
    """A conjunction at TCA: EME2000 states (km, km/s), RTN covariances (km-based 6x6), HBR."""

    tca: np.datetime64
    r1_km: np.ndarray
    v1_km_s: np.ndarray
    cov1_rtn_km: np.ndarray
    r2_km: np.ndarray
    v2_km_s: np.ndarray
    cov2_rtn_km: np.ndarray
    hbr_km: float
    pc: float = float("nan")
    primary_id: str = "PRIMARY"
    primary_name: str = "PRIMARY"
    secondary_id: str = "SECONDARY"
    secondary_name: str = "SECONDARY"
    source: str = "<event>"

    def pc_of(self, r1, v1, r2, v2) -> tuple[np.ndarray, np.ndarray]:
        """Foster Pc and miss (km) of states (N,3), the event's covariances carried in each object's RTN."""
        from ..conjunction.pc import pc_at_tca
        from ..conjunction.pc.encounter import cov_rtn_to_eci

        r1, v1, r2, v2 = (np.atleast_2d(np.asarray(a, float)) for a in (r1, v1, r2, v2))
        n = max(len(r1), len(r2))
        C1 = cov_rtn_to_eci(np.broadcast_to(self.cov1_rtn_km[:3, :3], (n, 3, 3)), np.broadcast_to(r1, (n, 3)),
                            np.broadcast_to(v1, (n, 3)))
        C2 = cov_rtn_to_eci(np.broadcast_to(self.cov2_rtn_km[:3, :3], (n, 3, 3)), np.broadcast_to(r2, (n, 3)),
                            np.broadcast_to(v2, (n, 3)))
        t = pc_at_tca(r1, v1, C1, r2, v2, C2, self.hbr_km, methods=("foster",))
        return np.asarray(t.foster), np.asarray(t.miss_km)


def event_from_cdm(cdm, *, hbr_m: float | None = None) -> CamEvent:
    """The :class:`CamEvent` of a parsed CDM (its states at TCA, covariances, HBR as
    :func:`~orbitwatch.conjunction.assess_cdm` resolves it)."""
    from ..conjunction.pc.assess import resolve_hbr_m
    from ..conjunction.pc.inputs import states_from_cdm

    s = states_from_cdm(cdm)
    hbr, _ = resolve_hbr_m(cdm, hbr_m)
    covs = [np.asarray(o.covariance_rtn, float)[:6, :6] * 1e-6 for o in cdm.objects]
    o1, o2 = cdm.objects
    pc = cdm.collision_probability
    return CamEvent(tca=np.datetime64(s.tca, "ns"), r1_km=s.r1_km, v1_km_s=s.v1_km_s, cov1_rtn_km=covs[0],
                    r2_km=s.r2_km, v2_km_s=s.v2_km_s, cov2_rtn_km=covs[1], hbr_km=hbr / 1000.0,
                    pc=float("nan") if pc is None else float(pc), primary_id=o1.designator,
                    primary_name=o1.name or o1.designator, secondary_id=o2.designator,
                    secondary_name=o2.name or o2.designator, source=cdm.source)


@dataclass
class CamGrid:
    """The linear trade space. Shapes: T burn times, D directions, M magnitudes."""

    burn_times: np.ndarray            # (T,) datetime64[ns]
    directions: tuple[str, ...]       # (D,)
    magnitudes_mps: np.ndarray        # (M,)
    dir_rtn: np.ndarray               # (T, D, 3) unit RTN vectors
    pc: np.ndarray                    # (T, D, M)
    miss_km: np.ndarray               # (T, D, M)
    miss_rtn_km: np.ndarray           # (T, D, M, 3) at the new (linear) TCA, primary RTN
    ok: np.ndarray                    # (T, D, M) target met
    dv_needed_mps: np.ndarray         # (T, D) least grid magnitude meeting the target (NaN: none)
    seconds: float = 0.0              # wall time of the grid (without the variational integration)


@dataclass
class CamOption:
    """One maneuver: burn and its linear and (when confirmed) fully propagated outcome."""

    burn_time: np.datetime64
    direction: str
    dv_mps: float
    dv_rtn_mps: np.ndarray
    pc_linear: float
    miss_linear_km: float
    miss_rtn_linear_km: np.ndarray
    pc_full: float | None = None
    miss_full_km: float | None = None
    miss_rtn_full_km: np.ndarray | None = None
    tca_full: np.datetime64 | None = None

    @property
    def burn(self) -> Burn:
        return Burn(self.burn_time, tuple(float(x) for x in self.dv_rtn_mps))

    @property
    def miss_difference_m(self) -> float | None:
        return None if self.miss_full_km is None else 1000.0 * (self.miss_full_km - self.miss_linear_km)

    def to_dict(self) -> dict:
        return {"burn_time": format_iso(self.burn_time, 3) + "Z", "direction": self.direction,
                "dv_mps": self.dv_mps, "dv_rtn_mps": [float(x) for x in self.dv_rtn_mps],
                "pc_linear": self.pc_linear, "miss_linear_km": self.miss_linear_km,
                "miss_rtn_linear_km": [float(x) for x in self.miss_rtn_linear_km],
                "pc_full": self.pc_full, "miss_full_km": self.miss_full_km,
                "miss_rtn_full_km": None if self.miss_rtn_full_km is None else [float(x) for x in
                                                                                self.miss_rtn_full_km],
                "tca_full": None if self.tca_full is None else format_iso(self.tca_full, 3) + "Z",
                "miss_difference_m": self.miss_difference_m}


@dataclass
class CamResult:
    event: CamEvent
    request: CamRequest
    grid: CamGrid
    best: CamOption | None
    trajectory: Trajectory | None = None       # maneuvered, burn window start .. TCA + 1 h
    screening: object | None = None            # ManeuverScreening when screened
    rejected: list = field(default_factory=list)   # options that failed the target when propagated

    @property
    def confirmed(self) -> bool | None:
        """The chosen option meets the target when fully propagated (None: not propagated)."""
        b, req = self.best, self.request
        if b is None or b.pc_full is None:
            return None
        return bool((req.target_pc is None or b.pc_full <= req.target_pc)
                    and (req.min_miss_km is None or b.miss_full_km >= req.min_miss_km))

    def options(self, per_direction: bool = True) -> list[CamOption]:
        """Least-delta-v feasible option for each (burn time, direction), sorted by delta-v."""
        g = self.grid
        out = []
        for i in range(len(g.burn_times)):
            for j, d in enumerate(g.directions):
                if np.isnan(g.dv_needed_mps[i, j]):
                    continue
                k = int(np.argmax(g.ok[i, j]))
                out.append(_option(g, i, j, k))
        out.sort(key=lambda o: (o.dv_mps, -o.burn_time.astype(np.int64)))
        return out


def _option(g: CamGrid, i, j, k) -> CamOption:
    m = float(g.magnitudes_mps[k])
    return CamOption(burn_time=g.burn_times[i], direction=g.directions[j], dv_mps=m,
                     dv_rtn_mps=m * g.dir_rtn[i, j], pc_linear=float(g.pc[i, j, k]),
                     miss_linear_km=float(g.miss_km[i, j, k]), miss_rtn_linear_km=g.miss_rtn_km[i, j, k].copy())


def _encounter(ev: CamEvent):
    """Encounter-plane rows (x, z) in EME2000 and the combined 2x2 covariance (km**2)."""
    from ..conjunction.pc.encounter import cov_rtn_to_eci

    rel = ev.r2_km - ev.r1_km
    vrel = ev.v2_km_s - ev.v1_km_s
    y = vrel / np.linalg.norm(vrel)
    h = np.cross(rel, vrel)
    if np.linalg.norm(h) < 1e-12:
        h = np.cross(y, [1.0, 0, 0] if abs(y[0]) < 0.9 else [0, 1.0, 0])
    z = h / np.linalg.norm(h)
    x = np.cross(y, z)
    P = np.stack([x, z])
    C = (cov_rtn_to_eci(ev.cov1_rtn_km[:3, :3], ev.r1_km, ev.v1_km_s)
         + cov_rtn_to_eci(ev.cov2_rtn_km[:3, :3], ev.r2_km, ev.v2_km_s))
    return P, P @ C @ P.T, P @ rel


def linear_deflection(phi_end_t: np.ndarray, dv_gcrf_mps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position (km) and velocity (km/s) change at TCA, EME2000, of impulses ``dv`` (GCRF m/s,
    (..., 3)) through ``Phi(TCA, t_b)`` (m-based, (..., 6, 6))."""
    dx = np.einsum("...ij,...j->...i", phi_end_t[..., :, 3:], dv_gcrf_mps) / 1000.0
    B = _bias()
    return dx[..., :3] @ B.T, dx[..., 3:] @ B.T


def plan_avoidance(event, request: CamRequest | None = None, *, confirm: bool = True,
                   horizon_s: float = 3600.0, max_confirm: int = 5) -> CamResult:
    """Trade space and least-delta-v option for an event (:class:`CamEvent` or parsed CDM).

    ``confirm``: fly the chosen option with full propagation (burn window start to TCA +
    ``horizon_s``) and recompute its TCA, miss and Pc from the propagated states.  When the
    propagated option misses the target (with very thin covariances a metre of linear-map error
    changes Pc by orders of magnitude), the same burn time and direction is flown with larger
    grid magnitudes (every other step), up to ``max_confirm``; those that failed are in
    ``result.rejected``, and ``result.confirmed`` says whether the chosen one passed."""
    import time

    req = request or CamRequest()
    ev = event if isinstance(event, CamEvent) else event_from_cdm(event, hbr_m=req.hbr_m)
    tca = ev.tca
    earliest = np.datetime64(req.earliest, "ns") if req.earliest is not None else tca - np.timedelta64(2, "D")
    latest = (np.datetime64(req.latest, "ns") if req.latest is not None
              else tca - np.timedelta64(int(req.min_lead_s * NS_PER_S), "ns"))
    if not earliest < latest or not latest < tca:
        raise InvalidRequestError("burn_window", "needs earliest < latest < TCA",
                                  f"{format_iso(earliest)} .. {format_iso(latest)} (TCA {format_iso(tca)})")
    n_t = int(req.n_times)
    span = (latest - earliest).astype(np.int64)
    times = earliest + (np.linspace(0, span, n_t) if n_t > 1 else np.array([span])).astype(np.int64).astype(
        "timedelta64[ns]")
    times = times.astype("datetime64[ms]").astype("datetime64[ns]")      # burn epochs to the millisecond
    fm = req.force_model
    phis, states_tb, _ = stm_to(tca, ev.r1_km, ev.v1_km_s, earliest, tca, times, force_model=fm)
    t0 = time.perf_counter()
    grid = _grid(ev, req, times, phis, states_tb)
    grid.seconds = time.perf_counter() - t0
    feasible = ~np.isnan(grid.dv_needed_mps)
    best = None
    if feasible.any():
        dv = np.where(feasible, grid.dv_needed_mps, np.inf)
        # least delta-v; ties: the latest burn (most information at burn time)
        i, j = min(zip(*np.nonzero(dv == dv.min())), key=lambda ij: -ij[0])
        k = int(np.argmax(grid.ok[i, j]))
        best = _option(grid, i, j, k)
    res = CamResult(event=ev, request=req, grid=grid, best=best)
    if best is not None and confirm:
        # fly the chosen (burn time, direction) at growing grid magnitudes (every other step,
        # x1.4) until it meets the target when fully propagated too
        i = int(np.nonzero(grid.burn_times == best.burn_time)[0][0])
        j = grid.directions.index(best.direction)
        k0 = int(np.nonzero(grid.magnitudes_mps == best.dv_mps)[0][0])
        ks = [k for k in range(k0, len(grid.magnitudes_mps), 2) if grid.ok[i, j, k]][:max_confirm]
        for k in ks:
            opt = _option(grid, i, j, k)
            confirm_option(res, opt, horizon_s=horizon_s)
            ok = ((req.target_pc is None or opt.pc_full <= req.target_pc)
                  and (req.min_miss_km is None or opt.miss_full_km >= req.min_miss_km))
            if ok:
                res.best = opt
                break
            res.rejected.append(opt)
        else:
            res.best = res.rejected[0]          # none confirmed: the cheapest, flagged by ``confirmed``
            confirm_option(res, res.best, horizon_s=horizon_s)
    return res


def _grid(ev: CamEvent, req: CamRequest, times, phis, states_tb) -> CamGrid:
    B = _bias()
    M = rtn_matrix(states_tb[:, :3], states_tb[:, 3:])               # (T, 3, 3) GCRF
    dirs = list(req.directions)
    T, D = len(times), len(dirs)
    mags = np.geomspace(req.max_dv_mps / 1000.0, req.max_dv_mps, int(req.n_magnitudes))
    dir_rtn = np.zeros((T, D, 3))
    P, S, m0 = _encounter(ev)
    Sinv = np.linalg.inv(S)
    for j, d in enumerate(dirs):
        if DIRECTIONS[d] is not None:
            dir_rtn[:, j] = DIRECTIONS[d]
        else:
            # encounter-plane map of a unit GCRF impulse: (T, 2, 3) km per m/s
            Bmap = P @ B @ phis[:, :3, 3:] / 1000.0
            g = -np.einsum("tij,jk,k->ti", np.swapaxes(Bmap, 1, 2), Sinv, m0)
            w, U = np.linalg.eigh(Sinv)
            W = U @ np.diag(np.sqrt(w)) @ U.T
            _, _, vt = np.linalg.svd(W @ Bmap)
            small = np.linalg.norm(g, axis=1) < 1e-12 * max(1.0, np.abs(g).max())
            g = np.where(small[:, None], vt[:, 0], g)
            g /= np.linalg.norm(g, axis=1, keepdims=True)
            dir_rtn[:, j] = np.einsum("tji,tj->ti", M, g)                  # GCRF -> RTN
    dv_gcrf = np.einsum("tij,tdj->tdi", M, dir_rtn)[:, :, None, :] * mags[None, None, :, None]
    dr, dvv = linear_deflection(phis[:, None, None], dv_gcrf)
    r1 = ev.r1_km + dr
    v1 = ev.v1_km_s + dvv
    flat = (T * D * len(mags), 3)
    pc, miss = ev.pc_of(r1.reshape(flat), v1.reshape(flat), ev.r2_km[None], ev.v2_km_s[None])
    shape = (T, D, len(mags))
    pc = pc.reshape(shape)
    miss = miss.reshape(shape)
    rel = ev.r2_km - r1
    vrel = ev.v2_km_s - v1
    u = vrel / np.linalg.norm(vrel, axis=-1, keepdims=True)
    rel_p = rel - np.sum(rel * u, axis=-1, keepdims=True) * u
    Mr = rtn_matrix(r1, v1)
    miss_rtn = np.einsum("...ji,...j->...i", Mr, rel_p)
    ok = np.ones(shape, bool)
    if req.target_pc is not None:
        ok &= pc <= req.target_pc
    if req.min_miss_km is not None:
        ok &= miss >= req.min_miss_km
    any_ok = ok.any(axis=2)
    dv_needed = np.where(any_ok, mags[np.argmax(ok, axis=2)], np.nan)
    return CamGrid(burn_times=np.asarray(times, "datetime64[ns]"), directions=tuple(dirs), magnitudes_mps=mags,
                   dir_rtn=dir_rtn, pc=pc, miss_km=miss, miss_rtn_km=miss_rtn, ok=ok, dv_needed_mps=dv_needed)


def _closest(prim: Trajectory, sec: Trajectory, t_guess: np.datetime64, half_s: float):
    from scipy.optimize import minimize_scalar

    def dist(s):
        t = t_guess + np.timedelta64(int(round(s * NS_PER_S)), "ns")
        r1, _ = prim.state_at(t)
        r2, _ = sec.state_at(t)
        return float(np.linalg.norm(r2 - r1))

    # coarse scan then bounded refinement
    grid = np.linspace(-half_s, half_s, 41)
    d = [dist(s) for s in grid]
    k = int(np.argmin(d))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
    sol = minimize_scalar(dist, bounds=(lo, hi), method="bounded", options={"xatol": 1e-5})
    return t_guess + np.timedelta64(int(round(sol.x * NS_PER_S)), "ns")


def confirm_option(res: CamResult, opt: CamOption, *, horizon_s: float = 3600.0) -> CamOption:
    """Fly ``opt`` with full propagation; fill its ``*_full`` fields and ``res.trajectory``."""
    ev = res.event
    fm = res.request.force_model
    start = min(res.grid.burn_times[0], opt.burn_time)
    stop = ev.tca + np.timedelta64(int(horizon_s * NS_PER_S), "ns")
    traj = propagate_with_burns(ev.tca, ev.r1_km, ev.v1_km_s, start, stop, burns=[opt.burn], force_model=fm)
    half = 600.0
    sec = propagate_with_burns(ev.tca, ev.r2_km, ev.v2_km_s, ev.tca - np.timedelta64(int(2 * half), "s"),
                               ev.tca + np.timedelta64(int(2 * half), "s"), force_model=fm)
    t_new = _closest(traj, sec, ev.tca, half)
    r1, v1 = traj.state_at(t_new)
    r2, v2 = sec.state_at(t_new)
    pc, miss = ev.pc_of(r1, v1, r2, v2)
    rel = r2 - r1
    opt.pc_full = float(pc[0])
    opt.miss_full_km = float(np.linalg.norm(rel))
    opt.miss_rtn_full_km = rtn_matrix(r1, v1).T @ rel
    opt.tca_full = t_new
    res.trajectory = traj
    return opt
