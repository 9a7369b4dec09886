"""Batch SGP4 propagation, frames (TEME, ITRF, GCRS, EME2000), geodetic coordinates and the Sun."""

from .backends import (STATUS_MESSAGES, PropagationBackend, SGP4ReferenceBackend, available_backends,
                       default_backend_name, get_backend, register_backend)
from .ephemeris import Ephemeris, propagate, propagate_tsince
from .frames import (EOP, FRAMES, convert, gcrs_to_eme2000, geodetic_to_itrf, itrf_to_geodetic,
                     sun_elevation_deg, sun_position_gcrs, sun_position_itrf, teme_to_eme2000, teme_to_gcrs,
                     teme_to_itrf)

__all__ = [
    "Ephemeris", "propagate", "propagate_tsince", "STATUS_MESSAGES", "PropagationBackend",
    "SGP4ReferenceBackend", "available_backends", "default_backend_name", "get_backend", "register_backend",
    "EOP", "FRAMES", "convert", "teme_to_itrf", "teme_to_gcrs", "teme_to_eme2000", "gcrs_to_eme2000",
    "itrf_to_geodetic", "geodetic_to_itrf", "sun_position_gcrs", "sun_position_itrf", "sun_elevation_deg",
]
