"""Catalog ingest: one import path for uploads, the drop folder and scheduled pulls.

:func:`import_raw` is what ``POST /v1/catalog/uploads`` runs: bytes sniffed (text, UTF-8),
parsed (any supported element format), refused whole with the file/line/field/reason of the
first bad record, imported in the caller's transaction. The other sources call it too:

* **drop folder** (``ORBITWATCH_DROP_DIR``): a file placed there (write it elsewhere, then move
  it in; or let it sit unchanged ``ORBITWATCH_DROP_SETTLE_S``) is taken by an atomic rename into
  ``processing/`` (so one dispatcher of many takes it), imported all or nothing, and moved to
  ``done/`` or to ``failed/`` next to ``<name>.error.json`` (file, line, field, reason);
* **pulls** (schedules of kind ``celestrak`` / ``spacetrack``, made with ``orbitwatch admin
  ingest pull-add``): CelesTrak's GP API (``/NORAD/elements/gp.php?GROUP=..&FORMAT=..``) and
  Space-Track's ``gp`` class (login at ``/ajaxauth/login``, then
  ``/basicspacedata/query/class/gp/<predicates>/format/<fmt>``), base URLs from the settings.

Each import is audited (actor ``ingest:drop``, ``ingest:celestrak``, ...) and publishes
``catalog.ingested`` to every agency, in the import's transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import time
from pathlib import Path

from sqlalchemy import select, text, update
from sqlalchemy.engine import Connection

from ..elements import parse_elements
from ..elements.io import FORMATS, detect_format
from ..errors import DataError, InputFileError, OrbitwatchError, ResourceLimitError, UnavailableError
from ..requests import check_choice
from ..store.notify_schema import schedules
from ..store.service_schema import agencies
from . import notify
from .db import ServiceDB

log = logging.getLogger("orbitwatch.service.ingest")
CELESTRAK_FORMATS = ("json", "csv", "tle", "3le", "xml", "kvn")
SPACETRACK_FORMATS = ("json", "csv", "3le", "tle", "xml", "kvn")
SPACETRACK_DEFAULT_QUERY = "decay_date/null-val/epoch/>now-30/orderby/norad_cat_id"


class UploadRejected(DataError):
    """Input with bad records: the first one's file, line, field and reason, and the list."""

    def __init__(self, source: str, rejected: list):
        first = rejected[0]
        super().__init__(source, first.line, first.field,
                         f"{first.reason} ({len(rejected)} bad record{'s' if len(rejected) > 1 else ''} in the file; "
                         "nothing was stored)", first.record)
        self.rejected = rejected

    def to_dict(self) -> dict:
        d = super().to_dict()
        d["rejected"] = [{"line": e.line, "record": e.record, "field": e.field, "reason": e.reason}
                         for e in self.rejected[:100]]
        d["n_rejected"] = len(self.rejected)
        return d


def sniff(raw: bytes, name: str) -> str:
    """The bytes as text, or an :class:`InputFileError` (empty, binary, not UTF-8)."""
    if not raw.strip():
        raise InputFileError(name, "the file is empty")
    if b"\x00" in raw[:65536]:
        raise InputFileError(name, "binary content (NUL bytes), not a text message")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputFileError(name, f"not UTF-8 text (byte {exc.start})", line=line) from None


def import_raw(conn: Connection, db: ServiceDB, raw: bytes, name: str, *, fmt: str | None = None,
               on_conflict: str = "keep", allow_rejects: bool = False, actor: str = "service"):
    """Parse and import ``raw`` in the caller's transaction: (ImportReport, format).

    Fresher element sets of satellites tasked for a Charter activation queue its re-plan, in the
    same transaction (every ingest path: uploads, the drop folder, scheduled pulls)."""
    from ..store.store import _PG_LOCK_KEY, _import_one

    fmt = check_choice("format", fmt, FORMATS) if fmt else None
    text_ = sniff(raw, name)
    parsed = parse_elements(text_, fmt, source=name)
    es, rejected = parsed.elements, list(parsed.rejected)
    if rejected and not allow_rejects:
        raise UploadRejected(name, rejected)
    if len(es) == 0 and not rejected:
        raise InputFileError(name, "no element sets found in the file")
    detected = fmt or detect_format(text_[:4096], name)
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})"))
    report = _import_one(conn, es, name, rejected, hashlib.sha256(raw).hexdigest(), on_conflict,
                         lambda n: None, db.store.batch_rows)
    if report.inserted:
        from .charter import replan_on_new_elements

        replan_on_new_elements(conn, es.norad_id, actor)
    return report, detected


