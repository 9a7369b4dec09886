"""Constants and the coefficient-table layout shared by the SGP4 kernels (CPU and CUDA).

Pure Python/numpy: importing this module compiles nothing.

The prepared state of a catalog is one ``float64`` table ``coef`` of shape
``(N, NCOEF)``: one row per object, one column per SGP4 quantity that the
propagation needs (the columns are named by the ``K_*`` indices below, after the
variable names of Spacetrack Report #3 and Vallado et al. 2006). Integer flags
(method, isimp, irez) are stored as exact small floats in the same row so that a
single array crosses to the GPU.
"""

from __future__ import annotations

import math

# ---------------------------------------------------------------- WGS-72 (TLE standard)
#: WGS-72 constants as SGP4 uses them (Vallado et al. 2006, AIAA 2006-6753, "wgs72";
#: Hoots & Roehrich 1980 Spacetrack Report #3): mu km^3/s^2, Earth radius km, zonal harmonics.
MU = 398600.8
RADIUS_EARTH_KM = 6378.135
XKE = 60.0 / math.sqrt(RADIUS_EARTH_KM * RADIUS_EARTH_KM * RADIUS_EARTH_KM / MU)  # sqrt(mu) in er^1.5/min
TUMIN = 1.0 / XKE
J2 = 0.001082616
J3 = -0.00000253881
J4 = -0.00000165597
J3OJ2 = J3 / J2
VKMPERSEC = RADIUS_EARTH_KM * XKE / 60.0  # earth radii per minute -> km/s

PI = math.pi
TWOPI = 2.0 * math.pi
X2O3 = 2.0 / 3.0
DEG2RAD = math.pi / 180.0
TEMP4 = 1.5e-12

# ------------------------------------------------------------------ coefficient columns
_FIELDS = (
    # flags
    "method",  # 0 near-Earth (SGP4), 1 deep-space (SDP4)
    "isimp",   # 1: simplified drag (perigee < 220 km, or deep space)
    "irez",    # 0 none, 1 one-day (24 h) resonance, 2 half-day (12 h) resonance
    # mean elements at epoch (after the deep-space init, which leaves them unchanged)
    "ecco", "inclo", "nodeo", "argpo", "mo", "no_unkozai", "bstar",
    # near-Earth secular and drag terms
    "mdot", "argpdot", "nodedot", "nodecf", "cc1", "cc4", "cc5", "t2cof", "t3cof", "t4cof", "t5cof",
    "omgcof", "eta", "xmcof", "delmo", "d2", "d3", "d4", "sinmao",
    # short-period terms
    "aycof", "xlcof", "con41", "x1mth2", "x7thm1", "sinio", "cosio",
    # deep space: secular rates from lunar-solar terms
    "gsto", "dedt", "didt", "dmdt", "dnodt", "domdt",
    # deep space: resonance
    "d2201", "d2211", "d3210", "d3222", "d4410", "d4422", "d5220", "d5232", "d5421", "d5433",
    "del1", "del2", "del3", "xfact", "xlamo",
    # deep space: lunar-solar periodics
    "e3", "ee2", "peo", "pgho", "pho", "pinco", "plo",
    "se2", "se3", "sgh2", "sgh3", "sgh4", "sh2", "sh3", "si2", "si3", "sl2", "sl3", "sl4",
    "xgh2", "xgh3", "xgh4", "xh2", "xh3", "xi2", "xi3", "xl2", "xl3", "xl4", "zmol", "zmos",
)
NCOEF = len(_FIELDS)
FIELD_INDEX = {name: k for k, name in enumerate(_FIELDS)}

# Explicit module constants (numba freezes module-level ints into the compiled code).
K_METHOD, K_ISIMP, K_IREZ = 0, 1, 2
K_ECCO, K_INCLO, K_NODEO, K_ARGPO, K_MO, K_NO, K_BSTAR = 3, 4, 5, 6, 7, 8, 9
(K_MDOT, K_ARGPDOT, K_NODEDOT, K_NODECF, K_CC1, K_CC4, K_CC5, K_T2COF, K_T3COF, K_T4COF,
 K_T5COF) = range(10, 21)
K_OMGCOF, K_ETA, K_XMCOF, K_DELMO, K_D2, K_D3, K_D4, K_SINMAO = range(21, 29)
K_AYCOF, K_XLCOF, K_CON41, K_X1MTH2, K_X7THM1, K_SINIO, K_COSIO = range(29, 36)
K_GSTO, K_DEDT, K_DIDT, K_DMDT, K_DNODT, K_DOMDT = range(36, 42)
(K_D2201, K_D2211, K_D3210, K_D3222, K_D4410, K_D4422, K_D5220, K_D5232, K_D5421,
 K_D5433) = range(42, 52)
K_DEL1, K_DEL2, K_DEL3, K_XFACT, K_XLAMO = range(52, 57)
K_E3, K_EE2, K_PEO, K_PGHO, K_PHO, K_PINCO, K_PLO = range(57, 64)
(K_SE2, K_SE3, K_SGH2, K_SGH3, K_SGH4, K_SH2, K_SH3, K_SI2, K_SI3, K_SL2, K_SL3,
 K_SL4) = range(64, 76)
(K_XGH2, K_XGH3, K_XGH4, K_XH2, K_XH3, K_XI2, K_XI3, K_XL2, K_XL3, K_XL4, K_ZMOL,
 K_ZMOS) = range(76, 88)


def _check_layout() -> None:
    g = globals()
    for name, k in FIELD_INDEX.items():
        assert g["K_" + ("NO" if name == "no_unkozai" else name.upper())] == k, name
    assert NCOEF == 88


_check_layout()
