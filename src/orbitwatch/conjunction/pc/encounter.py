"""Encounter-plane geometry shared by the 2D Pc methods (vectorised over conjunctions).

The short-encounter model (Foster & Estes 1992; Akella & Alfriend 2000): over the
brief encounter both objects move on straight lines, their position errors are
Gaussian, uncorrelated and constant, so the probability of the two hard-body spheres
touching is the integral of the combined relative-position density over the disk of
radius HBR (the sum of the two radii) in the plane normal to the relative velocity,
centred on the miss vector.

This module turns states and covariances at TCA into that 2D problem in the frame of
the covariance's principal axes: miss components ``(xm, zm) >= 0`` along the major and
minor axes and sigmas ``sx >= sz``.  Any consistent length unit works (orbitwatch
passes km).

Conventions
-----------
* relative state ``r = r2 - r1``, ``v = v2 - v1`` (the Pc does not depend on the sign);
* conjunction-plane axes as NASA CARA's ``PcCircle``: ``y = v/|v|``,
  ``z = (r x v)/|r x v|``, ``x = y x z``;
* ``miss="project"`` (default) puts the component of ``r`` normal to ``v`` in the plane,
  which is the miss vector at the linear-motion TCA; ``miss="norm"`` puts ``|r|`` there,
  which is what CARA's ``PcCircle`` does with states that are not exactly at TCA (CDM
  TCAs are rounded to the millisecond) - use it to reproduce CARA's ``Pc2D_NoAdj``;
* the 2x2 combined covariance's eigenvalues are clipped from below at
  ``(1e-4 * HBR)**2`` (CARA's remediation of non-positive-definite covariances;
  Hall et al. 2017, AAS 17-567) and the clipping is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from ...constants import OMEGA_EARTH_RAD_S
from ...errors import InvalidRequestError

__all__ = ["EncounterPlane", "encounter_plane", "rtn_basis", "cov_rtn_to_eci", "cov_eci_to_rtn",
           "relative_rtn", "EARTH_ROTATION_RAD_S"]

#: Earth's nominal rotation rate (rad/s, ``constants.OMEGA_EARTH_RAD_S``), used to turn
#: Earth-fixed velocities into inertial ones.
EARTH_ROTATION_RAD_S = OMEGA_EARTH_RAD_S

_FCLIP = 1e-4


def _unit(a: np.ndarray) -> np.ndarray:
    return a / np.linalg.norm(a, axis=-1, keepdims=True)


def rtn_basis(r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(..., 3, 3) matrices whose columns are the R, T, N unit vectors of state (r, v):
    R along r, N along r x v, T = N x R (CCSDS 508.0-B-1 section 2, the RTN frame)."""
    r = np.asarray(r, dtype=float)
    v = np.asarray(v, dtype=float)
    R = _unit(r)
    N = _unit(np.cross(r, v))
    T = np.cross(N, R)
    return np.stack([R, T, N], axis=-1)


@njit(cache=True, parallel=True)
def _rotate(M, C, transpose):
    """out_n = B_n C_n B_n^T with B_n = blockdiag(M_n, M_n, I) (or B_n^T C_n B_n)."""
    n, d, _ = C.shape
    out = np.empty_like(C)
    for i in prange(n):
        B = np.eye(d)
        for a in range(3):
            for b in range(3):
                m = M[i, b, a] if transpose else M[i, a, b]
                B[a, b] = m
                if d >= 6:
                    B[a + 3, b + 3] = m
        out[i] = B @ C[i] @ B.T
    return out


def _rotate_any(C, r, v, transpose):
    C = np.asarray(C, dtype=float)
    M = rtn_basis(r, v)
    lead = np.broadcast_shapes(C.shape[:-2], M.shape[:-2])
    Cb = np.ascontiguousarray(np.broadcast_to(C, lead + C.shape[-2:]).reshape(-1, *C.shape[-2:]))
    Mb = np.ascontiguousarray(np.broadcast_to(M, lead + (3, 3)).reshape(-1, 3, 3))
    return _rotate(Mb, Cb, transpose).reshape(lead + C.shape[-2:])


