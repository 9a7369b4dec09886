"""The public facade: everything a user needs, importable from one place.

    from orbitwatch.api import read_elements, Catalog, propagate, time_range
"""

from .catalog import REGIMES, Catalog, orbit_regime
from .elements import (FORMATS, ElementSets, ParseResult, format_elements, parse_elements, read_elements,
                       write_elements)
from .errors import ElementSetError, NotFoundError, OrbitwatchError, PropagationError, StoreError
from .propagation import (EOP, FRAMES, STATUS_MESSAGES, Ephemeris, available_backends, convert, get_backend,
                          itrf_to_geodetic, geodetic_to_itrf, propagate, propagate_tsince, sun_position_gcrs,
                          sun_position_itrf, sun_elevation_deg)
from .timeutil import as_datetime64, time_range

__all__ = [
    "ElementSets", "ParseResult", "FORMATS", "read_elements", "parse_elements", "format_elements", "write_elements",
    "Catalog", "REGIMES", "orbit_regime",
    "Ephemeris", "propagate", "propagate_tsince", "available_backends", "get_backend", "STATUS_MESSAGES",
    "EOP", "FRAMES", "convert", "itrf_to_geodetic", "geodetic_to_itrf", "sun_position_gcrs", "sun_position_itrf",
    "sun_elevation_deg",
    "as_datetime64", "time_range",
    "OrbitwatchError", "ElementSetError", "NotFoundError", "PropagationError", "StoreError",
]
