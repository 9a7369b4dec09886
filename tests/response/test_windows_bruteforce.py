"""Window edges against a dense brute-force evaluation of the same geometry (within 1 s).

The slow path shares no code with the fast one: SGP4 through python-sgp4 at every 0.2 s, skyfield's
TEME->ITRF, ERFA geodetic coordinates, and the field-of-regard predicate evaluated on a dense set
of ground points filling the polygon (boundary every ~0.3 km, interior every ~1.5 km), with plain
numpy. For strip sensors (SAR, push-brooms) a point is imaged when its along-track offset
(p - r).v changes sign between two samples (zero Doppler) with its angle inside the field of
regard; for agile sensors when its off-nadir angle is inside the cone.
"""

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from orbitwatch.propagation import geodetic_to_itrf, itrf_to_geodetic, propagate
from orbitwatch.response import compute_access, fleet_elements
from response_helpers import PO_PLAIN, activation, seconds

STEP_S = 0.2


def _dense_points(geom, boundary_km=0.3, interior_km=1.5):
    poly = shape(geom)
    lat0 = poly.centroid.y
    deg_b = boundary_km / 111.2
    ring = np.asarray(shapely.segmentize(poly.exterior, deg_b).coords)[:-1]
    minx, miny, maxx, maxy = poly.bounds
    dy = interior_km / 111.2
    dx = dy / np.cos(np.radians(lat0))
    X, Y = np.meshgrid(np.arange(minx, maxx, dx), np.arange(miny, maxy, dy))
    inside = shapely.contains_xy(poly, X.ravel(), Y.ravel())
    lon = np.r_[ring[:, 0], X.ravel()[inside]]
    lat = np.r_[ring[:, 1], Y.ravel()[inside]]
    return lat, lon


def _normals(lat, lon):
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def _brute_window(es1, sensor, t_from, t_to, lat, lon):
    times = np.arange(t_from, t_to, np.timedelta64(int(STEP_S * 1e9), "ns"))
    eph = propagate(es1, times, frame="ITRF", backend="sgp4")
    r = eph.position_km[0]          # (T, 3)
    v = eph.velocity_km_s[0]
    P = geodetic_to_itrf(lat, lon, 0.0)   # (K, 3)
    Up = _normals(lat, lon)
    slat, slon, _h = itrf_to_geodetic(r)
    nadir = -_normals(slat, slon)    # (T, 3) geodetic nadir
    L = P[None, :, :] - r[:, None, :]    # (T, K, 3)
    rng = np.linalg.norm(L, axis=-1)
    eta = np.degrees(np.arccos(np.clip(np.einsum("tkj,tj->tk", L, nadir) / rng, -1, 1)))
    inc = np.degrees(np.arccos(np.clip(-np.einsum("tkj,kj->tk", L, Up) / rng, -1, 1)))
    right = np.cross(nadir, v)          # n x v points right of the track
    side = np.sign(np.einsum("tkj,tj->tk", L, right))
    ang = inc if sensor.angle_kind == "incidence" else eta
    ang = np.where(inc < 90.0, ang, np.inf)  # a point behind the Earth's limb is never seen
    lo, hi = sensor.angle_min_deg, sensor.angle_max_deg
    if sensor.pointing == "agile":
        ok = (ang <= hi).any(axis=1)
        idx = np.flatnonzero(ok)
        if idx.size == 0:
            return None
        return times[idx[0]], times[idx[-1]]
    a = np.einsum("tkj,tj->tk", L, v)   # along-track offset (Doppler)
    cross = (a[:-1] > 0) & (a[1:] <= 0)   # zero Doppler between samples t and t+1
    if sensor.look_side == "right":
        side_ok = side[1:] > 0
    elif sensor.look_side == "left":
        side_ok = side[1:] < 0
    else:
        side_ok = np.ones_like(cross)
    inband = cross & (ang[1:] >= lo) & (ang[1:] <= hi) & side_ok
    tk = np.flatnonzero(inband.any(axis=1))
    if tk.size == 0:
        return None
    # the zero-Doppler instant lies within the step: take the mid-step
    half = np.timedelta64(int(STEP_S * 5e8), "ns")
    return times[tk[0]] + half, times[tk[-1]] + half


