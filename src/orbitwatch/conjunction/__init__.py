"""Conjunction assessment: screening, collision probability, CCSDS CDMs."""

# --- screening (all-vs-all / fleet close approaches) ---------------------------------------
from .screening import (ConjunctionEvents, EllipsoidRTN, ObjectStatus, ScreeningOptions, ScreeningResult, Sphere,
                        parse_volume, screen, socrates_report)

__all__ = [
    # screening
    "screen", "ScreeningOptions", "ScreeningResult", "ObjectStatus", "ConjunctionEvents", "socrates_report",
    "Sphere", "EllipsoidRTN", "parse_volume",
]
