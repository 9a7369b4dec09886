"""Coverage fractions against shapely on the footprints; the Sun and the daylight rule.

Coverage: our fractions count equal-area cells mapped into each strip's roll interval; the
reference intersects the strip footprint (the GeoJSON polygon we export) with the area in shapely,
in a *different* equal-area projection (Lambert cylindrical equal-area, standard parallel at the
area's latitude; Snyder 1987, eqs. 10-15/10-16). The cell count has a discretisation error of a
few boundary cells: we allow 1.5 % of the area.

Sun: the elevation against an independent low-precision solar position (Meeus, *Astronomical
Algorithms* 2nd ed., ch. 25 with GMST from ch. 12; ~0.01 deg), and the daylight rule flipping
at sunrise exactly when the Sun crosses the threshold.
"""

import math

import numpy as np
import pytest
from shapely.geometry import Polygon

from orbitwatch.propagation import sun_elevation_deg
from orbitwatch.response import (AccessConfig, compute_access, make_activation, plan_acquisitions, sun_elevation_at)
from response_helpers import activation, seconds

R_KM = 6371.0072


def _cea(lon, lat, lat_s, lon0):
    k = math.cos(math.radians(lat_s))
    x = R_KM * np.radians(np.asarray(lon) - lon0) * k
    y = R_KM * np.sin(np.radians(lat)) / k
    return np.column_stack([x, y])


def _shapely_fraction(area_geom, ring_lonlat, lat_s, lon0):
    ext = np.asarray(area_geom.exterior.coords)
    A = Polygon(_cea(ext[:, 0], ext[:, 1], lat_s, lon0))
    F = Polygon(_cea(ring_lonlat[:, 0], ring_lonlat[:, 1], lat_s, lon0))
    return A.intersection(F).area / A.area, A, F


@pytest.fixture(scope="module")
def fine_plan(fleet):
    # sub-metre optical and fine SAR only: many narrow strips, partial coverage each
    act = make_activation({"type": "Polygon", "coordinates": [[[67.55, 26.3], [68.55, 26.3], [69.1, 27.55],
                                                                [68.05, 27.9], [67.45, 26.95], [67.55, 26.3]]]},
                          hazard="earthquake", start="2026-06-10T00:00:00", hours=72)
    sub = fleet.select(max_resolution_m=3.0)
    acc = compute_access(act, sub)
    return act, acc, plan_acquisitions(acc)


def test_option_fractions_match_shapely(fine_plan):
    act, acc, _plan = fine_plan
    lat_s = act.area.center_lat_deg
    lon0 = act.area.center_lon_deg
    n = 0
    rng = np.random.default_rng(1)
    ks = rng.choice(len(acc.opt_opp), size=min(40, len(acc.opt_opp)), replace=False)
    for k in ks:
        ring = acc.footprint_lonlat(int(k), n_along=24)
        ref, _A, _F = _shapely_fraction(act.area.geometry, ring, lat_s, lon0)
        assert abs(acc.opt_fraction[k] - ref) < 0.015, (k, acc.opt_fraction[k], ref)
        n += 1
    assert n >= 20


def test_plan_cumulative_coverage_matches_shapely_union(fine_plan):
    act, acc, plan = fine_plan
    from shapely.ops import unary_union

    assert len(plan.acquisitions) >= 3
    lat_s = act.area.center_lat_deg
    lon0 = act.area.center_lon_deg
    ext = np.asarray(act.area.geometry.exterior.coords)
    A = Polygon(_cea(ext[:, 0], ext[:, 1], lat_s, lon0))
    fps = []
    for a in plan.acquisitions:
        ring = acc.footprint_lonlat(a.option, n_along=24)
        fps.append(Polygon(_cea(ring[:, 0], ring[:, 1], lat_s, lon0)))
        ref = unary_union(fps).intersection(A).area / A.area
        assert abs(a.cumulative_fraction - ref) < 0.015, (a.cumulative_fraction, ref)


def test_point_radius_area_is_the_spherical_cap():
    act = make_activation({"type": "Point", "coordinates": [10.0, 45.0]}, hazard="flood", start="2026-06-10T00:00",
                          hours=6, radius_km=80.0)
    cap = 2 * math.pi * R_KM ** 2 * (1 - math.cos(80.0 / R_KM))
    # 72-gon inscribed in the circle: area ratio sin(2pi/72)/(2pi/72)
    poly = cap * math.sin(2 * math.pi / 72) / (2 * math.pi / 72)
    assert act.area.area_km2 == pytest.approx(poly, rel=2e-3)


