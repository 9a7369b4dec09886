"""A catalog of element sets with history: selection, regimes, "in force at t", merging, listings."""

from .catalog import Catalog, orbit_regime
from .names import NAME_RULES, SPEC_RULES, name_mask
from .query import REGIMES, CatalogQuery, ObjectListing

__all__ = ["Catalog", "orbit_regime", "REGIMES", "CatalogQuery", "ObjectListing", "name_mask", "NAME_RULES",
           "SPEC_RULES"]
