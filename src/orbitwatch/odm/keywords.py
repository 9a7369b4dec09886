"""ODM keywords, units and enumerations (CCSDS 502.0-B-3, with 502.0-B-2 = OEM/OPM 2.0)."""

from __future__ import annotations

#: versions read and written (1.0 files from older tools read as 2.0 does)
OEM_VERSIONS = ("1.0", "2.0", "3.0")
OPM_VERSIONS = ("1.0", "2.0", "3.0")

#: header keywords in writing order; MESSAGE_ID and CLASSIFICATION are 3.0 only
HEADER_KEYS = ("CLASSIFICATION", "CREATION_DATE", "ORIGINATOR", "MESSAGE_ID")
HEADER_REQUIRED = ("CREATION_DATE", "ORIGINATOR")
HEADER_V3_ONLY = ("CLASSIFICATION", "MESSAGE_ID")

OEM_META_KEYS = ("OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "REF_FRAME_EPOCH", "TIME_SYSTEM",
                 "START_TIME", "USEABLE_START_TIME", "USEABLE_STOP_TIME", "STOP_TIME", "INTERPOLATION",
                 "INTERPOLATION_DEGREE")
OEM_META_REQUIRED = ("OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "TIME_SYSTEM", "START_TIME",
                     "STOP_TIME")
META_EPOCH_KEYS = ("REF_FRAME_EPOCH", "START_TIME", "USEABLE_START_TIME", "USEABLE_STOP_TIME", "STOP_TIME")

#: INTERPOLATION values; LINEAR is Lagrange of degree 1
INTERPOLATION_METHODS = ("HERMITE", "LAGRANGE", "LINEAR")

STATE_KEYS = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
ACC_KEYS = ("X_DDOT", "Y_DDOT", "Z_DDOT")
STATE_UNITS = {"X": "km", "Y": "km", "Z": "km", "X_DOT": "km/s", "Y_DOT": "km/s", "Z_DOT": "km/s",
               "X_DDOT": "km/s**2", "Y_DDOT": "km/s**2", "Z_DDOT": "km/s**2"}

_AXES = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
#: the 21 covariance keywords of the lower triangle, row by row (CX_X, CY_X, CY_Y, ...)
COV_KEYS = tuple(f"C{_AXES[r]}_{_AXES[c]}" for r in range(6) for c in range(r + 1))
COV_UNITS = {k: ("km**2" if k.count("DOT") == 0 else "km**2/s" if k.count("DOT") == 1 else "km**2/s**2")
             for k in COV_KEYS}


def cov_key(row: int, col: int) -> str:
    """Keyword of covariance element (row, col), 0-based, col <= row (``cov_key(1, 1)`` = ``'CY_Y'``)."""
    return f"C{_AXES[row]}_{_AXES[col]}"


#: reference frames of the SANA registry that orbitwatch names (values compare upper case);
#: ITRF realisations (ITRF-93, ITRF2014, ...) and IAU body frames (IAU-MARS) are matched by prefix.
KNOWN_FRAMES = ("EME2000", "J2000", "GCRF", "ICRF", "ITRF", "TEME", "TOD", "MOD", "TDR", "GRC", "ITRF_1997",
                "ECLIPJ2000", "MCI", "RTN", "TNW", "RSW", "RIC", "LVLH", "QSW", "NSW", "EFG", "GTOD", "CIRF",
                "TIRF", "B1950")
FRAME_PREFIXES = ("ITRF", "IAU-", "IAU_")


def is_known_frame(name: str) -> bool:
    n = str(name).strip().upper()
    return n in KNOWN_FRAMES or n.startswith(FRAME_PREFIXES)


OPM_META_KEYS = ("OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "REF_FRAME_EPOCH", "TIME_SYSTEM")
OPM_META_REQUIRED = ("OBJECT_NAME", "OBJECT_ID", "CENTER_NAME", "REF_FRAME", "TIME_SYSTEM")
OPM_KEPLER_KEYS = ("SEMI_MAJOR_AXIS", "ECCENTRICITY", "INCLINATION", "RA_OF_ASC_NODE", "ARG_OF_PERICENTER",
                   "TRUE_ANOMALY", "MEAN_ANOMALY", "GM")
OPM_SPACECRAFT_KEYS = ("MASS", "SOLAR_RAD_AREA", "SOLAR_RAD_COEFF", "DRAG_AREA", "DRAG_COEFF")
OPM_MANEUVER_KEYS = ("MAN_EPOCH_IGNITION", "MAN_DURATION", "MAN_DELTA_MASS", "MAN_REF_FRAME", "MAN_DV_1",
                     "MAN_DV_2", "MAN_DV_3")
OPM_UNITS = {**STATE_UNITS, "SEMI_MAJOR_AXIS": "km", "ECCENTRICITY": "", "INCLINATION": "deg",
             "RA_OF_ASC_NODE": "deg", "ARG_OF_PERICENTER": "deg", "TRUE_ANOMALY": "deg", "MEAN_ANOMALY": "deg",
             "GM": "km**3/s**2", "MASS": "kg", "SOLAR_RAD_AREA": "m**2", "SOLAR_RAD_COEFF": "",
             "DRAG_AREA": "m**2", "DRAG_COEFF": "", "MAN_DURATION": "s", "MAN_DELTA_MASS": "kg",
             "MAN_DV_1": "km/s", "MAN_DV_2": "km/s", "MAN_DV_3": "km/s", **COV_UNITS}
