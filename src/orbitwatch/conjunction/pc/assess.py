"""Every Pc method on one conjunction, side by side (CDM-level analysis).

``assess_cdm`` reads a CDM's states and covariances, resolves the hard-body radius
(explicit value, else the message's own, else the CARA HBR table per object, else the
defaults by object type) and runs: the 2D methods (Foster, Chan, Patera, Alfano, the
square bounds, max Pc), Hall's 3D-Nc and Coppola's 3D-Pc, optionally a Monte Carlo, and
the usage-violation flags that say which number to believe.

The recommendation follows NASA CARA's multistep algorithm (Hall, Baars & Casali, AAS
23-398): the 2D Pc (Foster) when every 2D usage check ran and passed, else the 3D-Nc when
its own checks passed, else the Monte Carlo.  A method whose validity is violated *or
not established* is never recommended: then :class:`Recommendation` has ``pc = None``,
says why, and what to run instead.  A covariance that is not positive definite gives no
recommendation at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .api import METHODS_2D, PcTable, pc_at_tca
from .encounter import encounter_plane
from .flags import UsageViolations, usage_violations
from .inputs import ConjunctionStates, states_from_cdm
from .montecarlo import MonteCarloResult, pc_monte_carlo
from .nc3d import Nc3DResult, nc3d
from .request import PcRequest

__all__ = ["ConjunctionAssessment", "Recommendation", "assess_states", "assess_cdm", "resolve_hbr_m",
           "encounter_plane_of_cdm",
           "FOSTER_2D", "HALL_3D", "MONTE_CARLO"]

#: method names a recommendation can carry
FOSTER_2D, HALL_3D, MONTE_CARLO = "2D (Foster 1992)", "3D-Nc (Hall 2021)", "Monte Carlo (two-body)"
_RUN_3D_OR_MC = "run with 3D (Hall 3D-Nc: drop --no-3d / three_d=True) or Monte Carlo (--mc N / mc_samples=N)"
_RUN_MC = "run Monte Carlo (--mc N / mc_samples=N; about 400/Pc samples for +/-10%)"


@dataclass(frozen=True)
class Recommendation:
    """Which Pc to use, or why none can be recommended.

    ``pc``/``method`` are None when no method's validity is established;
    ``reason`` says why (the checks that failed or were not run) and ``run_instead``
    what would settle it.  Unpacks as ``pc, method = a.recommended``."""

    pc: float | None
    method: str | None
    reason: str
    run_instead: str | None = None

    @property
    def given(self) -> bool:
        return self.pc is not None

    def __iter__(self):
        return iter((self.pc, self.method))

    def to_dict(self) -> dict:
        return {"pc": self.pc, "method": self.method, "reason": self.reason, "run_instead": self.run_instead}


def _npd_reason(v: UsageViolations) -> str:
    which = [n for n, b in (("primary", v.npd_primary), ("secondary", v.npd_secondary),
                            ("combined", v.npd_relative)) if b]
    return f"the {', '.join(which)} position covariance is not positive definite"


def _recommend(a: "ConjunctionAssessment") -> Recommendation:
    v = a.violations
    if v.npd:
        return Recommendation(None, None, _npd_reason(v) + ": no Pc method is valid on it",
                              "obtain a positive-definite covariance (new orbit determination) for the object(s)")
    checks = v.checks_2d()
    bad = [k for k, s in checks.items() if s == "violated"]
    unknown = [k for k, s in checks.items() if s == "unknown"]
    foster = float(a.pc2d.foster[0]) if a.pc2d.foster is not None else math.nan
    if not bad and not unknown and math.isfinite(foster):
        return Recommendation(foster, FOSTER_2D, "every 2D usage check ran and passed (CARA cutoffs)")
    why = []
    if bad:
        why.append(f"2D usage violated ({', '.join(bad)})")
    if unknown:
        parts = []
        if "inaccurate" in unknown:
            parts.append("inaccurate not checked (needs the 3D-Nc)")
        linear = [k for k in unknown if k != "inaccurate"]
        if linear:
            parts.append(f"{'/'.join(linear)} only estimated for straight-line motion")
        why.append("2D validity not established: " + ", ".join(parts))
    if not math.isfinite(foster):
        why.append("no 2D Pc (no relative motion)")
    n3 = a.nc3d
    if n3 is None:
        why.append("3D-Nc not run")
    elif not n3.converged:
        why.append("3D-Nc did not converge")
    else:
        c3 = v.checks_3d()
        bad3 = [k for k, s in c3.items() if s == "violated"]
        unknown3 = [k for k, s in c3.items() if s == "unknown"]
        if not bad3 and not unknown3:
            return Recommendation(n3.pc, HALL_3D, "; ".join(why) + "; the 3D-Nc's own checks passed")
        if bad3:
            why.append(f"3D-Nc usage violated ({', '.join(bad3)})")
        if unknown3:
            why.append(f"3D-Nc validity not established ({', '.join(unknown3)} not checked)")
    mc = a.monte_carlo
    if mc is not None:
        if mc.hits > 0:
            return Recommendation(mc.pc, MONTE_CARLO, "; ".join(why) + "; Monte Carlo is the reference")
        why.append(f"Monte Carlo had no hit in {mc.samples} samples (Pc < {mc.pc_high:.2g} at "
                   f"{mc.confidence:.0%})")
        return Recommendation(None, None, "; ".join(why), "run Monte Carlo with more samples (--mc N)")
    return Recommendation(None, None, "; ".join(why), _RUN_3D_OR_MC if n3 is None else _RUN_MC)


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


@dataclass
class ConjunctionAssessment:
    """Every Pc of one conjunction with its usage checks (see :attr:`recommended`)."""

    states: ConjunctionStates
    hbr_km: float
    hbr_source: str
    pc2d: PcTable
    nc3d: Nc3DResult | None
    coppola: Nc3DResult | None
    monte_carlo: MonteCarloResult | None
    violations: UsageViolations
    cdm_pc: float | None = None
    cdm_pc_method: str | None = None
    #: where the conjunction came from (the CDM's file name) and its objects' (designator, name)
    source: str | None = None
    objects: tuple[tuple[str, str], ...] = ()
    #: the time bounds (s from TCA) the 3D-Nc, Coppola and Monte Carlo were held to, or None
    window_s: tuple[float, float] | None = None

    @property
    def recommended(self) -> Recommendation:
        """The Pc to use and why, or ``pc=None`` with the reason and what to run instead.

        Foster 2D when every 2D check ran and passed; else the 3D-Nc when it ran and its
        own checks passed; else the Monte Carlo when it ran (with at least one hit);
        never a value whose validity is violated or unknown, nor on an NPD covariance."""
        return _recommend(self)

    def to_dict(self) -> dict:
        """The assessment as JSON-ready data: unit-carrying keys, TCA as ISO UTC with Z,
        every Pc (dimensionless probability), the checks with their status, and the
        recommendation (``pc`` null when none can be given)."""
        from ..cdm.validate import format_epoch_z

        t = self.pc2d

        def col(name):
            c = getattr(t, name)
            return None if c is None else _num(c[0])

        v = self.violations
        rec = self.recommended
        mc = self.monte_carlo
        out = {
            "source": self.source,
            "objects": [{"designator": d, "name": n} for d, n in self.objects],
            "tca": format_epoch_z(self.states.tca),
            "miss_m": _num(t.miss_km[0] * 1e3), "speed_m_s": _num(t.speed_km_s[0] * 1e3),
            "hbr_m": self.hbr_km * 1e3, "hbr_source": self.hbr_source,
            "sigma_major_m": _num(t.sx_km[0] * 1e3), "sigma_minor_m": _num(t.sz_km[0] * 1e3),
            "mahalanobis": _num(t.mahalanobis[0]),
            "foster": col("foster"), "chan": col("chan"), "patera": col("patera"), "alfano": col("alfano"),
            "square": col("square"), "square_equal_area": col("square_equal_area"),
            "max_pc": col("max_pc"), "max_pc_scale": col("max_pc_scale"),
            "dilution": None if t.dilution is None else bool(t.dilution[0]),
            "socrates_max_pc": col("socrates_max_pc"), "dilution_threshold_km": col("dilution_threshold_km"),
            "nc3d": None if self.nc3d is None else _num(self.nc3d.pc),
            "nc3d_converged": None if self.nc3d is None else bool(self.nc3d.converged),
            "window_s": None if self.window_s is None else list(self.window_s),
            "coppola": None if self.coppola is None else _num(self.coppola.pc),
            "monte_carlo": None if mc is None else {
                "pc": mc.pc, "pc_low": mc.pc_low, "pc_high": mc.pc_high, "confidence": mc.confidence,
                "hits": mc.hits, "samples": mc.samples, "window_s": list(mc.window_s)},
            "cdm_pc": self.cdm_pc, "cdm_pc_method": self.cdm_pc_method,
            **v.to_dict(),
            "recommended": rec.to_dict(),
            "units": {
                "pc": "probability (dimensionless): foster, chan, patera, alfano, square, square_equal_area, "
                      "max_pc, socrates_max_pc, nc3d, coppola, monte_carlo.pc*, cdm_pc, recommended.pc",
                "miss_m": "m", "speed_m_s": "m/s", "hbr_m": "m", "sigma_major_m": "m", "sigma_minor_m": "m",
                "dilution_threshold_km": "km", "max_pc_scale": "covariance scale factor k (sigmas times k)",
                "mahalanobis": "dimensionless", "monte_carlo.window_s": "s from TCA",
                "window_s": "s from TCA (time bounds of 3D-Nc, Coppola and Monte Carlo; null: none)", "tca": "UTC",
                "checks": "indicator values as fractions of the shorter orbital period (2D extended/offset), "
                          "relative difference (inaccurate), fractions of the encounter segment (3D)",
                "frame": "encounter plane of the relative velocity; states EME2000 at TCA",
            },
            "notes": {
                "max_pc": "maximum over scaling this covariance by k (Alfano 2005); k < 1: dilution region",
                "socrates_max_pc": "maximum over size and orientation of an assumed covariance shape (RTN sigmas "
                                   "100/300/100 m, CelesTrak SOCRATES); ignores this covariance's shape, so it can "
                                   "be below foster",
            },
        }
        return out


def resolve_hbr_m(cdm, hbr_m: float | None = None, hbr_table=None) -> tuple[float, str]:
    """Combined HBR for a CDM: explicit > in the message > HBR table > type defaults."""
    from ...requests import check_positive
    from ..cdm import CDMError
    from ..hbr import HbrTable, combined_hbr_m

    if hbr_m is not None:
        return check_positive("hbr_m", hbr_m), "given"
    h, where = cdm.hbr_stated()
    if h is not None:
        if not (math.isfinite(h) and h > 0):
            raise CDMError(cdm.source, None, "HBR", f"the hard-body radius the message states ({where}) must be "
                                                    f"> 0 m, found {h:g}; give one with --hbr-m / hbr_m")
        return float(h), where
    table = hbr_table if hbr_table is not None else HbrTable.packaged()
    ids, types = [], []
    for o in cdm.objects:
        try:
            ids.append(int(o.designator))
        except ValueError:
            ids.append(-1)
        types.append(o.object_type)
    hbr, sig, src = table.hbr_m_for(ids, types)
    total = float(combined_hbr_m(hbr[0], hbr[1], sig[0], sig[1]))
    return total, f"{src[0]} + {src[1]} ({table.origin})"


def assess_states(states: ConjunctionStates, hbr_km: float, *, hbr_source: str = "given",
                  methods=METHODS_2D, three_d: bool = True, coppola: bool = True, mc_samples: int = 0,
                  mc_seed: int | None = 0, window_s=None) -> ConjunctionAssessment:
    """Every method on one conjunction's states.  ``window_s`` (``S`` for +/-S, or
    ``(t0, t1)`` s from TCA) bounds the 3D-Nc, Coppola and Monte Carlo in time (CARA's
    ``Tmin_limit``/``Tmax_limit``); the 2D methods are instantaneous and ignore it."""
    from ...requests import check_positive
    from .nc3d import check_window_s

    check_positive("hbr_km", hbr_km)
    window_s = check_window_s(window_s)
    s = states
    t = pc_at_tca(s.r1_km, s.v1_km_s, s.cov1_km, s.r2_km, s.v2_km_s, s.cov2_km, hbr_km, methods=methods)
    n3 = (nc3d(s.r1_km, s.v1_km_s, s.cov1_km, s.r2_km, s.v2_km_s, s.cov2_km, hbr_km, window_s=window_s)
          if three_d else None)
    cp = (nc3d(s.r1_km, s.v1_km_s, s.cov1_km, s.r2_km, s.v2_km_s, s.cov2_km, hbr_km, method="coppola",
               window_s=window_s) if coppola else None)
    mc = None
    if mc_samples > 0:
        window = window_s
        if n3 is not None and n3.converged and np.all(np.isfinite(n3.segment_s)):
            window = n3.segment_s       # the 3D-Nc's segment: the window itself when one is given
        mc = pc_monte_carlo(s.r1_km, s.v1_km_s, s.cov1_km, s.r2_km, s.v2_km_s, s.cov2_km, hbr_km,
                            samples=mc_samples, seed=mc_seed, window_s=window)
    viol = usage_violations(s.r1_km, s.v1_km_s, s.cov1_km, s.r2_km, s.v2_km_s, s.cov2_km, hbr_km,
                            float(t.foster[0]) if t.foster is not None else math.nan, n3)
    return ConjunctionAssessment(states=s, hbr_km=hbr_km, hbr_source=hbr_source, pc2d=t, nc3d=n3, coppola=cp,
                                 monte_carlo=mc, violations=viol, window_s=window_s)


def assess_cdm(cdm, *, hbr_m: float | None = None, hbr_table=None, methods=METHODS_2D, three_d: bool = True,
               coppola: bool | None = None, mc_samples: int = 0, mc_seed: int | None = 0,
               window_s: float | None = None, request: PcRequest | None = None) -> ConjunctionAssessment:
    """Every method on a parsed CDM (:class:`~orbitwatch.conjunction.cdm.Cdm`).

    Options as keywords or as one :class:`PcRequest` (``request`` wins); they are
    validated first (:class:`~orbitwatch.errors.InvalidRequestError`: ``hbr_m`` must be
    > 0, ``mc_samples`` >= 0, ``window_s`` > 0)."""
    if request is None:
        request = PcRequest(hbr_m=hbr_m, mc_samples=mc_samples, mc_seed=mc_seed, three_d=three_d,
                            coppola=coppola, window_s=window_s)
    hbr, src = resolve_hbr_m(cdm, request.hbr_m, hbr_table)
    states = states_from_cdm(cdm)
    a = assess_states(states, hbr / 1000.0, hbr_source=src, methods=methods, three_d=request.three_d,
                      coppola=request.coppola, mc_samples=request.mc_samples, mc_seed=request.mc_seed,
                      window_s=request.window_bounds_s)
    a.cdm_pc = cdm.collision_probability
    a.cdm_pc_method = cdm.collision_probability_method
    a.source = cdm.source
    a.objects = tuple((o.designator, o.name) for o in cdm.objects)
    return a


def encounter_plane_of_cdm(cdm, *, hbr_m: float | None = None, hbr_table=None) -> dict:
    """What a plot of a CDM's encounter plane needs, as the 2D Pc methods see it (JSON-ready, km).

    The frame is :func:`~.encounter.encounter_plane`'s (NASA CARA ``PcCircle``): ``x`` along the
    miss vector's component normal to the relative velocity, ``z = (r x v)/|r x v|`` (so the
    plane's second axis ``v x x`` is ``-z``). ``miss_km`` lies on +x; ``covariance_km2`` is the
    combined 2x2 position covariance in (x, z), rebuilt from the principal sigmas and the
    major-axis angle ``theta_rad`` (from x towards z) after CARA's eigenvalue clipping, i.e. the
    covariance the Pc is computed with. The hard-body radius is resolved as :func:`assess_cdm`
    does (given, the message's, the HBR table)."""
    hbr, src = resolve_hbr_m(cdm, hbr_m, hbr_table)
    s = states_from_cdm(cdm)
    ep = encounter_plane(s.r1_km, s.v1_km_s, s.cov1_km, s.r2_km, s.v2_km_s, s.cov2_km, hbr / 1000.0)
    th, sx, sz = float(ep.theta[0]), float(ep.sx[0]), float(ep.sz[0])
    c, si = math.cos(th), math.sin(th)
    R = np.array([[c, -si], [si, c]])
    C2 = R @ np.diag([sx * sx, sz * sz]) @ R.T
    return {"frame": "x along the miss vector, z = r x v / |r x v| (CARA PcCircle); km",
            "miss_km": float(ep.miss[0]), "rel_speed_km_s": float(ep.speed[0]),
            "hbr_m": float(hbr), "hbr_source": src,
            "sigma_major_km": sx, "sigma_minor_km": sz, "theta_rad": th,
            "covariance_km2": [[float(C2[0, 0]), float(C2[0, 1])], [float(C2[1, 0]), float(C2[1, 1])]],
            "remediated": bool(ep.remediated[0]), "npd": bool(ep.npd[0])}
