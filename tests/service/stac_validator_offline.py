"""Run ``stac-api-validator`` without network: the STAC 1.1.0 core and GeoJSON JSON schemas it
would download (schemas.stacspec.org, geojson.org) are answered from the copies pystac ships
(``pystac.validation.local_validator``); every other URL is fetched as usual (the API under
test on loopback). Usage: ``python stac_validator_offline.py <stac-api-validator options>``."""

from __future__ import annotations

import sys

import stac_validator.utilities as _utilities
from pystac.validation.local_validator import get_local_schema_cache

LOCAL = get_local_schema_cache()
_fetch = _utilities.fetch_and_parse_file


def _fetch_local_first(input_path: str, headers=None):
    if input_path in LOCAL:
        return LOCAL[input_path]
    return _fetch(input_path, headers)


_utilities.fetch_and_parse_file = _fetch_local_first  # the schema cache looks the name up at each call

if __name__ == "__main__":
    from stac_api_validator.__main__ import main

    sys.exit(main())
