"""Collision-avoidance maneuvers: numerical propagation with burns, option search, screening.

See docs/maneuvers.md.  Needs the ``maneuver`` extra (satkit + satkit-data).
"""

from .propagator import Burn, ForceModel, Trajectory, initial_state, propagate_with_burns, rtn_matrix, stm_to
from .search import (DIRECTIONS, CamEvent, CamGrid, CamOption, CamRequest, CamResult, confirm_option,
                     event_from_cdm, linear_deflection, plan_avoidance)
from .screening import ManeuverScreening, screen_maneuver
from .outputs import maneuver_opm, options_table, plot_trade_space

__all__ = ["Burn", "ForceModel", "Trajectory", "initial_state", "propagate_with_burns", "rtn_matrix", "stm_to",
           "DIRECTIONS",
           "CamEvent", "CamGrid", "CamOption", "CamRequest", "CamResult", "confirm_option", "event_from_cdm",
           "linear_deflection", "plan_avoidance", "ManeuverScreening", "screen_maneuver", "maneuver_opm",
           "options_table", "plot_trade_space"]
