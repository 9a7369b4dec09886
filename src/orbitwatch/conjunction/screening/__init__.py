"""Conjunction screening: all-vs-all or fleet-vs-catalog close approaches over a span::

    from orbitwatch.conjunction.screening import ScreeningRequest, screen
    result = screen(catalog, "2023-10-09T12:00", "2023-10-16T12:00", threshold_km=5.0)
    result.events.without_slow().sort_by("miss_km")[:10]
    # operators' ephemerides (CCSDS OEM) beside the element sets
    result = screen(catalog, start, stop, ephemerides=[read_oem("ours.oem")], primaries=["2019-074B"])
    # a large run: events streamed to a Parquet dataset as the windows finish
    result = screen(catalog, start, stop, threshold_km=1.0, executor=dask_executor, sink=ParquetSink("events/"))
    read_events("events/")

See ``docs/screening.md`` for the method and its guarantee.
"""

from .core import ObjectStatus, ScreeningOptions, ScreeningResult, screen
from .ephemeris import EphemerisObject, normalise_designator, prepare_ephemerides, synthetic_norad_id
from .incremental import changed_objects, screen_incremental
from .events import FRAMES_AND_UNITS, SLOW_REL_SPEED_KM_S, ConjunctionEvents, socrates_report
from .probability import add_collision_probability, event_cdm
from .request import ScreeningRequest, check_screening_memory, estimate_memory_bytes, parse_primaries
from .sinks import ParquetSink, read_events
from .volumes import EllipsoidRTN, Sphere, parse_volume

__all__ = ["screen", "event_cdm", "ScreeningOptions", "ScreeningResult", "ObjectStatus", "ConjunctionEvents",
           "socrates_report", "add_collision_probability", "Sphere", "EllipsoidRTN", "parse_volume",
           "ScreeningRequest", "estimate_memory_bytes", "check_screening_memory", "parse_primaries",
           "SLOW_REL_SPEED_KM_S", "FRAMES_AND_UNITS", "EphemerisObject", "prepare_ephemerides", "synthetic_norad_id",
           "normalise_designator", "screen_incremental", "changed_objects", "ParquetSink", "read_events"]
