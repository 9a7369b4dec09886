"""When the 2D (short-encounter) Pc cannot be trusted: usage-violation indicators.

Modelled on NASA CARA's multistep Pc algorithm (D. Hall, L. Baars, S. Casali, "A
Multistep Probability of Collision Algorithm", AAS 23-398, 2023; CARA's
``UsageViolationPc2D`` / ``PcMultiStep``), with CARA's default cutoffs:

* **NPD** - the primary, secondary or combined 3x3 position covariance is not positive
  definite (the 2D method then needs eigenvalue clipping).
* **Extended** - the conjunction lasts too long for straight-line motion:
  ``2 dtau / P_min > 0.02`` with ``dtau = sT sqrt2 erfcinv(1e-16)``, ``sT`` the spread
  in time of the encounter (linear motion: ``1/sqrt(v.A^-1.v)``; when the 3D rate curve
  is known its rate-weighted standard deviation, which captures curvature) and
  ``P_min`` the shorter orbital period.
* **Offset** - the encounter is centred too far from TCA:
  ``max|T_mean -/+ dtau| / P_min > 0.01``.
* **Inaccurate** - the 2D Pc differs from the curvilinear 3D-Nc:
  ``|Pc2D - Nc3D| / mean > 0.02``.  (CARA estimates this from a curvilinear
  Mahalanobis-distance analysis; orbitwatch compares with its 3D-Nc directly.)

For the 3D-Nc itself (Hall 2021; CARA defaults): **Extended** when the span carrying the
rate, ``(Tb - Ta)``, exceeds half the encounter segment ``(TB - TA)`` between the
separation maxima around TCA, **Offset** when ``max(Ta/TA, Tb/TB) > 0.75``.

``code_2d`` / ``code_3d`` pack the booleans as CARA's test spreadsheet does
(``100*inaccurate + 10*offset + extended``), which the tests compare with the 53 CARA
conjunctions.

A check that was not run is **unknown**, never passed (:meth:`UsageViolations.checks_2d`):
without the 3D-Nc there is nothing to compare the 2D Pc with (``inaccurate`` unknown),
and the linear-motion estimates of ``extended``/``offset`` can only *find* a violation
- they miss the curvature that the 3D rate curve reveals (CARA's 48901 x 48903 pair:
linear-motion indicators below the cutoffs, curvilinear ones 3x-50x above), so below
their cutoffs they stay unknown until the 3D rate curve confirms them.

>>> v = UsageViolations(False, False, False, extended=0.001, offset=0.001, inaccurate=float("nan"))
>>> v.checks_2d()["inaccurate"], v.checks_2d()["extended"], v.valid_2d
('unknown', 'unknown', None)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import erfcinv

from .equinoctial import orbit_period
from .nc3d import Nc3DResult, coppola_bounds

__all__ = ["UsageViolations", "usage_violations", "CUTOFFS", "VIOLATED", "PASSED", "UNKNOWN"]

CUTOFFS = {"pc2d_extended": 0.02, "pc2d_offset": 0.01, "pc2d_inaccurate": 0.02,
           "nc3d_extended": 0.5, "nc3d_offset": 0.75}
_GAMMA = 1e-16


#: status words of one check
VIOLATED, PASSED, UNKNOWN = "violated", "passed", "unknown"


@dataclass
class UsageViolations:
    """Indicators of one conjunction.  ``inaccurate``, ``nc3d_extended`` and
    ``nc3d_offset`` are NaN when not computed (no converged 3D-Nc); ``curvilinear``
    says whether ``extended``/``offset`` include the 3D rate curve (else they are the
    linear-motion estimates, which can confirm a violation but not its absence)."""

    npd_primary: bool
    npd_secondary: bool
    npd_relative: bool
    extended: float
    offset: float
    inaccurate: float
    nc3d_extended: float = math.nan
    nc3d_offset: float = math.nan
    curvilinear: bool = False

    @property
    def npd(self) -> bool:
        return self.npd_primary or self.npd_secondary or self.npd_relative

    @property
    def extended_2d(self) -> bool:
        return self.extended > CUTOFFS["pc2d_extended"]

    @property
    def offset_2d(self) -> bool:
        return self.offset > CUTOFFS["pc2d_offset"]

    @property
    def inaccurate_2d(self) -> bool:
        return self.inaccurate > CUTOFFS["pc2d_inaccurate"]

    @property
    def any_2d(self) -> bool:
        """True when the 2D Pc should not be used (the 3D-Nc is the better value)."""
        return self.npd or self.extended_2d or self.offset_2d or self.inaccurate_2d

    @property
    def extended_3d(self) -> bool:
        return self.nc3d_extended > CUTOFFS["nc3d_extended"]

    @property
    def offset_3d(self) -> bool:
        return self.nc3d_offset > CUTOFFS["nc3d_offset"]

    @property
    def code_2d(self) -> int:
        return 100 * int(self.inaccurate_2d) + 10 * int(self.offset_2d) + int(self.extended_2d)

    @property
    def code_3d(self) -> int:
        return 10 * int(self.offset_3d) + int(self.extended_3d)

    def labels(self) -> list[str]:
        """The 2D checks that found a violation (``NPD``, ``extended``, ``offset``, ``inaccurate``)."""
        out = []
        if self.npd:
            out.append("NPD")
        if self.extended_2d:
            out.append("extended")
        if self.offset_2d:
            out.append("offset")
        if self.inaccurate_2d:
            out.append("inaccurate")
        return out

    def checks_2d(self) -> dict[str, str]:
        """Each 2D check as ``"violated"``, ``"passed"`` or ``"unknown"`` (not run, or
        only a linear-motion estimate below its cutoff)."""
        def status(value: float, cutoff: float, established: bool) -> str:
            if value > cutoff:
                return VIOLATED
            if math.isnan(value) or not established:
                return UNKNOWN
            return PASSED

        return {"NPD": VIOLATED if self.npd else PASSED,
                "extended": status(self.extended, CUTOFFS["pc2d_extended"], self.curvilinear),
                "offset": status(self.offset, CUTOFFS["pc2d_offset"], self.curvilinear),
                "inaccurate": status(self.inaccurate, CUTOFFS["pc2d_inaccurate"], True)}

    def checks_3d(self) -> dict[str, str]:
        """The 3D-Nc's own checks (``unknown`` when the 3D-Nc was not run or has no rate curve)."""
        def status(value: float, cutoff: float) -> str:
            return UNKNOWN if math.isnan(value) else (VIOLATED if value > cutoff else PASSED)

        return {"extended": status(self.nc3d_extended, CUTOFFS["nc3d_extended"]),
                "offset": status(self.nc3d_offset, CUTOFFS["nc3d_offset"])}

    def unknown_2d(self) -> list[str]:
        """The 2D checks whose outcome is not established."""
        return [k for k, v in self.checks_2d().items() if v == UNKNOWN]

    @property
    def valid_2d(self) -> bool | None:
        """True when every 2D check ran and passed, False when any found a violation,
        None when none failed but some are unknown."""
        states = self.checks_2d().values()
        if VIOLATED in states:
            return False
        return None if UNKNOWN in states else True

    @property
    def valid_3d(self) -> bool | None:
        """The same for the 3D-Nc (NPD covariances count against it too)."""
        states = list(self.checks_3d().values())
        if self.npd or VIOLATED in states:
            return False
        return None if UNKNOWN in states else True

    def to_dict(self) -> dict:
        """Indicator values, CARA cutoffs and each check's status (JSON-ready; NaN -> None)."""
        def num(x: float):
            return None if math.isnan(x) else float(x)

        c2, c3 = self.checks_2d(), self.checks_3d()
        return {
            "checks_2d": {
                "NPD": {"status": c2["NPD"], "primary": self.npd_primary, "secondary": self.npd_secondary,
                        "combined": self.npd_relative},
                "extended": {"status": c2["extended"], "value": num(self.extended),
                             "cutoff": CUTOFFS["pc2d_extended"], "curvilinear": self.curvilinear},
                "offset": {"status": c2["offset"], "value": num(self.offset), "cutoff": CUTOFFS["pc2d_offset"],
                           "curvilinear": self.curvilinear},
                "inaccurate": {"status": c2["inaccurate"], "value": num(self.inaccurate),
                               "cutoff": CUTOFFS["pc2d_inaccurate"]},
            },
            "checks_3d": {
                "extended": {"status": c3["extended"], "value": num(self.nc3d_extended),
                             "cutoff": CUTOFFS["nc3d_extended"]},
                "offset": {"status": c3["offset"], "value": num(self.nc3d_offset), "cutoff": CUTOFFS["nc3d_offset"]},
            },
            "violations_2d": self.labels(),
            "unknown_2d": self.unknown_2d(),
            # CARA's packed codes only where every packed check is established
            "code_2d": self.code_2d if all(c2[k] != UNKNOWN for k in ("extended", "offset", "inaccurate")) else None,
            "code_3d": self.code_3d if UNKNOWN not in c3.values() else None,
        }


