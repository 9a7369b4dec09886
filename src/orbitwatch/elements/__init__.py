"""Element sets: TLE/3LE and CCSDS OMM (KVN, XML, JSON, CSV), read and written as columns."""

from .io import FORMATS, detect_format, format_elements, parse_elements, read_elements, write_elements
from .names import object_type_from_name
from .omm import (parse_omm_csv, parse_omm_json, parse_omm_kvn, parse_omm_xml, write_omm_csv, write_omm_json,
                  write_omm_kvn, write_omm_xml)
from .sets import OBJECT_TYPES, ElementSets
from .tle import ParseResult, alpha5_decode, alpha5_encode, checksum, parse_tle, write_tle

__all__ = [
    "ElementSets", "ParseResult", "OBJECT_TYPES", "FORMATS",
    "read_elements", "parse_elements", "write_elements", "format_elements", "detect_format",
    "parse_tle", "write_tle", "alpha5_encode", "alpha5_decode", "checksum",
    "parse_omm_kvn", "parse_omm_xml", "parse_omm_json", "parse_omm_csv",
    "write_omm_kvn", "write_omm_xml", "write_omm_json", "write_omm_csv",
    "object_type_from_name",
]
