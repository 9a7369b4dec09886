"""Charter activations: the area (GeoJSON), the hazard, the start time and the horizon.

The area is kept in longitude/latitude (WGS-84, degrees, edges straight in lon/lat as RFC
7946 says) and also in a Lambert azimuthal equal-area projection centred on it (Snyder 1987,
*Map Projections - A Working Manual*, USGS PP 1395, eqs. 24-2 to 24-4 and 20-14 to 20-18,
spherical form on the authalic radius), where areas - hence coverage fractions - are exact
to second order in the flattening. An area that crosses the antimeridian is unwrapped so its
longitudes are continuous (they may then exceed 180 deg); nothing downstream cares, since
geometry is done in Earth-fixed Cartesian coordinates and in the local projection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..constants import R_AUTHALIC_WGS84_KM
from ..errors import InputFileError, InputNotFoundError, InvalidRequestError
from ..timeutil import as_datetime64
from .errors import ActivationError

#: Hazard types a Charter activation names (aliases map onto them).
HAZARDS = ("flood", "earthquake", "storm", "wildfire", "volcano", "landslide", "oil_spill", "tsunami",
           "ice", "explosion", "other")
_HAZARD_ALIASES = {"cyclone": "storm", "hurricane": "storm", "typhoon": "storm", "tornado": "storm",
                   "fire": "wildfire", "forest_fire": "wildfire", "oil-spill": "oil_spill", "oilspill": "oil_spill",
                   "oil spill": "oil_spill", "snow": "ice", "flash_flood": "flood", "volcanic_eruption": "volcano",
                   "eruption": "volcano", "mudslide": "landslide", "industrial": "explosion"}

MAX_HOURS = 336.0        #: two weeks: beyond that SGP4 element sets are too stale to task on
MAX_AREA_RADIUS_KM = 2000.0
R_AUTHALIC_KM = R_AUTHALIC_WGS84_KM  # WGS-84 authalic sphere radius (constants.py)


def normalize_hazard(hazard: str, source: str = "<activation>") -> str:
    h = str(hazard).strip().lower().replace("-", "_")
    h = _HAZARD_ALIASES.get(h, _HAZARD_ALIASES.get(hazard.strip().lower(), h))
    if h not in HAZARDS:
        raise ActivationError(source, "hazard", f"{hazard!r} is not a known hazard; use one of {', '.join(HAZARDS)}")
    return h


@dataclass(frozen=True)
class LAEA:
    """Spherical Lambert azimuthal equal-area projection centred at (lat0, lon0), km."""

    lat0_deg: float
    lon0_deg: float
    radius_km: float = R_AUTHALIC_KM

    def forward(self, lat_deg, lon_deg):
        p0 = np.radians(self.lat0_deg)
        p = np.radians(np.asarray(lat_deg, float))
        dl = np.radians(np.asarray(lon_deg, float) - self.lon0_deg)
        cosc = np.sin(p0) * np.sin(p) + np.cos(p0) * np.cos(p) * np.cos(dl)
        k = np.sqrt(2.0 / np.maximum(1.0 + cosc, 1e-15))
        x = self.radius_km * k * np.cos(p) * np.sin(dl)
        y = self.radius_km * k * (np.cos(p0) * np.sin(p) - np.sin(p0) * np.cos(p) * np.cos(dl))
        return x, y

    def inverse(self, x, y):
        x = np.asarray(x, float)
        y = np.asarray(y, float)
        p0 = np.radians(self.lat0_deg)
        rho = np.hypot(x, y)
        c = 2.0 * np.arcsin(np.clip(rho / (2.0 * self.radius_km), -1, 1))
        with np.errstate(invalid="ignore", divide="ignore"):
            lat = np.arcsin(np.clip(np.cos(c) * np.sin(p0) + np.where(rho > 0, y * np.sin(c) * np.cos(p0) / rho, 0.0),
                                    -1, 1))
            lon = np.arctan2(x * np.sin(c), rho * np.cos(p0) * np.cos(c) - y * np.sin(p0) * np.sin(c))
        return np.degrees(lat), self.lon0_deg + np.degrees(lon)


@dataclass
class Area:
    """An area of interest ready for geometry.

    ``geometry`` is a shapely (Multi)Polygon or Point in lon/lat (unwrapped across the
    antimeridian); ``boundary_lat/lon_deg`` are its rings densified to at most
    ``densify_km`` between points, ring ``i`` being ``[ring_start[i], ring_start[i+1])``
    (no closing point repeated); ``cell_*`` are the centres of equal-area cells filling it,
    used to count coverage.
    """

    geometry: object
    projection: LAEA
    boundary_lat_deg: np.ndarray
    boundary_lon_deg: np.ndarray
    ring_start: np.ndarray
    cell_lat_deg: np.ndarray
    cell_lon_deg: np.ndarray
    area_km2: float
    is_point: bool
    radius_deg: float  # geocentric angular radius around the centre enclosing the whole area
    geometry_xy: object = None  # the area in the local projection (km)
    cell_size_km: float = 0.0

    @property
    def center_lat_deg(self) -> float:
        return self.projection.lat0_deg

    @property
    def center_lon_deg(self) -> float:
        return self.projection.lon0_deg


def _unwrap_ring(lon: np.ndarray) -> np.ndarray:
    d = np.diff(lon)
    jumps = np.where(d > 180.0, -360.0, np.where(d < -180.0, 360.0, 0.0))
    return np.concatenate([[lon[0]], lon[0] + np.cumsum(d + jumps)])


def _densify_ring(lat, lon, max_km):
    out_lat, out_lon = [], []
    n = len(lat)
    for i in range(n):
        j = (i + 1) % n
        dlat = lat[j] - lat[i]
        dlon = (lon[j] - lon[i]) * np.cos(np.radians(0.5 * (lat[i] + lat[j])))
        dist = 111.2 * np.hypot(dlat, dlon)
        k = max(1, int(np.ceil(dist / max_km)))
        f = np.arange(k) / k
        out_lat.append(lat[i] + f * (lat[j] - lat[i]))
        out_lon.append(lon[i] + f * (lon[j] - lon[i]))
    return np.concatenate(out_lat), np.concatenate(out_lon)


def _validate_positions(coords, where: str, source: str) -> np.ndarray:
    try:
        a = np.asarray(coords, dtype=float)
    except (TypeError, ValueError):
        raise ActivationError(source, where, "positions must be [longitude, latitude] number pairs") from None
    if a.ndim != 2 or a.shape[1] < 2:
        raise ActivationError(source, where, "positions must be [longitude, latitude] number pairs")
    a = a[:, :2]
    if not np.isfinite(a).all():
        raise ActivationError(source, where, "a coordinate is not a finite number")
    bad_lat = np.flatnonzero(np.abs(a[:, 1]) > 90.0)
    if bad_lat.size:
        k = int(bad_lat[0])
        raise ActivationError(source, f"{where} position {k}", f"latitude {a[k, 1]} outside [-90, 90]")
    bad_lon = np.flatnonzero(np.abs(a[:, 0]) > 180.0)  # RFC 7946: [-180, 180]; no wrapped 268.2
    if bad_lon.size:
        k = int(bad_lon[0])
        raise ActivationError(source, f"{where} position {k}", f"longitude {a[k, 0]} outside [-180, 180]")
    return a


def _polygons_from_geojson(geom: dict, source: str) -> tuple[list[list[np.ndarray]], tuple[float, float] | None]:
    """Rings (lon/lat arrays, open) per polygon, or a point."""
    if not isinstance(geom, dict) or "type" not in geom:
        raise ActivationError(source, "geometry", "not a GeoJSON geometry object")
    gtype = geom["type"]
    coords = geom.get("coordinates")
    if coords is None:
        raise ActivationError(source, "geometry", f"{gtype} has no coordinates")
    if gtype == "Point":
        a = _validate_positions([coords], "Point", source)
        return [], (float(a[0, 0]), float(a[0, 1]))
    if gtype == "Polygon":
        polys = [coords]
    elif gtype == "MultiPolygon":
        polys = coords
    else:
        raise ActivationError(source, "geometry.type",
                              f"{gtype!r} is not supported; give a Polygon, a MultiPolygon or a Point with radius_km")
    out = []
    for pi, poly in enumerate(polys):
        if not isinstance(poly, list) or not poly:
            raise ActivationError(source, f"polygon {pi}", "has no rings")
        rings = []
        for ri, ring in enumerate(poly):
            where = f"polygon {pi} ring {ri}"
            a = _validate_positions(ring, where, source)
            if len(a) >= 2 and np.array_equal(a[0], a[-1]):
                a = a[:-1]
            if len(a) < 3:
                raise ActivationError(source, where, f"a ring needs at least 3 distinct positions, got {len(a)}")
            rings.append(a)
        out.append(rings)
    return out, None


def build_area(geojson: dict, *, radius_km: float | None = None, source: str = "<area>",
               densify_km: float = 5.0, n_cells: int = 800) -> Area:
    """Validate a GeoJSON area (FeatureCollection, Feature or geometry) and prepare it for geometry.

    A Point becomes a circle when ``radius_km`` (argument, or the feature's ``radius_km``
    property) is given, else a point target. Raises :class:`ActivationError` naming the
    polygon, ring and position at fault.
    """
    import shapely
    from shapely.geometry import MultiPolygon, Point, Polygon
    from shapely.validation import explain_validity

    geoms, props = _collect_geometries(geojson, source)
    radius_given = radius_km is not None  # by the caller (else perhaps by the file's properties)
    if radius_km is None:
        for p in props:
            if p and "radius_km" in p:
                radius_km = p["radius_km"]
    polygons: list[list[np.ndarray]] = []
    point = None
    for g in geoms:
        polys, pt = _polygons_from_geojson(g, source)
        if pt is not None:
            if point is not None or polygons:
                raise ActivationError(source, "geometry",
                                      "mixing several points or points and polygons is not supported")
            point = pt
        else:
            if point is not None:
                raise ActivationError(source, "geometry", "mixing points and polygons is not supported")
            polygons.extend(polys)
    if point is None and not polygons:
        raise ActivationError(source, "geometry", "no Polygon, MultiPolygon or Point found")
    if polygons and radius_km is not None:
        # a radius is never silently ignored: it makes a Point a circle, and means nothing for a polygon
        why = ("applies only to a Point area; this area is a polygon (draw the buffered polygon itself, "
               "or give the area as a Point)")
        if radius_given:
            raise InvalidRequestError("radius_km", why, radius_km)
        raise ActivationError(source, "radius_km", f"property {why}")

    if point is not None:
        lon, lat = point
        if radius_km is not None:
            try:
                r = float(radius_km)
            except (TypeError, ValueError):
                raise ActivationError(source, "radius_km", f"{radius_km!r} is not a number") from None
            if not (0.0 < r <= MAX_AREA_RADIUS_KM):
                raise ActivationError(source, "radius_km", f"{r} outside (0, {MAX_AREA_RADIUS_KM}]")
            proj = LAEA(lat, lon)
            th = np.linspace(0, 2 * np.pi, 73)[:-1]
            # radius along the sphere: LAEA radial distance for a great-circle distance s is 2R sin(s/2R)
            rho = 2 * proj.radius_km * np.sin(r / (2 * proj.radius_km))
            clat, clon = proj.inverse(rho * np.sin(th), rho * np.cos(th))
            polygons = [[np.column_stack([clon, clat])]]
        else:
            proj = LAEA(lat, lon)
            la, lo = np.array([lat]), np.array([lon])
            return Area(geometry=Point(lon, lat), projection=proj, boundary_lat_deg=la, boundary_lon_deg=lo,
                        ring_start=np.array([0, 1]), cell_lat_deg=la.copy(), cell_lon_deg=lo.copy(), area_km2=0.0,
                        is_point=True, radius_deg=0.0, geometry_xy=Point(0.0, 0.0), cell_size_km=0.0)

    # antimeridian: make every ring continuous in longitude, then bring all polygons next to the first
    ref = None
    fixed = []
    for poly in polygons:
        rings = []
        for ring in poly:
            lon = _unwrap_ring(ring[:, 0])
            if ref is None:
                ref = lon[0]
            shift = 360.0 * np.round((np.mean(lon) - ref) / 360.0)
            rings.append(np.column_stack([lon - shift, ring[:, 1]]))
        fixed.append(rings)
    shp = []
    for pi, rings in enumerate(fixed):
        poly = Polygon(rings[0], rings[1:])
        if not poly.is_valid:
            raise ActivationError(source, f"polygon {pi}", f"invalid polygon: {explain_validity(poly)}")
        if poly.area <= 0:
            raise ActivationError(source, f"polygon {pi}", "polygon has zero area")
        shp.append(poly)
    geom = shp[0] if len(shp) == 1 else MultiPolygon(shp)
    if not geom.is_valid:
        raise ActivationError(source, "geometry", f"invalid multipolygon: {explain_validity(geom)}")
    # projection centre: centroid of the lon/lat polygon (good enough for a local equal-area frame)
    c = geom.centroid
    lon0 = float(c.x)
    proj = LAEA(float(c.y), lon0)
    # densified rings in lon/lat (edges straight in lon/lat), then the projected polygon
    blat, blon, starts = [], [], [0]
    xy_polys = []
    for rings in fixed:
        xy_rings = []
        for ring in rings:
            dlat, dlon = _densify_ring(ring[:, 1], ring[:, 0], densify_km)
            blat.append(dlat)
            blon.append(dlon)
            starts.append(starts[-1] + len(dlat))
            x, y = proj.forward(dlat, dlon)
            xy_rings.append(np.column_stack([x, y]))
        xy_polys.append(Polygon(xy_rings[0], xy_rings[1:]))
    blat = np.concatenate(blat)
    blon = np.concatenate(blon)
    geom_xy = xy_polys[0] if len(xy_polys) == 1 else MultiPolygon(xy_polys)
    geom_xy = shapely.make_valid(geom_xy) if not geom_xy.is_valid else geom_xy
    area_km2 = float(geom_xy.area)
    # angular radius (geocentric, via the sphere) of the farthest boundary point from the centre
    x, y = proj.forward(blat, blon)
    rho = np.hypot(x, y)
    radius_deg = float(np.degrees(2 * np.arcsin(np.clip(rho.max() / (2 * proj.radius_km), 0, 1))))
    if radius_deg * 111.2 > MAX_AREA_RADIUS_KM:
        raise ActivationError(source, "geometry",
                              f"area extends {radius_deg * 111.2:.0f} km from its centre; split it into activations "
                              f"of at most {MAX_AREA_RADIUS_KM:.0f} km radius")
    # equal-area cells
    minx, miny, maxx, maxy = geom_xy.bounds
    step = float(np.sqrt(area_km2 / max(n_cells, 1)))
    gx = np.arange(minx + step / 2, maxx, step)
    gy = np.arange(miny + step / 2, maxy, step)
    X, Y = np.meshgrid(gx, gy)
    X, Y = X.ravel(), Y.ravel()
    inside = shapely.contains_xy(geom_xy, X, Y)
    X, Y = X[inside], Y[inside]
    if X.size == 0:  # a sliver: use its representative point
        rp = geom_xy.representative_point()
        X, Y = np.array([rp.x]), np.array([rp.y])
    clat, clon = proj.inverse(X, Y)
    return Area(geometry=geom, projection=proj, boundary_lat_deg=blat, boundary_lon_deg=blon,
                ring_start=np.array(starts), cell_lat_deg=clat, cell_lon_deg=clon, area_km2=area_km2,
                is_point=False, radius_deg=radius_deg, geometry_xy=geom_xy, cell_size_km=step)


def _collect_geometries(obj, source):
    if not isinstance(obj, dict):
        raise ActivationError(source, "GeoJSON", "top level must be a JSON object")
    t = obj.get("type")
    if t == "FeatureCollection":
        feats = obj.get("features")
        if not isinstance(feats, list) or not feats:
            raise ActivationError(source, "features", "FeatureCollection has no features")
        geoms, props = [], []
        for i, f in enumerate(feats):
            if not isinstance(f, dict) or f.get("type") != "Feature":
                raise ActivationError(source, f"features[{i}]", "not a Feature")
            if f.get("geometry") is None:
                raise ActivationError(source, f"features[{i}].geometry", "missing")
            geoms.append(f["geometry"])
            props.append(f.get("properties") or {})
        return geoms, props
    if t == "Feature":
        if obj.get("geometry") is None:
            raise ActivationError(source, "geometry", "Feature has no geometry")
        return [obj["geometry"]], [obj.get("properties") or {}]
    if "coordinates" in obj:
        return [obj], [{}]
    if t == "GeometryCollection":
        return list(obj.get("geometries") or []), [{}]
    raise ActivationError(source, "type", f"{t!r} is not a GeoJSON FeatureCollection, Feature or geometry")


@dataclass
class Activation:
    """A Charter activation ready to plan."""

    area: Area
    hazard: str
    start: np.datetime64
    hours: float
    name: str = "activation"
    source: str = "<activation>"
    properties: dict = field(default_factory=dict)

    @property
    def end(self) -> np.datetime64:
        return self.start + np.timedelta64(int(round(self.hours * 3600e9)), "ns")


def _props_of(obj) -> dict:
    if isinstance(obj, dict):
        if obj.get("type") == "Feature":
            return dict(obj.get("properties") or {})
        if obj.get("type") == "FeatureCollection":
            out = dict(obj.get("properties") or {})
            for f in obj.get("features") or []:
                if isinstance(f, dict):
                    for k, v in (f.get("properties") or {}).items():
                        out.setdefault(k, v)
            return out
    return {}


def make_activation(geojson: dict, *, hazard: str | None = None, start=None, hours: float | None = None,
                    radius_km: float | None = None, name: str | None = None, source: str = "<activation>",
                    n_cells: int = 800) -> Activation:
    """An :class:`Activation` from a GeoJSON object; arguments override its properties
    (``hazard``, ``start``, ``hours``, ``radius_km``, ``name``)."""
    props = _props_of(geojson)
    hz = hazard if hazard is not None else props.get("hazard")
    if hz is None:
        raise ActivationError(source, "hazard", "no hazard given (argument or the GeoJSON 'hazard' property)")
    hz = normalize_hazard(hz, source)
    st = start if start is not None else props.get("start")
    if st is None:
        raise ActivationError(source, "start", "no start time given (argument or the GeoJSON 'start' property)")
    try:
        st64 = np.datetime64(as_datetime64(st)[()], "ns")
    except (ValueError, TypeError) as exc:
        raise ActivationError(source, "start", str(exc)) from None
    if np.isnat(st64):
        raise ActivationError(source, "start", "not a time")
    hr = hours if hours is not None else props.get("hours", 48)
    try:
        hr = float(hr)
    except (TypeError, ValueError):
        raise ActivationError(source, "hours", f"{hr!r} is not a number") from None
    if not (0.0 < hr <= MAX_HOURS):
        raise ActivationError(source, "hours", f"horizon {hr} h outside (0, {MAX_HOURS:g}] h")
    area = build_area(geojson, radius_km=radius_km, source=source, n_cells=n_cells)
    return Activation(area=area, hazard=hz, start=st64, hours=hr, name=name or props.get("name") or "activation",
                      source=source, properties=props)


def _geojson_text(raw: bytes, source: str) -> str:
    """The text of a GeoJSON file, or :class:`InputFileError` for binary or non-UTF-8 content."""
    head = raw[:4096]
    if b"\x00" in head or head.startswith((b"\x1f\x8b", b"PK\x03\x04", b"%PDF", b"\x89PNG")):
        raise InputFileError(source, "binary content, not GeoJSON text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(source, f"not UTF-8 text (byte {exc.start}): GeoJSON is UTF-8 (RFC 7946)") from None
    if not text.strip():
        raise InputFileError(source, "empty file, not GeoJSON")
    return text


def read_geojson(path: str | Path) -> dict:
    """The JSON object of a GeoJSON file; :class:`InputFileError` / :class:`ActivationError` name the file."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise InputNotFoundError.from_os_error(p, exc) from None
    try:
        return json.loads(_geojson_text(raw, str(p)))
    except json.JSONDecodeError as exc:
        raise ActivationError(str(p), f"line {exc.lineno} column {exc.colno}", f"not valid JSON: {exc.msg}") from None


def geojson_properties(obj) -> dict:
    """The activation properties of a GeoJSON object (``hazard``, ``start``, ``hours``, ``name``...)."""
    return _props_of(obj)


def read_activation(path: str | Path, **kwargs) -> Activation:
    """Read an activation area from a GeoJSON file; see :func:`make_activation` for the arguments.

    >>> a = read_activation(sample_activation_path())
    >>> a.hazard, a.hours, round(a.area.area_km2, -3)
    ('flood', 48.0, 24000.0)
    """
    return make_activation(read_geojson(path), source=str(Path(path)), **kwargs)


def sample_activation_path() -> Path:
    """The shipped illustrative flood area (see ``data/response/README.md``)."""
    from importlib import resources

    return Path(str(resources.files("orbitwatch").joinpath("data", "response", "sample-flood.geojson")))
