"""Samples shipped inside the package (provenance beside each file), for demos, docs and doctests.

>>> sample_catalog_path().name
'catalog-2023-10-09.3le.gz'
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _data(*parts: str) -> Path:
    return Path(str(resources.files("orbitwatch").joinpath("data", *parts)))


def sample_catalog_path() -> Path:
    """The real public catalog of 2023-10-09 (26,140 objects, 3LE, gzip; ``data/sample/PROVENANCE.md``)."""
    return _data("sample", "catalog-2023-10-09.3le.gz")


def sample_activation_path() -> Path:
    """The illustrative Indus flood area shipped for ``orbitwatch respond --sample`` (GeoJSON)."""
    return _data("response", "sample-flood.geojson")


def sample_cdm_paths() -> list[Path]:
    """Three real CDMs from NASA CARA's test set (``data/cdm/PROVENANCE.md``): the high-Pc
    35946 x 30648 encounter first, then two encounters of 43613 x 52010."""
    return sorted(_data("cdm").glob("*.cdm"))