def cov_rtn_to_eci(C_rtn: np.ndarray, r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate RTN covariances (..., n, n), n = 3, 6, 7, 8 or 9, into the frame of (r, v).

    The velocity rows rotate with the same matrix as the position rows (the frame's
    own rotation rate is not added), which is how CDM covariances are exchanged and how
    CARA's ``RIC2ECI`` converts them; rows beyond 6 (drag, SRP, thrust) are unchanged."""
    return _rotate_any(C_rtn, r, v, False)


def cov_eci_to_rtn(C_eci: np.ndarray, r: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Inverse of :func:`cov_rtn_to_eci`."""
    return _rotate_any(C_eci, r, v, True)


def relative_rtn(r1, v1, r2, v2) -> tuple[np.ndarray, np.ndarray]:
    """Object 2's position and velocity relative to object 1, in object 1's RTN frame
    (the CDM ``RELATIVE_POSITION_*`` / ``RELATIVE_VELOCITY_*`` convention).  The velocity
    is the plain difference of inertial velocities, rotated (as CDM producers report it)."""
    M = rtn_basis(r1, v1)
    dr = np.asarray(r2, float) - np.asarray(r1, float)
    dv = np.asarray(v2, float) - np.asarray(v1, float)
    Mt = np.swapaxes(M, -1, -2)
    return (Mt @ dr[..., None])[..., 0], (Mt @ dv[..., None])[..., 0]


@dataclass
class EncounterPlane:
    """The 2D problem for N conjunctions (all arrays (N,)).

    xm, zm : miss components along the major / minor principal axes (>= 0)
    sx, sz : principal sigmas, sx >= sz
    hbr    : combined hard-body radius
    miss   : miss distance put in the plane; speed : relative speed
    remediated : the 2x2 covariance needed eigenvalue clipping
    npd    : the 2x2 covariance had a non-positive eigenvalue
    basis  : (N, 3, 3) rows x, y, z of the conjunction frame (y along v)
    theta  : angle of the major axis from the conjunction-frame x axis (rad)
    """

    xm: np.ndarray
    zm: np.ndarray
    sx: np.ndarray
    sz: np.ndarray
    hbr: np.ndarray
    miss: np.ndarray
    speed: np.ndarray
    remediated: np.ndarray
    npd: np.ndarray
    basis: np.ndarray
    theta: np.ndarray

    def __len__(self) -> int:
        return len(self.xm)

    @property
    def mahalanobis(self) -> np.ndarray:
        """Mahalanobis distance of the miss vector in the plane."""
        return np.sqrt((self.xm / self.sx) ** 2 + (self.zm / self.sz) ** 2)


def _pos3(C: np.ndarray) -> np.ndarray:
    C = np.asarray(C, dtype=float)
    if C.shape[-2:] == (3, 3):
        return C
    if C.shape[-1] >= 6 and C.shape[-1] == C.shape[-2]:
        return C[..., :3, :3]
    raise InvalidRequestError("cov_km", f"covariances must be (...,3,3) or (...,n,n) with n>=6, got {C.shape}")


def encounter_plane(r1, v1, C1, r2, v2, C2, hbr, miss: str = "project") -> EncounterPlane:
    """Project N conjunctions (states and inertial covariances at TCA) onto their
    encounter planes.  Arrays: r, v (N,3); C (N,3,3) or (N,6,6); hbr scalar or (N,)."""
    r1 = np.atleast_2d(np.asarray(r1, float))
    r2 = np.atleast_2d(np.asarray(r2, float))
    v1 = np.atleast_2d(np.asarray(v1, float))
    v2 = np.atleast_2d(np.asarray(v2, float))
    C = _pos3(C1) + _pos3(C2)
    if C.ndim == 2:
        C = C[None]
    n = max(len(r1), len(r2))
    C = np.broadcast_to(C, (n, 3, 3))
    hbr = np.broadcast_to(np.asarray(hbr, float), (n,)).copy()
    r = r2 - r1
    v = v2 - v1
    speed = np.linalg.norm(v, axis=-1)
    rmag = np.linalg.norm(r, axis=-1)
    y = v / np.where(speed > 0, speed, 1.0)[:, None]
    h = np.cross(r, v)
    hmag = np.linalg.norm(h, axis=-1)
    # r parallel to v (or zero miss): any normal to v will do
    bad = hmag <= 1e-300
    if np.any(bad):
        trial = np.where(np.abs(y[:, :1]) < 0.9, np.array([[1.0, 0, 0]]), np.array([[0, 1.0, 0]]))
        h = np.where(bad[:, None], np.cross(y, trial), h)
        hmag = np.linalg.norm(h, axis=-1)
    z = h / hmag[:, None]
    x = np.cross(y, z)
    basis = np.stack([x, y, z], axis=1)
    # 2x2 projection of C on (x, z)
    Cx = np.einsum("ni,nij->nj", x, C)
    Cz = np.einsum("ni,nij->nj", z, C)
    a = np.einsum("nj,nj->n", Cx, x)
    b = np.einsum("nj,nj->n", Cx, z)
    c = np.einsum("nj,nj->n", Cz, z)
    # eigen decomposition of [[a, b], [b, c]] (closed form)
    half_tr = 0.5 * (a + c)
    disc = np.sqrt((0.5 * (a - c)) ** 2 + b * b)
    L1 = half_tr + disc
    # the small eigenvalue from det/L1: no cancellation between half_tr and disc
    L2 = np.where(L1 > 0, (a * c - b * b) / np.where(L1 > 0, L1, 1.0), half_tr - disc)
    theta = 0.5 * np.arctan2(2.0 * b, a - c)   # major-axis angle from x
    npd = L2 <= 0
    clip = (_FCLIP * hbr) ** 2
    remediated = (L1 < clip) | (L2 < clip)
    L1 = np.maximum(L1, clip)
    L2 = np.maximum(L2, clip)
    if miss == "project":
        m = np.einsum("ni,ni->n", r, x)
    elif miss == "norm":
        m = rmag
    else:
        raise InvalidRequestError("miss", "must be 'project' or 'norm'", miss)
    m = np.abs(m)
    xm = m * np.abs(np.cos(theta))
    zm = m * np.abs(np.sin(theta))
    return EncounterPlane(xm=xm, zm=zm, sx=np.sqrt(L1), sz=np.sqrt(L2), hbr=hbr, miss=m, speed=speed,
                          remediated=remediated, npd=npd, basis=basis, theta=theta)