def _npd(C) -> bool:
    return bool(np.linalg.eigvalsh(0.5 * (C + C.T))[0] <= 0)


def usage_violations(r1_km, v1_km_s, cov1_km, r2_km, v2_km_s, cov2_km, hbr_km: float, pc2d: float,
                     nc3d: Nc3DResult | None = None) -> UsageViolations:
    """2D-Pc (and 3D-Nc) usage-violation indicators of one conjunction."""
    r1, v1, r2, v2 = (np.asarray(a, float).reshape(3) for a in (r1_km, v1_km_s, r2_km, v2_km_s))
    A1 = np.asarray(cov1_km, float)[:3, :3]
    A2 = np.asarray(cov2_km, float)[:3, :3]
    P = min(orbit_period(r1, v1), orbit_period(r2, v2))
    tau0, tau1, T, sT = coppola_bounds(r2 - r1, v2 - v1, A1 + A2, hbr_km, _GAMMA)
    k = math.sqrt(2.0) * float(erfcinv(_GAMMA))
    ext = 2 * sT * k / P
    off = max(abs(T - sT * k), abs(T + sT * k)) / P
    inacc = math.nan
    n3e = n3o = math.nan
    curvilinear = False
    if nc3d is not None and nc3d.converged and len(nc3d.t_s) > 2:
        f = np.nan_to_num(nc3d.rate_per_s)
        t = nc3d.t_s
        w = np.zeros_like(t)
        dt = np.diff(t)
        w[:-1] += 0.5 * dt
        w[1:] += 0.5 * dt
        tot = float(np.sum(w * f))
        if tot > 0:
            m = float(np.sum(w * f * t) / tot)
            sd = math.sqrt(float(np.sum(w * f * (t - m) ** 2) / tot))
            ext = max(ext, 2 * sd * k / P)
            off = max(off, max(abs(m - sd * k), abs(m + sd * k)) / P)
            n3e, n3o = nc3d.extended, nc3d.offset
            curvilinear = True
        pc3 = nc3d.pc
        mean = 0.5 * (pc2d + pc3)
        inacc = 0.0 if pc2d == pc3 else (abs(pc2d - pc3) / mean if mean > 0 else 2.0)
    return UsageViolations(npd_primary=_npd(A1), npd_secondary=_npd(A2), npd_relative=_npd(A1 + A2),
                           extended=min(1.0, ext), offset=min(1.0, off), inaccurate=inacc,
                           nc3d_extended=n3e, nc3d_offset=n3o, curvilinear=curvilinear)
