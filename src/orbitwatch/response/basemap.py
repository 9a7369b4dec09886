"""Offline basemap: Natural Earth 1:50m land and country borders, shipped as compact GeoJSON.

``data/response/basemap-50m.geojson.gz`` was made by :func:`build_basemap` from the npm package
``world-atlas@2.0.2`` (``land-50m.json``, ``countries-50m.json``: Natural Earth 4.1.0 as TopoJSON;
Natural Earth is public domain, world-atlas is ISC-licensed). See ``basemap-PROVENANCE.md``.
Nothing is fetched at run time.
"""

from __future__ import annotations

import gzip
import json
from functools import lru_cache
from importlib import resources

import numpy as np

BASEMAP_FILE = "basemap-50m.geojson.gz"


def _decode_arcs(topo: dict) -> list[np.ndarray]:
    tr = topo.get("transform")
    arcs = []
    for arc in topo["arcs"]:
        a = np.asarray(arc, dtype=float)
        if tr:
            a = np.cumsum(a, axis=0)
            a = a * np.asarray(tr["scale"]) + np.asarray(tr["translate"])
        arcs.append(a)
    return arcs


def _ring(arcs, idx) -> np.ndarray:
    pts = []
    for i in idx:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.append(a if not pts else a[1:])
    return np.vstack(pts)


def topojson_polygons(topo: dict, obj: str) -> list[list[np.ndarray]]:
    """Polygons (lists of rings, lon/lat arrays) of one TopoJSON object."""
    arcs = _decode_arcs(topo)
    out = []
    geoms = topo["objects"][obj]
    geoms = geoms.get("geometries", [geoms])
    for g in geoms:
        if g["type"] == "Polygon":
            out.append([_ring(arcs, r) for r in g["arcs"]])
        elif g["type"] == "MultiPolygon":
            for p in g["arcs"]:
                out.append([_ring(arcs, r) for r in p])
    return out


def topojson_borders(topo: dict, obj: str) -> list[np.ndarray]:
    """Arcs shared by two different geometries (internal borders), as lon/lat polylines."""
    arcs = _decode_arcs(topo)
    owners: dict[int, set] = {}
    geoms = topo["objects"][obj]["geometries"]
    for gi, g in enumerate(geoms):
        polys = [g["arcs"]] if g["type"] == "Polygon" else g["arcs"] if g["type"] == "MultiPolygon" else []
        for p in polys:
            for r in p:
                for i in r:
                    owners.setdefault(i if i >= 0 else ~i, set()).add(gi)
    return [arcs[i] for i, o in sorted(owners.items()) if len(o) > 1]


def build_basemap(land_topojson: str, countries_topojson: str, out_path: str, decimals: int = 2) -> int:
    """Write the shipped basemap from world-atlas files; returns the compressed size in bytes."""
    with open(land_topojson, encoding="utf-8") as f:
        land = json.load(f)
    with open(countries_topojson, encoding="utf-8") as f:
        countries = json.load(f)

    def rnd(a):
        a = np.round(a, decimals)
        keep = np.r_[True, np.any(np.diff(a, axis=0) != 0, axis=1)]
        return a[keep].tolist()

    polys = [[rnd(r) for r in p] for p in topojson_polygons(land, "land")]
    polys = [p for p in polys if len(p[0]) >= 4]
    borders = [rnd(b) for b in topojson_borders(countries, "countries")]
    fc = {"type": "FeatureCollection",
          "properties": {"source": "Natural Earth 4.1.0 1:50m via npm world-atlas@2.0.2 (public domain / ISC)"},
          "features": [
              {"type": "Feature", "properties": {"layer": "land"},
               "geometry": {"type": "MultiPolygon", "coordinates": polys}},
              {"type": "Feature", "properties": {"layer": "borders"},
               "geometry": {"type": "MultiLineString", "coordinates": [b for b in borders if len(b) >= 2]}},
          ]}
    raw = json.dumps(fc, separators=(",", ":")).encode()
    data = gzip.compress(raw, 9, mtime=0)
    with open(out_path, "wb") as f:
        f.write(data)
    return len(data)


@lru_cache(maxsize=1)
def load_basemap() -> tuple[list, list]:
    """(land polygons as lists of (M, 2) lon/lat ring arrays, border polylines)."""
    raw = resources.files("orbitwatch").joinpath("data", "response", BASEMAP_FILE).read_bytes()
    fc = json.loads(gzip.decompress(raw))
    land, borders = [], []
    for f in fc["features"]:
        g = f["geometry"]
        if f["properties"]["layer"] == "land":
            land = [[np.asarray(r) for r in p] for p in g["coordinates"]]
        else:
            borders = [np.asarray(b) for b in g["coordinates"]]
    return land, borders


def clip_box(lon_min, lon_max, lat_min, lat_max):
    """Basemap pieces that intersect a lon/lat box (longitudes may extend past +-180)."""
    land, borders = load_basemap()
    out_land, out_borders = [], []
    for shift in (-360.0, 0.0, 360.0):
        if lon_max < -180 + shift or lon_min > 180 + shift:
            continue
        for p in land:
            r = p[0]
            if r[:, 0].max() + shift < lon_min or r[:, 0].min() + shift > lon_max or \
                    r[:, 1].max() < lat_min or r[:, 1].min() > lat_max:
                continue
            out_land.append([q + np.array([shift, 0.0]) for q in p])
        for b in borders:
            if b[:, 0].max() + shift < lon_min or b[:, 0].min() + shift > lon_max or \
                    b[:, 1].max() < lat_min or b[:, 1].min() > lat_max:
                continue
            out_borders.append(b + np.array([shift, 0.0]))
    return out_land, out_borders


def draw_land(ax, box=(-180.0, 180.0, -90.0, 90.0)) -> None:
    """Draw Natural Earth land and borders on a matplotlib axis in plain lon/lat degrees.

    Rings are unwrapped in longitude (a ring that crosses the antimeridian would
    otherwise be drawn across the whole map) and repeated 360 deg either side."""
    from matplotlib.patches import Polygon as MPoly

    def unwrap(r):
        r = np.array(r, dtype=float)
        r[:, 0] = np.degrees(np.unwrap(np.radians(r[:, 0])))
        return r

    land, borders = load_basemap()
    ax.set_facecolor("#dbe9f4")
    lon0, lon1, lat0, lat1 = box
    for p in land:
        rings = [unwrap(q) for q in p]
        for shift in (-360.0, 0.0, 360.0):
            r0 = rings[0]
            if r0[:, 0].max() + shift < lon0 or r0[:, 0].min() + shift > lon1:
                continue
            if r0[:, 1].max() < lat0 or r0[:, 1].min() > lat1:
                continue
            off = np.array([shift, 0.0])
            ax.add_patch(MPoly(r0 + off, closed=True, facecolor="#f2efe6", edgecolor="#9a9a9a", lw=0.4, zorder=0))
            for hole in rings[1:]:
                ax.add_patch(MPoly(hole + off, closed=True, facecolor="#dbe9f4", edgecolor="#9a9a9a", lw=0.4,
                                   zorder=0))
    for b in borders:
        b = unwrap(b)
        for shift in (-360.0, 0.0, 360.0):
            if b[:, 0].max() + shift < lon0 or b[:, 0].min() + shift > lon1:
                continue
            ax.plot(b[:, 0] + shift, b[:, 1], color="#b0a0b0", lw=0.4, ls="--", zorder=0)
