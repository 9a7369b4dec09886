"""The element-set store: imports (one transaction each call), columnar loads, the import log.

See docs/storage.md for the schema, the transaction rules and the conflict policy.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
from sqlalchemy import (ARRAY, BigInteger, and_, any_, bindparam, cast, func, insert, literal_column, select,
                        text, update)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..catalog import Catalog
from ..catalog.catalog import name_mask
from ..elements import read_elements
from ..elements.sets import OBJECT_TYPE_CODES, OBJECT_TYPES, ElementSets, validate_domain
from ..errors import ElementSetError, NotFoundError, StoreError
from ..progress import Progress as _Progress
from ..progress import as_progress
from ..timeutil import as_datetime64
from . import schema
from .engine import SQLITE_BEGIN_OPTION, configure_sqlite, make_engine, mask_url, migrate as _migrate

#: imports report through :class:`orbitwatch.progress.Progress` (or a bare
#: ``callback(n_done, n_total, stage)``): called after each staged batch and once more, with
#: ``(n_total, n_total, "commit")``, when everything is written and the transaction is about
#: to commit. ``Progress.cancel()`` stops the import between batches and rolls it back.
Progress = _Progress

ON_CONFLICT = ("keep", "replace")
#: rows per staged batch (one progress call each)
BATCH_ROWS = 4096
_NAT = np.iinfo(np.int64).min

#: columns that make an element set what it is: two records for the same (object, epoch)
#: that agree on these are duplicates; otherwise they conflict. Names, designators, object
#: types, OMM header fields and source lines are metadata and do not count.
CONTENT_COLUMNS = ("classification", "mean_motion_dot", "mean_motion_ddot", "bstar", "ephemeris_type",
                   "element_set_no", "inclination_deg", "raan_deg", "eccentricity", "arg_perigee_deg",
                   "mean_anomaly_deg", "mean_motion_rev_per_day", "rev_at_epoch")
_STRING_COLUMNS = [c for c, t in schema.ELEMENT_COLUMNS.items() if t is schema.Text]
#: element_sets columns in load order (epoch and creation date as int64 ns)
_LOAD_COLUMNS = ["norad_id", "epoch_ns", *schema.ELEMENT_COLUMNS, "creation_date_ns"]
#: staging columns: the row's index in the input; the object's first/last epoch and number of
#: element sets in this input, set on the row that names the object (else NULL); the record
_STAGE_COLUMNS = ["row_idx", "obj_first_ns", "obj_last_ns", "obj_n", *_LOAD_COLUMNS]
_PG_LOCK_KEY = "hashtext('orbitwatch-import:' || current_schema())"


# ======================================================================================= results
@dataclass(frozen=True)
class Conflict:
    """An incoming element set whose (object, epoch) is already stored with different content."""

    norad_id: int
    epoch: np.datetime64
    source: str
    line: int | None
    #: first differing content column, with the stored and the incoming value
    field: str
    stored: object
    incoming: object
    #: the import that stored the other record (this import's id for a clash inside the input)
    stored_import_id: int
    #: 'kept' (the stored record stays) or 'replaced' (the incoming record replaced it); for a clash
    #: between two records of the same input, 'kept-first' or 'replaced-by-last'
    action: str

    @property
    def reason(self) -> str:
        where = ("an earlier record of the same input" if self.action in ("kept-first", "replaced-by-last")
                 else f"import {self.stored_import_id}")
        verb = {"kept": "kept the stored one", "replaced": "replaced the stored one",
                "kept-first": "kept the earlier one", "replaced-by-last": "replaced the earlier one"}[self.action]
        return (f"object {self.norad_id} at {np.datetime_as_string(self.epoch, unit='ns')}Z differs from "
                f"{where} in {self.field} (stored {self.stored!r}, incoming {self.incoming!r}); {verb}")


@dataclass(frozen=True)
class ImportReport:
    """What one import did. ``inserted + duplicates + conflicts + n_rejected == n_records``."""

    import_id: int
    source: str
    #: records offered: accepted by the parser and the store, plus rejected ones
    n_records: int
    #: new (object, epoch) element sets written
    inserted: int
    #: records already stored with the same content (nothing written)
    duplicates: int
    #: records whose (object, epoch) is stored with different content (see :attr:`on_conflict`)
    conflicts: int
    #: objects seen for the first time
    objects_new: int
    rejected: tuple[ElementSetError, ...] = ()
    conflict_details: tuple[Conflict, ...] = ()
    on_conflict: str = "keep"
    started_at: np.datetime64 = field(default_factory=lambda: np.datetime64("NaT", "ns"))
    finished_at: np.datetime64 = field(default_factory=lambda: np.datetime64("NaT", "ns"))
    source_sha256: str | None = None

    @property
    def n_rejected(self) -> int:
        return len(self.rejected)

    @property
    def status(self) -> str:
        return "partial" if self.rejected else "ok"

    @property
    def elapsed_s(self) -> float:
        return float((self.finished_at - self.started_at) / np.timedelta64(1, "s"))

    def summary(self) -> str:
        s = (f"{self.source}: {self.inserted} inserted, {self.duplicates} duplicates, "
             f"{self.conflicts} conflicts ({'kept stored' if self.on_conflict == 'keep' else 'replaced'}), "
             f"{self.n_rejected} rejected; {self.objects_new} new objects (import {self.import_id})")
        return s


@dataclass(frozen=True)
class ImportLogEntry:
    """One row of the import log (:meth:`Store.imports`)."""

    import_id: int
    source: str
    source_sha256: str | None
    started_at: np.datetime64
    finished_at: np.datetime64
    status: str
    on_conflict: str
    n_records: int
    inserted: int
    duplicates: int
    conflicts: int
    rejected: int
    objects_new: int


@dataclass(frozen=True)
class Rejection:
    """A rejected record or a conflict, as logged (:meth:`Store.rejections`)."""

    import_id: int
    kind: str
    source: str
    line: int | None
    record: int | None
    field: str
    reason: str
    text: str | None

    def as_error(self) -> ElementSetError:
        return ElementSetError(self.source, self.line, self.field, self.reason, record=self.record, text=self.text)


@dataclass(frozen=True)
class ObjectInfo:
    norad_id: int
    name: str
    intl_designator: str
    object_type: str
    first_epoch: np.datetime64
    last_epoch: np.datetime64
    n_element_sets: int
    first_import_id: int | None
    last_import_id: int | None


@dataclass(eq=False)
class ObjectTable:
    """Object metadata as columns (one row per object, sorted by catalog number)."""

    norad_id: np.ndarray
    name: np.ndarray
    intl_designator: np.ndarray
    object_type: np.ndarray  # int8 codes, see OBJECT_TYPES
    first_epoch: np.ndarray  # datetime64[ns]
    last_epoch: np.ndarray
    n_element_sets: np.ndarray
    first_import_id: np.ndarray  # int64, -1 when unknown
    last_import_id: np.ndarray

    def __len__(self) -> int:
        return len(self.norad_id)

    @property
    def object_type_name(self) -> np.ndarray:
        names = np.array([OBJECT_TYPES[i] for i in range(4)])
        return names[np.clip(self.object_type, 0, 3)]

    def row(self, i: int) -> ObjectInfo:
        def opt(v):
            return None if v < 0 else int(v)
        return ObjectInfo(int(self.norad_id[i]), str(self.name[i]), str(self.intl_designator[i]),
                          OBJECT_TYPES[int(np.clip(self.object_type[i], 0, 3))], self.first_epoch[i],
                          self.last_epoch[i], int(self.n_element_sets[i]), opt(self.first_import_id[i]),
                          opt(self.last_import_id[i]))

    def __getitem__(self, i: int) -> ObjectInfo:
        if not -len(self) <= i < len(self):
            raise IndexError(i)
        return self.row(i % len(self))

    def __iter__(self) -> Iterator[ObjectInfo]:
        return (self.row(i) for i in range(len(self)))

    def __repr__(self) -> str:
        return f"<ObjectTable n={len(self)}>"


@dataclass(frozen=True)
class StoreStats:
    url: str
    backend: str
    schema_revision: str | None
    n_objects: int
    n_element_sets: int
    n_imports: int
    n_rejections: int
    first_epoch: np.datetime64
    last_epoch: np.datetime64


# ======================================================================================= the store
def open_store(url: str | None = None, *, migrate: bool = True, batch_rows: int = BATCH_ROWS,
               must_exist: bool = False, **engine_kw) -> "Store":
    """Open (creating and migrating if needed) the store at ``url``.

    ``must_exist=True`` is for readers: a SQLite file that is not there is a
    :class:`~orbitwatch.errors.NotFoundError` and nothing is created.

    ``url`` None means ``ORBITWATCH_DATABASE_URL``, else ``sqlite:///$ORBITWATCH_HOME/orbitwatch.db``
    (``ORBITWATCH_HOME`` defaults to ``~/.orbitwatch``), read now. The schema is migrated to
    the newest revision. Raises :class:`StoreError` if the database cannot be reached.
    """
    engine = make_engine(url, must_exist=must_exist, **engine_kw)
    try:
        return Store(engine, migrate=migrate, owns_engine=True, batch_rows=batch_rows)
    except BaseException:
        engine.dispose()
        raise


class Store:
    """Element sets in a SQL database (SQLite or PostgreSQL).

    Construct with an Engine (the store never creates global state), or use
    :func:`open_store`. ``migrate=True`` upgrades the schema to head first.
    """

    def __init__(self, engine: Engine, *, migrate: bool = True, owns_engine: bool = False,
                 batch_rows: int = BATCH_ROWS):
        if batch_rows < 1:
            from ..errors import InvalidRequestError

            raise InvalidRequestError("batch_rows", "must be positive", batch_rows)
        self.batch_rows = int(batch_rows)
        if engine.dialect.name not in ("sqlite", "postgresql"):
            raise StoreError(f"unsupported database backend {engine.dialect.name!r}")
        if engine.dialect.name == "sqlite":
            configure_sqlite(engine)
        self.engine = engine
        self._owns_engine = owns_engine
        self.schema_revision = None
        try:
            if migrate:
                self.schema_revision = _migrate(engine)
        except StoreError:
            raise
        except DBAPIError as exc:
            raise StoreError(f"cannot open the store at {self.url}: {_short(exc)}") from exc

    # ---------------------------------------------------------------------------------- basics
    @property
    def url(self) -> str:
        """The database URL with the password masked."""
        return mask_url(self.engine.url)

    @property
    def backend(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Release the connections (the engine is disposed when the store created it)."""
        if self._owns_engine:
            self.engine.dispose()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Store {self.url}>"

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except DBAPIError as exc:
            raise StoreError(f"database error on {self.url}: {_short(exc)}") from exc

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One write transaction; imports are serialised (SQLite write lock, PostgreSQL advisory lock)."""
        with self.engine.connect() as conn:
            if self.backend == "sqlite":
                conn.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            with conn.begin():
                if self.backend == "postgresql":
                    conn.execute(text(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})"))
                yield conn

    # ---------------------------------------------------------------------------------- event history
    def record_conjunctions(self, events, **kw):
        """Record a screening run's (or CDM ingest's) events into event tracks: see
        :func:`orbitwatch.store.events.record_conjunctions`."""
        from .events import record_conjunctions

        return record_conjunctions(self, events, **kw)

    def tracks(self, **filters):
        """Event tracks matching the filters: see :func:`orbitwatch.store.events.list_tracks`."""
        from .events import list_tracks

        return list_tracks(self, **filters)

    def track(self, track_id: int):
        """One event track with every update: see :func:`orbitwatch.store.events.get_track`."""
        from .events import get_track

        return get_track(self, track_id)

    def changes(self, run_id: int | None = None) -> dict:
        """What the latest (or a given) run changed: see :func:`orbitwatch.store.events.changes`."""
        from .events import changes

        return changes(self, run_id)

    # ---------------------------------------------------------------------------------- imports
    def import_elements(self, elements: ElementSets, source: str, *, progress: Progress | None = None,
                        on_conflict: str = "keep",
                        rejected: Sequence[ElementSetError] = ()) -> ImportReport:
        """Import element sets in one transaction; see :meth:`import_files` for the rules.

        ``rejected`` are records the caller's parser already rejected: they are logged with
        this import. Records that cannot be stored (impossible epoch, eccentricity outside
        [0, 1), a NUL character in a text field, ...) are rejected here and logged too.
        """
        return self._import([(elements, source, list(rejected), None)], progress, on_conflict)[0]

    def import_files(self, paths: Iterable[str | os.PathLike], *, strict: bool = False,
                     progress: Progress | None = None, on_conflict: str = "keep",
                     format: str | None = None) -> list[ImportReport]:
        """Parse files with :func:`orbitwatch.elements.read_elements` and import them, all in ONE
        transaction (one report and one import-log entry per file).

        * Element sets are unique by (object, epoch): a record already stored with the same
          content is a duplicate and changes nothing, so importing a file twice is a no-op.
        * A record whose (object, epoch) is stored with different content is a conflict:
          ``on_conflict="keep"`` (default) keeps the stored record, ``"replace"`` replaces it.
          Either way it is counted and logged with the differing field. Inside one call,
          records are applied in order (files in the order given).
        * Rejected records (with file, line, field, reason) are reported and logged; the
          good records are imported.
        * Fatal errors leave the database exactly as it was: an unreadable file
          (:class:`ElementSetError` with field ``"file"``), ``strict=True`` and any rejected
          record (that :class:`ElementSetError`), a database error (:class:`StoreError`), or
          the process being killed. Files are parsed before the transaction starts.
        """
        paths = [os.fspath(p) for p in paths]
        items = []
        for p in paths:
            parsed = read_elements(p, format=format, strict=strict)
            items.append((parsed.elements, p, list(parsed.rejected), _sha256(p)))
        return self._import(items, progress, on_conflict)

    def _import(self, items, progress: Progress | None, on_conflict: str) -> list[ImportReport]:
        if on_conflict not in ON_CONFLICT:
            from ..errors import InvalidRequestError

            raise InvalidRequestError("on_conflict", f"must be one of {ON_CONFLICT}, not {on_conflict!r}",
                                      on_conflict)
        total = sum(len(es) for es, *_ in items)
        done = [0]
        prog = as_progress(progress)

        def step(n: int) -> None:
            done[0] += n
            prog.update(done[0], total, "import")
            prog.check()

        reports = []
        try:
            with self._write() as conn:
                for es, source, rejected, sha in items:
                    reports.append(_import_one(conn, es, source, rejected, sha, on_conflict, step,
                                               self.batch_rows))
                prog.check()
                prog.update(total, total, "commit")
        except DBAPIError as exc:
            raise StoreError(f"import into {self.url} failed and was rolled back: {_short(exc)}") from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"import into {self.url} failed and was rolled back: {exc}") from exc
        return reports

    # ---------------------------------------------------------------------------------- loading
    def load_elements(self, *, norad_ids: Iterable[int] | None = None, since=None, until=None) -> ElementSets:
        """Stored element sets (epoch in [since, until] when given), sorted by (object, epoch)."""
        es = schema.element_sets
        conds = []
        if norad_ids is not None:
            conds.append(self._ids_condition(es.c.norad_id, norad_ids))
        if since is not None:
            conds.append(es.c.epoch_ns >= _ns(since))
        if until is not None:
            conds.append(es.c.epoch_ns <= _ns(until))
        stmt = select(*[es.c[c] for c in _LOAD_COLUMNS]).where(and_(True, *conds)).order_by(
            es.c.norad_id, es.c.epoch_ns)
        return self._fetch_elements(stmt)

    def load_catalog(self, *, norad_ids: Iterable[int] | None = None, since=None, until=None) -> Catalog:
        """A :class:`Catalog` of the stored history (all epochs, or those in [since, until])."""
        return Catalog(self.load_elements(norad_ids=norad_ids, since=since, until=until))

    def latest(self, *, norad_ids: Iterable[int] | None = None, at=None) -> ElementSets:
        """The most recent element set of each object (one row per object, by catalog number).

        With ``at``, the element set in force at that instant: the latest with epoch <= at
        (objects whose first element set is later are left out).
        """
        es, ob = schema.element_sets, schema.objects
        cols = [es.c[c] for c in _LOAD_COLUMNS]
        if at is None:
            stmt = select(*cols).join(ob, and_(ob.c.norad_id == es.c.norad_id,
                                               ob.c.last_epoch_ns == es.c.epoch_ns))
            if norad_ids is not None:
                stmt = stmt.where(self._ids_condition(ob.c.norad_id, norad_ids))
        else:
            inner = select(es.c.norad_id.label("nid"), func.max(es.c.epoch_ns).label("ep")).where(
                es.c.epoch_ns <= _ns(at))
            if norad_ids is not None:
                inner = inner.where(self._ids_condition(es.c.norad_id, norad_ids))
            sub = inner.group_by(es.c.norad_id).subquery()
            stmt = select(*cols).join(sub, and_(sub.c.nid == es.c.norad_id, sub.c.ep == es.c.epoch_ns))
        return self._fetch_elements(stmt.order_by(es.c.norad_id))

    def history(self, norad_id: int) -> ElementSets:
        """All element sets of one object, oldest first (empty when none)."""
        return self.load_elements(norad_ids=[norad_id])

    def _ids_condition(self, column, norad_ids):
        ids = np.unique(np.fromiter((int(x) for x in norad_ids), dtype=np.int64)).tolist()
        if len(ids) <= 200:
            return column.in_(ids)
        if self.backend == "postgresql":
            return column == any_(cast(bindparam("ids_array", ids), ARRAY(BigInteger)))
        each = select(literal_column("value")).select_from(func.json_each(bindparam("ids_json", json.dumps(ids))))
        return column.in_(each.scalar_subquery())

    def _fetch_elements(self, stmt) -> ElementSets:
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        return _rows_to_elements(rows, source=f"store:{self.url}")

    # ---------------------------------------------------------------------------------- metadata
    def objects(self, *, norad_ids: Iterable[int] | None = None, name: str | None = None,
                object_type: str | Sequence[str] | None = None, limit: int | None = None) -> ObjectTable:
        """Object metadata: name, designator, type, first/last epoch, number of element sets.

        ``name`` is a case-insensitive glob, /regex/ or substring (as :meth:`Catalog.select`);
        ``object_type`` 'payload', 'rocket-body', 'debris', 'unknown' (or a list);
        ``limit`` caps the rows returned (lowest catalog numbers first).
        """
        ob = schema.objects
        stmt = select(ob.c.norad_id, ob.c.name, ob.c.intl_designator, ob.c.object_type, ob.c.first_epoch_ns,
                      ob.c.last_epoch_ns, ob.c.n_element_sets, ob.c.first_import_id, ob.c.last_import_id)
        if norad_ids is not None:
            stmt = stmt.where(self._ids_condition(ob.c.norad_id, norad_ids))
        if object_type:
            stmt = stmt.where(ob.c.object_type.in_(_object_type_codes(object_type)))
        stmt = stmt.order_by(ob.c.norad_id)
        if limit is not None and not name:
            stmt = stmt.limit(int(limit))
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        table = _rows_to_objects(rows)
        if name:
            keep = np.flatnonzero(name_mask(table.name, name))
            if limit is not None:
                keep = keep[:int(limit)]
            table = ObjectTable(**{k: v[keep] for k, v in vars(table).items()})
        return table

    def get_object(self, norad_id: int) -> ObjectInfo:
        """Metadata of one object; :class:`NotFoundError` when it is not stored."""
        t = self.objects(norad_ids=[int(norad_id)])
        if not len(t):
            raise NotFoundError(f"object {norad_id} is not in the store at {self.url}")
        return t[0]

    def imports(self, *, limit: int | None = None) -> list[ImportLogEntry]:
        """The import log, oldest first (the last ``limit`` entries when given)."""
        im = schema.imports
        stmt = select(im).order_by(im.c.id.desc())
        if limit is not None:
            stmt = stmt.limit(int(limit))
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        out = [ImportLogEntry(r.id, r.source, r.source_sha256, _dt(r.started_at_ns), _dt(r.finished_at_ns),
                              r.status, r.on_conflict, r.n_records, r.n_inserted, r.n_duplicates,
                              r.n_conflicts, r.n_rejected, r.n_objects_new) for r in rows]
        return out[::-1]

    def rejections(self, import_id: int | None = None) -> list[Rejection]:
        """Logged rejected records and conflicts (of one import, or all), in log order."""
        rj = schema.import_rejections
        stmt = select(rj).order_by(rj.c.id)
        if import_id is not None:
            stmt = stmt.where(rj.c.import_id == int(import_id))
        with self._read() as conn:
            rows = conn.execute(stmt).all()
        return [Rejection(r.import_id, r.kind, r.source, r.line, r.record, r.field, r.reason, r.text)
                for r in rows]

    def stats(self) -> StoreStats:
        """Counts and the epoch span of the store."""
        ob, im, rj = schema.objects, schema.imports, schema.import_rejections
        with self._read() as conn:
            n_obj, first, last, n_es = conn.execute(select(
                func.count(), func.min(ob.c.first_epoch_ns), func.max(ob.c.last_epoch_ns),
                func.coalesce(func.sum(ob.c.n_element_sets), 0))).one()
            n_imp = conn.execute(select(func.count()).select_from(im)).scalar_one()
            n_rej = conn.execute(select(func.count()).select_from(rj)).scalar_one()
            from alembic.runtime.migration import MigrationContext
            rev = MigrationContext.configure(conn).get_current_revision()
        return StoreStats(self.url, self.backend, rev, int(n_obj), int(n_es), int(n_imp), int(n_rej),
                          _dt(first), _dt(last))


# ======================================================================================= import core
def _import_one(conn: Connection, es: ElementSets, source: str, pre_rejected: list[ElementSetError],
                sha: str | None, on_conflict: str, step: Callable[[int], None],
                batch_rows: int = BATCH_ROWS) -> ImportReport:
    started = time.time_ns()
    n_offered = len(es) + len(pre_rejected)
    rejected = list(pre_rejected)
    es, store_rejected = _storable(es, source)
    rejected += store_rejected
    n_skipped_rejects = len(store_rejected)  # rows dropped here count towards progress too

    import_id = conn.execute(insert(schema.imports).values(
        source=source, source_sha256=sha, started_at_ns=started, status="running", on_conflict=on_conflict,
        n_records=n_offered).returning(schema.imports.c.id)).scalar_one()

    # ---- records that clash inside the input: applied in order
    uniq, dup_in, conflicts = _dedupe_input(es, source, import_id, on_conflict)
    n = len(uniq)
    epoch_ns = uniq.epoch.astype(np.int64)

    # ---- stage the unique records in a temporary table
    _create_stage(conn)
    arrays = _stage_arrays(uniq, epoch_ns)
    if n_skipped_rejects:
        step(n_skipped_rejects)
    dup_skipped = len(es) - n
    if dup_skipped:
        step(dup_skipped)
    _load_stage(conn, arrays, n, step, batch_rows)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {_stage(conn)}")  # a temporary table has no statistics otherwise

    # ---- compare with what is stored for the same (object, epoch)
    matched = _match_stored(conn)
    duplicates = dup_in
    replace_ids: list[int] = []
    if len(matched):
        m_idx = matched["row_idx"]
        differs = np.zeros(len(m_idx), dtype=bool)
        first_diff = np.full(len(m_idx), "", dtype=object)
        for c in CONTENT_COLUMNS:
            d = _differ(matched[c], getattr(uniq, c)[m_idx])
            first_diff[d & ~differs] = c
            differs |= d
        duplicates += int((~differs).sum())
        for k in np.flatnonzero(differs):
            i = int(m_idx[k])
            c = first_diff[k]
            conflicts.append(Conflict(
                int(uniq.norad_id[i]), uniq.epoch[i], source, _line(uniq, i), c, _py(matched[c][k]),
                _py(getattr(uniq, c)[i]), int(matched["import_id"][k]),
                "replaced" if on_conflict == "replace" else "kept"))
        if on_conflict == "replace":
            replace_ids = matched["id"][differs].tolist()

    # ---- write
    if replace_ids:
        _delete_ids(conn, replace_ids)
    objects_new = _insert_new_objects(conn, import_id)
    written = _insert_element_sets(conn, import_id)
    inserted = written - len(replace_ids)
    if written:
        _refresh_objects(conn, import_id)
    _log_rejections(conn, import_id, source, rejected, conflicts)
    _drop_stage(conn)
    finished = time.time_ns()
    status = "partial" if rejected else "ok"
    conn.execute(update(schema.imports).where(schema.imports.c.id == import_id).values(
        finished_at_ns=finished, status=status, n_inserted=inserted, n_duplicates=duplicates,
        n_conflicts=len(conflicts), n_rejected=len(rejected), n_objects_new=objects_new))
    report = ImportReport(import_id, source, n_offered, inserted, duplicates, len(conflicts), objects_new,
                          tuple(rejected), tuple(conflicts), on_conflict, np.datetime64(started, "ns"),
                          np.datetime64(finished, "ns"), sha)
    if report.inserted + report.duplicates + report.conflicts + report.n_rejected != n_offered:
        raise StoreError(f"internal error: import counts of {source} do not add up: {report}")
    return report


def _storable(es: ElementSets, source: str) -> tuple[ElementSets, list[ElementSetError]]:
    """Drop records that cannot be stored, each with a typed error (domain checks, NUL characters)."""
    if len(es) == 0:
        return es, []
    good, errors = validate_domain(es, source)
    for c in _STRING_COLUMNS:
        arr = getattr(es, c)
        if arr.dtype.kind != "U" or arr.dtype.itemsize == 0:
            continue
        bad = _has_nul(arr) & good
        for i in np.flatnonzero(bad):
            errors.append(ElementSetError(source, _line(es, int(i)), c,
                                          "contains a NUL character, which the database cannot store",
                                          record=int(i)))
        good &= ~bad
    if not (es.norad_id >= 0).all():
        bad = (es.norad_id < 0) & good
        for i in np.flatnonzero(bad):
            errors.append(ElementSetError(source, _line(es, int(i)), "norad_id",
                                          f"negative catalog number {int(es.norad_id[i])}", record=int(i)))
        good &= ~bad
    return (es if good.all() else es[good]), errors


def _dedupe_input(es: ElementSets, source: str, import_id: int, on_conflict: str):
    """Unique (object, epoch) records sorted by both, the number of in-input duplicates, and conflicts.

    Records are applied in input order: with 'keep' the first of a clash stays, with
    'replace' each later one replaces the one before (so the last one wins).
    """
    n = len(es)
    if n == 0:
        return es, 0, []
    ep = es.epoch.astype(np.int64)
    order = np.lexsort((np.arange(n), ep, es.norad_id))
    sid, sep = es.norad_id[order], ep[order]
    new_group = np.r_[True, (sid[1:] != sid[:-1]) | (sep[1:] != sep[:-1])]
    if new_group.all():
        return es[order], 0, []
    group = np.cumsum(new_group) - 1
    starts = np.flatnonzero(new_group)
    ends = np.r_[starts[1:], n]
    keepers = order[starts if on_conflict == "keep" else ends - 1]
    # every later record of a clash meets the record in force when it is applied: the first one
    # (keep) or the one just before it (replace)
    others_pos = np.flatnonzero(~new_group)
    others = order[others_pos]
    their_keeper = order[starts[group[others_pos]]] if on_conflict == "keep" else order[others_pos - 1]
    differs = np.zeros(len(others), dtype=bool)
    first_diff = np.full(len(others), "", dtype=object)
    for c in CONTENT_COLUMNS:
        col = getattr(es, c)
        d = _differ(col[their_keeper], col[others])
        first_diff[d & ~differs] = c
        differs |= d
    conflicts = []
    for k in np.flatnonzero(differs):
        i, j, c = int(others[k]), int(their_keeper[k]), first_diff[k]
        conflicts.append(Conflict(int(es.norad_id[i]), es.epoch[i], source, _line(es, i), c,
                                  _py(getattr(es, c)[j]), _py(getattr(es, c)[i]), import_id,
                                  "kept-first" if on_conflict == "keep" else "replaced-by-last"))
    return es[keepers], int((~differs).sum()), conflicts


def _has_nul(arr: np.ndarray) -> np.ndarray:
    """Strings holding a NUL character (numpy drops trailing NULs, so look inside the length)."""
    width = arr.dtype.itemsize // 4
    codes = np.ascontiguousarray(arr).view(np.uint32).reshape(len(arr), width)
    inside = np.arange(width) < np.char.str_len(arr)[:, None]
    return ((codes == 0) & inside).any(axis=1)


#: relative tolerance under which two float fields are the same value: far below the precision
#: of any element-set format (TLE: 5-8 digits), above the last-bit differences between parsers
#: of the same decimal text (TLE ``37082-3`` and OMM ``0.00037082`` may differ in the last bit)
FLOAT_RTOL = 1e-12


def _differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    b = np.asarray(b)
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        a, b = a.astype(np.float64), b.astype(np.float64)
        same = (a == b) | (np.abs(a - b) <= FLOAT_RTOL * np.maximum(np.abs(a), np.abs(b))) | (
            np.isnan(a) & np.isnan(b))
        return ~same
    return a != b


def _stage_arrays(es: ElementSets, epoch_ns: np.ndarray) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """(values, valid mask or None) per stage column, in stage-column order; invalid means NULL.

    obj_first_ns, obj_last_ns and obj_n are set on each object's representative row (its
    latest named element set, else its latest one) and NULL elsewhere. ``es`` is sorted by
    (object, epoch).
    """
    n = len(es)
    rep_mask = np.zeros(n, dtype=bool)
    first = np.zeros(n, dtype=np.int64)
    last = np.zeros(n, dtype=np.int64)
    count = np.zeros(n, dtype=np.int64)
    if n:
        starts = np.flatnonzero(np.r_[True, es.norad_id[1:] != es.norad_id[:-1]])
        ends = np.r_[starts[1:], n]
        named = np.where(es.name != "", np.arange(n), -1)
        last_named = np.maximum.reduceat(named, starts)
        rep = np.where(last_named >= starts, last_named, ends - 1)
        rep_mask[rep] = True
        first[rep], last[rep], count[rep] = epoch_ns[starts], epoch_ns[ends - 1], ends - starts
    cd = es.creation_date.astype(np.int64)
    out = [(np.arange(n), None), (first, rep_mask), (last, rep_mask), (count, rep_mask),
           (es.norad_id, None), (epoch_ns, None)]
    out += [(getattr(es, c), None) for c in schema.ELEMENT_COLUMNS]
    out.append((cd, cd != _NAT))
    return out


def _batch_lists(arrays: list[tuple[np.ndarray, np.ndarray | None]], a: int, b: int) -> list[list]:
    """Python lists of rows a..b of each stage column (DBAPI drivers want Python scalars)."""
    out = []
    for values, valid in arrays:
        col = values[a:b].tolist()
        if valid is not None:
            ok = valid[a:b]
            if not ok.all():
                col = [v if k else None for v, k in zip(col, ok.tolist())]
        out.append(col)
    return out


def _stage_ddl(conn: Connection) -> str:
    types = {"row_idx": BigInteger(), "obj_first_ns": BigInteger(), "obj_last_ns": BigInteger(),
             "obj_n": BigInteger(), "norad_id": BigInteger(),
             "epoch_ns": BigInteger(), "creation_date_ns": BigInteger()}
    types.update({c: t() for c, t in schema.ELEMENT_COLUMNS.items()})
    cols = ", ".join(f"{c} {types[c].compile(dialect=conn.dialect)}" for c in _STAGE_COLUMNS)
    if conn.dialect.name == "postgresql":
        return f"CREATE TEMPORARY TABLE ow_stage ({cols}) ON COMMIT DROP"
    return f"CREATE TEMPORARY TABLE ow_stage ({cols})"


def _stage(conn: Connection) -> str:
    """The staging table, qualified so that no permanent table of the same name is ever touched."""
    return "pg_temp.ow_stage" if conn.dialect.name == "postgresql" else "temp.ow_stage"


def _create_stage(conn: Connection) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_stage(conn)}")
    conn.exec_driver_sql(_stage_ddl(conn))


def _drop_stage(conn: Connection) -> None:
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {_stage(conn)}")


def _load_stage(conn: Connection, arrays: list, n: int, step: Callable[[int], None],
                batch_rows: int) -> None:
    dbapi = conn.connection.dbapi_connection
    names = ", ".join(_STAGE_COLUMNS)
    if conn.dialect.name == "postgresql":
        with dbapi.cursor() as cur:
            for a in range(0, n, batch_rows):
                b = min(n, a + batch_rows)
                with cur.copy(f"COPY {_stage(conn)} ({names}) FROM STDIN") as cp:
                    for row in zip(*_batch_lists(arrays, a, b)):
                        cp.write_row(row)
                step(b - a)
    else:
        sql = f"INSERT INTO {_stage(conn)} ({names}) VALUES ({', '.join('?' * len(_STAGE_COLUMNS))})"
        cur = dbapi.cursor()
        try:
            for a in range(0, n, batch_rows):
                b = min(n, a + batch_rows)
                cur.executemany(sql, zip(*_batch_lists(arrays, a, b)))
                step(b - a)
        finally:
            cur.close()


def _match_stored(conn: Connection) -> dict[str, np.ndarray]:
    """Stored rows with the same (object, epoch) as a staged one: staged row index, id, import, content."""
    cols = ", ".join(f"e.{c}" for c in CONTENT_COLUMNS)
    rows = conn.exec_driver_sql(
        f"SELECT s.row_idx, e.id, e.import_id, {cols} FROM {_stage(conn)} s JOIN element_sets e "
        f"ON e.norad_id = s.norad_id AND e.epoch_ns = s.epoch_ns ORDER BY s.row_idx").all()
    names = ["row_idx", "id", "import_id", *CONTENT_COLUMNS]
    if not rows:
        return {}
    data = list(zip(*rows))
    return {k: np.array(v) for k, v in zip(names, data)}


def _delete_ids(conn: Connection, ids: list[int]) -> None:
    es = schema.element_sets
    for a in range(0, len(ids), 500):
        conn.execute(es.delete().where(es.c.id.in_(ids[a:a + 500])))


def _insert_new_objects(conn: Connection, import_id: int) -> int:
    """Objects not stored yet, complete: all their element sets are in this input."""
    r = conn.execute(text(
        "INSERT INTO objects (norad_id, name, intl_designator, object_type, first_epoch_ns, last_epoch_ns,"
        " n_element_sets, first_import_id, last_import_id) "
        "SELECT norad_id, name, intl_designator, object_type, obj_first_ns, obj_last_ns, obj_n, :iid, :iid "
        f"FROM {_stage(conn)} WHERE obj_n IS NOT NULL "
        "ON CONFLICT (norad_id) DO NOTHING"), {"iid": import_id})
    return max(int(r.rowcount), 0)


def _insert_element_sets(conn: Connection, import_id: int) -> int:
    cols = ", ".join(_LOAD_COLUMNS)
    r = conn.execute(text(
        f"INSERT INTO element_sets ({cols}, import_id) SELECT {cols}, :iid FROM {_stage(conn)} WHERE true "
        f"ON CONFLICT (norad_id, epoch_ns) DO NOTHING"), {"iid": import_id})
    return max(int(r.rowcount), 0)


def _refresh_objects(conn: Connection, import_id: int) -> None:
    """Recompute, from the stored history, the metadata of the objects that were stored before
    this import and that it wrote to (new objects were inserted complete).

    First/last epoch and count over all the object's element sets; name, designator and type
    from its most recent element set that has a name (its most recent one when none has).
    """
    conn.execute(text(
        "UPDATE objects SET "
        " (first_epoch_ns, last_epoch_ns, n_element_sets) = (SELECT min(e.epoch_ns), max(e.epoch_ns), count(*)"
        "   FROM element_sets e WHERE e.norad_id = objects.norad_id),"
        " (name, intl_designator, object_type) = (SELECT e.name, e.intl_designator, e.object_type"
        "   FROM element_sets e WHERE e.norad_id = objects.norad_id"
        "   ORDER BY CASE WHEN e.name = '' THEN 0 ELSE 1 END DESC, e.epoch_ns DESC LIMIT 1),"
        " last_import_id = :iid "
        "WHERE norad_id IN (SELECT e.norad_id FROM element_sets e WHERE e.import_id = :iid)"
        " AND (first_import_id IS NULL OR first_import_id <> :iid)"), {"iid": import_id})


def _log_rejections(conn: Connection, import_id: int, source: str, rejected: list[ElementSetError],
                    conflicts: list[Conflict]) -> None:
    rows = [{"import_id": import_id, "kind": "rejected", "source": e.source or source, "line": e.line,
             "record": e.record, "field": e.field, "reason": e.reason, "text": _clean_text(e.text)}
            for e in rejected]
    rows += [{"import_id": import_id, "kind": "conflict", "source": c.source, "line": c.line, "record": None,
              "field": c.field, "reason": c.reason, "text": None} for c in conflicts]
    if rows:
        conn.execute(insert(schema.import_rejections), rows)


# ======================================================================================= helpers
def _rows_to_elements(rows, source: str) -> ElementSets:
    if not rows:
        e = ElementSets.empty()
        e.source = source
        return e
    data = dict(zip(_LOAD_COLUMNS, zip(*rows)))
    cols: dict[str, np.ndarray] = {}
    for c in schema.ELEMENT_COLUMNS:
        cols[c] = np.array(data[c]) if schema.ELEMENT_COLUMNS[c] is not schema.Text else np.array(data[c], dtype=str)
    cols["norad_id"] = np.array(data["norad_id"], dtype=np.int64)
    cols["epoch"] = np.array(data["epoch_ns"], dtype=np.int64).view("datetime64[ns]")
    cd = data["creation_date_ns"]
    cols["creation_date"] = np.fromiter((_NAT if v is None else v for v in cd), dtype=np.int64,
                                        count=len(cd)).view("datetime64[ns]")
    return ElementSets(**cols, source=source)


def _rows_to_objects(rows) -> ObjectTable:
    n = len(rows)
    data = list(zip(*rows)) if n else [()] * 9

    def i64(v, missing):
        return np.fromiter((missing if x is None else x for x in v), dtype=np.int64, count=n)

    return ObjectTable(
        norad_id=np.array(data[0], dtype=np.int64), name=np.array(data[1], dtype=str),
        intl_designator=np.array(data[2], dtype=str), object_type=np.array(data[3], dtype=np.int8),
        first_epoch=i64(data[4], _NAT).view("datetime64[ns]"), last_epoch=i64(data[5], _NAT).view("datetime64[ns]"),
        n_element_sets=np.array(data[6], dtype=np.int64), first_import_id=i64(data[7], -1),
        last_import_id=i64(data[8], -1))


def _object_type_codes(object_type) -> list[int]:
    types = [object_type] if isinstance(object_type, str) else list(object_type)
    codes = []
    for t in types:
        key = str(t).strip().upper().replace("-", " ").replace("_", " ")
        key = {"RB": "ROCKET BODY", "ROCKET": "ROCKET BODY", "DEB": "DEBRIS"}.get(key, key)
        if key not in OBJECT_TYPE_CODES:
            raise ValueError(f"unknown object type {t!r}; expected payload, rocket-body, debris or unknown")
        codes.append(OBJECT_TYPE_CODES[key])
    return codes


def _ns(t) -> int:
    return int(np.asarray(as_datetime64(t)).astype("datetime64[ns]").astype(np.int64))


def _dt(ns: int | None) -> np.datetime64:
    return np.datetime64("NaT", "ns") if ns is None else np.datetime64(int(ns), "ns")


def _line(es: ElementSets, i: int) -> int | None:
    v = int(es.source_line[i])
    return v if v >= 0 else None


def _py(v):
    return v.item() if isinstance(v, np.generic) else v


def _clean_text(s: str | None) -> str | None:
    return None if s is None else s.replace("\x00", "\\x00")


def _sha256(path: str) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    msg = str(orig).strip().splitlines()
    return msg[0] if msg else type(orig).__name__
