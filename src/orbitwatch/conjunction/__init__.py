"""Conjunction assessment: screening, collision probability, CCSDS CDMs."""

# --- screening (all-vs-all / fleet close approaches; screening branch) ------------------
from .screening import (ConjunctionEvents, EllipsoidRTN, ObjectStatus, ScreeningOptions,  # noqa: E402
                        ScreeningResult, Sphere, add_collision_probability, event_cdm, parse_volume, screen,
                        socrates_report)
# --- end screening ----------------------------------------------------------------------

# --- collision probability and CDMs (cdm-pc branch) -----------------------------------
from .cdm import (CDMError, Cdm, ObjectInfo, conjunction_cdm, parse_cdm, read_cdm,  # noqa: E402
                  write_cdm)
from .covariance import DEFAULT_TLE_MODEL, TleCovarianceModel, tle_covariance_eci  # noqa: E402
from .hbr import HbrTable, combined_hbr_m, default_hbr_m  # noqa: E402
from .pc import (PcTable, assess_cdm, nc3d, pc_at_tca, pc_circle, pc_for_events,  # noqa: E402
                 pc_monte_carlo)
# --- end cdm-pc ------------------------------------------------------------------------
