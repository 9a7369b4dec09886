"""The store against SQLite (temp file) and the real PostgreSQL (``ORBITWATCH_TEST_PG_URL``).

Every test that takes ``db_url`` or ``store`` runs on both backends. PostgreSQL tests run
in a schema of their own (``orbitwatch_test_<pid>_<random>_<n>``, dropped afterwards) and
are skipped, with the reason, when no server answers.
"""

from __future__ import annotations

import os
import secrets
import select
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Column, Integer, MetaData, Table, text
from sqlalchemy.engine import make_url

from orbitwatch.catalog import Catalog
from orbitwatch.elements import ElementSets, checksum, read_elements
from orbitwatch.errors import ElementSetError, InputNotFoundError, InvalidRequestError, NotFoundError, StoreError
from orbitwatch.store import (ImportReport, Store, current_revision, head_revision, mask_url,
                              open_store)
import orbitwatch.store as store_pkg
from orbitwatch.store.schema import metadata as store_metadata

PG_URL = os.environ.get("ORBITWATCH_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATA = Path(__file__).resolve().parent / "data" / "store"
FILE_A = DATA / "full-catalog-2023-10-09-first40.3le"     # 40 objects, 2023
FILE_B = DATA / "payloads-2026-06-10-same-objects.3le"    # 10 of them again, 2026
TABLES = ("imports", "objects", "element_sets", "import_rejections", "alembic_version")
DATA_TABLES = ("objects", "element_sets", "import_rejections")


# the backends (fixtures pg_admin, db_url, store) are in conftest.py: every store-backed suite shares them


def snapshot(store: Store, tables=TABLES) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order."""
    out = {}
    with store.engine.connect() as conn:
        for t in tables:
            out[t] = [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all()]
    return out


def tle_text(path: Path) -> list[str]:
    return path.read_text().splitlines()


def with_checksum(line: str) -> str:
    return line[:68] + str(checksum(line))


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def expected_objects(es: ElementSets) -> dict[int, tuple]:
    """Object metadata recomputed from element sets: (name, intl designator, type, first, last, count),
    names from the latest element set with a name (the latest one when none has)."""
    cat = Catalog(es)
    out = {}
    for nid in cat.norad_ids.tolist():
        h = cat.history(nid)
        named = np.flatnonzero(h.name != "")
        r = named[-1] if len(named) else len(h) - 1
        out[nid] = (str(h.name[r]), str(h.intl_designator[r]), int(h.object_type[r]),
                    h.epoch[0], h.epoch[-1], len(h))
    return out


def stored_objects(store: Store) -> dict[int, tuple]:
    t = store.objects()
    return {int(t.norad_id[i]): (str(t.name[i]), str(t.intl_designator[i]), int(t.object_type[i]),
                                 t.first_epoch[i], t.last_epoch[i], int(t.n_element_sets[i]))
            for i in range(len(t))}


# ============================================================================ schema
def test_fresh_database_migrates_to_head(store):
    versions = sorted(p.name.split("_")[0] for p in (Path(store_pkg.__file__).parent / "migrations" / "versions")
                      .glob("[0-9]*.py"))
    assert head_revision() == versions[-1]  # 0001 initial, 0002 service, 0003 event history, 0004 notifications...
    assert current_revision(store.engine) == head_revision()
    st = store.stats()
    assert st.schema_revision == head_revision()
    assert (st.n_objects, st.n_element_sets, st.n_imports, st.n_rejections) == (0, 0, 0, 0)
    assert np.isnat(st.first_epoch) and np.isnat(st.last_epoch)


def test_reopening_keeps_data_and_does_not_migrate_again(db_url):
    with open_store(db_url) as s:
        s.import_files([FILE_A])
        before = snapshot(s)
    with open_store(db_url) as s:
        assert snapshot(s) == before


def test_schema_metadata_matches_migrations(store):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    opts = {"compare_type": True, "compare_server_default": True}
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts=opts), store_metadata) == []
        # and the comparison does see a drift: the same metadata plus a table no migration made
        drifted = MetaData()
        for t in store_metadata.sorted_tables:
            t.to_metadata(drifted)
        Table("not_migrated", drifted, Column("id", Integer, primary_key=True))
        diff = compare_metadata(MigrationContext.configure(conn, opts=opts), drifted)
        assert [d[0] for d in diff] == ["add_table"]


def test_migrations_downgrade_and_upgrade_again(store):
    from alembic import command

    from orbitwatch.store.engine import _alembic_config, migrate

    store.import_files([FILE_B])
    cfg = _alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    with store.engine.connect() as conn:
        assert conn.dialect.has_table(conn, "element_sets") is False
    assert current_revision(store.engine) is None
    assert migrate(store.engine) == head_revision()
    assert store.stats().n_element_sets == 0
    assert store.import_files([FILE_B])[0].inserted == 10


def test_newer_schema_revision_is_refused(db_url):
    with open_store(db_url) as s:
        with s.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = 'ffff_from_the_future'"))
    with pytest.raises(StoreError, match="newer orbitwatch"):
        open_store(db_url)


# ============================================================================ importing
def test_import_round_trip_is_exact(store):
    [rep] = store.import_files([FILE_A])
    parsed = read_elements(FILE_A).elements
    assert (rep.inserted, rep.duplicates, rep.conflicts, rep.n_rejected, rep.objects_new) == (40, 0, 0, 0, 40)
    assert rep.n_records == 40 and rep.status == "ok" and rep.import_id == 1
    assert rep.source == str(FILE_A) and len(rep.source_sha256) == 64
    loaded = store.load_elements()
    assert loaded.equals(parsed.sort_by("norad_id", "epoch"), ignore=())
    assert loaded.epoch.dtype == np.dtype("datetime64[ns]")
    assert np.array_equal(loaded.epoch.view(np.int64), parsed.sort_by("norad_id", "epoch").epoch.view(np.int64))
    cat = store.load_catalog()
    assert isinstance(cat, Catalog) and cat.n_objects == 40 and len(cat) == 40


def test_nanosecond_epochs_strings_and_creation_dates_round_trip(store):
    es = read_elements(FILE_A).elements
    n = len(es)
    es.epoch = es.epoch + np.arange(n).astype("timedelta64[ns]") * 7  # not multiples of a microsecond
    cd = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    cd[::3] = np.datetime64("2023-10-09T01:02:03.123456789", "ns")
    es.creation_date = cd
    es.comment = np.array(["O'Brien said \"hi\"\ttab\\backslash\nnew line é ✓"] + [""] * (n - 1))
    es.originator = np.array(["JAXA"] * n)
    store.import_elements(es, "memory")
    back = store.load_elements()
    assert back.equals(es.sort_by("norad_id", "epoch"), ignore=())
    assert back.epoch.view(np.int64)[1] % 1000 != 0


def test_importing_the_same_file_twice_changes_nothing(store):
    first = store.import_files([FILE_A, FILE_B])
    before = snapshot(store, DATA_TABLES)
    again = store.import_files([FILE_A, FILE_B])
    assert [(r.inserted, r.duplicates, r.conflicts, r.objects_new) for r in again] == [(0, 40, 0, 0), (0, 10, 0, 0)]
    assert [r.inserted for r in first] == [40, 10]
    assert snapshot(store, DATA_TABLES) == before
    log = store.imports()
    assert [e.inserted for e in log] == [40, 10, 0, 0] and [e.duplicates for e in log] == [0, 0, 40, 10]


def test_overlapping_files_merge(store, tmp_path):
    lines = tle_text(FILE_A)
    first = write_lines(tmp_path / "first30.3le", lines[:90])      # objects 0..29
    last = write_lines(tmp_path / "last20.3le", lines[60:])        # objects 20..39: 10 overlap
    r1, = store.import_files([first])
    r2, r3 = store.import_files([last, FILE_B])                    # B: 10 objects, later epochs
    assert (r1.inserted, r1.objects_new) == (30, 30)
    assert (r2.inserted, r2.duplicates, r2.objects_new) == (10, 10, 10)
    assert (r3.inserted, r3.duplicates, r3.objects_new) == (10, 0, 0)
    a, b = read_elements(FILE_A).elements, read_elements(FILE_B).elements
    cat = store.load_catalog()
    assert cat.n_objects == 40 and len(cat) == 50
    assert cat.elements.equals(Catalog(ElementSets.concat([a, b])).elements)
    objs = store.objects()
    assert len(objs) == 40 and objs.n_element_sets.sum() == 50
    vanguard2 = store.get_object(11)
    assert vanguard2.n_element_sets == 2
    assert vanguard2.first_epoch == a.epoch[a.norad_id == 11][0]
    assert vanguard2.last_epoch == b.epoch[b.norad_id == 11][0]
    assert vanguard2.first_import_id == r1.import_id and vanguard2.last_import_id == r3.import_id
    assert store.history(11).equals(cat.history(11))
    st = store.stats()
    assert (st.n_objects, st.n_element_sets, st.n_imports) == (40, 50, 3)
    assert stored_objects(store) == expected_objects(store.load_elements())


def test_latest_and_at(store):
    store.import_files([FILE_A, FILE_B])
    cat = Catalog(ElementSets.concat([read_elements(FILE_A).elements, read_elements(FILE_B).elements]))
    assert store.latest().equals(cat.latest())
    t = np.datetime64("2024-01-01T00:00:00", "ns")
    assert store.latest(at=t).equals(cat.at(t, allow_future=False))
    assert len(store.latest(at="2000-01-01")) == 0
    assert store.latest(norad_ids=[11, 20, 999999]).equals(cat.select(norad_ids=[11, 20]).latest())
    assert store.latest(norad_ids=[11], at=t).equals(cat.select(norad_ids=[11]).at(t, allow_future=False))


def test_load_filters(store):
    store.import_files([FILE_A, FILE_B])
    cat = Catalog(ElementSets.concat([read_elements(FILE_A).elements, read_elements(FILE_B).elements]))
    ids = [5, 11, 20]
    assert store.load_elements(norad_ids=ids).equals(cat.select(norad_ids=ids).elements)
    many = list(range(0, 100_000, 7)) + [5, 11]  # long lists take the array / json_each path
    assert store.load_elements(norad_ids=many).equals(cat.select(norad_ids=many).elements)
    since = np.datetime64("2024-01-01T00:00:00", "ns")
    later = store.load_elements(since=since)
    assert len(later) == 10 and (later.epoch >= since).all()
    early = store.load_catalog(until="2024-01-01T00:00:00Z")
    assert len(early) == 40 and early.elements.equals(Catalog(read_elements(FILE_A).elements).elements)
    assert len(store.load_elements(norad_ids=[])) == 0


def test_objects_metadata_and_filters(store):
    store.import_files([FILE_A])
    objs = store.objects()
    a = read_elements(FILE_A).elements.sort_by("norad_id")
    assert np.array_equal(objs.norad_id, a.norad_id)
    assert np.array_equal(objs.name, a.name) and np.array_equal(objs.intl_designator, a.intl_designator)
    assert np.array_equal(objs.object_type, a.object_type)
    assert np.array_equal(objs.first_epoch, a.epoch) and np.array_equal(objs.last_epoch, a.epoch)
    rb = store.objects(object_type="rocket-body")
    assert len(rb) > 0 and set(rb.object_type_name) == {"ROCKET BODY"}
    assert list(store.objects(name="vanguard*").norad_id) == [5, 11, 12, 16, 20]
    assert list(store.objects(name="vanguard", limit=2).norad_id) == [5, 11]
    assert len(store.objects(limit=3)) == 3
    info = store.get_object(5)
    assert (info.name, info.intl_designator, info.object_type, info.n_element_sets) == (
        "VANGUARD 1", "1958-002B", "PAYLOAD", 1)
    with pytest.raises(NotFoundError, match="99999"):
        store.get_object(99999)
    with pytest.raises(ValueError, match="unknown object type"):
        store.objects(object_type="spaceship")


def test_object_name_follows_the_latest_named_element_set(store, tmp_path):
    lines = tle_text(FILE_A)[:3]   # VANGUARD 1
    store.import_files([write_lines(tmp_path / "a.3le", lines)])
    renamed = ["0 VANGUARD ONE", with_checksum(lines[1][:18] + "23283.00000000" + lines[1][32:]), lines[2]]
    store.import_files([write_lines(tmp_path / "b.3le", renamed)])
    two_line = [with_checksum(lines[1][:18] + "23284.00000000" + lines[1][32:]), lines[2]]
    store.import_files([write_lines(tmp_path / "c.tle", two_line)])  # no name: keeps the last known one
    info = store.get_object(5)
    assert (info.name, info.n_element_sets) == ("VANGUARD ONE", 3)
    assert list(store.history(5).name) == ["VANGUARD 1", "VANGUARD ONE", ""]
    assert stored_objects(store) == expected_objects(store.load_elements())


def test_new_objects_with_several_epochs_in_one_import(store, tmp_path):
    lines = tle_text(FILE_A)
    later = [with_checksum(lines[1][:18] + "23300.00000000" + lines[1][32:]), lines[2]]   # VANGUARD 1, no name
    f = write_lines(tmp_path / "all.3le", lines + tle_text(FILE_B) + later)
    [rep] = store.import_files([f])
    assert (rep.inserted, rep.objects_new) == (51, 40)
    assert stored_objects(store) == expected_objects(store.load_elements())
    assert store.get_object(5).name == "VANGUARD 1" and store.get_object(5).n_element_sets == 2
    # and the same content arriving object by object through the update path agrees
    other = tmp_path / "other"
    other.mkdir()
    with open_store(f"sqlite:///{other / 's.db'}") as s2:
        s2.import_files([write_lines(tmp_path / "l.tle", later)])
        s2.import_files([FILE_B])
        s2.import_files([FILE_A])
        assert stored_objects(s2) == stored_objects(store)


def test_a_user_table_named_like_the_staging_table_is_left_alone(store):
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE ow_stage (x INTEGER)"))
        conn.execute(text("INSERT INTO ow_stage VALUES (42)"))
    store.import_files([FILE_A])
    store.import_files([FILE_A])
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT x FROM ow_stage")).scalars().all() == [42]


# ============================================================================ bad input
def _file_with_bad_records(tmp_path: Path) -> Path:
    lines = tle_text(FILE_A)
    lines[4] = lines[4][:68] + str((int(lines[4][68]) + 1) % 10)          # record 2, line 1: checksum
    lines[8] = lines[8][:26] + "12x4567" + lines[8][33:]                   # record 3, line 2: eccentricity
    lines[8] = with_checksum(lines[8])
    return write_lines(tmp_path / "bad.3le", lines)


def test_rejected_records_are_reported_logged_and_the_rest_imported(store, tmp_path):
    bad = _file_with_bad_records(tmp_path)
    [rep] = store.import_files([bad])
    assert (rep.n_records, rep.inserted, rep.n_rejected, rep.status) == (40, 38, 2, "partial")
    got = sorted((e.source, e.line, e.field) for e in rep.rejected)
    assert got[0][:2] == (str(bad), 5) and got[1][:2] == (str(bad), 9)
    assert all(isinstance(e, ElementSetError) and e.reason for e in rep.rejected)
    logged = store.rejections(rep.import_id)
    assert sorted((r.kind, r.source, r.line, r.field, r.reason) for r in logged) == sorted(
        ("rejected", e.source, e.line, e.field, e.reason) for e in rep.rejected)
    assert all(r.text for r in logged)
    assert str(logged[0].as_error()).startswith(f"{bad}:")
    entry = store.imports()[-1]
    assert (entry.status, entry.rejected, entry.inserted) == ("partial", 2, 38)
    assert len(store.load_elements()) == 38


def test_records_the_database_cannot_hold_are_rejected_with_field(store):
    es = read_elements(FILE_A).elements
    es.name = es.name.astype("U40")
    es.name[3] = "BAD\x00NAME"
    es.epoch[7] = np.datetime64("NaT")
    rep = store.import_elements(es, "memory")
    assert rep.inserted == 38
    assert sorted((e.field, e.line) for e in rep.rejected) == [("epoch", 22), ("name", 10)]
    assert "NUL" in [e for e in rep.rejected if e.field == "name"][0].reason
    assert len(store.rejections()) == 2


def test_strict_mode_rejection_rolls_everything_back(store, tmp_path):
    store.import_files([FILE_B])
    before = snapshot(store)
    bad = _file_with_bad_records(tmp_path)
    with pytest.raises(ElementSetError) as err:
        store.import_files([FILE_A, bad], strict=True)   # the good file is not imported either
    assert (err.value.source, err.value.line) == (str(bad), 5)
    assert snapshot(store) == before


def test_unreadable_file_rolls_everything_back(store, tmp_path):
    store.import_files([FILE_B])
    before = snapshot(store)
    missing = tmp_path / "no-such-file.3le"
    with pytest.raises(InputNotFoundError) as err:   # a missing input is "not found", never "bad data"
        store.import_files([FILE_A, missing])
    assert (err.value.source, err.value.field) == (str(missing), "file")
    assert snapshot(store) == before


def test_failure_half_way_rolls_back(store):
    store.import_files([FILE_B])
    before = snapshot(store)
    store.batch_rows = 8
    calls = []

    def progress(done, total, stage):
        calls.append((done, total))
        if len(calls) == 3:
            raise RuntimeError("crash after 3 batches")

    with pytest.raises(RuntimeError, match="crash after 3 batches"):
        store.import_files([FILE_A, FILE_B], progress=progress)
    assert calls == [(8, 50), (16, 50), (24, 50)]
    assert snapshot(store) == before


def test_progress_reports_batches_and_a_final_call(store):
    store.batch_rows = 16
    calls = []
    store.import_files([FILE_A, FILE_B], progress=lambda d, t, stage: calls.append((d, t, stage)))
    assert calls == [(16, 50, "import"), (32, 50, "import"), (40, 50, "import"), (50, 50, "import"),
                     (50, 50, "commit")]


def test_cancelled_import_rolls_back(store):
    from orbitwatch.errors import CancelledError
    from orbitwatch.progress import Progress

    store.import_files([FILE_B])
    before = snapshot(store)
    store.batch_rows = 8
    prog = Progress(lambda d, t, stage: prog.cancel() if d >= 16 else None)
    with pytest.raises(CancelledError):
        store.import_files([FILE_A, FILE_B], progress=prog)
    assert snapshot(store) == before


def test_bad_on_conflict_value(store):
    with pytest.raises(ValueError, match="on_conflict"):
        store.import_files([FILE_A], on_conflict="newest")
    assert store.stats().n_imports == 0


# ============================================================================ conflicts
def _changed_copy(tmp_path: Path, name: str) -> tuple[Path, float]:
    """FILE_A with VANGUARD 2's mean motion changed in the last digit (same object, same epoch)."""
    lines = tle_text(FILE_A)
    l2 = lines[5]
    mm = l2[52:63]
    new_mm = mm[:-1] + str((int(mm[-1]) + 1) % 10)
    lines[5] = with_checksum(l2[:52] + new_mm + l2[63:])
    return write_lines(tmp_path / name, lines), float(new_mm)


def test_conflicts_keep_the_stored_record_by_default(store, tmp_path):
    [r1] = store.import_files([FILE_A])
    before = snapshot(store, DATA_TABLES[:2])
    changed, _ = _changed_copy(tmp_path, "changed.3le")
    [rep] = store.import_files([changed])
    assert (rep.inserted, rep.duplicates, rep.conflicts, rep.on_conflict) == (0, 39, 1, "keep")
    [c] = rep.conflict_details
    assert (c.norad_id, c.field, c.line, c.action, c.stored_import_id) == (
        11, "mean_motion_rev_per_day", 4, "kept", r1.import_id)   # the record starts on line 4
    assert snapshot(store, DATA_TABLES[:2]) == before
    [logged] = store.rejections(rep.import_id)
    assert (logged.kind, logged.field, logged.line) == ("conflict", "mean_motion_rev_per_day", 4)
    assert "kept the stored one" in logged.reason and f"import {r1.import_id}" in logged.reason
    assert store.imports()[-1].conflicts == 1


def test_conflicts_replace_when_asked(store, tmp_path):
    store.import_files([FILE_A, FILE_B])
    changed, new_mm = _changed_copy(tmp_path, "changed.3le")
    [rep] = store.import_files([changed], on_conflict="replace")
    assert (rep.inserted, rep.duplicates, rep.conflicts) == (0, 39, 1)
    assert rep.conflict_details[0].action == "replaced"
    hist = store.history(11)
    assert len(hist) == 2 and hist.mean_motion_rev_per_day[0] == new_mm
    cat_ids = store.load_elements(norad_ids=[11])
    assert cat_ids.equals(hist)
    info = store.get_object(11)
    assert info.n_element_sets == 2 and info.last_import_id == rep.import_id
    assert store.stats().n_element_sets == 50
    assert stored_objects(store) == expected_objects(store.load_elements())


def test_clashes_inside_one_input_apply_in_order(store, tmp_path):
    lines = tle_text(FILE_A)
    changed, new_mm = _changed_copy(tmp_path, "changed.3le")
    twice = write_lines(tmp_path / "twice.3le", lines + lines[:6] + tle_text(changed)[3:6])
    [rep] = store.import_files([twice])   # VANGUARD 1 again (same), VANGUARD 2 again (same) + changed
    assert (rep.n_records, rep.inserted, rep.duplicates, rep.conflicts) == (43, 40, 2, 1)
    assert rep.conflict_details[0].action == "kept-first"
    assert "earlier record of the same input" in rep.conflict_details[0].reason
    assert store.history(11).mean_motion_rev_per_day[0] != new_mm
    other = tmp_path / "replace"
    other.mkdir()
    with open_store(f"sqlite:///{other / 's.db'}") as s2:
        [rep2] = s2.import_files([twice], on_conflict="replace")
        assert (rep2.inserted, rep2.duplicates, rep2.conflicts) == (40, 2, 1)
        assert s2.history(11).mean_motion_rev_per_day[0] == new_mm


def test_concurrent_imports_are_serialised(db_url):
    import threading

    stores = [open_store(db_url), open_store(db_url)]
    barrier = threading.Barrier(2)
    reports, errors = [], []

    def run(s):
        barrier.wait()
        try:
            reports.extend(s.import_files([FILE_A, FILE_B]))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r.inserted for r in reports) == 50 and sum(r.duplicates for r in reports) == 50
    assert sum(r.objects_new for r in reports) == 40
    assert stored_objects(stores[0]) == expected_objects(stores[0].load_elements())
    for s in stores:
        s.close()


