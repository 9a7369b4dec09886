"""Conjunction assessment: screening, collision probability, CCSDS CDMs."""

from .cdm import CDMError, Cdm, CdmObjectInfo, ObjectInfo, conjunction_cdm, parse_cdm, read_cdm, write_cdm
from .covariance import DEFAULT_TLE_MODEL, TleCovarianceModel, tle_covariance_eci
from .hbr import HbrTable, combined_hbr_m, default_hbr_m
from .pc import PcTable, assess_cdm, nc3d, pc_at_tca, pc_circle, pc_for_events, pc_monte_carlo
from .screening import (ConjunctionEvents, EllipsoidRTN, ObjectStatus, ScreeningOptions, ScreeningResult, Sphere,
                        add_collision_probability, event_cdm, parse_volume, screen, socrates_report)

__all__ = [
    "CDMError", "Cdm", "CdmObjectInfo", "ObjectInfo", "conjunction_cdm", "parse_cdm", "read_cdm", "write_cdm",
    "DEFAULT_TLE_MODEL", "TleCovarianceModel", "tle_covariance_eci", "HbrTable", "combined_hbr_m", "default_hbr_m",
    "PcTable", "assess_cdm", "nc3d", "pc_at_tca", "pc_circle", "pc_for_events", "pc_monte_carlo",
    "ConjunctionEvents", "EllipsoidRTN", "ObjectStatus", "ScreeningOptions", "ScreeningResult", "Sphere",
    "add_collision_probability", "event_cdm", "parse_volume", "screen", "socrates_report",
]
