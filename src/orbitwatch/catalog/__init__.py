"""A catalog of element sets with history: selection, regimes, "in force at t", merging."""

from .catalog import REGIMES, Catalog, orbit_regime

__all__ = ["Catalog", "orbit_regime", "REGIMES"]