# ============================================================================ killing an import
KILL_SCRIPT = r"""
import sys, time
from orbitwatch.store import open_store
url, path, pause, batch_rows = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
store = open_store(url, batch_rows=batch_rows)
state = {"calls": 0, "at_total": 0}
def progress(done, total, stage):
    state["calls"] += 1
    state["at_total"] += done == total
    if (pause == "commit" and state["at_total"] == 2) or (pause != "commit" and state["calls"] == int(pause)):
        print("READY", done, total, flush=True)
        time.sleep(3600)
store.import_files([path], progress=progress)
print("FINISHED", flush=True)
"""


def _wait_for_line(proc: subprocess.Popen, timeout_s: float = 300.0) -> str:
    """The child's first stdout line (a safety net against a hung child, not a performance limit)."""
    ready, _, _ = select.select([proc.stdout], [], [], timeout_s)
    if not ready:
        proc.kill()
        pytest.fail(f"the importing process printed nothing in {timeout_s} s: {proc.stderr.read()}")
    return proc.stdout.readline()


def _kill_import(db_url: str, path: Path, pause: str, batch_rows: int, tmp_path: Path, backend: str):
    with open_store(db_url) as s:
        s.import_files([FILE_B])          # something to keep
        before = snapshot(s)
    app_name = f"orbitwatch-kill-{secrets.token_hex(4)}"
    child_url = db_url
    if backend == "postgresql":
        child_url = make_url(db_url).update_query_dict({"application_name": app_name}).render_as_string(
            hide_password=False)
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, child_url, str(path), pause, str(batch_rows)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        line = _wait_for_line(proc)
        assert line.startswith("READY"), f"child did not pause: {line!r} {proc.stderr.read()}"
        # the import's transaction is open, holding its writes, when the process dies
        if backend == "sqlite":
            raw = sqlite3.connect(make_url(db_url).database, timeout=0)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                raw.execute("BEGIN IMMEDIATE")
            raw.close()
        else:
            with open_store(db_url, migrate=False) as s, s.engine.connect() as conn:
                states = conn.execute(text("SELECT state FROM pg_stat_activity WHERE application_name = :a"),
                                      {"a": app_name}).scalars().all()
            assert states == ["idle in transaction"]
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    with open_store(db_url) as s:
        assert snapshot(s) == before
        [rep] = s.import_files([path])     # nothing left locked; the import now goes through
        assert rep.inserted + rep.duplicates == rep.n_records
        if backend == "sqlite":
            with s.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"


