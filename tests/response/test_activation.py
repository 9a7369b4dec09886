"""Activation input: shapes accepted, bad input rejected with the field and the reason."""

import math

import numpy as np
import pytest

from orbitwatch.errors import InputNotFoundError
from orbitwatch.response import ActivationError, make_activation, read_activation, sample_activation_path

SQUARE = [[[10.0, 45.0], [11.0, 45.0], [11.0, 46.0], [10.0, 46.0], [10.0, 45.0]]]


def act(geom, **kw):
    kw.setdefault("hazard", "flood")
    kw.setdefault("start", "2026-06-10T00:00:00Z")
    kw.setdefault("hours", 24)
    return make_activation(geom, **kw)


def test_sample_reads_with_its_properties():
    a = read_activation(sample_activation_path())
    assert a.hazard == "flood" and a.hours == 48
    assert a.start == np.datetime64("2026-06-10T12:00:00", "ns")
    assert 15_000 < a.area.area_km2 < 40_000
    assert len(a.area.cell_lat_deg) > 500


def test_polygon_area_matches_spherical_excess():
    a = act({"type": "Polygon", "coordinates": SQUARE})
    # lon/lat rectangle on the sphere: R^2 dlon (sin lat2 - sin lat1) (edges along parallels are
    # straight in lon/lat, as RFC 7946 says; the densified boundary follows them)
    R = 6371.0072
    ref = R * R * math.radians(1.0) * (math.sin(math.radians(46)) - math.sin(math.radians(45)))
    assert a.area.area_km2 == pytest.approx(ref, rel=2e-3)


def test_multipolygon_and_feature_collection():
    mp = {"type": "MultiPolygon", "coordinates": [SQUARE, [[[12.0, 45.0], [12.5, 45.0], [12.5, 45.5], [12.0, 45.0]]]]}
    fc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"hazard": "wildfire"},
                                                     "geometry": mp}]}
    a = make_activation(fc, start="2026-06-10T00:00", hours=12)
    assert a.hazard == "wildfire"
    assert a.area.geometry.geom_type == "MultiPolygon"
    assert len(a.area.ring_start) == 3


def test_antimeridian_polygon_is_unwrapped_not_rejected():
    # Fiji-like square across 180: given with the usual jump 179.5 -> -179.5
    across = [[[179.5, -17.0], [-179.5, -17.0], [-179.5, -16.0], [179.5, -16.0], [179.5, -17.0]]]
    away = [[[9.5, -17.0], [10.5, -17.0], [10.5, -16.0], [9.5, -16.0], [9.5, -17.0]]]
    a = act({"type": "Polygon", "coordinates": across})
    b = act({"type": "Polygon", "coordinates": away})
    assert a.area.area_km2 == pytest.approx(b.area.area_km2, rel=1e-9)
    assert a.area.radius_deg < 1.0
    lon = a.area.boundary_lon_deg
    assert np.all(np.abs(np.diff(lon)) < 1.0)  # continuous, no 359-degree jump


@pytest.mark.parametrize("geom, field, reason", [
    ({"type": "Polygon", "coordinates": [[[10, 45], [11, 46], [11, 45], [10, 46], [10, 45]]]}, "polygon 0",
     "Self-intersection"),
    ({"type": "Polygon", "coordinates": [[[10, 95], [11, 45], [11, 46], [10, 95]]]}, "polygon 0 ring 0 position 0",
     "latitude 95"),
    ({"type": "Polygon", "coordinates": [[[10, 45], [11, 45], [10, 45]]]}, "polygon 0 ring 0", "at least 3"),
    ({"type": "LineString", "coordinates": [[10, 45], [11, 45]]}, "geometry.type", "LineString"),
    ({"type": "Polygon", "coordinates": [[["a", 45], [11, 45], [11, 46], ["a", 45]]]}, "polygon 0 ring 0",
     "number pairs"),
])
def test_bad_geometry_names_field_and_reason(geom, field, reason):
    with pytest.raises(ActivationError) as e:
        act(geom)
    assert e.value.field == field
    assert reason in e.value.reason


@pytest.mark.parametrize("kw, field", [
    ({"hours": 0}, "hours"), ({"hours": 400}, "hours"), ({"hours": "x"}, "hours"),
    ({"hazard": "alien invasion"}, "hazard"), ({"start": "yesterday"}, "start"),
])
def test_bad_parameters(kw, field):
    with pytest.raises(ActivationError) as e:
        act({"type": "Polygon", "coordinates": SQUARE}, **kw)
    assert e.value.field == field


def test_hazard_aliases():
    assert act({"type": "Polygon", "coordinates": SQUARE}, hazard="Typhoon").hazard == "storm"
    assert act({"type": "Polygon", "coordinates": SQUARE}, hazard="forest_fire").hazard == "wildfire"


def test_point_needs_no_radius_but_rejects_a_silly_one():
    a = act({"type": "Point", "coordinates": [10.0, 45.0]})
    assert a.area.is_point and a.area.area_km2 == 0.0
    with pytest.raises(ActivationError) as e:
        act({"type": "Point", "coordinates": [10.0, 45.0]}, radius_km=-5)
    assert e.value.field == "radius_km"


def test_file_errors_name_the_file(tmp_path):
    p = tmp_path / "bad.geojson"
    p.write_text('{"type": "Polygon", "coordinates": [[[10, 45], [11, 45]')
    with pytest.raises(ActivationError) as e:
        read_activation(p, hazard="flood", start="2026-06-10", hours=5)
    assert str(p) in str(e.value) and "line 1" in e.value.field
    with pytest.raises(InputNotFoundError) as e:   # a missing input is "not found", not bad data
        read_activation(tmp_path / "missing.geojson")
    assert "missing.geojson" in str(e.value)


def test_too_large_area_is_rejected():
    big = [[[0, 0], [60, 0], [60, 40], [0, 40], [0, 0]]]
    with pytest.raises(ActivationError) as e:
        act({"type": "Polygon", "coordinates": big})
    assert "split" in e.value.reason
