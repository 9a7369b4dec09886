"""Collision probability (Pc) methods, vectorised over conjunctions.

2D (short encounter, circular hard body) - :mod:`.foster` (Foster & Estes 1992, exact),
:mod:`.chan` (Chan 1997 series), :mod:`.patera` (Patera 2005 contour integral),
:mod:`.alfano` (Alfano 2005 Simpson rule), square bounds; covariance unknown or
untrusted - :mod:`.maxpc` (Alfano 2005 maximum Pc, SOCRATES dilution threshold);
slow/long encounters - :mod:`.nc3d` (Hall 2021 3D-Nc, Coppola 2012 3D-Pc);
reference - :mod:`.montecarlo`; when to distrust 2D - :mod:`.flags`.

``docs/collision-probability.md`` describes every method with its paper and the
validation figures.
"""

from .alfano import pc_alfano
from .api import DEFAULT_METHODS, METHODS_2D, PcTable, pc_at_tca, pc_encounter, pc_for_events
from .assess import (ConjunctionAssessment, Recommendation, assess_cdm, assess_states, encounter_plane_of_cdm,
                     resolve_hbr_m)
from .chan import pc_chan
from .encounter import EncounterPlane, cov_eci_to_rtn, cov_rtn_to_eci, encounter_plane, relative_rtn, rtn_basis
from .flags import UsageViolations, usage_violations
from .foster import pc_circle, pc_square, pc_square_equal_area
from .inputs import ConjunctionStates, states_from_cdm
from .maxpc import pc_max_aspect, pc_max_scaled, socrates_aspect_ratio
from .montecarlo import MonteCarloResult, pc_monte_carlo, pc_monte_carlo_many
from .nc3d import Nc3DResult, coppola_bounds, nc3d, nc3d_many
from .patera import pc_patera
from .request import PcRequest

__all__ = [
    "pc_circle", "pc_square", "pc_square_equal_area", "pc_chan", "pc_patera", "pc_alfano", "pc_max_scaled",
    "pc_max_aspect", "socrates_aspect_ratio", "pc_at_tca", "pc_for_events", "pc_encounter", "PcTable",
    "METHODS_2D", "DEFAULT_METHODS", "EncounterPlane", "encounter_plane", "rtn_basis", "cov_rtn_to_eci",
    "cov_eci_to_rtn", "relative_rtn", "nc3d", "nc3d_many", "pc_monte_carlo_many", "Nc3DResult", "coppola_bounds",
    "pc_monte_carlo",
    "MonteCarloResult", "usage_violations", "UsageViolations", "assess_cdm", "assess_states",
    "ConjunctionAssessment", "Recommendation", "PcRequest", "resolve_hbr_m", "encounter_plane_of_cdm",
    "states_from_cdm",
    "ConjunctionStates",
]