@pytest.mark.parametrize("pause", ["3", "commit"], ids=["mid-staging", "before-commit"])
def test_killed_import_leaves_the_database_as_it_was(db_url, tmp_path, pause):
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    _kill_import(db_url, FILE_A, pause, 8, tmp_path, backend)


def test_killed_full_catalog_import_leaves_the_database_as_it_was(db_url, tmp_path, shared_data):
    backend = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    _kill_import(db_url, shared_data / "catalog" / "full-catalog-2023-10-09.3le", "commit", 4096, tmp_path,
                 backend)


# ============================================================================ the full catalog
def test_full_catalog_round_trip(store, shared_data):
    path = shared_data / "catalog" / "full-catalog-2023-10-09.3le"
    [rep] = store.import_files([path])
    parsed = read_elements(path).elements
    assert (rep.inserted, rep.objects_new, rep.n_rejected) == (26140, 26140, 0)
    cat = store.load_catalog()
    assert cat.elements.equals(Catalog(parsed).elements, ignore=())
    assert store.latest().equals(Catalog(parsed).latest(), ignore=())
    [again] = store.import_files([path])
    assert (again.inserted, again.duplicates) == (0, 26140)
    st = store.stats()
    assert (st.n_objects, st.n_element_sets) == (26140, 26140)
    alpha5 = store.objects(norad_ids=range(270000, 280000))
    assert len(alpha5) == 266


