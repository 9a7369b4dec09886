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


def _register_numba() -> None:
    """The compiled SGP4 kernel (default when numba is importable; numba is imported lazily)."""
    import importlib.util
    import warnings

    if importlib.util.find_spec("numba") is None:  # pragma: no cover - numba is a dependency
        warnings.warn("numba is not installed: orbitwatch propagates with python-sgp4 (backend 'sgp4'), "
                      "about 10x slower per core", RuntimeWarning, stacklevel=3)
        return

    def numba_backend(threads: int | None = None):
        from .sgp4_numba import NumbaSGP4Backend

        return NumbaSGP4Backend(threads=threads)

    register_backend("numba", numba_backend)


_register_numba()
