"""Physical constants, with their source. Units are in the names."""

#: WGS-72 gravitational parameter, km^3/s^2 (the constant set SGP4/TLEs are defined with;
#: Vallado et al. 2006, "Revisiting Spacetrack Report #3", AIAA 2006-6753).
MU_WGS72_KM3_S2 = 398600.8
#: WGS-72 equatorial radius, km (same source).
RE_WGS72_KM = 6378.135
#: WGS-84 equatorial radius, km (NIMA TR8350.2).
RE_WGS84_KM = 6378.137
#: WGS-84 flattening (NIMA TR8350.2).
F_WGS84 = 1.0 / 298.257223563
#: Mean Earth radius used for quick geometry (IUGG), km.
R_EARTH_MEAN_KM = 6371.0088
#: Earth rotation rate, rad/s (IERS Conventions 2010; the nominal rate of the Earth rotation angle).
OMEGA_EARTH_RAD_S = 7.2921150e-5
#: Astronomical unit, km (IAU 2012 Resolution B2).
AU_KM = 149597870.7
#: EGM-96 gravitational parameter, km^3/s^2 (Lemoine et al. 1998; the value NASA CARA uses).
MU_EGM96_KM3_S2 = 398600.4418
#: WGS-84 authalic (equal-area) sphere radius, km (Snyder 1987, "Map Projections: A Working
#: Manual", eq. 3-13).
R_AUTHALIC_WGS84_KM = 6371.0072
