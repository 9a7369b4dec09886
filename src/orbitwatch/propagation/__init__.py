"""Batch SGP4 propagation, frames (TEME, ITRF, GCRS, EME2000), geodetic coordinates and the Sun."""

from .backends import (STATUS_MESSAGES, BatchPropagator, Capabilities, PropagationBackend, SGP4ReferenceBackend,
                       available_backends, capabilities_of, default_backend_name, get_backend, register_backend)
from .age import DEFAULT_MAX_AGE_DAYS, ElementAgeReport, element_age_report
from .ephemeris import Ephemeris, propagate, propagate_tsince
from .czml import ephemeris_czml
from .frames import (EOP, FRAMES, convert, gcrs_to_eme2000, geodetic_to_itrf, itrf_to_geodetic,
                     sun_elevation_deg, sun_position_gcrs, sun_position_itrf, teme_to_eme2000, teme_to_gcrs,
                     teme_to_itrf)

__all__ = [
    "Ephemeris", "propagate", "propagate_tsince", "STATUS_MESSAGES", "PropagationBackend", "Capabilities",
    "BatchPropagator", "capabilities_of",
    "SGP4ReferenceBackend", "available_backends", "default_backend_name", "get_backend", "register_backend",
    "EOP", "FRAMES", "convert", "teme_to_itrf", "teme_to_gcrs", "teme_to_eme2000", "gcrs_to_eme2000",
    "itrf_to_geodetic", "geodetic_to_itrf", "sun_position_gcrs", "sun_position_itrf", "sun_elevation_deg",
    "sgp4_device", "ephemeris_czml", "ElementAgeReport", "element_age_report", "DEFAULT_MAX_AGE_DAYS",
]


def sgp4_device() -> str:
    """Where backend "numba" runs: "cuda" when an NVIDIA GPU is visible and numba.cuda can use
    it, else "cpu". ``ORBITWATCH_SGP4_DEVICE=cpu`` (or ``cuda``) overrides the choice."""
    import os

    want = os.environ.get("ORBITWATCH_SGP4_DEVICE", "auto").strip().lower()
    if want == "cpu" or not _gpu_visible():
        if want == "cuda":
            from ..errors import PropagationError

            raise PropagationError("ORBITWATCH_SGP4_DEVICE=cuda but no NVIDIA GPU is visible")
        return "cpu"
    from . import sgp4_cuda

    if sgp4_cuda.is_available():
        return "cuda"
    if want == "cuda":
        from ..errors import PropagationError

        raise PropagationError("ORBITWATCH_SGP4_DEVICE=cuda but numba.cuda cannot use the GPU")
    return "cpu"


def _gpu_visible() -> bool:
    """Cheap test (no import, no driver call): an NVIDIA driver is loaded and the simulator is off."""
    import os

    if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
        return False
    return os.path.exists("/proc/driver/nvidia/version") or os.path.exists("/dev/nvidiactl")


def _register_numba() -> None:
    """The compiled SGP4 kernels: "numba" (default; GPU when there is one, see :func:`sgp4_device`)
    and "cuda" (only where a GPU is visible). numba itself is imported on first use."""
    import importlib.util
    import warnings

    if importlib.util.find_spec("numba") is None:  # pragma: no cover - numba is a dependency
        warnings.warn("numba is not installed: orbitwatch propagates with python-sgp4 (backend 'sgp4'), "
                      "about 10x slower per core", RuntimeWarning, stacklevel=3)
        return

    def numba_backend(threads: int | None = None):
        if sgp4_device() == "cuda":
            from .sgp4_cuda import CudaSGP4Backend

            return CudaSGP4Backend()
        from .sgp4_numba import NumbaSGP4Backend

        return NumbaSGP4Backend(threads=threads)

    def cuda_backend():
        from .sgp4_cuda import CudaSGP4Backend

        return CudaSGP4Backend()

    register_backend("numba", numba_backend)
    if _gpu_visible():
        register_backend("cuda", cuda_backend)


_register_numba()
