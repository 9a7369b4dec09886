"""The public facade: every capability of orbitwatch, importable from one place.

    from orbitwatch.api import read_elements, Catalog, propagate, time_range, screen, assess_cdm

Element sets, the catalog, propagation and time load eagerly (they are light);
screening, collision probability, CDMs, disaster response, the store, requests
and progress load on first use, so ``import orbitwatch.api`` stays fast and
pulls in neither SQLAlchemy nor plotting.

>>> from orbitwatch.api import Catalog, read_elements, sample_catalog_path
>>> cat = Catalog(read_elements(sample_catalog_path()).elements)
>>> len(cat.latest())
26140
>>> from orbitwatch.api import screen        # loaded now
>>> callable(screen)
True
"""

from __future__ import annotations

import importlib

from .catalog import REGIMES, Catalog, orbit_regime
from .elements import (FORMATS, ElementSets, ParseResult, format_elements, parse_elements, read_elements,
                       write_elements)
from .errors import (CancelledError, ConflictError, DataError, ElementSetError, InputFileError, InvalidRequestError,
                     NotFoundError, OrbitwatchError, PropagationError, ResourceLimitError, StoreError,
                     UnavailableError)
from .propagation import (EOP, FRAMES, STATUS_MESSAGES, Ephemeris, available_backends, convert, get_backend,
                          itrf_to_geodetic, geodetic_to_itrf, propagate, propagate_tsince, sun_position_gcrs,
                          sun_position_itrf, sun_elevation_deg)
from .samples import sample_activation_path, sample_catalog_path
from .timeutil import as_datetime64, format_iso, time_range

#: name -> module for what loads on first use
_LAZY = {
    # requests and progress
    **{n: "orbitwatch.requests" for n in ("TimeSpan", "check_positive", "check_range", "check_int", "check_choice",
                                           "parse_time", "check_memory")},
    **{n: "orbitwatch.progress" for n in ("Progress", "as_progress")},
    **{n: "orbitwatch.propagation.request" for n in ("PropagationRequest", "ephemeris_records")},
    # screening
    **{n: "orbitwatch.conjunction" for n in (
        "screen", "ScreeningOptions", "ScreeningResult", "ConjunctionEvents", "Sphere", "EllipsoidRTN",
        "ObjectStatus", "parse_volume", "add_collision_probability", "event_cdm", "socrates_report")},
    **{n: "orbitwatch.conjunction.screening" for n in ("screen_incremental", "changed_objects")},
    **{n: "orbitwatch.catalog.synth" for n in ("synthesize_population", "CONSTELLATION_SHELLS")},
    # collision probability and CDMs
    **{n: "orbitwatch.conjunction" for n in (
        "assess_cdm", "pc_circle", "pc_at_tca", "pc_for_events", "pc_monte_carlo", "nc3d", "PcTable",
        "HbrTable", "combined_hbr_m", "default_hbr_m", "TleCovarianceModel", "DEFAULT_TLE_MODEL",
        "tle_covariance_eci", "Cdm", "CDMError", "read_cdm", "parse_cdm", "write_cdm", "conjunction_cdm")},
    # CDM ingest into event tracks, alerts
    **{n: "orbitwatch.conjunction.ingest" for n in ("ingest_cdms", "CdmIngestRequest", "cdm_events", "IngestReport")},
    **{n: "orbitwatch.conjunction.tracks" for n in ("match_events", "tca_tolerance_s")},
    # CCSDS orbit data messages
    **{n: "orbitwatch.odm" for n in ("read_oem", "read_opm", "write_oem", "write_opm", "OEM", "OPM", "ODMError",
                                     "interpolate", "trajectories")},
    # disaster response
    **{n: "orbitwatch.response" for n in (
        "read_activation", "make_activation", "Activation", "HAZARDS", "load_fleet", "Fleet", "Satellite", "Sensor",
        "compute_access", "AccessConfig", "AccessResult", "Opportunity", "plan_acquisitions", "plan_optimal", "Plan",
        "Acquisition", "Preferences", "tasking_requests", "ActivationError", "FleetError")},
    # storage (needs the [store] extra)
    **{n: "orbitwatch.store" for n in ("open_store", "Store", "ImportReport")},
    **{n: "orbitwatch.store.events" for n in ("RunReport", "Track", "TrackUpdate")},
    # executors
    **{n: "orbitwatch.distributed" for n in ("as_executor", "InProcessExecutor", "DaskExecutor")},
}


def __getattr__(name: str):
    mod = _LAZY.get(name)
    if mod is None:
        raise AttributeError(f"module 'orbitwatch.api' has no attribute {name!r}")
    value = getattr(importlib.import_module(mod), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ElementSets", "ParseResult", "FORMATS", "read_elements", "parse_elements", "format_elements", "write_elements",
    "Catalog", "REGIMES", "orbit_regime",
    "Ephemeris", "propagate", "propagate_tsince", "available_backends", "get_backend", "STATUS_MESSAGES",
    "EOP", "FRAMES", "convert", "itrf_to_geodetic", "geodetic_to_itrf", "sun_position_gcrs", "sun_position_itrf",
    "sun_elevation_deg",
    "as_datetime64", "time_range", "format_iso", "sample_catalog_path", "sample_activation_path",
    "OrbitwatchError", "InvalidRequestError", "ResourceLimitError", "DataError", "ElementSetError", "InputFileError",
    "NotFoundError", "ConflictError", "UnavailableError", "CancelledError", "PropagationError", "StoreError",
    *_LAZY,
]
