"""The web console: static files (vanilla ES modules, SVG, CSS; no build step, no third-party
code) served by the API process itself under ``/console/``, with a strict Content-Security-Policy.

The page talks only to the API (same origin, the ``ow_session`` cookie and the CSRF token), so
it has exactly the caller's authorisation. ``/console/basemap.geojson`` is the shipped Natural
Earth land layer, simplified for the browser (nothing is fetched from elsewhere).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

#: what the console may load: itself only (no inline script or style, no other origin)
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png",
         ".json": "application/json", ".geojson": "application/geo+json"}
_NAME = re.compile(r"^(?:[a-z0-9_\-]+/)*[a-z0-9_\-]+\.(?:html|js|css|svg|png)$")
BASEMAP_STEP_DEG = 0.25


def _static(name: str) -> bytes | None:
    if not _NAME.match(name):
        return None
    f = resources.files("orbitwatch.service").joinpath("console", *name.split("/"))
    try:
        return f.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


@lru_cache(maxsize=1)
def simplified_basemap(step_deg: float = BASEMAP_STEP_DEG) -> bytes:
    """The shipped land polygons snapped to a ``step_deg`` grid (repeated points and rings that
    collapse dropped), as compact GeoJSON bytes."""
    from ..response.basemap import load_basemap

    import numpy as np

    land, _ = load_basemap()
    polys = []
    for poly in land:
        rings = []
        for ring in poly:
            snapped = np.round(np.round(np.asarray(ring, dtype=float) / step_deg) * step_deg, 2)
            keep = np.ones(len(snapped), bool)
            keep[1:] = np.any(snapped[1:] != snapped[:-1], axis=1)
            pts = snapped[keep]
            if len(pts) >= 4:
                if np.any(pts[0] != pts[-1]):
                    pts = np.vstack([pts, pts[:1]])
                rings.append(pts.tolist())
        if rings:
            polys.append(rings)
    fc = {"type": "FeatureCollection",
          "properties": {"source": "Natural Earth 1:50m land (public domain), simplified to "
                                   f"{step_deg} deg by orbitwatch"},
          "features": [{"type": "Feature", "properties": {"layer": "land"},
                        "geometry": {"type": "MultiPolygon", "coordinates": polys}}]}
    return json.dumps(fc, separators=(",", ":")).encode()


@lru_cache(maxsize=1)
def _gzipped_basemap() -> bytes:
    import gzip

    return gzip.compress(simplified_basemap(), 6)


def mount_console(app) -> None:
    """``/`` redirects to ``/console/``; ``/console/...`` serves the console's files."""
    def headers(cache: str = "no-cache") -> dict:
        return {"Content-Security-Policy": CSP, "Cache-Control": cache, "Referrer-Policy": "no-referrer",
                "X-Frame-Options": "DENY"}

    @app.get("/", include_in_schema=False)
    def root():
        return RedirectResponse("/console/", status_code=307)

    @app.get("/console", include_in_schema=False)
    def console_bare():
        return RedirectResponse("/console/", status_code=307)

    @app.get("/console/", include_in_schema=False)
    def index():
        return Response(_static("index.html"), media_type=TYPES[".html"], headers=headers())

    @app.get("/console/basemap.geojson", include_in_schema=False)
    def basemap(request: Request):
        h = headers("max-age=86400")
        if "gzip" in request.headers.get("accept-encoding", ""):
            h.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding"})
            return Response(_gzipped_basemap(), media_type=TYPES[".geojson"], headers=h)
        return Response(simplified_basemap(), media_type=TYPES[".geojson"], headers=h)

    @app.get("/console/{name:path}", include_in_schema=False)
    def static(name: str):
        data = _static(name)
        if data is None:
            from .errors import not_found

            raise not_found("console file", name)
        return Response(data, media_type=TYPES[name[name.rfind("."):]], headers=headers())
