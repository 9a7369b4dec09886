"""Screening with the events streamed to a Parquet dataset (``screen(..., sink=ParquetSink(dir))``)
gives exactly the in-memory run's events, event for event and bit for bit (EME2000 states to 1 um):
on a Dask LocalCluster of two worker processes and in this process, all against all and for a fleet
(the subset's satellites in CelesTrak's active list of 2025). The windows are short (8 minutes) so
that many events fall in the halos of window edges, where the minima of two windows are deduplicated
at the end. A failed or cancelled run leaves no dataset marked complete; a folder that cannot hold
the dataset is refused before any work."""

from __future__ import annotations

import json

import numpy as np
import pytest

from orbitwatch.conjunction import ScreeningOptions, screen
from orbitwatch.elements import read_elements
from orbitwatch.errors import CancelledError, InputFileError, InvalidRequestError

try:
    import pyarrow  # noqa: F401
except ImportError:  # pragma: no cover - the test extra installs it
    import os

    if os.environ.get("CI", "").strip().lower() in ("1", "true", "yes"):
        raise
    pytest.skip("the Parquet sink needs pyarrow (the dask and test extras)", allow_module_level=True)
from orbitwatch.conjunction.screening.sinks import MANIFEST, STAGING, ParquetSink, read_events, read_manifest  # noqa

CATALOG = "catalog/full-catalog-2023-10-09.3le"
START = np.datetime64("2023-10-09T12:00", "ns")
STOP = START + np.timedelta64(4, "h")
# 480 s windows (the shortest): 30 windows, a halo of 122 s at each internal edge
OPTIONS = ScreeningOptions(window_s=480.0)
THRESHOLD_KM = 20.0


@pytest.fixture(scope="module")
def sub(shared_data):
    es = read_elements(shared_data / CATALOG).elements
    rng = np.random.default_rng(11)
    dense = np.flatnonzero((es.perigee_km > 530) & (es.apogee_km < 560))
    pick = np.unique(np.r_[rng.choice(dense, 500, replace=False), rng.choice(len(es), 200, replace=False)])
    return es[pick]


@pytest.fixture(scope="module")
def fleet(sub, shared_data):
    """A fleet of real operators' satellites: those of the subset in the active list of 2025-09-28
    (CelesTrak's 12,806 active satellites; 461 of the 696 here), screened against everything."""
    active = read_elements(shared_data / "catalog" / "active-2025-09-28.tle").elements.norad_id
    ids = sub.norad_id[np.isin(sub.norad_id, active)]
    assert 100 <= ids.size < len(sub) - 100
    return [int(x) for x in ids]


@pytest.fixture(scope="module")
def serial(sub):
    res = screen(sub, START, STOP, threshold_km=THRESHOLD_KM, executor=1, options=OPTIONS)
    assert res.stats["windows"] == 30 and len(res.events) > 100
    return res


@pytest.fixture(scope="module")
def serial_fleet(sub, fleet):
    res = screen(sub, START, STOP, threshold_km=THRESHOLD_KM, primaries=fleet, executor=1, options=OPTIONS)
    assert len(res.events) > 10
    return res


@pytest.fixture(scope="module")
def cluster():
    pytest.importorskip("distributed")
    from orbitwatch.distributed import DaskExecutor

    with DaskExecutor.from_spec("local:2") as ex:
        yield ex


def same_events(a, b):
    """Bit for bit, but for the EME2000 states: the frame-bias product (``r @ B.T``) of a one-row batch takes
    another BLAS path than a longer one, and rounds differently by ~1e-12 km; they agree to 1 um, 1 nm/s."""
    assert len(a) == len(b)
    for name, col in a.columns().items():
        other = getattr(b, name)
        if "eme2000" in name:
            tol = 1e-9 if name.startswith("r") else 1e-12
            assert np.max(np.abs(col - other), initial=0.0) <= tol, name
        elif col.dtype.kind == "f":
            assert np.array_equal(col, other, equal_nan=True), name
        else:
            assert np.array_equal(col, other), name


def same_run(mem, streamed, path):
    ev = read_events(path)
    same_events(mem.events, ev)
    assert len(streamed.events) == 0 and streamed.dataset == str(path)
    assert streamed.stats["events"] == len(mem.events)
    for key in ("duplicates_removed", "identical_trajectory_pairs_removed", "candidates", "slow_events"):
        assert streamed.stats[key] == mem.stats[key], key
    assert np.array_equal(mem.object_status.norad_id, streamed.object_status.norad_id)
    assert np.array_equal(mem.object_status.first_bad, streamed.object_status.first_bad)
    assert np.array_equal(mem.object_status.status, streamed.object_status.status)
    return ev


