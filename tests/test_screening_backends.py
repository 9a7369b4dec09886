"""Backends by capability: a backend that declares nothing (a toy wrapping python-sgp4) screens a
real subset and finds the numba backend's events; cancellation and progress through
``orbitwatch.progress.Progress``; an unreachable Dask scheduler; slow encounters, designators
and CDM file names; the table at 80 columns."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from orbitwatch.cli.main import app
from orbitwatch.conjunction.screening import SLOW_REL_SPEED_KM_S, ScreeningOptions, screen
from orbitwatch.distributed import DaskExecutor, InProcessExecutor
from orbitwatch.elements import read_elements
from orbitwatch.errors import CancelledError, UnavailableError
from orbitwatch.progress import Progress
from orbitwatch.propagation import BatchPropagator, SGP4ReferenceBackend, capabilities_of, get_backend

CATALOG = "catalog/full-catalog-2023-10-09.3le"
START = np.datetime64("2023-10-09T12:00", "ns")
SRC = Path(__file__).resolve().parents[1] / "src" / "orbitwatch"


@pytest.fixture(scope="module")
def catalog(shared_data):
    return read_elements(shared_data / CATALOG).elements


@pytest.fixture(scope="module")
def sub(catalog):
    rng = np.random.default_rng(3)
    dense = np.flatnonzero((catalog.perigee_km > 530) & (catalog.apogee_km < 560))
    pick = np.unique(np.r_[rng.choice(dense, 150, replace=False), rng.choice(len(catalog), 50, replace=False)])
    return catalog[pick]


class ToyBackend:
    """python-sgp4 behind the three protocol methods only: no ``capabilities``, no subsets, no
    per-object instants, no thread count. Counts what it is asked."""

    name = "toy"

    def __init__(self):
        self.ref = SGP4ReferenceBackend()
        self.calls = {"prepare": 0, "propagate_ns": 0}

    def prepare(self, elements):
        self.calls["prepare"] += 1
        return self.ref.prepare(elements)

    def propagate_ns(self, prepared, times_ns):
        self.calls["propagate_ns"] += 1
        return self.ref.propagate_ns(prepared, times_ns)

    def propagate_tsince(self, prepared, tsince_min):  # pragma: no cover - not used by the screening
        return self.ref.propagate_tsince(prepared, tsince_min)


def test_no_class_names_or_state_types_in_screening_and_tasking():
    """Screening and access talk to backends only through declared capabilities."""
    pattern = re.compile(r"__name__ ==|isinstance\(.*SGP4State")
    hits = [f"{p}:{k}" for d in ("conjunction", "response") for p in (SRC / d).rglob("*.py")
            for k, line in enumerate(p.read_text().splitlines(), 1) if pattern.search(line)]
    assert hits == []


def test_capabilities_are_declared():
    assert capabilities_of(ToyBackend()).subset is False
    nb = get_backend("numba")
    caps = capabilities_of(nb)
    assert caps.subset and caps.time_matrix and caps.propagate_into and caps.threads and caps.picklable_state
    assert capabilities_of(nb.with_threads(1)) == caps and nb.with_threads(1).threads == 1
    ref = capabilities_of(SGP4ReferenceBackend())
    assert ref.subset and ref.time_matrix and not ref.picklable_state


def test_batch_propagator_generic_path_matches_capable_backends(sub):
    """The generic fallback (toy) and the native entries (numba, python-sgp4) give the same states."""
    idx = np.array([5, 0, 5, 17, 3])
    t = START.astype(np.int64) + np.array([[0, 60], [7, 3600], [1, 2], [86400, 5], [1, 2]]) * 10**9
    grid_t = START.astype(np.int64) + np.arange(4) * 600 * 10**9
    out = {}
    for be in (ToyBackend(), SGP4ReferenceBackend(), get_backend("numba")):
        bp = BatchPropagator(be, sub)
        out[be.name] = bp.rows(idx, t), bp.grid(idx[:3], grid_t)
    for name in ("sgp4", "numba"):
        for a, b in zip(out["toy"][0] + out["toy"][1], out[name][0] + out[name][1]):
            np.testing.assert_allclose(a, b, atol=1e-6, rtol=0)


def test_toy_backend_screens_like_numba(sub):
    stop = START + np.timedelta64(3, "h")
    ref = screen(sub, START, stop, threshold_km=20.0, executor=1).events
    toy = ToyBackend()
    res = screen(sub, START, stop, threshold_km=20.0, executor=1, backend=toy)
    ev = res.events
    assert res.backend == "toy" and toy.calls["propagate_ns"] > 0
    assert len(ref) > 5 and len(ev) == len(ref)
    assert np.array_equal(ev.norad_1, ref.norad_1) and np.array_equal(ev.norad_2, ref.norad_2)
    assert np.all(np.abs(ev.tca.astype(np.int64) - ref.tca.astype(np.int64)) < 1_000_000)  # 1 ms
    np.testing.assert_allclose(ev.miss_km, ref.miss_km, atol=1e-6)  # 1 mm


def test_toy_backend_in_worker_threads(sub):
    stop = START + np.timedelta64(1, "h")
    opts = ScreeningOptions(window_s=1920.0)
    a = screen(sub, START, stop, threshold_km=20.0, executor=1, backend=ToyBackend(), options=opts).events
    b = screen(sub, START, stop, threshold_km=20.0, executor=InProcessExecutor(2), backend=ToyBackend(),
               options=opts).events
    assert np.array_equal(a.tca, b.tca) and np.array_equal(a.miss_km, b.miss_km)


# ----------------------------------------------------------------------------- progress and cancel

@pytest.mark.parametrize("executor", [1, InProcessExecutor(2)], ids=["serial", "threads"])
def test_cancel_stops_a_screen(sub, executor):
    opts = ScreeningOptions(window_s=480.0)  # 30 windows over 4 h
    seen = []

    def on_progress(done, total, stage):
        seen.append((stage, done, total))
        if stage == "windows" and done >= 2:
            prog.cancel()

    prog = Progress(on_progress)
    with pytest.raises(CancelledError):
        screen(sub, START, START + np.timedelta64(4, "h"), threshold_km=20.0, executor=executor, options=opts,
               progress=prog)
    windows = [d for s, d, t in seen if s == "windows"]
    assert [s for s, _, _ in seen][:2] == ["prepare", "calibrate"]
    assert max(windows) < 30  # stopped early: not every window ran


def test_cancel_from_another_thread(sub):
    """Another thread cancels once the run is under way (not after a fixed delay: warm, the run of a
    couple of days takes a third of a second); the run stops well before its last window."""
    started, seen = threading.Event(), []

    def on_progress(done, total, stage):
        if stage == "windows":
            seen.append((done, total))
            if done >= 2:
                started.set()

    prog = Progress(on_progress)
    canceller = threading.Thread(target=lambda: started.wait(120) and prog.cancel(), daemon=True)
    canceller.start()
    t = time.perf_counter()
    with pytest.raises(CancelledError):
        screen(sub, START, START + np.timedelta64(30, "D"), threshold_km=20.0, executor=InProcessExecutor(2),
               options=ScreeningOptions(window_s=480.0), progress=prog)
    canceller.join(5)
    assert started.is_set() and seen
    total = seen[-1][1]
    assert total == 5400 and seen[-1][0] < total / 2, seen[-1]
    assert time.perf_counter() - t < 60


def test_progress_reports_every_window(sub):
    seen = []
    res = screen(sub, START, START + np.timedelta64(1, "h"), threshold_km=20.0, executor=1,
                 options=ScreeningOptions(window_s=960.0), progress=lambda d, n, s: seen.append((s, d, n)))
    wins = [(d, n) for s, d, n in seen if s == "windows"]
    assert wins == [(k, 4) for k in range(5)] and res.stats["windows"] == 4
    assert seen[-1] == ("finalize", 1, 1)


# ----------------------------------------------------------------------------- Dask

def test_unreachable_dask_scheduler_is_unavailable_quickly():
    pytest.importorskip("distributed")
    t = time.perf_counter()
    with pytest.raises(UnavailableError) as e:
        DaskExecutor(address="tcp://127.0.0.1:9", timeout_s=1.0)
    assert time.perf_counter() - t < 10
    assert e.value.service == "Dask scheduler" and e.value.address == "tcp://127.0.0.1:9"


def test_cli_unreachable_dask_scheduler(tmp_path, shared_data):
    pytest.importorskip("distributed")
    f = tmp_path / "few.3le"
    f.write_text("\n".join((shared_data / CATALOG).read_text().splitlines()[:30]) + "\n")
    t = time.perf_counter()
    res = CliRunner().invoke(app, ["screen", str(f), "--hours", "1", "--dask", "tcp://127.0.0.1:9",
                                   "--dask-timeout", "1", "-q"], catch_exceptions=False)
    assert res.exit_code == 69, res.output
    assert "Traceback" not in res.output and res.output.count("\n") < 5
    assert "Dask scheduler at tcp://127.0.0.1:9" in res.stderr
    assert time.perf_counter() - t < 30


# ----------------------------------------------------------------------------- slow, designators, CDMs, table

@pytest.fixture(scope="module")
def iss_file(catalog, tmp_path_factory, shared_data):
    """The ISS, its separately catalogued module and docked vehicles, and a few neighbours, as 3LE."""
    lines = (shared_data / CATALOG).read_text().splitlines()
    names = {"ISS (ZARYA)", "ISS (NAUKA)", "PROGRESS MS-24", "SOYUZ MS-24"}
    keep = [k for k in range(0, len(lines), 3) if lines[k].strip().removeprefix("0 ") in names]
    assert len(keep) == 4
    rng = np.random.default_rng(1)
    keep += [3 * int(k) for k in rng.choice(len(lines) // 3, 400, replace=False)]
    p = tmp_path_factory.mktemp("iss") / "iss[new].3le"
    p.write_text("\n".join(lines[k + d] for k in sorted(set(keep)) for d in range(3)) + "\n")
    return p


def test_slow_encounters_are_marked(iss_file):
    es = read_elements(iss_file).elements
    res = screen(es, START, START + np.timedelta64(6, "h"), threshold_km=10.0, executor=1)
    ev = res.events
    iss = np.isin(ev.name_1, ["ISS (ZARYA)", "ISS (NAUKA)"]) | np.isin(ev.name_2, ["ISS (ZARYA)", "ISS (NAUKA)"])
    assert iss.any() and ev.slow[iss].all()
    assert np.array_equal(ev.slow, ev.rel_speed_km_s < SLOW_REL_SPEED_KM_S)
    assert res.summary()["slow_events"] == int(ev.slow.sum())
    assert len(ev.without_slow()) == int((~ev.slow).sum())


def test_cli_sets_slow_encounters_apart(iss_file, tmp_path):
    args = ["screen", str(iss_file), "--start", "2023-10-09T12:00Z", "--hours", "6", "--threshold-km", "10", "-q"]
    res = CliRunner().invoke(app, args + ["--json"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    slow = [e for e in doc["events"] if e["slow"]]
    assert slow and doc["meta"]["slow_events"] == len(slow)
    assert doc["meta"]["ranked_events"] == len(doc["events"]) - len(slow)
    assert "frames_and_units" in doc["meta"] and "EME2000" in json.dumps(doc["meta"]["frames_and_units"])
    # the table leaves them out, and says so
    res = CliRunner().invoke(app, args + ["--top", "50"], catch_exceptions=False)
    assert res.exit_code == 0
    assert "25544 " not in res.stdout and "49044 " not in res.stdout  # ISS (ZARYA), ISS (NAUKA)
    assert f"{len(slow)} slow encounters" in res.stderr and "--include-slow" in res.stderr
    res = CliRunner().invoke(app, args + ["--top", "50", "--include-slow"], catch_exceptions=False)
    assert "25544 " in res.stdout and "slow encounters" not in res.stderr


def test_cdms_carry_designators_and_safe_names(iss_file, tmp_path, catalog):
    from orbitwatch.conjunction import read_cdm

    out = tmp_path / "cdm dir"
    res = CliRunner().invoke(app, ["screen", str(iss_file), "--start", "2023-10-09T12:00Z", "--hours", "6",
                                   "--threshold-km", "10", "--top", "3", "--include-slow", "--cdm-dir", str(out),
                                   "-q"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    files = sorted(out.iterdir())
    assert len(files) == 3
    intl = dict(zip(catalog.norad_id.tolist(), catalog.intl_designator.tolist()))
    for f in files:
        assert re.fullmatch(r"\d{5}_conj_\d{5}_\d{8}T\d{6}Z\.cdm", f.name), f.name
        cdm = read_cdm(f)
        for o in cdm.objects:
            want = intl[int(o.designator)]
            assert want and o.international_designator == want


def test_table_keeps_pc_and_ages_at_80_columns(iss_file, monkeypatch):
    from orbitwatch.cli import common

    monkeypatch.setattr(common.console, "width", 80)
    res = CliRunner().invoke(app, ["screen", str(iss_file), "--start", "2023-10-09T12:00Z", "--hours", "6",
                                   "--threshold-km", "10", "--pc", "--sort", "pc", "--include-slow", "-q"],
                             catch_exceptions=False)
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    head = next(k for k, line in enumerate(lines) if line.startswith("TCA UTC"))
    assert "Ages d" in lines[head] and lines[head].rstrip().endswith("Pc")
    rows = [line for line in lines[head + 2:] if line.strip() and "span start" not in line]
    assert rows and all(len(line) <= 80 for line in lines)
    for line in rows:
        assert re.search(r"-?\d+\.\d/-?\d+\.\d\s+(\d\.\de[-+]\d+|-)\s*$", line), line
    # sorted by Pc itself (not its maximum), largest first
    pcs = [float(line.split()[-1]) for line in rows if line.split()[-1] != "-"]
    assert pcs == sorted(pcs, reverse=True)


def test_user_text_prints_verbatim(iss_file):
    # the file name has brackets: it must print as it is (no rich markup)
    res = CliRunner().invoke(app, ["screen", str(iss_file), "--start", "2023-10-09T12:00Z", "--hours", "1",
                                   "-q"], catch_exceptions=False)
    assert res.exit_code == 0 and "iss[new].3le" in res.stderr
