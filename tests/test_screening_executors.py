"""The screening splits the span into independent windows; every executor must give the same
events, bit for bit: one thread, a thread pool, a process pool, and Dask (a LocalCluster of two
worker processes, which receives the catalog and the prepared propagator by scatter)."""

from __future__ import annotations

import numpy as np
import pytest

from orbitwatch.conjunction import ScreeningOptions, screen
from orbitwatch.distributed import DaskExecutor, InProcessExecutor, as_executor
from orbitwatch.elements import read_elements
from orbitwatch.errors import InvalidRequestError

CATALOG = "catalog/full-catalog-2023-10-09.3le"
START = np.datetime64("2023-10-09T12:00", "ns")
# several windows of 32 min so that tasks really are spread
STOP = START + np.timedelta64(4, "h")
OPTIONS = ScreeningOptions(window_s=1920.0)


@pytest.fixture(scope="module")
def sub(shared_data):
    es = read_elements(shared_data / CATALOG).elements
    rng = np.random.default_rng(7)
    dense = np.flatnonzero((es.perigee_km > 530) & (es.apogee_km < 560))
    pick = np.unique(np.r_[rng.choice(dense, 400, replace=False), rng.choice(len(es), 200, replace=False)])
    return es[pick]


@pytest.fixture(scope="module")
def serial(sub):
    res = screen(sub, START, STOP, threshold_km=20.0, executor=1, options=OPTIONS)
    assert len(res.events) > 50 and res.stats["windows"] == 8
    return res


def same(a, b):
    assert len(a.events) == len(b.events)
    for name, col in a.events.columns().items():
        other = getattr(b.events, name)
        if col.dtype.kind == "f":
            assert np.array_equal(col, other, equal_nan=True), name
        else:
            assert np.array_equal(col, other), name
    assert np.array_equal(a.object_status.norad_id, b.object_status.norad_id)
    assert np.array_equal(a.object_status.first_bad, b.object_status.first_bad)


def test_thread_pool_matches_serial(sub, serial):
    res = screen(sub, START, STOP, threshold_km=20.0, executor=InProcessExecutor(2, "thread"), options=OPTIONS)
    same(serial, res)


def test_process_pool_matches_serial(sub, serial):
    res = screen(sub, START, STOP, threshold_km=20.0, executor=InProcessExecutor(2, "process"), options=OPTIONS)
    same(serial, res)


def test_dask_local_cluster_matches_serial(sub, serial):
    # ``--dask local:2``: a LocalCluster whose client is not the process's default one (distributed's
    # helpers look for the default client; a run on another client once failed with "No clients found")
    pytest.importorskip("distributed")
    with DaskExecutor.from_spec("local:2") as ex:
        assert ex.workers == 2
        done = []
        res = screen(sub, START, STOP, threshold_km=20.0, executor=ex, options=OPTIONS,
                     progress=lambda k, n, stage: done.append((k, n)) if stage == "windows" else None)
    same(serial, res)
    # progress is orbitwatch.progress's (done, total, stage): a (0, 8) start, then one call per window
    assert done[-1] == (8, 8) and len(done) == 9
    with pytest.raises(InvalidRequestError, match="local:N"):
        DaskExecutor.from_spec("local:zero")


def test_python_sgp4_backend_in_processes_matches(sub):
    # python-sgp4's Satrec does not pickle: each worker prepares the catalog itself
    a = screen(sub, START, START + np.timedelta64(1, "h"), threshold_km=20.0, backend="sgp4", executor=1,
               options=OPTIONS)
    b = screen(sub, START, START + np.timedelta64(1, "h"), threshold_km=20.0, backend="sgp4",
               executor=InProcessExecutor(2, "process"), options=OPTIONS)
    same(a, b)


def test_executor_specs():
    assert isinstance(as_executor(None), InProcessExecutor)
    assert as_executor(3).workers == 3
    with pytest.raises(ValueError, match="scheduler address"):
        as_executor("localhost")
    with pytest.raises(ValueError):
        InProcessExecutor(2, "fork-bomb")
    with pytest.raises(ValueError):
        DaskExecutor()


def test_gpu_style_backend_runs_on_its_cpu_twin(sub, serial):
    # a backend that declares a CPU twin of its device state (``host_state``, as the CUDA one does);
    # the screening asks for the capability, never for a class or an attribute of the state
    from orbitwatch.propagation import Capabilities
    from orbitwatch.propagation.sgp4_numba import NumbaSGP4Backend

    class Twin:
        def __init__(self, host):
            self.host = host

    class GpuLike:
        name = "gpu-like"
        capabilities = Capabilities(host_state=True)

        def prepare(self, elements):
            return Twin(NumbaSGP4Backend().prepare(elements))

        def host(self, prepared):
            return NumbaSGP4Backend(), prepared.host

        def propagate_ns(self, prepared, times_ns):  # pragma: no cover - the screening uses the twin
            raise AssertionError("not used")

        def propagate_tsince(self, prepared, tsince_min):  # pragma: no cover
            raise AssertionError("not used")

    res = screen(sub, START, STOP, threshold_km=20.0, backend=GpuLike(), executor=1, options=OPTIONS)
    same(serial, res)
