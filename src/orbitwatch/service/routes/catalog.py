"""The public catalog: objects, element-set history, TLE/OMM downloads, uploads.

Every authenticated caller reads the catalog (it is public; reads are not audited). Uploads
need the analyst role, are size-limited and sniffed, and are all or nothing: a file with a
bad record is refused with 422 naming the file, line, field and reason, and nothing is stored
(unless ``allow_rejects`` asks to store the good records and report the bad ones). The import
and its audit record commit in one transaction.
"""

from __future__ import annotations

import zlib
from typing import Annotated, Literal, Optional

import numpy as np
from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy import func, or_, select

from ...elements import format_elements
from ...elements.io import FORMATS
from ...elements.sets import OBJECT_TYPES, ElementSets
from ...errors import InputFileError, ResourceLimitError
from ...store import schema
from ...timeutil import format_iso
from ..auth import Context
from ..deps import audited, context, get_db
from ..errors import not_found
from ..ingest import UploadRejected, import_raw
from ..schemas import CatalogObject, History, ObjectList, UploadReport

router = APIRouter(prefix="/v1/catalog", tags=["catalog"])
DOWNLOAD_FORMATS = ("3le", "tle", "omm-kvn", "omm-xml", "omm-json", "omm-csv")
MEDIA = {"3le": "text/plain", "tle": "text/plain", "omm-kvn": "text/plain", "omm-xml": "application/xml",
         "omm-json": "application/json", "omm-csv": "text/csv"}
EXT = {"3le": "3le", "tle": "tle", "omm-kvn": "kvn", "omm-xml": "xml", "omm-json": "json", "omm-csv": "csv"}
TYPE_NAMES = {"payload": 1, "rocket-body": 2, "debris": 3, "unknown": 0}
NormadId = Path(..., ge=0, le=999_999_999, description="catalog (NORAD) number")


def _iso(ns) -> Optional[str]:
    return None if ns is None else format_iso(np.datetime64(int(ns), "ns"), 6) + "Z"


def _object(r) -> dict:
    return {"norad_id": int(r.norad_id), "name": r.name, "intl_designator": r.intl_designator,
            "object_type": OBJECT_TYPES.get(int(r.object_type), "UNKNOWN"), "first_epoch": _iso(r.first_epoch_ns),
            "last_epoch": _iso(r.last_epoch_ns), "n_element_sets": int(r.n_element_sets)}


def _like(q: str) -> str:
    return "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


@router.get("/objects", response_model=ObjectList)
def list_objects(request: Request, q: Optional[str] = Query(None, max_length=100, description="name substring or "
                                                                                              "catalog number"),
                 object_type: Optional[Literal["payload", "rocket-body", "debris", "unknown"]] = None,
                 limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=10_000_000),
                 ctx: Context = Depends(context)):
    """Search the catalog by name or number, one page at a time (lowest catalog numbers first)."""
    ob = schema.objects
    conds = []
    if q:
        qs = q.strip()
        name_cond = func.lower(ob.c.name).like(_like(qs), escape="\\")
        conds.append(or_(name_cond, ob.c.norad_id == int(qs)) if qs.isdigit() and len(qs) <= 9 else name_cond)
    if object_type:
        conds.append(ob.c.object_type == TYPE_NAMES[object_type])
    db = get_db(request)
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(ob).where(*conds)).scalar_one()
        rows = conn.execute(select(ob).where(*conds).order_by(ob.c.norad_id).limit(limit).offset(offset)).all()
    return {"objects": [_object(r) for r in rows], "total": int(total), "limit": limit, "offset": offset}


def _get_object(db, norad_id: int):
    with db.read() as conn:
        row = conn.execute(select(schema.objects).where(schema.objects.c.norad_id == norad_id)).first()
    if row is None:
        raise not_found("object", norad_id)
    return row


@router.get("/objects/{norad_id}", response_model=CatalogObject)
def get_object(request: Request, norad_id: int = NormadId, ctx: Context = Depends(context)):
    """One catalog object."""
    return _object(_get_object(get_db(request), norad_id))


def _records(es: ElementSets) -> list[dict]:
    out = []
    for i in range(len(es)):
        out.append({"norad_id": int(es.norad_id[i]), "name": str(es.name[i]), "epoch": format_iso(es.epoch[i], 6) + "Z",
                    "mean_motion_rev_per_day": float(es.mean_motion_rev_per_day[i]),
                    "eccentricity": float(es.eccentricity[i]), "inclination_deg": float(es.inclination_deg[i]),
                    "raan_deg": float(es.raan_deg[i]), "arg_perigee_deg": float(es.arg_perigee_deg[i]),
                    "mean_anomaly_deg": float(es.mean_anomaly_deg[i]), "bstar": float(es.bstar[i]),
                    "mean_motion_dot": float(es.mean_motion_dot[i]), "mean_motion_ddot": float(es.mean_motion_ddot[i]),
                    "element_set_no": int(es.element_set_no[i]), "rev_at_epoch": int(es.rev_at_epoch[i]),
                    "classification": str(es.classification[i])})
    return out


def _history(db, norad_id: int, since: Optional[str], until: Optional[str]) -> ElementSets:
    from ...requests import parse_time

    _get_object(db, norad_id)
    t0 = parse_time("since", since) if since else None
    t1 = parse_time("until", until) if until else None
    return db.store.load_elements(norad_ids=[norad_id], since=t0, until=t1)


