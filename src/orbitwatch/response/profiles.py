"""Hazard profiles: what imagery answers each hazard (needed resolution per sensor type, and the
time value of each type), applied by default when planning.

A plan must answer the hazard, not merely be early: a 1 km weather pass is the earliest image of an
earthquake, and useless for damage mapping, which needs metre-class optical and fine SAR. Each
profile gives, per sensor type, the coarsest ground resolution worth tasking (``max_resolution_m``;
a type absent from it is not wanted at all) and the hours by which an acquisition of that type is
ranked later than its real time (``penalty_h``, the same table the planner has always used:
:data:`orbitwatch.response.plan.HAZARD_PENALTY_H`). The figures and their sources (International
Charter, UN-SPIDER Recommended Practices, Copernicus EMS Rapid Mapping) are in
``docs/disaster-response.md``.

The profile is applied by the library (:meth:`ResponseRequest.resolve`), the CLI (``orbitwatch
respond``) and the service; ``profile=False`` (``--no-profile``) or an explicit
``max_resolution_m`` overrides it. When no sensor of the selected fleet meets a profile, the plan
falls back to the whole selection and says so in its notes (a coarse image is better than none).

>>> p = profile_for("earthquake")
>>> p.max_resolution_m["optical"], p.max_resolution_m["SAR"], p.penalty_h["SAR"]
(2.0, 5.0, 3.0)
>>> profile_for("flood").allows("optical", 1100.0)
False
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .activation import HAZARDS


@dataclass(frozen=True)
class HazardProfile:
    """What imagery answers ``hazard``: resolution limits per sensor type (m), ranking penalty (h)."""

    hazard: str
    max_resolution_m: dict[str, float]
    penalty_h: dict[str, float]
    products: str = ""
    sources: tuple[str, ...] = field(default=())

    def allows(self, sensor_type: str, resolution_m: float) -> bool:
        lim = self.max_resolution_m.get(sensor_type)
        return lim is not None and float(resolution_m) <= lim

    def to_dict(self) -> dict:
        return {"hazard": self.hazard, "max_resolution_m": dict(self.max_resolution_m),
                "penalty_h": dict(self.penalty_h), "products": self.products, "sources": list(self.sources)}


_CHARTER = "International Charter Space and Major Disasters, charter operations and data-provision practice"
_UNSPIDER_FLOOD = "UN-SPIDER Recommended Practice: Flood mapping and damage assessment using Sentinel-1 SAR data"
_UNSPIDER_BURN = "UN-SPIDER Recommended Practice: Burn severity mapping (Sentinel-2 / Landsat, 10-30 m)"
_UNSPIDER_DROUGHT = "UN-SPIDER Recommended Practices (knowledge portal), flood and landslide mapping"
_EMS_RM = ("Copernicus EMS Rapid Mapping product portfolio: delineation maps from HR/VHR imagery, "
           "grading (damage) maps from VHR optical imagery (<= 1-2 m)")
_EMSA = "EMSA CleanSeaNet: oil-spill detection from wide-swath SAR (up to ~100 m)"

#: one profile per hazard of :data:`orbitwatch.response.activation.HAZARDS`
PROFILES: dict[str, HazardProfile] = {p.hazard: p for p in (
    HazardProfile("flood", {"SAR": 30.0, "optical": 30.0}, {"SAR": 0.0, "optical": 6.0},
                  "flood extent delineation", (_UNSPIDER_FLOOD, _EMS_RM, _CHARTER)),
    HazardProfile("storm", {"SAR": 30.0, "optical": 10.0}, {"SAR": 0.0, "optical": 6.0},
                  "flooded area and wind damage", (_EMS_RM, _CHARTER)),
    HazardProfile("oil_spill", {"SAR": 100.0, "optical": 60.0}, {"SAR": 0.0, "optical": 6.0},
                  "slick detection and extent", (_EMSA, _CHARTER)),
    HazardProfile("ice", {"SAR": 100.0, "optical": 60.0}, {"SAR": 0.0, "optical": 6.0},
                  "ice extent and jams", (_CHARTER,)),
    HazardProfile("tsunami", {"SAR": 10.0, "optical": 5.0}, {"SAR": 0.0, "optical": 2.0},
                  "inundation extent and damage", (_EMS_RM, _CHARTER)),
    HazardProfile("wildfire", {"SAR": 30.0, "optical": 30.0}, {"SAR": 6.0, "optical": 0.0},
                  "burnt area and burn severity", (_UNSPIDER_BURN, _EMS_RM)),
    HazardProfile("earthquake", {"SAR": 5.0, "optical": 2.0}, {"SAR": 3.0, "optical": 0.0},
                  "building damage grading", (_EMS_RM, _CHARTER)),
    HazardProfile("landslide", {"SAR": 10.0, "optical": 5.0}, {"SAR": 3.0, "optical": 0.0},
                  "scar and debris delineation", (_UNSPIDER_DROUGHT, _EMS_RM)),
    HazardProfile("explosion", {"SAR": 5.0, "optical": 2.0}, {"SAR": 3.0, "optical": 0.0},
                  "damage grading", (_EMS_RM,)),
    HazardProfile("volcano", {"SAR": 30.0, "optical": 30.0}, {"SAR": 0.0, "optical": 0.0},
                  "deformation, lava and ash extent", (_CHARTER, _EMS_RM)),
    HazardProfile("other", {"SAR": 1e9, "optical": 1e9}, {"SAR": 0.0, "optical": 0.0},
                  "no preference", ()),
)}
assert set(PROFILES) == set(HAZARDS), "every hazard has a profile"


def profile_for(hazard: str) -> HazardProfile:
    """The profile of a (normalised) hazard name."""
    return PROFILES.get(hazard, PROFILES["other"])