@pytest.mark.parametrize("name, sensor_name", [
    ("Sentinel-1A", "C-SAR-IW"),       # right-looking SAR, incidence band
    ("RADARSAT-2", "SAR-WIDE"),        # SAR that looks both ways
    ("Landsat 8", "OLI"),              # nadir push-broom
    ("Pleiades 1A", "HiRI"),           # agile, off-nadir cone
])
def test_window_edges_match_brute_force(fleet, name, sensor_name):
    sat = next(s for s in fleet.satellites if s.name == name)
    sub = fleet.select(norad_ids=[sat.norad_id])
    sub = type(sub)(sub.satellites, tuple(s for s in sub.sensors if s.sensor == sensor_name))
    act = activation(hours=36.0, hazard="other")
    from orbitwatch.response import AccessConfig
    res = compute_access(act, sub, config=AccessConfig(min_sun_elevation_deg=-90.0))
    assert res.opportunities, f"{name} has no window over the Po plain in 36 h"
    es, _ = fleet_elements(sub)
    lat, lon = _dense_points(PO_PLAIN)
    sensor = sub.sensors[0]
    checked = 0
    for o in res.opportunities[:3]:
        pad = np.timedelta64(40, "s")
        bw = _brute_window(es, sensor, o.window_start - pad, o.window_end + pad, lat, lon)
        assert bw is not None, f"brute force finds nothing around {o.window_start}"
        assert abs(seconds(o.window_start, bw[0])) < 1.0, (o.window_start, bw[0])
        assert abs(seconds(o.window_end, bw[1])) < 1.0, (o.window_end, bw[1])
        checked += 1
    assert checked >= 1


def _brute_day(es, sensor, start, hours, lat, lon, step_s):
    """Every window of one day by brute force on a coarser grid (recall check)."""
    P = geodetic_to_itrf(lat, lon, 0.0)
    Up = _normals(lat, lon)
    times = start + (np.arange(0, hours * 3600, step_s) * 1e9).astype("timedelta64[ns]")
    eph = propagate(es, times, frame="ITRF", backend="sgp4")
    r, v = eph.position_km[0], eph.velocity_km_s[0]
    slat, slon, _h = itrf_to_geodetic(r)
    nadir = -_normals(slat, slon)
    hits = np.zeros(len(times), bool)
    for c in range(0, len(times), 2000):
        sl = slice(c, min(c + 2001, len(times)))
        L = P[None] - r[sl, None]
        rng = np.linalg.norm(L, axis=-1)
        eta = np.degrees(np.arccos(np.clip(np.einsum("tkj,tj->tk", L, nadir[sl]) / rng, -1, 1)))
        inc = np.degrees(np.arccos(np.clip(-np.einsum("tkj,kj->tk", L, Up) / rng, -1, 1)))
        side = np.sign(np.einsum("tkj,tj->tk", L, np.cross(nadir[sl], v[sl])))
        ang = np.where(inc < 90.0, inc if sensor.angle_kind == "incidence" else eta, np.inf)
        if sensor.pointing == "agile":
            h = (ang <= sensor.angle_max_deg).any(axis=1)
        else:
            a = np.einsum("tkj,tj->tk", L, v[sl])
            cr = (a[:-1] > 0) & (a[1:] <= 0)
            so = {"right": side[1:] > 0, "left": side[1:] < 0}.get(sensor.look_side, True)
            h = np.r_[(cr & (ang[1:] >= sensor.angle_min_deg) & (ang[1:] <= sensor.angle_max_deg) & so).any(axis=1),
                      False]
        hits[sl] |= h
    m = np.diff(np.r_[False, hits, False].astype(int))
    return [(times[a], times[b - 1]) for a, b in zip(np.flatnonzero(m == 1), np.flatnonzero(m == -1))]


@pytest.mark.slow
@pytest.mark.parametrize("name, sensor_name", [
    ("Sentinel-1A", "C-SAR-IW"), ("ALOS-2", "PALSAR-2-FINE"), ("Pleiades 1A", "HiRI"), ("WorldView-3", "WV110"),
    ("NOAA-20", "VIIRS-I"), ("CBERS-4", "PAN"),
])
def test_no_window_is_missed_in_a_day(fleet, name, sensor_name):
    """Recall: every window a brute-force scan of the whole day finds is ours, and vice versa."""
    from orbitwatch.response import AccessConfig, Fleet

    sat = next(s for s in fleet.satellites if s.name == name)
    sen = next(s for s in fleet.sensors if s.platform == sat.platform and s.sensor == sensor_name)
    sub = Fleet((sat,), (sen,))
    geom = {"type": "Polygon", "coordinates": [[[67.55, 26.3], [68.55, 26.3], [69.1, 27.55], [68.05, 27.9],
                                                [67.45, 26.95], [67.55, 26.3]]]}
    act = activation(geom=geom, hours=24.0, hazard="other")
    res = compute_access(act, sub, config=AccessConfig(min_sun_elevation_deg=-90.0))
    ours = [(o.window_start, o.window_end) for o in res.opportunities]
    es, _ = fleet_elements(sub)
    lat, lon = _dense_points(geom, boundary_km=2.0, interior_km=6.0)
    brute = _brute_day(es, sen, act.start, 24, lat, lon, 1.0 if sen.pointing == "agile" else 2.0)
    tol = np.timedelta64(3, "s")

    def overlaps(w, others):
        return any(w[0] <= b[1] + tol and w[1] >= b[0] - tol for b in others)

    assert brute, "test case needs windows"
    assert all(overlaps(b, ours) for b in brute), (brute, ours)
    assert all(overlaps(w, brute) for w in ours), (brute, ours)