def _summary(report, fmt: str, source: str) -> dict:
    return {"source": source, "format": fmt, "import_id": report.import_id, "n_records": report.n_records,
            "inserted": report.inserted, "duplicates": report.duplicates, "conflicts": report.conflicts,
            "objects_new": report.objects_new}


def ingest(db: ServiceDB, raw: bytes, name: str, *, actor: str, fmt: str | None = None) -> dict:
    """Import ``raw`` all or nothing, audited, announcing ``catalog.ingested`` to every agency.

    A refusal is audited (in its own transaction) and raised."""
    from . import audit
    from .deps import outcome_for

    try:
        with db.tx() as conn:
            report, detected = import_raw(conn, db, raw, name, fmt=fmt, actor=actor)
            summary = _summary(report, detected, name)
            audit.record(conn, actor=actor, action="catalog.ingest", outcome="ok", object=f"ingest:{name}",
                         detail=summary)
            everyone = conn.execute(select(agencies.c.id)).scalars().all()
            notify.publish(conn, everyone, "catalog.ingested", f"import:{report.import_id}", summary)
        return summary
    except OrbitwatchError as exc:
        with db.tx() as conn:
            audit.record(conn, actor=actor, action="catalog.ingest", outcome=outcome_for(exc),
                         object=f"ingest:{name}", detail={"error": exc.to_dict()})
        raise


# ===================================================================================== drop folder
def _free_name(folder: Path, name: str) -> Path:
    p = folder / name
    if not p.exists():
        return p
    stem = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    return folder / f"{stem}-{secrets.token_hex(3)}-{name}"


def scan_drop_dir(db: ServiceDB, folder: Path, *, settle_s: float = 2.0, max_bytes: int = 64 * 1024 * 1024,
                  actor: str = "ingest:drop", reclaim_after_s: float = 900.0) -> list[dict]:
    """Import every settled file of ``folder``; one dict per file taken (its outcome).

    A file left in ``processing/`` for ``reclaim_after_s`` (its taker died) goes back to the
    folder and is taken again (imports are idempotent: stored records are duplicates)."""
    folder = Path(folder)
    subs = {s: folder / s for s in ("processing", "done", "failed")}
    for p in subs.values():
        p.mkdir(parents=True, exist_ok=True)
    out = []
    now = time.time()
    for p in subs["processing"].iterdir():
        try:
            if p.is_file() and now - p.stat().st_ctime >= reclaim_after_s:  # ctime: when it was renamed there
                os.rename(p, folder / p.name.split("-", 1)[-1])
                log.warning("drop folder: %s was left in processing/; taken again", p.name)
        except FileNotFoundError:
            continue
    for p in sorted(folder.iterdir()):
        if p.name.startswith(".") or not p.is_file():
            continue
        try:
            if now - p.stat().st_mtime < settle_s:
                continue
            mine = subs["processing"] / f"{secrets.token_hex(4)}-{p.name}"
            os.rename(p, mine)  # atomic: of several dispatchers, one gets the file
        except FileNotFoundError:
            continue
        out.append(_take(db, mine, p.name, subs, max_bytes, actor))
    return out


def _take(db: ServiceDB, mine: Path, name: str, subs: dict, max_bytes: int, actor: str) -> dict:
    try:
        if mine.stat().st_size > max_bytes:
            raise ResourceLimitError("file", f"{name}: larger than the {max_bytes:,}-byte limit "
                                             "(ORBITWATCH_MAX_UPLOAD_BYTES)", name, limit=max_bytes)
        raw = mine.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            import gzip

            try:
                raw = gzip.decompress(raw)
            except (OSError, EOFError) as exc:
                raise InputFileError(name, f"corrupt gzip data: {exc}") from None
            if len(raw) > max_bytes:
                raise ResourceLimitError("file", f"{name}: decompresses to more than {max_bytes:,} bytes", name,
                                         limit=max_bytes)
        summary = ingest(db, raw, name, actor=actor)
        dest = _free_name(subs["done"], name)
        os.replace(mine, dest)
        log.info("drop folder: %s imported (%s new element sets)", name, summary["inserted"])
        return {"file": name, "ok": True, "moved_to": str(dest), **summary}
    except OrbitwatchError as exc:
        dest = _free_name(subs["failed"], name)
        os.replace(mine, dest)
        err = {"file": name, "error": exc.to_dict()}
        dest.with_name(dest.name + ".error.json").write_text(json.dumps(err, indent=2, default=str) + "\n")
        log.warning("drop folder: %s refused: %s", name, exc)
        return {"file": name, "ok": False, "moved_to": str(dest), "error": exc.to_dict()}


