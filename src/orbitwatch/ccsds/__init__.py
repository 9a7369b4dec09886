"""Low-level CCSDS Navigation Data Message building blocks shared by the ODM and CDM readers.

Nothing here knows about one message type: it reads text and XML safely, splits
``KEYWORD = value [unit]`` lines, parses and formats CCSDS epochs (calendar and
day-of-year forms) in bulk, converts between time systems, and collects problems
either by raising the caller's typed error at once or by listing them all (for
``validate`` commands).  Each message package passes its own error class
(:class:`~orbitwatch.odm.ODMError`, later the CDM's ``CDMError``), so a problem is
always reported with the message's own type, source, line, keyword and reason.

>>> from orbitwatch.ccsds import parse_epoch, format_epoch
>>> t = parse_epoch("1996-353T12:00:00.331")
>>> format_epoch(t, 3)
'1996-12-18T12:00:00.331'
"""

from .epochs import (EpochError, decimals_needed, decimals_of, format_epoch, format_epochs, parse_epoch,
                     parse_epochs)
from .kvn import KVNLine, decode_text, is_data_line, read_text, split_kvn_line, split_unit, units_match
from .problems import Problems
from .timesystems import (KNOWN_TIME_SYSTEMS, SUPPORTED_TIME_SYSTEMS, from_utc, tai_ns_to_utc, to_tai_ns, to_utc,
                          utc_to_tai_ns)

__all__ = [
    "EpochError", "decimals_needed", "decimals_of", "format_epoch", "format_epochs", "parse_epoch", "parse_epochs",
    "KVNLine", "decode_text", "is_data_line", "read_text", "split_kvn_line", "split_unit", "units_match", "Problems",
    "KNOWN_TIME_SYSTEMS", "SUPPORTED_TIME_SYSTEMS", "from_utc", "tai_ns_to_utc", "to_tai_ns", "to_utc",
    "utc_to_tai_ns",
]
