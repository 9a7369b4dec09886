"""The CDM keyword registry: block, value type, unit and obligation of every keyword.

Sources
-------
* CCSDS 508.0-B-1 *Conjunction Data Message*, Blue Book, June 2013 (the 1.0 keywords,
  their blocks, order and units).  The table below was cross-checked against the
  NDM/XML 2.0.0 schema ``ndmxml-2.0.0-cdm-1.0.xsd`` / ``ndmxml-2.0.0-common-2.0.xsd``
  (element order, the ``units`` attribute values, enumerations); the test
  ``tests/conjunction/test_cdm.py`` checks the registry against
  ``shared/data/cdm/schema/cdm-508.0-B-1-fields.csv``.
* CCSDS 508.0-P-1.0.2 (CDM 2.0 *pink book*, draft): the extra keywords marked ``2``
  below.  They are read and written (KVN and XML) so that 2.0-draft messages round
  trip, but a message that uses them does not validate against the 1.0 schema.

Order matters: messages are written in registry order, which is the schema order.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Blocks in writing order.  ``relative`` is the relative metadata/data section; the
#: others repeat per object.  The XML element that holds each block:
BLOCK_XML = {
    "header": "header",
    "relative": "relativeMetadataData",
    "metadata": "metadata",
    "od": "odParameters",
    "additional": "additionalParameters",
    "state": "stateVector",
    "rtn": "covarianceMatrix",
    "xyz": "covarianceMatrix",
    "csig": "covarianceMatrix",
    "covmeta": "covarianceMatrix",
    "user": "userDefinedParameters",
}
OBJECT_BLOCKS = ("metadata", "od", "additional", "state", "rtn", "xyz", "csig", "covmeta", "user")
DATA_BLOCKS = OBJECT_BLOCKS[1:]

# kind: str | float | int | epoch | enum | floats (space-separated list) | ints
# flags: M = mandatory in CDM 1.0, 2 = CDM 2.0 draft keyword
_TABLE = """
[header]
CREATION_DATE                     epoch   -            M
ORIGINATOR                        str     -            M
MESSAGE_FOR                       str     -            -
MESSAGE_ID                        str     -            M
CLASSIFICATION                    str     -            2
[relative]
CONJUNCTION_ID                    str     -            2
TCA                               epoch   -            M
MISS_DISTANCE                     float   m            M
MAHALANOBIS_DISTANCE              float   -            2
RELATIVE_SPEED                    float   m/s          -
RELATIVE_POSITION_R               float   m            R
RELATIVE_POSITION_T               float   m            R
RELATIVE_POSITION_N               float   m            R
RELATIVE_VELOCITY_R               float   m/s          R
RELATIVE_VELOCITY_T               float   m/s          R
RELATIVE_VELOCITY_N               float   m/s          R
APPROACH_ANGLE                    float   deg          2
START_SCREEN_PERIOD               epoch   -            -
STOP_SCREEN_PERIOD                epoch   -            -
SCREEN_TYPE                       enum    -            2
SCREEN_VOLUME_FRAME               enum    -            -
SCREEN_VOLUME_SHAPE               enum    -            -
SCREEN_VOLUME_RADIUS              float   m            2
SCREEN_VOLUME_X                   float   m            -
SCREEN_VOLUME_Y                   float   m            -
SCREEN_VOLUME_Z                   float   m            -
SCREEN_ENTRY_TIME                 epoch   -            -
SCREEN_EXIT_TIME                  epoch   -            -
SCREEN_PC_THRESHOLD               float   -            2
COLLISION_PERCENTILE              ints    -            2
COLLISION_PROBABILITY             float   -            -
COLLISION_PROBABILITY_METHOD      str     -            -
COLLISION_MAX_PROBABILITY         float   -            2
COLLISION_MAX_PC_METHOD           str     -            2
SEFI_COLLISION_PROBABILITY        float   -            2
SEFI_COLLISION_PROBABILITY_METHOD str     -            2
SEFI_FRAGMENTATION_MODEL          str     -            2
PREVIOUS_MESSAGE_ID               str     -            2
PREVIOUS_MESSAGE_EPOCH            epoch   -            2
NEXT_MESSAGE_EPOCH                epoch   -            2
[metadata]
OBJECT                            enum    -            M
OBJECT_DESIGNATOR                 str     -            M
CATALOG_NAME                      str     -            M
OBJECT_NAME                       str     -            M
INTERNATIONAL_DESIGNATOR          str     -            M
OBJECT_TYPE                       enum    -            -
OPERATOR_CONTACT_POSITION         str     -            -
OPERATOR_ORGANIZATION             str     -            -
OPERATOR_PHONE                    str     -            -
OPERATOR_EMAIL                    str     -            -
EPHEMERIS_NAME                    str     -            M
COVARIANCE_METHOD                 enum    -            M
ODM_MSG_LINK                      str     -            2
ADM_MSG_LINK                      str     -            2
OBS_BEFORE_NEXT_MESSAGE           enum    -            2
COVARIANCE_SOURCE                 str     -            2
MANEUVERABLE                      enum    -            M
ORBIT_CENTER                      str     -            -
REF_FRAME                         enum    -            M
ALT_COV_TYPE                      enum    -            2
ALT_COV_REF_FRAME                 str     -            2
GRAVITY_MODEL                     str     -            -
ATMOSPHERIC_MODEL                 str     -            -
N_BODY_PERTURBATIONS              str     -            -
SOLAR_RAD_PRESSURE                enum    -            -
EARTH_TIDES                       enum    -            -
INTRACK_THRUST                    enum    -            -
[od]
TIME_LASTOB_START                 epoch   -            -
TIME_LASTOB_END                   epoch   -            -
RECOMMENDED_OD_SPAN               float   d            -
ACTUAL_OD_SPAN                    float   d            -
OBS_AVAILABLE                     int     -            -
OBS_USED                          int     -            -
TRACKS_AVAILABLE                  int     -            -
TRACKS_USED                       int     -            -
RESIDUALS_ACCEPTED                float   %            -
WEIGHTED_RMS                      float   -            -
OD_EPOCH                          epoch   -            2
[additional]
AREA_PC                           float   m**2         -
AREA_PC_MIN                       float   m**2         2
AREA_PC_MAX                       float   m**2         2
AREA_DRG                          float   m**2         -
AREA_SRP                          float   m**2         -
OEB_PARENT_FRAME                  str     -            2
OEB_PARENT_FRAME_EPOCH            epoch   -            2
OEB_Q1                            float   -            2
OEB_Q2                            float   -            2
OEB_Q3                            float   -            2
OEB_QC                            float   -            2
OEB_MAX                           float   m            2
OEB_INT                           float   m            2
OEB_MIN                           float   m            2
AREA_ALONG_OEB_MAX                float   m**2         2
AREA_ALONG_OEB_INT                float   m**2         2
AREA_ALONG_OEB_MIN                float   m**2         2
RCS                               float   m**2         2
RCS_MIN                           float   m**2         2
RCS_MAX                           float   m**2         2
VM_ABSOLUTE                       float   -            2
VM_APPARENT_MIN                   float   -            2
VM_APPARENT                       float   -            2
VM_APPARENT_MAX                   float   -            2
REFLECTANCE                       float   -            2
HBR                               float   m            2
APOAPSIS_ALTITUDE                 float   km           2
PERIAPSIS_ALTITUDE                float   km           2
INCLINATION                       float   deg          2
COV_CONFIDENCE                    float   -            2
COV_CONFIDENCE_METHOD             str     -            2
MASS                              float   kg           -
CD_AREA_OVER_MASS                 float   m**2/kg      -
CR_AREA_OVER_MASS                 float   m**2/kg      -
THRUST_ACCELERATION               float   m/s**2       -
SEDR                              float   W/kg         -
[state]
X                                 float   km           M
Y                                 float   km           M
Z                                 float   km           M
X_DOT                             float   km/s         M
Y_DOT                             float   km/s         M
Z_DOT                             float   km/s         M
[rtn]
CR_R                              float   m**2         M
CT_R                              float   m**2         M
CT_T                              float   m**2         M
CN_R                              float   m**2         M
CN_T                              float   m**2         M
CN_N                              float   m**2         M
CRDOT_R                           float   m**2/s       M
CRDOT_T                           float   m**2/s       M
CRDOT_N                           float   m**2/s       M
CRDOT_RDOT                        float   m**2/s**2    M
CTDOT_R                           float   m**2/s       M
CTDOT_T                           float   m**2/s       M
CTDOT_N                           float   m**2/s       M
CTDOT_RDOT                        float   m**2/s**2    M
CTDOT_TDOT                        float   m**2/s**2    M
CNDOT_R                           float   m**2/s       M
CNDOT_T                           float   m**2/s       M
CNDOT_N                           float   m**2/s       M
CNDOT_RDOT                        float   m**2/s**2    M
CNDOT_TDOT                        float   m**2/s**2    M
CNDOT_NDOT                        float   m**2/s**2    M
CDRG_R                            float   m**3/kg      -
CDRG_T                            float   m**3/kg      -
CDRG_N                            float   m**3/kg      -
CDRG_RDOT                         float   m**3/(kg*s)  -
CDRG_TDOT                         float   m**3/(kg*s)  -
CDRG_NDOT                         float   m**3/(kg*s)  -
CDRG_DRG                          float   m**4/kg**2   -
CSRP_R                            float   m**3/kg      -
CSRP_T                            float   m**3/kg      -
CSRP_N                            float   m**3/kg      -
CSRP_RDOT                         float   m**3/(kg*s)  -
CSRP_TDOT                         float   m**3/(kg*s)  -
CSRP_NDOT                         float   m**3/(kg*s)  -
CSRP_DRG                          float   m**4/kg**2   -
CSRP_SRP                          float   m**4/kg**2   -
CTHR_R                            float   m**2/s**2    -
CTHR_T                            float   m**2/s**2    -
CTHR_N                            float   m**2/s**2    -
CTHR_RDOT                         float   m**2/s**3    -
CTHR_TDOT                         float   m**2/s**3    -
CTHR_NDOT                         float   m**2/s**3    -
CTHR_DRG                          float   m**3/(kg*s**2) -
CTHR_SRP                          float   m**3/(kg*s**2) -
CTHR_THR                          float   m**2/s**4    -
[xyz]
CX_X                              float   m**2         2
CY_X                              float   m**2         2
CY_Y                              float   m**2         2
CZ_X                              float   m**2         2
CZ_Y                              float   m**2         2
CZ_Z                              float   m**2         2
CXDOT_X                           float   m**2/s       2
CXDOT_Y                           float   m**2/s       2
CXDOT_Z                           float   m**2/s       2
CXDOT_XDOT                        float   m**2/s**2    2
CYDOT_X                           float   m**2/s       2
CYDOT_Y                           float   m**2/s       2
CYDOT_Z                           float   m**2/s       2
CYDOT_XDOT                        float   m**2/s**2    2
CYDOT_YDOT                        float   m**2/s**2    2
CZDOT_X                           float   m**2/s       2
CZDOT_Y                           float   m**2/s       2
CZDOT_Z                           float   m**2/s       2
CZDOT_XDOT                        float   m**2/s**2    2
CZDOT_YDOT                        float   m**2/s**2    2
CZDOT_ZDOT                        float   m**2/s**2    2
CDRG_X                            float   m**3/kg      2
CDRG_Y                            float   m**3/kg      2
CDRG_Z                            float   m**3/kg      2
CDRG_XDOT                         float   m**3/(kg*s)  2
CDRG_YDOT                         float   m**3/(kg*s)  2
CDRG_ZDOT                         float   m**3/(kg*s)  2
CSRP_X                            float   m**3/kg      2
CSRP_Y                            float   m**3/kg      2
CSRP_Z                            float   m**3/kg      2
CSRP_XDOT                         float   m**3/(kg*s)  2
CSRP_YDOT                         float   m**3/(kg*s)  2
CSRP_ZDOT                         float   m**3/(kg*s)  2
CTHR_X                            float   m**2/s**2    2
CTHR_Y                            float   m**2/s**2    2
CTHR_Z                            float   m**2/s**2    2
CTHR_XDOT                         float   m**2/s**3    2
CTHR_YDOT                         float   m**2/s**3    2
CTHR_ZDOT                         float   m**2/s**3    2
[csig]
CSIG3EIGVEC3                      floats  -            2
[covmeta]
DENSITY_FORECAST_UNCERTAINTY      float   -            2
CSCALE_FACTOR_MIN                 float   -            2
CSCALE_FACTOR                     float   -            2
CSCALE_FACTOR_MAX                 float   -            2
SCREENING_DATA_SOURCE             str     -            2
DCP_SENSITIVITY_VECTOR_POSITION   floats  -            2
DCP_SENSITIVITY_VECTOR_VELOCITY   floats  -            2
"""

#: Allowed values of the enumerated keywords (CDM 1.0 schema; CDM 2.0 draft for the
#: 2.0 keywords and ``SPHERE``).  Matching is case-insensitive, as in the schema.
ENUMS: dict[str, tuple[str, ...]] = {
    "OBJECT": ("OBJECT1", "OBJECT2"),
    "OBJECT_TYPE": ("PAYLOAD", "ROCKET BODY", "UPPER STAGE", "DEBRIS", "UNKNOWN", "OTHER"),
    "COVARIANCE_METHOD": ("CALCULATED", "DEFAULT"),
    "MANEUVERABLE": ("YES", "NO", "N/A"),
    "REF_FRAME": ("EME2000", "GCRF", "ITRF"),
    "SCREEN_VOLUME_FRAME": ("RTN", "TVN"),
    "SCREEN_VOLUME_SHAPE": ("ELLIPSOID", "BOX", "SPHERE"),
    "SCREEN_TYPE": ("SHAPE", "PC", "PC_MAX"),
    "SOLAR_RAD_PRESSURE": ("YES", "NO"),
    "EARTH_TIDES": ("YES", "NO"),
    "INTRACK_THRUST": ("YES", "NO"),
    "OBS_BEFORE_NEXT_MESSAGE": ("YES", "NO"),
    "ALT_COV_TYPE": ("XYZ", "CSIG3EIGVEC3"),
}

#: RTN covariance keywords in lower-triangle order, rows R, T, N, RDOT, TDOT, NDOT,
#: DRG, SRP, THR (the 9x9 extended form; a message carries the first 21, 28, 36 or 45).
COV_AXES = ("R", "T", "N", "RDOT", "TDOT", "NDOT", "DRG", "SRP", "THR")
_COV_ROW_PREFIX = ("CR", "CT", "CN", "CRDOT", "CTDOT", "CNDOT", "CDRG", "CSRP", "CTHR")
RTN_COV_KEYS: tuple[tuple[str, int, int], ...] = tuple(
    (f"{_COV_ROW_PREFIX[i]}_{COV_AXES[j]}", i, j) for i in range(9) for j in range(i + 1)
)
XYZ_AXES = ("X", "Y", "Z", "XDOT", "YDOT", "ZDOT", "DRG", "SRP", "THR")
_XYZ_ROW_PREFIX = ("CX", "CY", "CZ", "CXDOT", "CYDOT", "CZDOT", "CDRG", "CSRP", "CTHR")
XYZ_COV_KEYS: tuple[tuple[str, int, int], ...] = tuple(
    (f"{_XYZ_ROW_PREFIX[i]}_{XYZ_AXES[j]}", i, j) for i in range(9) for j in range(i + 1)
)
#: keywords that name the same element in the RTN block and the 2.0 XYZ block (the
#: drag/SRP/thrust rows' own columns): they belong to whichever covariance block is open.
SHARED_COV_KEYS = frozenset(k for k, i, j in XYZ_COV_KEYS if i >= 6 and j >= 6)

STATE_KEYS = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
RELATIVE_STATE_KEYS = ("RELATIVE_POSITION_R", "RELATIVE_POSITION_T", "RELATIVE_POSITION_N",
                       "RELATIVE_VELOCITY_R", "RELATIVE_VELOCITY_T", "RELATIVE_VELOCITY_N")
USER_DEFINED_PREFIX = "USER_DEFINED_"
VERSION_KEYWORD = "CCSDS_CDM_VERS"


@dataclass(frozen=True)
class Keyword:
    """One CDM keyword: where it lives and what its value is."""

    name: str
    block: str
    kind: str            # str | float | int | epoch | enum | floats | ints
    unit: str | None     # the unit the message states, e.g. "m**2"; None if unitless
    mandatory: bool      # mandatory in a CDM 1.0 message
    v2: bool             # a CDM 2.0 (draft) keyword
    order: int           # position in the schema order


def _parse_table() -> dict[str, Keyword]:
    out: dict[str, Keyword] = {}
    block = None
    for raw in _TABLE.strip().splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("["):
            block = line.strip("[]")
            continue
        name, kind, unit, flags = line.split()
        out[name] = Keyword(name, block, kind, None if unit == "-" else unit,
                            mandatory=flags == "M", v2=flags == "2", order=len(out))
    return out


#: keyword name -> :class:`Keyword`; the relative-state keywords are flagged ``R`` in
#: the table: mandatory as a group when any one of them is present.
KEYWORDS: dict[str, Keyword] = _parse_table()
BLOCK_ORDER = ("header", "relative") + OBJECT_BLOCKS


def lookup(name: str) -> Keyword | None:
    """The registry entry for ``name``; user-defined keywords map to the ``user`` block."""
    kw = KEYWORDS.get(name)
    if kw is None and name.startswith(USER_DEFINED_PREFIX) and len(name) > len(USER_DEFINED_PREFIX):
        return Keyword(name, "user", "str", None, False, True, 10_000)
    return kw


def block_keywords(block: str) -> list[Keyword]:
    """The registry keywords of ``block`` in schema order."""
    return [k for k in KEYWORDS.values() if k.block == block]


def normalize_unit(unit: str) -> str:
    """Compare units without case or blanks (``M**2`` and ``m**2`` are the same)."""
    return unit.replace(" ", "").lower()
