"""A STAC API over the shared products, at ``/stac/``: landing page, conformance, collections,
items, and item search (bbox, datetime, collections, ids, intersects by bounding box; GET and
POST). Authenticated like the rest of the service; what the caller may not see is not in any
answer, counts (``numberMatched``) included. Every request is audited.
"""

from __future__ import annotations

import base64
import json
from typing import Optional

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import and_, func, or_, select

from ...errors import InvalidRequestError
from ...store.charter_schema import stac_collections, stac_items
from .. import charter as ch
from .. import products as pr
from ..auth import Context
from ..deps import audited, context, get_db
from ..errors import not_found

router = APIRouter(prefix="/stac", tags=["stac"])
STAC_VERSION = "1.0.0"
CONFORMANCE = [
    "https://api.stacspec.org/v1.0.0/core",
    "https://api.stacspec.org/v1.0.0/collections",
    "https://api.stacspec.org/v1.0.0/ogcapi-features",
    "https://api.stacspec.org/v1.0.0/item-search",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
GEOJSON = "application/geo+json"
JSON_T = "application/json"
MAX_LIMIT = 1000


STAC_RESPONSES = {200: {"description": "GeoJSON", "content": {GEOJSON: {}}},
                  400: {"description": "invalid parameter (STAC API error body: code, description)"}}


def _run(request: Request, ctx: Context, action: str, object: str, work, *, detail=None, geo: bool = False):
    """Audited work; a bad parameter is the STAC API's 400 ``{"code", "description"}``."""
    try:
        out = audited(get_db(request), ctx, action, object, work, detail=detail)
    except InvalidRequestError as exc:
        return JSONResponse({"code": "InvalidParameterValue", "description": str(exc)}, status_code=400)
    return _geo(out) if geo else out


def _limit(value) -> int:
    try:
        n = int(value)
    except (TypeError, ValueError):
        raise InvalidRequestError("limit", f"an integer in [1, {MAX_LIMIT}]", value) from None
    if isinstance(value, bool) or n < 1 or (isinstance(value, float) and value != n):
        raise InvalidRequestError("limit", "a positive integer", value)
    return min(n, MAX_LIMIT)  # a larger limit is served as the largest page (STAC API item search)


def _counts(r: dict) -> dict:
    return {"n": r["numberReturned"], "matched": r["numberMatched"]}


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + "/stac"


def _geo(body: dict, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=GEOJSON)


def _item_out(base: str, body: str) -> dict:
    d = json.loads(body)
    cid = d.get("collection")
    d["links"] = [{"rel": "self", "href": f"{base}/collections/{cid}/items/{d['id']}", "type": GEOJSON},
                  {"rel": "parent", "href": f"{base}/collections/{cid}", "type": JSON_T},
                  {"rel": "collection", "href": f"{base}/collections/{cid}", "type": JSON_T},
                  {"rel": "root", "href": f"{base}/", "type": JSON_T}]
    return d


def _collection_out(conn, base: str, aid: int, c) -> dict:
    import datetime as _dt

    import numpy as np
    import pystac

    vis = and_(stac_items.c.collection_id == c.id, ch.items_visible(aid))
    ext = conn.execute(select(func.min(stac_items.c.min_lon), func.min(stac_items.c.min_lat),
                              func.max(stac_items.c.max_lon), func.max(stac_items.c.max_lat),
                              func.min(stac_items.c.datetime_ns), func.max(stac_items.c.datetime_ns))
                       .where(vis)).one()
    if ext[0] is None:
        bbox, interval = [-180.0, -90.0, 180.0, 90.0], [None, None]
    else:
        def dt(ns):
            s = str(np.datetime64(int(ns), "ns").astype("datetime64[us]"))
            return _dt.datetime.fromisoformat(s).replace(tzinfo=_dt.timezone.utc)
        bbox, interval = [float(x) for x in ext[:4]], [dt(ext[4]), dt(ext[5])]
    col = pystac.Collection(id=c.id, description=c.description, title=c.title or None, license=c.license,
                            extent=pystac.Extent(pystac.SpatialExtent([bbox]), pystac.TemporalExtent([interval])))
    d = col.to_dict(include_self_link=False, transform_hrefs=False)
    d["links"] = [{"rel": "self", "href": f"{base}/collections/{c.id}", "type": JSON_T},
                  {"rel": "root", "href": f"{base}/", "type": JSON_T},
                  {"rel": "parent", "href": f"{base}/", "type": JSON_T},
                  {"rel": "items", "href": f"{base}/collections/{c.id}/items", "type": GEOJSON}]
    return d


def _visible_collections(conn, aid: int):
    return conn.execute(select(stac_collections).where(ch.collections_visible(aid))
                        .order_by(stac_collections.c.id)).all()


@router.get("/", include_in_schema=True)
def landing(request: Request, ctx: Context = Depends(context)):
    """The STAC API landing page (a Catalog with conformance classes and links)."""
    import pystac

    aid = ctx.principal.agency_id
    base = _base(request)

    def work(conn):
        cols = _visible_collections(conn, aid)
        cat = pystac.Catalog(id="orbitwatch", title="orbitwatch products",
                             description="Earth-observation products shared by the agencies of this service "
                                         "(Charter activations and agency collections).")
        d = cat.to_dict(include_self_link=False, transform_hrefs=False)
        d["conformsTo"] = CONFORMANCE
        root = str(request.base_url).rstrip("/")
        d["links"] = [
            {"rel": "self", "href": f"{base}/", "type": JSON_T},
            {"rel": "root", "href": f"{base}/", "type": JSON_T},
            {"rel": "conformance", "href": f"{base}/conformance", "type": JSON_T},
            {"rel": "data", "href": f"{base}/collections", "type": JSON_T},
            {"rel": "search", "href": f"{base}/search", "type": GEOJSON, "method": "GET"},
            {"rel": "search", "href": f"{base}/search", "type": GEOJSON, "method": "POST"},
            {"rel": "service-desc", "href": f"{base}/api",
             "type": "application/vnd.oai.openapi+json;version=3.0"},
            {"rel": "service-doc", "href": f"{root}/docs", "type": "text/html"},
        ] + [{"rel": "child", "href": f"{base}/collections/{c.id}", "type": JSON_T, "title": c.title} for c in cols]
        return d

    return audited(get_db(request), ctx, "stac.landing", "stac", work)


OPENAPI_MEDIA = "application/vnd.oai.openapi+json;version=3.0"


@router.get("/api", responses={200: {"content": {OPENAPI_MEDIA: {}}}})
def service_description(request: Request):
    """The OpenAPI document of the service (the STAC API's ``service-desc``; public, like /openapi.json)."""
    return JSONResponse(request.app.openapi(), media_type=OPENAPI_MEDIA)


@router.get("/conformance")
def conformance(request: Request, ctx: Context = Depends(context)):
    """The conformance classes this API implements."""
    return audited(get_db(request), ctx, "stac.conformance", "stac", lambda conn: {"conformsTo": CONFORMANCE})


@router.get("/collections")
def collections(request: Request, ctx: Context = Depends(context)):
    """Collections the caller may see (its own, shared ones, and those holding products of its activations)."""
    aid = ctx.principal.agency_id
    base = _base(request)

    def work(conn):
        cols = [_collection_out(conn, base, aid, c) for c in _visible_collections(conn, aid)]
        return {"collections": cols, "links": [{"rel": "self", "href": f"{base}/collections", "type": JSON_T},
                                               {"rel": "root", "href": f"{base}/", "type": JSON_T}]}

    return audited(get_db(request), ctx, "stac.collections", "stac", work,
                   detail=lambda r: {"n": len(r["collections"])})


def _collection_row(conn, aid: int, cid: str):
    c = conn.execute(select(stac_collections).where(and_(stac_collections.c.id == cid,
                                                         ch.collections_visible(aid)))).first()
    if c is None:
        raise not_found("collection", cid)
    return c


@router.get("/collections/{collection_id}")
def collection(request: Request, collection_id: str = Path(..., max_length=128), ctx: Context = Depends(context)):
    """One collection (404 when missing or not visible); its extent covers the items the caller sees."""
    aid = ctx.principal.agency_id
    base = _base(request)
    return audited(get_db(request), ctx, "stac.collection", f"collection:{collection_id}",
                   lambda conn: _collection_out(conn, base, aid, _collection_row(conn, aid, collection_id)))


def _token(dt_ns: int, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{dt_ns}:{pk}".encode()).decode().rstrip("=")


def _untoken(token: str) -> tuple[int, int]:
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        a, b = raw.split(":")
        return int(a), int(b)
    except Exception:  # noqa: BLE001 - any malformed token is the client's mistake
        raise InvalidRequestError("token", "not a token this API issued", token) from None


def _search(conn, request: Request, aid: int, *, bbox, dt, collections_, ids, limit, token, method: str,
            query: dict) -> dict:
    base = _base(request)
    lo, hi = pr.parse_interval(dt)
    stmt = pr.search_stmt(aid, bbox=bbox, lo=lo, hi=hi, collections=collections_, ids=ids)
    matched = ch.count(conn, stmt)
    if token:
        t_dt, t_pk = _untoken(token)
        stmt = stmt.where(or_(stac_items.c.datetime_ns < t_dt,
                              and_(stac_items.c.datetime_ns == t_dt, stac_items.c.pk < t_pk)))
    rows = conn.execute(stmt.order_by(stac_items.c.datetime_ns.desc(), stac_items.c.pk.desc())
                        .limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    links = [{"rel": "root", "href": f"{base}/", "type": JSON_T},
             {"rel": "self", "href": str(request.url), "type": GEOJSON}]
    if more:
        nxt = _token(int(rows[-1].datetime_ns), int(rows[-1].pk))
        if method == "GET":
            from urllib.parse import urlencode

            q = {k: v for k, v in query.items() if v is not None}
            q["token"] = nxt
            links.append({"rel": "next", "href": f"{str(request.url).split('?')[0]}?{urlencode(q, doseq=False)}",
                          "type": GEOJSON, "method": "GET"})
        else:
            links.append({"rel": "next", "href": str(request.url), "type": GEOJSON, "method": "POST",
                          "body": {**query, "token": nxt}, "merge": False})
    return {"type": "FeatureCollection", "features": [_item_out(base, r.body) for r in rows],
            "numberMatched": matched, "numberReturned": len(rows), "links": links}


def _csv(v: Optional[str]) -> Optional[list[str]]:
    if v is None or not v.strip():
        return None
    return [x.strip() for x in v.split(",") if x.strip()]


@router.get("/collections/{collection_id}/items", responses=STAC_RESPONSES)
def collection_items(request: Request, collection_id: str = Path(..., max_length=128),
                     bbox: Optional[str] = Query(None, max_length=200),
                     datetime: Optional[str] = Query(None, max_length=100),
                     limit: Optional[str] = Query(None, max_length=20),
                     token: Optional[str] = Query(None, max_length=200),
                     ctx: Context = Depends(context)):
    """Items of a collection the caller may see (GeoJSON FeatureCollection, newest first, paged)."""
    aid = ctx.principal.agency_id

    def work(conn):
        _collection_row(conn, aid, collection_id)
        return _search(conn, request, aid, bbox=pr.parse_bbox(bbox), dt=datetime, collections_=[collection_id],
                       ids=None, limit=_limit(limit or 10), token=token, method="GET",
                       query={"bbox": bbox, "datetime": datetime, "limit": limit})

    return _run(request, ctx, "stac.items", f"collection:{collection_id}", work, detail=_counts, geo=True)


@router.get("/collections/{collection_id}/items/{item_id}", responses=STAC_RESPONSES)
def item(request: Request, collection_id: str = Path(..., max_length=128), item_id: str = Path(..., max_length=128),
         ctx: Context = Depends(context)):
    """One item (404 when missing or not visible)."""
    aid = ctx.principal.agency_id
    base = _base(request)

    def work(conn):
        r = conn.execute(select(stac_items.c.body).where(and_(stac_items.c.collection_id == collection_id,
                                                              stac_items.c.item_id == item_id,
                                                              ch.items_visible(aid)))).first()
        if r is None:
            raise not_found("item", f"{collection_id}/{item_id}")
        return _item_out(base, r.body)

    return _run(request, ctx, "stac.item", f"item:{collection_id}/{item_id}", work, geo=True)


@router.get("/search", responses=STAC_RESPONSES)
def search_get(request: Request, bbox: Optional[str] = Query(None, max_length=200),
               datetime: Optional[str] = Query(None, max_length=100),
               collections: Optional[str] = Query(None, max_length=5000),
               ids: Optional[str] = Query(None, max_length=10000),
               intersects: Optional[str] = Query(None, max_length=100_000),
               limit: Optional[str] = Query(None, max_length=20), token: Optional[str] = Query(None, max_length=200),
               ctx: Context = Depends(context)):
    """Item search: ``bbox`` (minx,miny,maxx,maxy), ``datetime`` (instant or interval, ``..`` open),
    ``collections`` and ``ids`` (comma lists), ``intersects`` (GeoJSON, matched by its bounding box)."""
    aid = ctx.principal.agency_id

    def work(conn):
        bb = pr.parse_bbox(bbox)
        if intersects is not None:
            if bb is not None:
                raise InvalidRequestError("intersects", "give bbox or intersects, not both")
            try:
                geom = json.loads(intersects)
            except ValueError:
                raise InvalidRequestError("intersects", "not GeoJSON") from None
            bb = tuple(pr.geometry_bbox(geom))
        return _search(conn, request, aid, bbox=bb, dt=datetime, collections_=_csv(collections), ids=_csv(ids),
                       limit=_limit(limit or 10), token=token, method="GET",
                       query={"bbox": bbox, "datetime": datetime, "collections": collections, "ids": ids,
                              "intersects": intersects, "limit": limit})

    return _run(request, ctx, "stac.search", "search", work, detail=_counts, geo=True)


@router.post("/search", responses=STAC_RESPONSES)
def search_post(request: Request, body: dict = Body(default_factory=dict), ctx: Context = Depends(context)):
    """Item search with a JSON body (the same parameters; lists as JSON arrays)."""
    aid = ctx.principal.agency_id

    def work(conn):
        allowed = {"bbox", "datetime", "collections", "ids", "intersects", "limit", "token"}
        extra = sorted(set(body) - allowed)
        if extra:
            raise InvalidRequestError(extra[0], f"not supported here (supported: {', '.join(sorted(allowed))})")
        limit = _limit(body.get("limit", 10))
        if body.get("bbox") is not None and not isinstance(body["bbox"], list):
            raise InvalidRequestError("bbox", "a JSON array of numbers in a POST search", body["bbox"])
        bb = pr.parse_bbox(body.get("bbox"))
        if body.get("intersects") is not None:
            if bb is not None:
                raise InvalidRequestError("intersects", "give bbox or intersects, not both")
            if not isinstance(body["intersects"], dict):
                raise InvalidRequestError("intersects", "a GeoJSON geometry")
            bb = tuple(pr.geometry_bbox(body["intersects"]))
        for key in ("collections", "ids"):
            v = body.get(key)
            if v is not None and (not isinstance(v, list) or not all(isinstance(x, str) for x in v)):
                raise InvalidRequestError(key, "a list of strings", v)
        dt = body.get("datetime")
        if dt is not None and not isinstance(dt, str):
            raise InvalidRequestError("datetime", "a string", dt)
        return _search(conn, request, aid, bbox=bb, dt=dt, collections_=body.get("collections"),
                       ids=body.get("ids"), limit=limit, token=body.get("token"), method="POST",
                       query={k: v for k, v in body.items() if k != "token"})

    return _run(request, ctx, "stac.search", "search", work, detail=_counts, geo=True)
