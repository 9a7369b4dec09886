"""Disaster response: Charter activations, fleet, access windows, acquisition plans.

>>> from orbitwatch.response import read_activation, load_fleet, compute_access, plan_acquisitions
>>> act = read_activation("flood.geojson", hazard="flood", start="2026-06-10T12:00Z", hours=48)
>>> plan = plan_acquisitions(compute_access(act, load_fleet()))
>>> plan.earliest.satellite.name, plan.hours_to_coverage
"""

from .access import AccessConfig, AccessResult, Opportunity, compute_access, sun_elevation_at, teme_to_itrf_fast
from .activation import (HAZARDS, LAEA, Activation, Area, build_area, make_activation, normalize_hazard,
                         read_activation, sample_activation_path)
from .errors import ActivationError, FleetError
from .fleet import (Fleet, Satellite, Sensor, default_fleet_elements, extract_fleet_elements, fleet_elements,
                    load_fleet, parse_satellites, parse_sensors, replicate)
from .plan import (HAZARD_PENALTY_H, Acquisition, Plan, Preferences, feasible_options, plan_acquisitions,
                   plan_optimal, tasking_requests)

__all__ = [
    "AccessConfig", "AccessResult", "Opportunity", "compute_access", "sun_elevation_at", "teme_to_itrf_fast",
    "HAZARDS", "LAEA", "Activation", "Area", "build_area", "make_activation", "normalize_hazard", "read_activation",
    "sample_activation_path", "ActivationError", "FleetError", "Fleet", "Satellite", "Sensor",
    "default_fleet_elements", "extract_fleet_elements", "fleet_elements", "load_fleet", "parse_satellites",
    "parse_sensors", "replicate", "HAZARD_PENALTY_H", "Acquisition", "Plan", "Preferences", "feasible_options",
    "plan_acquisitions", "plan_optimal", "tasking_requests",
]