# ============================================================================ opening
def test_open_store_defaults_to_sqlite_in_orbitwatch_home(tmp_home):
    with open_store() as s:
        assert s.backend == "sqlite"
        assert s.url == f"sqlite:///{tmp_home / 'orbitwatch.db'}"
        s.import_files([FILE_B])
    assert (tmp_home / "orbitwatch.db").exists()


def test_open_store_creates_missing_home(tmp_path, monkeypatch):
    home = tmp_path / "deeper" / "home"
    monkeypatch.setenv("ORBITWATCH_HOME", str(home))
    monkeypatch.delenv("ORBITWATCH_DATABASE_URL", raising=False)
    with open_store() as s:
        assert s.stats().n_objects == 0
    assert (home / "orbitwatch.db").exists()


def test_database_url_variable_wins(tmp_home, tmp_path, monkeypatch):
    other = tmp_path / "elsewhere.db"
    monkeypatch.setenv("ORBITWATCH_DATABASE_URL", f"sqlite:///{other}")
    with open_store() as s:
        assert s.url == f"sqlite:///{other}"
    assert other.exists() and not (tmp_home / "orbitwatch.db").exists()


def test_url_password_is_masked_and_errors_are_typed(tmp_path):
    with pytest.raises(StoreError) as err:
        open_store("postgresql://orbit:s3cret@127.0.0.1:1/nowhere", connect_args={"connect_timeout": 2})
    assert "s3cret" not in str(err.value) and "***" in str(err.value)
    # a bad URL is the caller's mistake (exit 2 / HTTP 422), not an unavailable database
    with pytest.raises(InvalidRequestError, match="unsupported database backend 'mysql'"):
        open_store("mysql://u:p@host/db")
    with pytest.raises(InvalidRequestError, match="not a database URL"):
        open_store("definitely not a url")
    with pytest.raises(InvalidRequestError, match=r"'/tmp/x.db' is not a database URL.*sqlite:////tmp/x.db"):
        open_store("/tmp/x.db")