def test_all_vs_all_on_dask_streams_the_in_memory_events(sub, serial, cluster, tmp_path):
    out = tmp_path / "events"
    res = screen(sub, START, STOP, threshold_km=THRESHOLD_KM, executor=cluster, options=OPTIONS,
                 sink=ParquetSink(out))
    same_run(serial, res, out)
    # the halos were exercised: minima deferred to the end (the dedupe across windows is tested below)
    assert res.stats["deferred_minima"] > 20
    doc = read_manifest(out)
    assert doc["complete"] and doc["events"] == len(serial.events) and doc["windows"] == 30
    assert doc["threshold_km"] == THRESHOLD_KM and doc["all_vs_all"] and doc["options"]["window_s"] == 480.0
    assert sum(f["rows"] for f in doc["files"]) == doc["events"]
    # Hive partitions by TCA day, readable by pyarrow alone
    import pyarrow.dataset as ds

    days = sorted(p.name for p in out.iterdir() if p.is_dir())
    assert days == ["tca_day=2023-10-09"]
    table = ds.dataset(out, format="parquet", partitioning="hive").to_table()
    assert table.num_rows == len(serial.events) and "tca_day" in table.column_names
    assert not (out / STAGING).exists()


def test_fleet_on_dask_streams_the_in_memory_events(sub, fleet, serial, serial_fleet, cluster, tmp_path):
    out = tmp_path / "fleet"
    res = screen(sub, START, STOP, threshold_km=THRESHOLD_KM, primaries=fleet, executor=cluster, options=OPTIONS,
                 sink=ParquetSink(out))
    ev = same_run(serial_fleet, res, out)
    assert np.isin(ev.norad_1, fleet).all() and 10 < len(ev) < len(serial.events)
    assert not read_manifest(out)["all_vs_all"]


def test_streaming_in_process_threads_matches(sub, serial, tmp_path):
    from orbitwatch.distributed import InProcessExecutor

    out = tmp_path / "threads"
    res = screen(sub, START, STOP, threshold_km=THRESHOLD_KM, executor=InProcessExecutor(2), options=OPTIONS,
                 sink=ParquetSink(out))
    same_run(serial, res, out)


def test_a_failed_run_leaves_no_complete_dataset(sub, tmp_path, monkeypatch):
    from orbitwatch.conjunction.screening import streaming

    real = streaming.stream_window

    def flaky(task, sctx):
        if task[0] == 5:
            raise RuntimeError("worker lost")
        return real(task, sctx)

    monkeypatch.setattr(streaming, "stream_window", flaky)
    out = tmp_path / "failed"
    with pytest.raises(RuntimeError, match="worker lost"):
        screen(sub, START, STOP, threshold_km=THRESHOLD_KM, executor=1, options=OPTIONS, sink=ParquetSink(out))
    assert not (out / MANIFEST).exists() and not (out / STAGING).exists()
    assert not any(out.iterdir())
    with pytest.raises(InputFileError, match="no _manifest.json"):
        read_events(out)
    monkeypatch.undo()

    # cancelled after the first windows: the same
    from orbitwatch.progress import Progress

    def stop_early(done, total, stage):
        if stage == "windows" and done == 3:
            prog.cancel()

    prog = Progress(stop_early)
    with pytest.raises(CancelledError):
        screen(sub, START, STOP, threshold_km=THRESHOLD_KM, executor=1, options=OPTIONS, sink=ParquetSink(out),
               progress=prog)
    assert not (out / MANIFEST).exists() and not any(out.iterdir())

    # a killed run (staging left behind, no manifest) is not read as a dataset
    (out / STAGING).mkdir()
    with pytest.raises(InputFileError, match="unfinished or failed"):
        read_events(out)
    # a manifest that says incomplete is refused too
    (out / MANIFEST).write_text(json.dumps({"format": "orbitwatch.conjunction-events.parquet", "complete": False}))
    with pytest.raises(InputFileError, match="not a complete"):
        read_events(out)


def test_bad_sink_paths_are_refused_before_any_work(sub, tmp_path):
    def run(sink):
        return screen(sub[:50], START, START + np.timedelta64(1, "h"), threshold_km=5.0, executor=1, sink=sink)

    with pytest.raises(InvalidRequestError, match="parent folder .* does not exist"):
        run(ParquetSink(tmp_path / "no" / "such" / "dir"))
    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidRequestError, match="not a folder"):
        run(ParquetSink(tmp_path / "file"))
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(InvalidRequestError, match="holds no orbitwatch dataset"):
        run(ParquetSink(tmp_path / "other", overwrite=True))
    assert (tmp_path / "other" / "notes.txt").read_text() == "mine"
    # an earlier dataset: refused, unless overwrite
    out = tmp_path / "again"
    first = run(ParquetSink(out))
    with pytest.raises(InvalidRequestError, match="already holds an events dataset") as exc:
        run(ParquetSink(out))
    assert exc.value.field == "sink"
    second = run(ParquetSink(out, overwrite=True))
    assert read_manifest(out)["events"] == first.stats["events"] == second.stats["events"]