# ------------------------------------------------------------------ the Sun
def _meeus_sun_elevation(lat, lon, t):
    """Meeus ch. 25 (low accuracy) + GMST (ch. 12): geometric elevation of the Sun, deg."""
    jd = (np.datetime64(t, "ns").astype(np.int64) / 86400e9) + 2440587.5
    T = (jd - 2451545.0) / 36525.0
    L0 = (280.46646 + 36000.76983 * T + 0.0003032 * T * T) % 360
    M = math.radians((357.52911 + 35999.05029 * T - 0.0001537 * T * T) % 360)
    C = ((1.914602 - 0.004817 * T - 0.000014 * T * T) * math.sin(M) + (0.019993 - 0.000101 * T) * math.sin(2 * M)
         + 0.000289 * math.sin(3 * M))
    true_long = L0 + C
    omega = 125.04 - 1934.136 * T
    lam = math.radians(true_long - 0.00569 - 0.00478 * math.sin(math.radians(omega)))
    eps0 = 23 + (26 + (21.448 - T * (46.815 + T * (0.00059 - T * 0.001813))) / 60) / 60
    eps = math.radians(eps0 + 0.00256 * math.cos(math.radians(omega)))
    ra = math.atan2(math.cos(eps) * math.sin(lam), math.cos(lam))
    dec = math.asin(math.sin(eps) * math.sin(lam))
    gmst = (280.46061837 + 360.98564736629 * (jd - 2451545.0) + 0.000387933 * T * T) % 360
    H = math.radians(gmst + lon) - ra
    phi = math.radians(lat)
    return math.degrees(math.asin(math.sin(phi) * math.sin(dec) + math.cos(phi) * math.cos(dec) * math.cos(H)))


def test_sun_elevation_against_meeus_and_library():
    t = np.datetime64("2026-06-10T00:00", "ns") + (np.arange(0, 48 * 60, 37) * 60e9).astype("timedelta64[ns]")
    for lat, lon in ((45.07, 7.69), (-33.45, -70.66), (64.15, -21.94), (27.0, 68.2)):
        ours = sun_elevation_at(np.full(t.size, lat), np.full(t.size, lon), t)
        lib = sun_elevation_deg(lat, lon, t)  # skyfield/ERFA path of orbitwatch.propagation
        ref = np.array([_meeus_sun_elevation(lat, lon, x) for x in t])
        assert np.max(np.abs(ours - lib)) < 0.003
        assert np.max(np.abs(ours - ref)) < 0.03


def test_daylight_rule_flips_at_sunrise(fleet):
    """An optical pass shortly after sunrise: feasible iff the Sun at the acquisition is above the threshold."""
    act = activation(hours=48.0, hazard="wildfire")
    sub = fleet.select(types=["optical"])
    acc = compute_access(act, sub, config=AccessConfig(min_sun_elevation_deg=-90.0))
    k = int(np.argmin(np.abs(acc.opt_sun_elevation_deg - 8.0)))  # an option near sunrise/sunset
    sun_k = acc.opt_sun_elevation_deg[k]
    assert abs(sun_k - 8.0) < 6.0
    o = acc.opportunities[acc.opt_opp[k]]
    assert o.sensor.type == "optical"
    for thr, expect in ((sun_k - 0.05, True), (sun_k + 0.05, False)):
        acc2 = compute_access(act, sub, config=AccessConfig(min_sun_elevation_deg=thr))
        match = [j for j in range(len(acc2.opt_opp)) if acc2.opt_start[j] == acc.opt_start[k]
                 and acc2.opportunities[acc2.opt_opp[j]].satellite.norad_id == o.satellite.norad_id]
        if expect:
            assert match and all(acc2.opt_ok[j] for j in match)
        else:
            assert not match or not any(acc2.opt_ok[j] for j in match)
    # and the threshold crossing itself: sunrise to 10 deg at the area centre vs Meeus, within 30 s
    lat, lon = act.area.center_lat_deg, act.area.center_lon_deg
    tt = act.start + (np.arange(0, 24 * 3600, 10) * 1e9).astype("timedelta64[ns]")
    e = sun_elevation_at(np.full(tt.size, lat), np.full(tt.size, lon), tt)
    up = np.flatnonzero((e[:-1] < 10.0) & (e[1:] >= 10.0))[0]
    ref = np.array([_meeus_sun_elevation(lat, lon, x) for x in tt[up - 30:up + 30]])
    up_ref = np.flatnonzero((ref[:-1] < 10.0) & (ref[1:] >= 10.0))[0]
    assert abs(seconds(tt[up], tt[up - 30 + up_ref])) <= 30.0