def test_readers_never_create_a_database(tmp_path, monkeypatch):
    monkeypatch.setenv("ORBITWATCH_HOME", str(tmp_path / "typo-home"))
    monkeypatch.delenv("ORBITWATCH_DATABASE_URL", raising=False)
    with pytest.raises(NotFoundError, match=r"no database at .*typo-home.*ORBITWATCH_HOME"):
        open_store(must_exist=True)
    assert not (tmp_path / "typo-home").exists()
    with pytest.raises(InvalidRequestError, match="folder of the SQLite database .* does not exist"):
        open_store(f"sqlite:///{tmp_path}/no/such/dir/x.db")
    assert not (tmp_path / "no").exists()
    assert mask_url("postgresql+psycopg://u:pw@h/db") == "postgresql+psycopg://u:***@h/db"


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    bad = tmp_path / "not-a.db"
    bad.write_bytes(b"this is a text file, not SQLite" * 100)
    with pytest.raises(StoreError, match=r"cannot open the database sqlite:///.*not-a\.db: file is not a database"):
        open_store(f"sqlite:///{bad}")
    assert bad.read_bytes() == b"this is a text file, not SQLite" * 100


def test_store_from_an_engine(tmp_path):
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{tmp_path / 'e.db'}")
    s = Store(engine)
    s.import_files([FILE_B])
    s.close()                      # a caller's engine is not disposed by the store
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM element_sets").scalar() == 10
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_numeric_core_does_not_import_the_store_stack():
    code = ("import sys, orbitwatch.elements, orbitwatch.catalog, orbitwatch.propagation, orbitwatch.config; "
            "bad = [m for m in ('sqlalchemy', 'alembic', 'psycopg', 'typer', 'rich') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_import_report_counts_add_up():
    r = ImportReport(1, "x", 10, 5, 3, 1, 2, rejected=(ElementSetError("x", 3, "f", "bad"),))
    assert r.inserted + r.duplicates + r.conflicts + r.n_rejected == r.n_records
    assert r.status == "partial" and "5 inserted" in r.summary()