def test_window_length_follows_the_task_memory_budget(sub, serial):
    # a budget too small for a window of 2 h gives the shortest windows (480 s); the events are the same
    # minima (window edges move, so the refinement may start elsewhere: TCA within 1 us, miss within 1 mm)
    from orbitwatch.conjunction.screening.request import estimate_task_bytes

    small = ScreeningOptions(window_s=7200.0, max_task_mb=1.0)
    res = screen(sub, START, STOP, threshold_km=THRESHOLD_KM, executor=1, options=small)
    assert res.stats["window_s"] == 480.0 and res.stats["windows"] == 30
    big = screen(sub, START, STOP, threshold_km=THRESHOLD_KM, executor=1, options=ScreeningOptions())
    assert big.stats["window_s"] == 7200.0
    a, b = res.events, big.events
    assert len(a) == len(b) == len(serial.events)
    assert np.array_equal(a.norad_1, b.norad_1) and np.array_equal(a.norad_2, b.norad_2)
    assert np.max(np.abs(a.tca.astype(np.int64) - b.tca.astype(np.int64))) <= 1000
    assert np.max(np.abs(a.miss_km - b.miss_km)) < 1e-6
    # the estimate grows with the window and the objects
    k = (np.array([2, 3]), np.array([1000, 100]))
    e1 = estimate_task_bytes(k, 1.0, 480.0)
    e2 = estimate_task_bytes(k, 1.0, 7200.0)
    assert e2["node_count"] == 1000 * 31 + 100 * 16 and e1["node_count"] == 1000 * 3 + 100 * 2
    assert e2["total"] > e1["total"]


def test_halo_split_equals_the_global_dedupe():
    """The split the tasks make (chains clear of every internal edge's halo: final in the task; the
    others: deduplicated together at the end) keeps exactly the minima the in-memory run's one pass
    keeps, on minima built to stress it: one minimum found by two windows (refined a few ms apart on
    either side of an edge, or both inside the neighbour), chains of close minima, exact ties, and the
    minima the edge check of ephemerides' usable spans finds again."""
    from types import SimpleNamespace

    from orbitwatch.conjunction.screening.core import _dedupe
    from orbitwatch.conjunction.screening.streaming import REFINE_REACH_S, _chains, _halo_mask

    rng = np.random.default_rng(5)
    W, n_win, tol = 480.0, 12, 1.0
    # edges of ephemerides' usable spans inside windows: the edge check refines minima from there
    edges = np.array([700.0, 2000.0, 3333.3, 5000.0])
    sctx = SimpleNamespace(halo_s=REFINE_REACH_S + 2 * tol, n_win=n_win, window_s=W, edge_times_s=edges)
    per_window = []
    for k in range(n_win):
        w0, w1 = k * W, (k + 1) * W
        m = 300
        i = rng.integers(0, 15, m)
        j = i + rng.integers(1, 4, m)
        t = rng.uniform(max(w0 - REFINE_REACH_S, 0.0), min(w1 + REFINE_REACH_S, n_win * W), m)
        t[:40] = np.round(t[:40] / W) * W + rng.normal(0, 0.3, 40)  # crowd the edges
        t = np.clip(t, max(w0 - REFINE_REACH_S, 0.0), min(w1 + REFINE_REACH_S, n_win * W))
        miss2 = rng.uniform(0, 4, m)
        per_window.append([i, j, t, miss2])
    # the neighbour finds some of the same minima again (same pair, within tol), and an exact tie
    for k in range(n_win - 1):
        i, j, t, q = per_window[k]
        near = np.flatnonzero(np.abs(t - (k + 1) * W) < 5.0)[:10]
        nxt = per_window[k + 1]
        for c, extra in enumerate((i[near], j[near], t[near] + rng.normal(0, 0.2, near.size), q[near] * 1.01)):
            nxt[c] = np.r_[nxt[c], extra]
        for c, extra in enumerate((i[near[:2]], j[near[:2]], t[near[:2]], q[near[:2]])):
            nxt[c] = np.r_[nxt[c], extra]
    # the edge check: minima within REFINE_REACH_S of an edge, some of them the windows' own again
    edge_min = [[], [], [], []]
    for e in edges:
        for w in per_window:
            near = np.flatnonzero(np.abs(w[2] - e) < REFINE_REACH_S)[:6]
            for c, x in enumerate((w[0][near], w[1][near], w[2][near] + rng.normal(0, 0.2, near.size),
                                   w[3][near] * 0.99)):
                edge_min[c].append(x)
    edge_min = [np.concatenate(x) for x in edge_min]
    assert edge_min[0].size > 10
    whole = [np.concatenate([w[c] for w in per_window] + [edge_min[c]]) for c in range(4)]
    keep = _dedupe(*whole, tol)
    want = sorted(zip(*(x[keep].tolist() for x in whole)))
    assert keep.size - keep.sum() > 50  # duplicates there were

    got, deferred = [], []
    for k, (i, j, t, q) in enumerate(per_window):
        chain = _chains(i, j, t, tol)
        defer = _halo_mask(t, chain, k * W, (k + 1) * W, sctx)
        f = ~defer
        kf = _dedupe(i[f], j[f], t[f], q[f], tol)
        got += list(zip(*(x[f][kf].tolist() for x in (i, j, t, q))))
        deferred.append([x[defer] for x in (i, j, t, q)])
    rest = [np.concatenate([d[c] for d in deferred] + [edge_min[c]]) for c in range(4)]
    kr = _dedupe(*rest, tol)
    got += list(zip(*(x[kr].tolist() for x in rest)))
    assert sorted(got) == want
