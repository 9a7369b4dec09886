"""Where a screening's events go when they are not held in one process: a Parquet dataset.

``screen(..., sink=ParquetSink("events/"))`` (``orbitwatch screen ... --parquet events/``) writes
each window's events as soon as the window is finished, so neither the workers nor the calling
process hold the events of the whole span. The dataset is Hive-partitioned by the UTC day of the
TCA::

    events/
      _manifest.json                     # written last: complete, span, volume, options, counts, files
      tca_day=2023-10-09/w00000.parquet  # one file per window and day
      tca_day=2023-10-09/edges.parquet   # the minima next to window edges, deduplicated at the end
      tca_day=2023-10-10/...

Columns: those of :class:`~orbitwatch.conjunction.screening.events.ConjunctionEvents` with the
names of its CSV export (vectors split ``r1_x_teme_km``...), ``tca`` a UTC timestamp in ns;
``tca_day`` comes from the folder names (:data:`EVENT_SCHEMA` is the fixed schema of the files).
:func:`read_events` gives the dataset back as a ConjunctionEvents sorted by TCA, equal to the
``events`` of the same screening run in memory.

A run writes into ``_staging/`` first (pyarrow and other readers skip names starting with ``_``);
the partitions are moved into place and ``_manifest.json`` (``"complete": true``) is written only
once every window has succeeded. A failed or cancelled run removes its staging folder; a killed
one leaves it behind, never a manifest, and :func:`read_events` refuses a folder without one.

pyarrow is needed (the ``dask`` extra installs it); it is imported only when a sink is used.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

from ...errors import InputFileError, InvalidRequestError, UnavailableError
from .events import _VEC_COLUMNS, ConjunctionEvents

MANIFEST = "_manifest.json"
STAGING = "_staging"
FORMAT = "orbitwatch.conjunction-events.parquet"
FORMAT_VERSION = 1
PARTITION = "tca_day"

_INT64 = ("norad_1", "norad_2")
_STRINGS = ("name_1", "name_2", "object_type_1", "object_type_2", "intl_designator_1", "intl_designator_2",
            "state_source_1", "state_source_2", "object_id_1", "object_id_2")


def _pyarrow():
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:  # pragma: no cover - pyarrow is in the dask and test extras
        raise UnavailableError("pyarrow", "writing events to Parquet needs pyarrow: pip install 'orbitwatch[dask]'",
                               None) from None
    return pa, pq


def _flat_name(col: str, axis: str) -> str:
    return f"{col[:2]}_{axis}_{col[3:]}"


def event_schema():
    """The fixed Arrow schema of the files (without the ``tca_day`` partition column)."""
    pa, _ = _pyarrow()
    out = []
    for c in ConjunctionEvents.column_names():
        if c in _VEC_COLUMNS:
            out += [pa.field(_flat_name(c, ax), pa.float64()) for ax in "xyz"]
        elif c in _INT64:
            out.append(pa.field(c, pa.int64()))
        elif c in _STRINGS:
            out.append(pa.field(c, pa.string()))
        elif c == "tca":
            out.append(pa.field(c, pa.timestamp("ns", tz="UTC")))
        elif c == "boundary":
            out.append(pa.field(c, pa.int8()))
        elif c == "slow":
            out.append(pa.field(c, pa.bool_()))
        else:
            out.append(pa.field(c, pa.float64()))
    return pa.schema(out)


def events_to_arrow(ev: ConjunctionEvents):
    """The events as an Arrow table of :func:`event_schema`, plus the ``tca_day`` column."""
    pa, _ = _pyarrow()
    schema = event_schema()
    arrays = []
    for c in ConjunctionEvents.column_names():
        a = getattr(ev, c)
        if c in _VEC_COLUMNS:
            arrays += [pa.array(np.ascontiguousarray(a[:, k], dtype=np.float64)) for k in range(3)]
        elif c in _STRINGS:
            arrays.append(pa.array(a.astype(object), pa.string()))
        elif c == "tca":
            arrays.append(pa.array(a.astype("datetime64[ns]").astype(np.int64), pa.int64()).cast(
                pa.timestamp("ns", tz="UTC")))
        else:
            arrays.append(pa.array(a, schema.field(c).type))
    day = np.datetime_as_string(ev.tca.astype("datetime64[D]"), unit="D") if len(ev) else np.zeros(0, "U10")
    table = pa.Table.from_arrays(arrays, schema=schema)
    return table.append_column(PARTITION, pa.array(day.astype(object), pa.string()))


def arrow_to_events(table) -> ConjunctionEvents:
    """ConjunctionEvents from a table of :func:`event_schema` columns (any extra column ignored)."""
    cols = {}
    for c in ConjunctionEvents.column_names():
        if c in _VEC_COLUMNS:
            cols[c] = np.stack([table.column(_flat_name(c, ax)).to_numpy() for ax in "xyz"], axis=1) \
                if table.num_rows else np.zeros((0, 3))
        elif c in _STRINGS:
            vals = table.column(c).to_pylist()
            cols[c] = np.array(vals, dtype=str) if vals else np.zeros(0, "U1")
        elif c == "tca":
            cols[c] = table.column(c).cast(_pyarrow()[0].int64()).to_numpy().astype("datetime64[ns]")
        else:
            cols[c] = np.asarray(table.column(c).to_numpy(zero_copy_only=False))
    cols["boundary"] = cols["boundary"].astype(np.int8)
    cols["slow"] = cols["slow"].astype(bool)
    return ConjunctionEvents(**cols)


class ParquetSink:
    """Events written to a Hive-partitioned Parquet dataset as the windows finish (module docs).

    Parameters
    ----------
    path : str or Path
        The dataset's folder: it must not exist (its parent must), or be empty; ``overwrite=True``
        replaces an earlier orbitwatch dataset there (a folder holding anything else is refused).
    overwrite : bool
    compression : str
        Parquet compression codec (default ``zstd``).
    """

    def __init__(self, path, *, overwrite: bool = False, compression: str = "zstd"):
        self.path = Path(path)
        self.overwrite = bool(overwrite)
        self.compression = str(compression)
        self.files: list[dict] = []
        self.rows = 0
        self._open = False

    def __repr__(self) -> str:
        return f"ParquetSink({str(self.path)!r})"

    # ------------------------------------------------------------------ lifecycle
    def check(self) -> None:
        """Refuse, before any work, a folder that cannot hold the dataset (InvalidRequestError on ``sink``)."""
        _pyarrow()
        p = self.path
        parent = p.parent if str(p.parent) else Path(".")
        if p.exists() and not p.is_dir():
            raise InvalidRequestError("sink", f"{p} exists and is not a folder", str(p))
        if p.is_dir():
            entries = [e for e in os.listdir(p)]
            if entries:
                ours = MANIFEST in entries or STAGING in entries
                if not ours:
                    raise InvalidRequestError("sink", f"{p} is not empty and holds no orbitwatch dataset: give an "
                                                      f"empty or new folder", str(p))
                if not self.overwrite:
                    raise InvalidRequestError("sink", f"{p} already holds an events dataset: give a new folder, or "
                                                      f"overwrite (--force)", str(p))
            if not os.access(p, os.W_OK | os.X_OK):
                raise InvalidRequestError("sink", f"{p} is not writable", str(p))
            return
        if not parent.is_dir():
            raise InvalidRequestError("sink", f"the parent folder {parent} does not exist", str(p))
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InvalidRequestError("sink", f"cannot create {p}: {parent} is not writable", str(p))

    def open(self) -> None:
        """Create the folder (replacing an earlier dataset when ``overwrite``) and its staging area."""
        self.check()
        if self.path.is_dir() and os.listdir(self.path):
            self._clear()
        self.path.mkdir(exist_ok=True)
        (self.path / STAGING).mkdir()
        self.files, self.rows, self._open = [], 0, True

    def _clear(self) -> None:
        for e in os.listdir(self.path):
            q = self.path / e
            if e == MANIFEST or e == STAGING or e.startswith(PARTITION + "="):
                shutil.rmtree(q) if q.is_dir() else q.unlink()

    def write(self, table, part: str) -> int:
        """Write an Arrow table of :func:`events_to_arrow` as ``tca_day=D/part.parquet`` files; rows written."""
        if not self._open:
            raise InvalidRequestError("sink", "write before open", str(self.path))
        if table is None or table.num_rows == 0:
            return 0
        import pyarrow.compute as pc

        _, pq = _pyarrow()
        days = table.column(PARTITION)
        body = table.drop_columns([PARTITION])
        for day in sorted(set(days.unique().to_pylist())):
            sub = body.filter(pc.equal(days, day))
            rel = f"{PARTITION}={day}/{part}.parquet"
            dest = self.path / STAGING / rel
            dest.parent.mkdir(exist_ok=True)
            try:
                pq.write_table(sub, dest, compression=self.compression)
            except OSError as exc:
                raise InputFileError(str(dest), f"cannot write the events: {exc}", field="sink") from None
            self.files.append({"path": rel, "rows": int(sub.num_rows)})
            self.rows += int(sub.num_rows)
        return int(table.num_rows)

    def commit(self, manifest: dict) -> dict:
        """Move the partitions into place, then write the manifest (``complete: true``) last."""
        staging = self.path / STAGING
        for d in sorted(os.listdir(staging)):
            os.replace(staging / d, self.path / d)
        staging.rmdir()
        doc = {"format": FORMAT, "version": FORMAT_VERSION, "complete": True, "partitioning": f"hive: {PARTITION}",
               "written_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
               "events": self.rows, "files": sorted(self.files, key=lambda f: f["path"]),
               "schema": [f"{f.name}: {f.type}" for f in event_schema()], **manifest}
        tmp = self.path / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(doc, indent=1, allow_nan=False, default=_jsonable) + "\n")
        os.replace(tmp, self.path / MANIFEST)
        self._open = False
        return doc

    def abort(self) -> None:
        """Remove what this run wrote (a failed or cancelled run leaves no dataset, and no manifest)."""
        shutil.rmtree(self.path / STAGING, ignore_errors=True)
        self._open = False


def _jsonable(x):
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    return str(x)


def read_manifest(path) -> dict:
    """The manifest of a complete dataset (InputFileError when the folder holds none, or an unfinished run)."""
    p = Path(path)
    m = p / MANIFEST
    if not p.is_dir():
        raise InputFileError(str(p), "no such folder", field="dataset")
    if not m.is_file():
        why = "an unfinished or failed run (no manifest; its staging folder is still there)" \
            if (p / STAGING).exists() else "no orbitwatch events dataset here (no _manifest.json)"
        raise InputFileError(str(p), why, field="dataset")
    doc = json.loads(m.read_text())
    if doc.get("format") != FORMAT or not doc.get("complete"):
        raise InputFileError(str(m), "not a complete orbitwatch events dataset", field="complete")
    return doc


def read_events(path, *, filter=None) -> ConjunctionEvents:
    """The events of a complete dataset, sorted by TCA (as ``ScreeningResult.events``); ``filter``
    is an optional ``pyarrow.compute`` expression on the columns (e.g. ``pc.field("miss_km") < 0.5``)."""
    import pyarrow.dataset as ds

    doc = read_manifest(path)
    files = [str(Path(path) / f["path"]) for f in doc["files"]]
    if not files:
        return ConjunctionEvents.empty()
    dset = ds.dataset(files, schema=event_schema(), format="parquet")
    table = dset.to_table(filter=filter)
    ev = arrow_to_events(table)
    if len(ev) != doc["events"] and filter is None:
        raise InputFileError(str(path), f"the files hold {len(ev)} events, the manifest says {doc['events']}",
                             field="events")
    return ev.sort_by("tca")


def closest_events(path, n: int, *, by: str = "miss_km", include_slow: bool = False) -> ConjunctionEvents:
    """The first ``n`` events of a complete dataset by ``by`` (``miss_km`` or ``tca``), read without
    loading the others (one column first, then the rows under the n-th value); slow encounters
    left out unless ``include_slow``."""
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    pa, _ = _pyarrow()
    doc = read_manifest(path)
    files = [str(Path(path) / f["path"]) for f in doc["files"]]
    if not files or n <= 0:
        return ConjunctionEvents.empty()
    dset = ds.dataset(files, schema=event_schema(), format="parquet")
    fast = None if include_slow else (pc.field("slow") == pa.scalar(False))
    col = dset.to_table(columns=[by], filter=fast).column(by)
    if len(col) == 0:
        return ConjunctionEvents.empty()
    if by == "tca":
        vals = col.cast(pa.int64()).to_numpy()
        cut = pa.scalar(int(np.partition(vals, min(n, vals.size) - 1)[min(n, vals.size) - 1]),
                        pa.int64()).cast(pa.timestamp("ns", tz="UTC"))
    else:
        vals = col.to_numpy()
        cut = pa.scalar(float(np.partition(vals, min(n, vals.size) - 1)[min(n, vals.size) - 1]))
    expr = pc.field(by) <= cut
    if fast is not None:
        expr = expr & fast
    ev = arrow_to_events(dset.to_table(filter=expr)).sort_by(by)
    return ev[np.arange(min(n, len(ev)))]


__all__ = ["ParquetSink", "read_events", "closest_events", "read_manifest", "event_schema", "events_to_arrow",
           "arrow_to_events"]
