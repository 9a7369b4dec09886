"""Pc inputs from a CDM: inertial states and covariances of both objects at TCA.

CDM states come in EME2000, GCRF or ITRF (CCSDS 508.0-B-1 3.5.3.7) and covariances in
each object's RTN frame (m-based units).  For the Pc methods they become EME2000
position/velocity (km, km/s) and 6x6 inertial covariances (km**2, km**2/s,
km**2/s**2).  ITRF velocities get the Earth-rotation term ``w x r`` before rotating
(the relative velocity that sets the encounter plane is inertial); the rotation
itself uses the foundation's frames (skyfield's built-in UT1 table), and any error in
it rotates both objects together, which leaves every Pc unchanged.  The RTN frame of
each covariance is built from the object's inertial state, as NASA CARA's
``Pc2D_FromCDM`` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...propagation.frames import eme2000_to_gcrs, gcrs_to_eme2000, gcrs_to_itrf_matrix
from .encounter import EARTH_ROTATION_RAD_S, cov_rtn_to_eci

__all__ = ["ConjunctionStates", "states_from_cdm", "itrf_to_eme2000", "eme2000_to_itrf"]


@dataclass
class ConjunctionStates:
    """Both objects at TCA, EME2000, km-based units.  ``cov*_full`` keep the extended
    (7x7..9x9) covariance when the CDM carries one, rotated to EME2000 on its first
    six rows."""

    tca: np.datetime64
    r1_km: np.ndarray
    v1_km_s: np.ndarray
    cov1_km: np.ndarray
    r2_km: np.ndarray
    v2_km_s: np.ndarray
    cov2_km: np.ndarray
    hbr_km: float | None = None


def itrf_to_eme2000(r_km, v_km_s, t) -> tuple[np.ndarray, np.ndarray]:
    """Earth-fixed (ITRF) state at UTC ``t`` to EME2000 (Earth rotation added to v)."""
    r = np.asarray(r_km, float)
    v = np.asarray(v_km_s, float)
    M = gcrs_to_itrf_matrix(np.atleast_1d(np.datetime64(t, "ns")))[:, :, 0]
    w = np.array([0.0, 0.0, EARTH_ROTATION_RAD_S])
    r_g = M.T @ r
    v_g = M.T @ (v + np.cross(w, r))
    return gcrs_to_eme2000(r_g, v_g)


def eme2000_to_itrf(r_km, v_km_s, t) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`itrf_to_eme2000`."""
    r_g, v_g = eme2000_to_gcrs(np.asarray(r_km, float), np.asarray(v_km_s, float))
    M = gcrs_to_itrf_matrix(np.atleast_1d(np.datetime64(t, "ns")))[:, :, 0]
    w = np.array([0.0, 0.0, EARTH_ROTATION_RAD_S])
    r_f = M @ r_g
    return r_f, M @ v_g - np.cross(w, r_f)


def _inertial(obj, tca, source: str = "<string>") -> tuple[np.ndarray, np.ndarray]:
    s = obj.state_km
    r, v = s[:3], s[3:]
    frame = obj.ref_frame
    if frame == "EME2000":
        return r, v
    if frame == "GCRF":
        return gcrs_to_eme2000(r, v)
    if frame == "ITRF":
        return itrf_to_eme2000(r, v, tca)
    from ..cdm.errors import CDMError

    meta = obj.blocks.get("metadata")
    line = meta.lines.get("REF_FRAME") if meta is not None else None
    raise CDMError(source, line, "REF_FRAME", f"unsupported frame {frame!r} for Pc (EME2000, GCRF or ITRF)")


def states_from_cdm(cdm) -> ConjunctionStates:
    """EME2000 states and inertial covariances from a CDM: position/velocity rows in km,
    km/s; extended rows (drag, SRP, thrust parameters) keep their m-based CDM units."""
    tca = cdm.tca
    out = []
    for obj in cdm.objects:
        r, v = _inertial(obj, tca, cdm.source)
        C = obj.covariance_rtn.copy()
        C[:6, :6] *= 1e-6                      # m**2 -> km**2 etc. on the 6x6 block
        if C.shape[0] > 6:
            C[6:, :6] *= 1e-3                  # position rows to km; drag/SRP/thrust parameters keep m-based units
            C[:6, 6:] *= 1e-3
        out.append((r, v, cov_rtn_to_eci(C, r, v)))
    hbr = cdm.hbr_m
    return ConjunctionStates(tca=tca, r1_km=out[0][0], v1_km_s=out[0][1], cov1_km=out[0][2],
                             r2_km=out[1][0], v2_km_s=out[1][1], cov2_km=out[1][2],
                             hbr_km=None if hbr is None else hbr / 1000.0)

