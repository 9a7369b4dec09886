"""CCSDS Orbit Data Messages (CCSDS 502.0-B-3): OEM and OPM, KVN and XML, read, write, interpolate.

* :func:`read_oem` / :func:`parse_oem` -> :class:`OEM` (header, segments of states,
  covariances, comments); ``oem.to_kvn()``, ``oem.to_xml()``, :func:`write_oem`.
* :func:`interpolate` -> :class:`OEMStates`: N objects x T instants like
  :func:`orbitwatch.propagation.propagate`, with a status per instant (0 ok; see
  :data:`STATUS_MESSAGES`) instead of exceptions in the middle of a batch.
* :func:`trajectories` -> :class:`OEMTrajectory` per object: usable spans, sample
  spacing and an interpolation error estimate, for screening.
* :func:`read_opm` / :func:`parse_opm` -> :class:`OPM` with maneuvers; ``to_kvn``/``to_xml``.
* :func:`validate_file` lists every problem of a file.

Errors name the file, line, keyword and reason: :class:`ODMError`.
"""

from .errors import ODMError
from .interpolation import STATUS_MESSAGES, OEMStates, OEMTrajectory, interpolate, trajectories
from .io import dumps, parse_oem, parse_opm, read_oem, read_opm, write_oem, write_opm
from .model import OEM, Covariance, ODMHeader, OEMMetadata, OEMSegment
from .opm import OPM, Maneuver
from .request import ConvertRequest, InterpolationRequest
from .validate import validate_file

__all__ = ["ODMError", "OEM", "OEMSegment", "OEMMetadata", "ODMHeader", "Covariance", "OPM", "Maneuver",
           "read_oem", "parse_oem", "write_oem", "read_opm", "parse_opm", "write_opm", "dumps", "interpolate",
           "trajectories", "OEMStates", "OEMTrajectory", "STATUS_MESSAGES", "InterpolationRequest",
           "ConvertRequest", "validate_file"]
