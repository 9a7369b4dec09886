"""Disaster response: Charter activations, fleet, access windows, acquisition plans.

>>> from orbitwatch.response import ResponseRequest, run_response
>>> req = ResponseRequest.resolve(None, hazard="flood", start="2026-06-10T12:00Z", hours=6, agencies=["CNSA"])
>>> plan = run_response(req)   # None: the shipped sample area; give a GeoJSON file name or mapping
>>> plan.earliest.satellite.agency, plan.to_dict()["activation"]["start_utc"]
('CNSA', '2026-06-10T12:00:00Z')
"""

from .access import AccessConfig, AccessResult, Opportunity, compute_access, sun_elevation_at, teme_to_itrf_fast
from .activation import (HAZARDS, LAEA, Activation, Area, build_area, make_activation, normalize_hazard,
                         read_activation, sample_activation_path)
from .errors import ActivationError, FleetError
from .fleet import (Fleet, Satellite, Sensor, default_fleet_elements, extract_fleet_elements, fleet_elements,
                    load_fleet, parse_satellites, parse_sensors, replicate)
from .plan import (HAZARD_PENALTY_H, Acquisition, Plan, Preferences, TaskingRequest, feasible_options,
                   plan_acquisitions, plan_optimal, tasking_requests)
from .profiles import PROFILES, HazardProfile, profile_for
from .request import PLANNERS, ResponseRequest, apply_profile, run_response

__all__ = [
    "AccessConfig", "AccessResult", "Opportunity", "compute_access", "sun_elevation_at", "teme_to_itrf_fast",
    "HAZARDS", "LAEA", "Activation", "Area", "build_area", "make_activation", "normalize_hazard", "read_activation",
    "sample_activation_path", "ActivationError", "FleetError", "Fleet", "Satellite", "Sensor",
    "default_fleet_elements", "extract_fleet_elements", "fleet_elements", "load_fleet", "parse_satellites",
    "parse_sensors", "replicate", "HAZARD_PENALTY_H", "Acquisition", "Plan", "Preferences", "feasible_options",
    "plan_acquisitions", "plan_optimal", "tasking_requests", "TaskingRequest", "PLANNERS", "ResponseRequest",
    "run_response", "PROFILES", "HazardProfile", "profile_for", "apply_profile",
]