@router.get("/objects/{norad_id}/history", response_model=History)
def history(request: Request, norad_id: int = NormadId, since: Optional[str] = None, until: Optional[str] = None,
            ctx: Context = Depends(context)):
    """Every stored element set of the object (epochs in [since, until] when given), oldest first."""
    es = _history(get_db(request), norad_id, since, until)
    return {"norad_id": norad_id, "element_sets": _records(es)}


def _download(es: ElementSets, fmt: str, stem: str) -> Response:
    body = format_elements(es, fmt)
    return Response(body, media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{stem}.{EXT[fmt]}"'})


@router.get("/objects/{norad_id}/elements", response_class=Response, responses={200: {"content": {
    "text/plain": {}, "application/xml": {}, "application/json": {}, "text/csv": {}}}})
def object_elements(request: Request, norad_id: int = NormadId,
                    format: Literal["3le", "tle", "omm-kvn", "omm-xml", "omm-json", "omm-csv"] = "3le",
                    history: bool = Query(False, description="every stored element set, not only the latest"),
                    since: Optional[str] = None, until: Optional[str] = None, ctx: Context = Depends(context)):
    """The object's latest element set (or its history) as TLE/3LE or OMM (KVN, XML, JSON, CSV)."""
    db = get_db(request)
    es = _history(db, norad_id, since, until)
    if not history and len(es):
        es = es[np.array([len(es) - 1])]
    return _download(es, format, f"{norad_id}")


@router.get("/elements", response_class=Response, responses={200: {"content": {
    "text/plain": {}, "application/xml": {}, "application/json": {}, "text/csv": {}}}})
def catalog_elements(request: Request,
                     format: Literal["3le", "tle", "omm-kvn", "omm-xml", "omm-json", "omm-csv"] = "3le",
                     norad_id: Optional[list[Annotated[int, Field(ge=0, le=999_999_999)]]] = Query(
                         None, description="catalog numbers (default: all)"),
                     at: Optional[str] = Query(None, description="element sets in force at this UTC instant"),
                     ctx: Context = Depends(context)):
    """The latest element set of every object (or of those named) in one download."""
    from ...requests import parse_time

    if norad_id is not None and len(norad_id) > 10_000:
        raise ResourceLimitError("norad_id", "at most 10000 catalog numbers per request", needed=len(norad_id),
                                 limit=10_000)
    db = get_db(request)
    es = db.store.latest(norad_ids=norad_id, at=parse_time("at", at) if at else None)
    return _download(es, format, "catalog")


# ============================================================================= uploads
def _read_limited(upload: UploadFile, name: str, limit: int) -> bytes:
    raw = upload.file.read(limit + 1)
    if len(raw) > limit:
        raise ResourceLimitError("file", f"{name}: larger than the {limit:,}-byte upload limit "
                                         "(ORBITWATCH_MAX_UPLOAD_BYTES)", name, limit=limit)
    if raw[:2] == b"\x1f\x8b":
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out = d.decompress(raw, limit + 1)
        except zlib.error as exc:
            raise InputFileError(name, f"corrupt gzip data: {exc}") from None
        if len(out) > limit or d.unconsumed_tail:
            raise ResourceLimitError("file", f"{name}: decompresses to more than the {limit:,}-byte limit",
                                     name, limit=limit)
        if not d.eof:
            raise InputFileError(name, "truncated gzip data")
        raw = out
    return raw


@router.post("/uploads", status_code=201, response_model=UploadReport)
def upload(request: Request, file: UploadFile = File(..., description="TLE/3LE or OMM (KVN, XML, JSON, CSV), "
                                                                      "optionally gzipped"),
           format: Optional[str] = Form(None, description=f"one of {', '.join(FORMATS)}; default: detected"),
           on_conflict: Literal["keep", "replace"] = Form("keep"),
           allow_rejects: bool = Form(False, description="store the good records of a file with bad ones"),
           ctx: Context = Depends(context)):
    """Import element sets (analyst role or higher). All or nothing; audited with the import."""
    db = get_db(request)
    settings = request.app.state.settings
    name = (file.filename or "upload").replace("\n", " ")[:200]
    state: dict = {}

    def work(conn):
        ctx.principal.require("analyst", "uploading element sets")
        raw = _read_limited(file, name, settings.max_upload_bytes)
        report, state["format"] = import_raw(conn, db, raw, name, fmt=format, on_conflict=on_conflict,
                                             allow_rejects=allow_rejects, actor=ctx.principal.actor)
        return report

    report = audited(db, ctx, "catalog.upload", f"upload:{name}", work,
                     detail=lambda r: {"import_id": r.import_id, "inserted": r.inserted, "rejected": r.n_rejected,
                                       "duplicates": r.duplicates, "conflicts": r.conflicts})
    return {"import_id": report.import_id, "source": name, "format": state.get("format", ""),
            "n_records": report.n_records, "inserted": report.inserted, "duplicates": report.duplicates,
            "conflicts": report.conflicts, "rejected": report.n_rejected, "objects_new": report.objects_new,
            "rejections": [{"line": e.line, "record": e.record, "field": e.field, "reason": e.reason}
                           for e in report.rejected[:100]]}


__all__ = ["router", "UploadRejected"]