# ===================================================================================== pulls
def _get(client, url: str, what: str, **kw):
    import httpx

    try:
        r = client.get(url, **kw)
    except httpx.HTTPError as exc:
        raise UnavailableError(what, f"{type(exc).__name__}: {exc}", url) from None
    if r.status_code != 200:
        raise UnavailableError(what, f"HTTP {r.status_code}: {r.text[:200]}", url)
    return r


def fetch_celestrak(settings, params: dict) -> tuple[bytes, str]:
    """(body, source name) of one GP query: ``GROUP`` (or ``CATNR``) in ``FORMAT``."""
    import httpx

    fmt = check_choice("format", params.get("format", "json"), CELESTRAK_FORMATS)
    q = {"FORMAT": fmt}
    if params.get("group"):
        q["GROUP"] = params["group"]
    elif params.get("catnr"):
        q["CATNR"] = str(params["catnr"])
    else:
        from ..errors import InvalidRequestError

        raise InvalidRequestError("group", "a CelesTrak pull needs a GROUP (or a CATNR)")
    url = settings.celestrak_url.rstrip("/") + "/NORAD/elements/gp.php"
    with httpx.Client(timeout=settings.pull_timeout_s, follow_redirects=True) as c:
        r = _get(c, url, "CelesTrak", params=q)
    body = r.content
    if body.strip().lower().startswith(b"no gp data found"):
        raise InputFileError(f"celestrak:{q}", "CelesTrak found no GP data for this query")
    key = params.get("group") or params.get("catnr")
    return body, f"celestrak-{key}.{ 'txt' if fmt in ('tle', '3le') else fmt}"


def fetch_spacetrack(settings, params: dict) -> tuple[bytes, str]:
    """(body, source name) of one ``gp`` class query after a login (cookie session)."""
    import httpx

    fmt = check_choice("format", params.get("format", "json"), SPACETRACK_FORMATS)
    query = str(params.get("query") or SPACETRACK_DEFAULT_QUERY).strip("/")
    if not settings.spacetrack_identity or not settings.spacetrack_password:
        from ..errors import InvalidRequestError

        raise InvalidRequestError("ORBITWATCH_SPACETRACK_IDENTITY", "set the Space-Track account and password "
                                                                    "(ORBITWATCH_SPACETRACK_PASSWORD) to pull")
    base = settings.spacetrack_url.rstrip("/")
    with httpx.Client(base_url=base, timeout=settings.pull_timeout_s, follow_redirects=True) as c:
        try:
            r = c.post("/ajaxauth/login", data={"identity": settings.spacetrack_identity,
                                                "password": settings.spacetrack_password})
        except httpx.HTTPError as exc:
            raise UnavailableError("Space-Track", f"{type(exc).__name__}: {exc}", base) from None
        if r.status_code != 200 or "failed" in r.text[:200].lower():
            raise UnavailableError("Space-Track", f"login refused (HTTP {r.status_code}: {r.text[:100]})", base)
        try:
            r = _get(c, f"/basicspacedata/query/class/gp/{query}/format/{fmt}", "Space-Track")
        finally:
            try:
                c.get("/ajaxauth/logout")
            except httpx.HTTPError:
                pass
    if not r.content.strip() or r.content.strip() == b"[]":
        raise InputFileError("space-track:gp", "Space-Track returned no element sets for this query")
    return r.content, f"spacetrack-gp.{'txt' if fmt in ('tle', '3le') else fmt}"


FETCHERS = {"celestrak": fetch_celestrak, "spacetrack": fetch_spacetrack}


def run_pull(db: ServiceDB, settings, schedule_id: int | None, kind: str, params: dict, *,
             actor: str = "scheduler") -> dict:
    """Fetch and import one pull; the outcome (also stored on its schedule)."""
    fetched = False
    try:
        raw, name = FETCHERS[kind](settings, params)
        fetched = True
        result = {"ok": True, **ingest(db, raw, name, actor=f"ingest:{kind}")}
    except OrbitwatchError as exc:
        log.warning("%s pull failed: %s", kind, exc)
        result = {"ok": False, "error": exc.to_dict()}
        if not fetched:  # refusals of fetched data are audited by ingest()
            from . import audit
            from .deps import outcome_for

            with db.tx() as conn:
                audit.record(conn, actor=f"ingest:{kind}", action="catalog.ingest", outcome=outcome_for(exc),
                             object=f"pull:{kind}", detail=result)
    if schedule_id is not None:
        with db.tx() as conn:
            conn.execute(update(schedules).where(schedules.c.id == schedule_id)
                         .values(last_result=json.dumps(result, default=str)))
    return result


__all__ = ["UploadRejected", "sniff", "import_raw", "ingest", "scan_drop_dir", "fetch_celestrak",
           "fetch_spacetrack", "run_pull"]
