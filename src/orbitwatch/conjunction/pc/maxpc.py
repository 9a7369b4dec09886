"""Maximum Pc when the covariance is unknown or not trusted, and the dilution threshold.

References
----------
S. Alfano, "Relating Position Uncertainty to Maximum Conjunction Probability",
J. Astronautical Sciences 53(2), 193-205, 2005 (AAS 03-548): the largest Pc a
conjunction can have over the size (and, when unknown, the orientation) of the
combined covariance; the standard deviation at the maximum bounds the *dilution
region*: with a larger covariance the Pc falls because the data are too poor, not
because the risk is low.
T. S. Kelso and S. Alfano, "Satellite Orbital Conjunction Reports Assessing
Threatening Encounters in Space (SOCRATES)", AAS 05-124, 2005, and CelesTrak's SOCRATES
notes: "Max Probability" uses an encounter-plane ellipse whose axis ratio comes from
radial/in-track/cross-track sigmas of 100 m, 300 m, 100 m, sized and oriented for the
maximum; "Dilution Threshold (km)" is the standard deviation at that maximum.

Two functions:

* :func:`pc_max_scaled` - the covariance's shape and orientation are kept, its size is
  scaled by ``k`` (the CDM 2.0 ``COLLISION_MAX_PC_METHOD = SCALE_COMBINED_COVAR``).
  Small-disk theory (``R`` small against the scaled sigmas) gives the maximiser
  ``k*^2 = d^2 / 2`` with ``d`` the Mahalanobis distance of the miss, and
  ``Pc_max ~ R^2 / (e sx sz d^2)`` (Alfano 2005b eq. 8; Chan 2008 sec. 5.3).  Here the
  exact Foster Pc is evaluated at ``k*`` (the maximum is flat, so the error of ``k*``
  enters squared), and cases where the disk is not small are optimised numerically.
* :func:`pc_max_aspect` - only the axis ratio is known: the worst orientation puts the
  miss along the major axis, and the size is optimised; in the small-disk limit
  ``Pc_max = AR R^2 / (e m^2)`` at ``sigma_major = m / sqrt 2``.

A miss smaller than ``R`` means the disk covers the mean: ``Pc_max = 1`` (as the
covariance shrinks to zero), reported with ``k = 0``.

The SOCRATES-style maximum is **not an upper bound on the Foster Pc** of the actual
covariance: it is the maximum over a family of covariances (one fixed axis ratio, any
size and orientation) that usually does not contain the actual one.  In the small-disk
limit the maximum grows with the axis ratio, ``AR R^2 / (e m^2)``, and real
encounter-plane ellipses are often far more elongated than the 100/300/100 m one: on
NASA CARA's 53 test CDMs the actual axis ratio is 6.5-3500 against SOCRATES' 1.0-3.0, and
the SOCRATES-shape maximum is below Foster in 32 of them; with the actual axis ratio the
same maximisation is never below Foster (tests/conjunction/test_pc_recommend.py).  Hence
its name in the CLI, "max Pc (SOCRATES shape)".  :func:`pc_max_scaled` keeps the actual
shape and is always >= Foster.
"""

from __future__ import annotations


import numpy as np

from ...errors import InvalidRequestError

from .foster import pc_circle_max

__all__ = ["pc_max_scaled", "pc_max_aspect", "socrates_aspect_ratio"]

def pc_max_scaled(xm, zm, sx, sz, hbr) -> tuple[np.ndarray, np.ndarray]:
    """Maximum over ``k > 0`` of the Foster Pc with sigmas ``k*sx, k*sz``.

    Returns ``(pc_max, k_max)``.  ``k_max < 1`` means the actual covariance is larger
    than the one that maximises Pc: the event sits in the dilution region.  The
    stationarity condition ``d log Pc / d log k = <q>_k - 2 = 0`` (``<q>_k`` the mean
    squared Mahalanobis distance over the disk under the scaled density) is solved by
    the fixed-point step ``log k += log(<q>_k / 2) / 2`` from the small-disk start, with
    ``<q>_k`` integrated by the same quadrature as the Pc (:func:`pc_circle_max`)."""
    return pc_circle_max(xm, zm, sx, sz, hbr)


def pc_max_aspect(miss, hbr, aspect_ratio) -> tuple[np.ndarray, np.ndarray]:
    """Maximum Pc over the size of an encounter-plane covariance of given axis ratio
    (``aspect_ratio = sigma_major / sigma_minor >= 1``) in its worst orientation (miss
    along the major axis).  Returns ``(pc_max, sigma_major_at_max)`` - the latter is
    the dilution threshold (same length unit as ``miss``)."""
    m, R, ar = np.broadcast_arrays(*(np.abs(np.asarray(a, dtype=float)) for a in (miss, hbr, aspect_ratio)))
    if np.any(ar < 1.0):
        raise InvalidRequestError("aspect_ratio", "is sigma_major / sigma_minor, must be >= 1")
    # unit covariance with that shape, then scale: sx = ar, sz = 1, miss along x
    pc, k = pc_max_scaled(m, np.zeros_like(m), ar, np.ones_like(m), R)
    return pc, k * ar


def socrates_aspect_ratio(r1, v1, r2, v2, sigma_rtn_km=(0.1, 0.3, 0.1)) -> np.ndarray:
    """Axis ratio of the encounter-plane ellipse of two objects that each have the
    diagonal RTN sigmas ``sigma_rtn_km`` (SOCRATES: 100 m, 300 m, 100 m)."""
    from .encounter import cov_rtn_to_eci, encounter_plane

    r1, v1, r2, v2 = (np.atleast_2d(np.asarray(a, float)) for a in (r1, v1, r2, v2))
    D = np.diag(np.asarray(sigma_rtn_km, float) ** 2)
    C1 = cov_rtn_to_eci(np.broadcast_to(D, (len(r1), 3, 3)), r1, v1)
    C2 = cov_rtn_to_eci(np.broadcast_to(D, (len(r2), 3, 3)), r2, v2)
    ep = encounter_plane(r1, v1, C1, r2, v2, C2, 0.0)
    return ep.sx / ep.sz
