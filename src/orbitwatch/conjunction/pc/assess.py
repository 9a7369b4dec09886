"""Every Pc method on one conjunction, side by side (CDM-level analysis).

``assess_cdm`` reads a CDM's states and covariances, resolves the hard-body radius
(explicit value, else the message's own, else the CARA HBR table per object, else the
defaults by object type) and runs: the 2D methods (Foster, Chan, Patera, Alfano, the
square bounds, max Pc), Hall's 3D-Nc and Coppola's 3D-Pc, optionally a Monte Carlo, and
the usage-violation flags that say which number to believe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .api import METHODS_2D, PcTable, pc_at_tca
from .flags import UsageViolations, usage_violations
from .inputs import ConjunctionStates, states_from_cdm
from .montecarlo import MonteCarloResult, pc_monte_carlo
from .nc3d import Nc3DResult, nc3d

__all__ = ["ConjunctionAssessment", "assess_states", "assess_cdm", "resolve_hbr_m"]


@dataclass
class ConjunctionAssessment:
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

    @property
    def recommended(self) -> tuple[float, str]:
        """(Pc, method): the 3D-Nc when the 2D assumptions are violated, else Foster 2D."""
        pc2 = float(self.pc2d.foster[0])
        if self.nc3d is not None and self.nc3d.converged and self.violations.any_2d:
            return self.nc3d.pc, "3D-Nc (Hall 2021)"
        return pc2, "2D (Foster 1992)"


def resolve_hbr_m(cdm, hbr_m: float | None = None, hbr_table=None) -> tuple[float, str]:
    """Combined HBR for a CDM: explicit > in the message > HBR table > type defaults."""
    from ..hbr import HbrTable, combined_hbr_m

    if hbr_m is not None:
        return float(hbr_m), "given"
    h, where = cdm.hbr_stated()
    if h is not None:
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
                  mc_seed: int | None = 0) -> ConjunctionAssessment:
    s = states
    t = pc_at_tca(s.r1_km, s.v1_km_s, s.cov1_km, s.r2_km, s.v2_km_s, s.cov2_km, hbr_km, methods=methods)
    n3 = nc3d(s.r1_km, s.v1_km_s, s.cov1_km, s.r2_km, s.v2_km_s, s.cov2_km, hbr_km) if three_d else None
    cp = (nc3d(s.r1_km, s.v1_km_s, s.cov1_km, s.r2_km, s.v2_km_s, s.cov2_km, hbr_km, method="coppola")
          if coppola else None)
    mc = None
    if mc_samples > 0:
        window = None
        if n3 is not None and n3.converged and np.all(np.isfinite(n3.segment_s)):
            window = n3.segment_s
        mc = pc_monte_carlo(s.r1_km, s.v1_km_s, s.cov1_km, s.r2_km, s.v2_km_s, s.cov2_km, hbr_km,
                            samples=mc_samples, seed=mc_seed, window_s=window)
    viol = usage_violations(s.r1_km, s.v1_km_s, s.cov1_km, s.r2_km, s.v2_km_s, s.cov2_km, hbr_km,
                            float(t.foster[0]) if t.foster is not None else math.nan, n3)
    return ConjunctionAssessment(states=s, hbr_km=hbr_km, hbr_source=hbr_source, pc2d=t, nc3d=n3, coppola=cp,
                                 monte_carlo=mc, violations=viol)


def assess_cdm(cdm, *, hbr_m: float | None = None, hbr_table=None, methods=METHODS_2D, three_d: bool = True,
               coppola: bool = True, mc_samples: int = 0, mc_seed: int | None = 0) -> ConjunctionAssessment:
    """Every method on a parsed CDM (:class:`~orbitwatch.conjunction.cdm.Cdm`)."""
    hbr, src = resolve_hbr_m(cdm, hbr_m, hbr_table)
    states = states_from_cdm(cdm)
    a = assess_states(states, hbr / 1000.0, hbr_source=src, methods=methods, three_d=three_d, coppola=coppola,
                      mc_samples=mc_samples, mc_seed=mc_seed)
    a.cdm_pc = cdm.collision_probability
    a.cdm_pc_method = cdm.collision_probability_method
    return a
