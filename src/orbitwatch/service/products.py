"""Earth-observation products as STAC: Items built with pystac (from a tasking request reported
acquired, or posted as STAC Item JSON), Collections owned by agencies, uploaded asset files
(content-addressed), and the item search used by ``/stac/search``.

Visibility is part of every query (:func:`orbitwatch.service.charter.items_visible`), so counts
and pages never include what the caller may not see.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import and_, insert, or_, select
from sqlalchemy.engine import Connection

from ..errors import ConflictError, InvalidRequestError, ResourceLimitError
from ..store.charter_schema import stac_blobs, stac_collections, stac_items
from .db import now_ns

ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{0,127}$")
PROCESSING_EXT = "https://stac-extensions.github.io/processing/v1.2.0/schema.json"
ACTIVATION_PROP = "charter:activation_id"
HAZARD_PROP = "charter:hazard"
#: radar bands of the platforms the shipped fleet flies (public mission facts), for the SAR extension
SAR_BANDS = {"RADARSAT": "C", "RCM": "C", "SENTINEL-1": "C", "GAOFEN-3": "C", "EOS-04": "C", "RISAT": "C",
             "ALOS": "L", "SAOCOM": "L", "TERRASAR": "X", "TANDEM": "X", "PAZ": "X", "COSMO": "X",
             "CSG": "X", "ICEYE": "X", "KOMPSAT-5": "X", "NISAR": "L"}


def check_id(field: str, value: str) -> str:
    if not isinstance(value, str) or not ID_RE.match(value):
        raise InvalidRequestError(field, "1-128 characters: letters, digits, '.', '_', '-' (not first)", value)
    return value


def ns_of(dt: _dt.datetime) -> int:
    if dt.tzinfo is not None:
        dt = dt.astimezone(_dt.timezone.utc).replace(tzinfo=None)
    return int(np.datetime64(dt, "ns").astype(np.int64))


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def parse_rfc3339(field: str, text: str) -> int:
    """An RFC 3339 date-time (with its offset, or Z) as ns since 1970 UTC; anything else is refused."""
    if not isinstance(text, str) or not RFC3339.match(text.strip()):
        raise InvalidRequestError(field, "not an RFC 3339 date-time (e.g. 2026-06-10T12:00:00Z)", text)
    try:
        dt = _dt.datetime.fromisoformat(text.strip().replace("z", "Z").replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequestError(field, "not an RFC 3339 date-time", text) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_dt.timezone.utc)
    return ns_of(dt)


def parse_interval(text: str | None) -> tuple[int | None, int | None]:
    """STAC ``datetime``: one instant, or ``a/b`` with ``..`` (or empty) for an open end."""
    if text is None or not str(text).strip():
        return None, None
    s = str(text).strip()
    if "/" not in s:
        t = parse_rfc3339("datetime", s)
        return t, t
    if s.count("/") != 1:
        raise InvalidRequestError("datetime", "an instant, or two ends separated by one '/'", s)
    a, b = s.split("/", 1)
    lo = None if a in ("", "..") else parse_rfc3339("datetime", a)
    hi = None if b in ("", "..") else parse_rfc3339("datetime", b)
    if lo is None and hi is None:
        raise InvalidRequestError("datetime", "both ends open", s)
    if lo is not None and hi is not None and lo > hi:
        raise InvalidRequestError("datetime", "the start is after the end", s)
    return lo, hi


def parse_bbox(value: Any) -> tuple[float, float, float, float] | None:
    if value is None or value == "":
        return None
    parts = value.split(",") if isinstance(value, str) else list(value)
    try:
        nums = [float(x) for x in parts]
    except (TypeError, ValueError):
        raise InvalidRequestError("bbox", "numbers: minx,miny,maxx,maxy", value) from None
    if len(nums) == 6:
        nums = [nums[0], nums[1], nums[3], nums[4]]
    if len(nums) != 4 or not all(np.isfinite(nums)):
        raise InvalidRequestError("bbox", "4 (or 6) finite numbers: minx,miny,maxx,maxy", value)
    x0, y0, x1, y1 = nums
    if not (-180 <= x0 <= 180 and -180 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise InvalidRequestError("bbox", "longitudes in [-180, 180], latitudes in [-90, 90], miny <= maxy", value)
    return x0, y0, x1, y1


def geometry_bbox(geometry: dict) -> list[float]:
    pts: list[tuple[float, float]] = []

    def walk(c):
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            pts.append((float(c[0]), float(c[1])))
        elif isinstance(c, (list, tuple)):
            for x in c:
                walk(x)

    if geometry.get("type") == "GeometryCollection":
        for g in geometry.get("geometries", []):
            walk(g.get("coordinates"))
    else:
        walk(geometry.get("coordinates"))
    if not pts:
        raise InvalidRequestError("geometry", "no coordinates")
    a = np.array(pts)
    if not (np.all(np.abs(a[:, 0]) <= 180) and np.all(np.abs(a[:, 1]) <= 90)):
        raise InvalidRequestError("geometry", "longitude/latitude out of range")
    return [float(a[:, 0].min()), float(a[:, 1].min()), float(a[:, 0].max()), float(a[:, 1].max())]


# ===================================================================================== items
def item_from_tasking(task: dict, activation: dict, report: dict, collection_id: str, item_id: str):
    """A pystac Item for an acquisition reported done: footprint, time, platform, instrument,
    constellation; sat, view, SAR or EO and processing fields where they apply."""
    import pystac
    from pystac.extensions.eo import EOExtension
    from pystac.extensions.sar import FrequencyBand, Polarization, SarExtension
    from pystac.extensions.sat import OrbitState, SatExtension
    from pystac.extensions.view import ViewExtension

    q = task["request"]
    geometry = q["footprint"]
    start = _dt.datetime.fromisoformat(q["acquisition_start_utc"].replace("Z", "+00:00"))
    end = _dt.datetime.fromisoformat(q["acquisition_end_utc"].replace("Z", "+00:00"))
    mid = start + (end - start) / 2
    props = {"platform": q["satellite"].lower().replace(" ", "-"), "instruments": [q["sensor"].lower()],
             "constellation": q["satellite"].split(" ")[0].lower(), "gsd": float(q["resolution_m"]),
             "start_datetime": start.isoformat().replace("+00:00", "Z"),
             "end_datetime": end.isoformat().replace("+00:00", "Z"),
             ACTIVATION_PROP: int(activation["id"]), HAZARD_PROP: activation["hazard"],
             "charter:agency": q["agency"], "charter:tasking_id": int(task["id"])}
    item = pystac.Item(item_id, geometry, geometry_bbox(geometry), mid, props, collection=collection_id)
    sat = SatExtension.ext(item, add_if_missing=True)
    if q.get("orbit_direction") in ("ascending", "descending"):
        sat.orbit_state = OrbitState(q["orbit_direction"])
    if report.get("absolute_orbit") is not None:
        sat.absolute_orbit = int(report["absolute_orbit"])
    view = ViewExtension.ext(item, add_if_missing=True)
    view.off_nadir = round(0.5 * (q["off_nadir_min_deg"] + q["off_nadir_max_deg"]), 2)
    view.incidence_angle = round(0.5 * (q["incidence_min_deg"] + q["incidence_max_deg"]), 2)
    if q.get("sun_elevation_deg") is not None:
        view.sun_elevation = float(q["sun_elevation_deg"])
    if q["sensor_type"] == "SAR":
        band = report.get("frequency_band") or next(
            (b for k, b in SAR_BANDS.items() if q["satellite"].upper().startswith(k)), None)
        pols = report.get("polarizations")
        if band and pols:
            SarExtension.ext(item, add_if_missing=True).apply(
                instrument_mode=q["sensor"], frequency_band=FrequencyBand(band),
                polarizations=[Polarization(p) for p in pols], product_type=report.get("product_type", "GRD"))
        # without the polarizations (the acquiring agency reports them) the SAR extension is left out:
        # its required fields are not invented
    elif report.get("cloud_cover") is not None:
        EOExtension.ext(item, add_if_missing=True).cloud_cover = float(report["cloud_cover"])
    if report.get("processing_level"):
        item.stac_extensions.append(PROCESSING_EXT)
        item.properties["processing:level"] = str(report["processing_level"])
    for key, a in (report.get("assets") or {}).items():
        item.add_asset(check_id("assets", key), pystac.Asset(href=a["href"], media_type=a.get("type"),
                                                             title=a.get("title"), roles=a.get("roles")))
    return item


def item_from_json(body: dict, collection_id: str):
    """A posted STAC Item, read by pystac (refused with the reason when it is not one)."""
    import pystac

    if not isinstance(body, dict) or body.get("type") != "Feature":
        raise InvalidRequestError("item", "a STAC Item is a GeoJSON Feature (type 'Feature')")
    if not isinstance(body.get("geometry"), dict):
        raise InvalidRequestError("item.geometry", "required (a GeoJSON geometry)")
    body = {**body, "links": [], "collection": collection_id}
    body.setdefault("stac_version", pystac.get_stac_version())
    body.setdefault("bbox", geometry_bbox(body["geometry"]))
    check_id("item.id", body.get("id"))
    try:
        item = pystac.Item.from_dict(body, preserve_dict=False)
    except Exception as exc:  # noqa: BLE001 - pystac raises KeyError/ValueError/TypeError on bad input
        raise InvalidRequestError("item", f"not a STAC Item: {type(exc).__name__}: {exc}") from None
    if item.datetime is None and not (item.common_metadata.start_datetime and item.common_metadata.end_datetime):
        raise InvalidRequestError("item.properties.datetime", "required (or start_datetime and end_datetime)")
    return item


def store_item(conn: Connection, item, agency_id: int, activation_id: int | None) -> int:
    d = item.to_dict(include_self_link=False, transform_hrefs=False)
    d["links"] = []
    when = item.datetime or item.common_metadata.start_datetime
    bbox = d.get("bbox") or geometry_bbox(d["geometry"])
    if conn.execute(select(stac_items.c.pk).where(and_(stac_items.c.collection_id == item.collection_id,
                                                       stac_items.c.item_id == item.id))).first():
        raise ConflictError(f"item {item.id}", f"is in collection {item.collection_id} already")
    stmt = insert(stac_items).values(
        collection_id=item.collection_id, item_id=item.id, agency_id=agency_id, activation_id=activation_id,
        datetime_ns=ns_of(when), min_lon=bbox[0], min_lat=bbox[1], max_lon=bbox[2], max_lat=bbox[3],
        body=json.dumps(d, separators=(",", ":")), created_at_ns=now_ns())
    return int(conn.execute(stmt.returning(stac_items.c.pk)).scalar_one())


def ensure_collection(conn: Connection, cid: str, agency_id: int, title: str = "", description: str = "") -> None:
    row = conn.execute(select(stac_collections.c.agency_id).where(stac_collections.c.id == cid)).first()
    if row is None:
        conn.execute(insert(stac_collections).values(id=cid, agency_id=agency_id, title=title or cid,
                                                     description=description or f"products of {cid}",
                                                     created_at_ns=now_ns()))
    elif int(row.agency_id) != agency_id:
        raise ConflictError(f"collection {cid}", "belongs to another agency")


# ===================================================================================== search
def search_stmt(agency_id: int, *, bbox=None, lo=None, hi=None, collections=None, ids=None):
    from .charter import items_visible

    conds = [items_visible(agency_id)]
    if bbox is not None:
        x0, y0, x1, y1 = bbox
        conds += [stac_items.c.max_lat >= y0, stac_items.c.min_lat <= y1]
        if x0 <= x1:
            conds += [stac_items.c.max_lon >= x0, stac_items.c.min_lon <= x1]
        else:  # crosses the antimeridian
            conds.append(or_(stac_items.c.max_lon >= x0, stac_items.c.min_lon <= x1))
    if lo is not None:
        conds.append(stac_items.c.datetime_ns >= lo)
    if hi is not None:
        conds.append(stac_items.c.datetime_ns <= hi)
    if collections:
        conds.append(stac_items.c.collection_id.in_(list(collections)))
    if ids:
        conds.append(stac_items.c.item_id.in_(list(ids)))
    return select(stac_items.c.pk, stac_items.c.datetime_ns, stac_items.c.body,
                  stac_items.c.collection_id).where(and_(*conds))


# ===================================================================================== blobs
def save_blob(conn: Connection, root: Path, stream, agency_id: int, media_type: str, limit: int) -> dict:
    """Store an upload content-addressed (``assets/ab/abcdef...``); nothing is left when it fails."""
    root.mkdir(parents=True, exist_ok=True)
    h = hashlib.sha256()
    n = 0
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=root)
    try:
        with os.fdopen(fd, "wb") as f:
            while True:
                chunk = stream.read(1024 * 1024)
                if not chunk:
                    break
                n += len(chunk)
                if n > limit:
                    raise ResourceLimitError("file", f"larger than the {limit:,}-byte asset limit", needed=n,
                                             limit=limit)
                h.update(chunk)
                f.write(chunk)
        if n == 0:
            raise InvalidRequestError("file", "empty upload")
        digest = h.hexdigest()
        dest = root / digest[:2] / digest
        dest.parent.mkdir(exist_ok=True)
        if not dest.exists():
            os.replace(tmp, dest)
        known = conn.execute(select(stac_blobs.c.sha256).where(stac_blobs.c.sha256 == digest)).first()
        if known is None:
            conn.execute(insert(stac_blobs).values(sha256=digest, agency_id=agency_id, size_bytes=n,
                                                   media_type=media_type or "", created_at_ns=now_ns()))
        return {"sha256": digest, "size_bytes": n, "media_type": media_type or "", "new": known is None}
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
