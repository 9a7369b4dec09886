"""Screening volumes: a sphere (a miss-distance threshold) or an ellipsoid in the primary's RTN frame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...errors import InvalidRequestError


@dataclass(frozen=True)
class Sphere:
    """Every local minimum of the distance under ``radius_km`` is an event."""

    radius_km: float

    def __post_init__(self):
        try:
            r = float(self.radius_km)
        except (TypeError, ValueError):
            r = float("nan")
        if not (np.isfinite(r) and r > 0):
            raise InvalidRequestError("threshold_km", f"screening radius must be a positive number of km, got "
                                                      f"{self.radius_km!r}", self.radius_km)

    @property
    def bounding_radius_km(self) -> float:
        return float(self.radius_km)

    def describe(self) -> str:
        return f"sphere of radius {self.radius_km:g} km"


@dataclass(frozen=True)
class EllipsoidRTN:
    """An ellipsoid centred on the primary, with semi-axes along its radial, in-track and
    cross-track directions (operators' screening volumes, e.g. 2 x 25 x 25 km).

    An encounter is an event when the secondary enters the ellipsoid: the minimum over the
    encounter of (R/a)^2 + (T/b)^2 + (N/c)^2 is at most 1 (R, T, N: the secondary's position
    relative to the primary in the primary's RTN frame). The encounter is found as a local
    minimum of the distance under the largest semi-axis (the ellipsoid lies inside that sphere).
    """

    radial_km: float
    in_track_km: float
    cross_track_km: float

    def __post_init__(self):
        for name in ("radial_km", "in_track_km", "cross_track_km"):
            v = getattr(self, name)
            try:
                x = float(v)
            except (TypeError, ValueError):
                x = float("nan")
            if not (np.isfinite(x) and x > 0):
                raise InvalidRequestError("volume", f"ellipsoid {name} must be a positive number of km, got {v!r}", v)

    @property
    def semi_axes_km(self) -> np.ndarray:
        return np.array([self.radial_km, self.in_track_km, self.cross_track_km], dtype=np.float64)

    @property
    def bounding_radius_km(self) -> float:
        return float(max(self.radial_km, self.in_track_km, self.cross_track_km))

    def describe(self) -> str:
        return (f"RTN ellipsoid {self.radial_km:g} km radial x {self.in_track_km:g} km in-track x "
                f"{self.cross_track_km:g} km cross-track (semi-axes)")


def parse_volume(text: str) -> Sphere | EllipsoidRTN:
    """``"5"`` -> Sphere(5); ``"2,25,25"`` (radial, in-track, cross-track km) -> EllipsoidRTN."""
    parts = [p for p in text.replace("x", ",").replace("X", ",").split(",") if p.strip()]
    try:
        vals = [float(p) for p in parts]
    except ValueError:
        raise InvalidRequestError("volume", f"{text!r}: expected a radius in km or 'radial,in-track,cross-track' km",
                                  text) from None
    if len(vals) == 1:
        return Sphere(vals[0])
    if len(vals) == 3:
        return EllipsoidRTN(*vals)
    raise InvalidRequestError("volume", f"{text!r}: expected 1 or 3 numbers, got {len(vals)}", text)
