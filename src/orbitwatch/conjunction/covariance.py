"""Default covariance for objects known only by a TLE (no covariance published).

TLEs carry no uncertainty, yet a Pc needs one.  ESA's Space Debris Office faces the
same problem and uses pre-defined look-up tables "sorted by eccentricity, perigee
height, and inclination" derived from comparing TLE states with precise orbits
(T. Flohrer, H. Krag, H. Klinkrad, "Assessment and Categorization of TLE Orbit Errors
for the US SSN Catalogue", AMOS Conference 2008; H. Krag, H. Klinkrad,
J. R. Alarcon-Rodriguez, "Assessment of Orbit Uncertainties for Collision Risk
Predictions at ESA", 2nd IAASS Conference, 2007).  Those studies find TLE errors
dominated by the along-track component, of the order of a few hundred metres at epoch
in LEO, and growing with the element set's age; D. A. Vallado and P. J. Cefola,
"Two-line Element Sets - Practice and Use", IAC-12.C1.6.1, 2012, summarise TLE
accuracy as about 1 km at epoch growing by about 1 to 3 km per day.

This module turns those magnitudes into a simple, explicit model - **orbitwatch
defaults within the published ranges, not a reproduction of ESA's tables** (which are
not public).  Per orbit regime, each RTN sigma grows from its epoch value with the age
``|TCA - epoch|`` of the element set::

    sigma_k(age) = sqrt(sigma0_k^2 + (rate_k * age_days)^2)      k = R, T, N

=========================  ========================  ============================
regime (test in order)     sigma0 R / T / N (km)     rate R / T / N (km/day)
=========================  ========================  ============================
HEO   e >= 0.25            1.0 / 5.0 / 1.0           0.5 / 5.0 / 0.5
GEO   period 1300-1600 min 1.0 / 5.0 / 1.0           0.3 / 2.0 / 0.3
MEO   perigee >= 2000 km   0.5 / 2.0 / 0.5           0.2 / 1.0 / 0.2
LEO-low perigee < 500 km   0.1 / 0.5 / 0.15          0.1 / 2.0 / 0.1
LEO   perigee < 2000 km    0.1 / 0.3 / 0.1           0.05 / 1.0 / 0.05
=========================  ========================  ============================

Velocity sigmas follow the position ones through the mean motion ``n`` (a radial
offset drives an along-track rate and vice versa for near-circular motion):
``sigma_vR = n sigma_T / 2``, ``sigma_vT = n sigma_R``, ``sigma_vN = n sigma_N``; no
correlations.  Everything is configurable (:class:`TleCovarianceModel`), so an agency
can load its own calibration (e.g. from TLE differencing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..constants import RE_WGS84_KM as _RE_KM
from .pc.encounter import cov_rtn_to_eci
from .pc.equinoctial import MU_EGM96_KM3_S2

__all__ = ["RegimeSigmas", "TleCovarianceModel", "DEFAULT_TLE_MODEL", "orbit_regime", "tle_covariance_rtn",
           "tle_covariance_eci"]



@dataclass(frozen=True)
class RegimeSigmas:
    sigma0_km: tuple[float, float, float]       # R, T, N at epoch
    rate_km_per_day: tuple[float, float, float]  # growth with element-set age


@dataclass(frozen=True)
class TleCovarianceModel:
    """RTN sigmas by orbit regime as functions of element-set age (see module doc)."""

    regimes: dict[str, RegimeSigmas] = field(default_factory=lambda: {
        "HEO": RegimeSigmas((1.0, 5.0, 1.0), (0.5, 5.0, 0.5)),
        "GEO": RegimeSigmas((1.0, 5.0, 1.0), (0.3, 2.0, 0.3)),
        "MEO": RegimeSigmas((0.5, 2.0, 0.5), (0.2, 1.0, 0.2)),
        "LEO-low": RegimeSigmas((0.1, 0.5, 0.15), (0.1, 2.0, 0.1)),
        "LEO": RegimeSigmas((0.1, 0.3, 0.1), (0.05, 1.0, 0.05)),
    })
    source: str = "orbitwatch defaults (docs/collision-probability.md)"

    def sigmas_rtn_km(self, regime, age_days) -> np.ndarray:
        """(N, 3) RTN position sigmas (km) for arrays of regime names and ages (days)."""
        reg = np.atleast_1d(np.asarray(regime))
        age = np.abs(np.broadcast_to(np.asarray(age_days, dtype=float), reg.shape))
        names = list(self.regimes)
        idx = np.zeros(reg.shape, dtype=np.intp)
        for i, name in enumerate(names):
            idx[reg == name] = i
        unknown = ~np.isin(reg, names)
        if unknown.any():
            raise KeyError(f"no sigmas for orbit regime(s) {sorted(set(reg[unknown].tolist()))}")
        s0 = np.array([self.regimes[nm].sigma0_km for nm in names])[idx]
        rt = np.array([self.regimes[nm].rate_km_per_day for nm in names])[idx]
        return np.sqrt(s0 ** 2 + (rt * age[:, None]) ** 2)


DEFAULT_TLE_MODEL = TleCovarianceModel()


def orbit_regime(r_km, v_km_s, mu: float = MU_EGM96_KM3_S2) -> np.ndarray:
    """Regime name of each state (N,3): HEO, GEO, MEO, LEO-low or LEO (see module doc)."""
    r = np.atleast_2d(np.asarray(r_km, float))
    v = np.atleast_2d(np.asarray(v_km_s, float))
    rm = np.linalg.norm(r, axis=1)
    v2 = np.einsum("ij,ij->i", v, v)
    inv_a = 2.0 / rm - v2 / mu
    a = np.where(inv_a > 0, 1.0 / np.where(inv_a > 0, inv_a, 1.0), np.inf)
    h = np.cross(r, v)
    evec = np.cross(v, h) / mu - r / rm[:, None]
    e = np.linalg.norm(evec, axis=1)
    perigee = a * (1.0 - e) - _RE_KM
    period_min = np.where(np.isfinite(a), 2 * np.pi * np.sqrt(np.where(np.isfinite(a), a, 1.0) ** 3 / mu) / 60.0,
                          np.inf)
    out = np.full(len(r), "LEO", dtype=object)
    out[perigee < 500.0] = "LEO-low"
    out[perigee >= 2000.0] = "MEO"
    out[(period_min >= 1300.0) & (period_min <= 1600.0) & (e < 0.25)] = "GEO"
    out[(e >= 0.25) | ~np.isfinite(a)] = "HEO"
    return out.astype(str)


def tle_covariance_rtn(r_km, v_km_s, age_days, model: TleCovarianceModel = DEFAULT_TLE_MODEL,
                       mu: float = MU_EGM96_KM3_S2) -> np.ndarray:
    """(N, 6, 6) default RTN covariances (km**2, km**2/s, km**2/s**2) of TLE states."""
    r = np.atleast_2d(np.asarray(r_km, float))
    v = np.atleast_2d(np.asarray(v_km_s, float))
    sig = model.sigmas_rtn_km(orbit_regime(r, v, mu), age_days)
    rm = np.linalg.norm(r, axis=1)
    v2 = np.einsum("ij,ij->i", v, v)
    inv_a = np.clip(2.0 / rm - v2 / mu, 1e-12, None)
    n = np.sqrt(mu * inv_a ** 3)
    C = np.zeros((len(r), 6, 6))
    C[:, 0, 0] = sig[:, 0] ** 2
    C[:, 1, 1] = sig[:, 1] ** 2
    C[:, 2, 2] = sig[:, 2] ** 2
    C[:, 3, 3] = (n * sig[:, 1] / 2.0) ** 2
    C[:, 4, 4] = (n * sig[:, 0]) ** 2
    C[:, 5, 5] = (n * sig[:, 2]) ** 2
    return C


def tle_covariance_eci(r_km, v_km_s, age_days, model: TleCovarianceModel = DEFAULT_TLE_MODEL,
                       mu: float = MU_EGM96_KM3_S2) -> np.ndarray:
    """(N, 6, 6) default covariances rotated into the states' inertial frame."""
    r = np.atleast_2d(np.asarray(r_km, float))
    v = np.atleast_2d(np.asarray(v_km_s, float))
    return cov_rtn_to_eci(tle_covariance_rtn(r, v, age_days, model, mu), r, v)
