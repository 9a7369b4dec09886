"""Calibration (every object's node step and interpolation bound) runs in chunks of objects on the
screening's executor; it must give the same bits as one serial ``calibrate`` over the whole catalog,
on threads and in worker processes (Dask), with objects that decay during the span and objects SGP4
gives up on before it. The Hermite error kernel must give the bits of the numpy expression."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from conftest import under_ci
from orbitwatch.conjunction import ScreeningOptions, screen
from orbitwatch.conjunction.screening import core as C
from orbitwatch.conjunction.screening import sampling as S
from orbitwatch.distributed import DaskExecutor, InProcessExecutor
from orbitwatch.elements import read_elements
from orbitwatch.propagation.backends import BatchPropagator, get_backend

CATALOG = "catalog/full-catalog-2023-10-09.3le"
START_NS = int(np.datetime64("2023-10-09T12:00", "ns").astype(np.int64))
STOP_NS = START_NS + 2 * 86400 * 10**9
FIELDS = ("k", "eps_km", "measured_km", "usable_until_ns", "unusable_status")


@pytest.fixture(scope="module")
def catalog(shared_data):
    """Some 900 objects of the real catalog (old element sets SGP4 fails on at the start among them);
    one low object in five with a drag term that brings it down within the two days."""
    es = read_elements(shared_data / CATALOG).elements
    es = es[np.unique(es.norad_id, return_index=True)[1]]
    es = es[np.arange(0, len(es), 29)]
    low = np.flatnonzero(es.perigee_km < 600)[::5]
    bstar = es.bstar.copy()
    bstar[low] = np.abs(bstar[low]) * 40 + 2e-3
    return dataclasses.replace(es, bstar=bstar)


@pytest.fixture(scope="module")
def serial(catalog):
    opt = ScreeningOptions()
    prop = BatchPropagator(get_backend("numba"), catalog).on_host()
    s = S.calibrate(S.StateSource(prop, catalog), START_NS, opt.segment_s, opt.interp_target_km, kmin=opt.kmin,
                    kmax=opt.kmax, safety=opt.safety, stop_ns=STOP_NS)
    dying = (s.usable_until_ns > START_NS) & (s.usable_until_ns <= STOP_NS)
    assert dying.sum() >= 3 and (s.usable_until_ns <= START_NS).sum() >= 1  # the cases are exercised
    assert np.isnan(s.measured_km).any()  # some bounds filled from their step class
    return s


def chunked(catalog, ex, monkeypatch):
    monkeypatch.setattr(C, "CALIBRATION_CHUNK_MIN", 100)  # several chunks per worker
    prop = BatchPropagator(get_backend("numba"), catalog).on_host()
    state = C._State(prop.with_threads(1), catalog)
    handle = ex.share(state) if hasattr(ex, "share") else None
    assert len(C._calibration_chunks(np.arange(len(catalog)), ex.workers)) == 2 * ex.workers
    return C._calibrate_all(S.StateSource(prop, catalog), state, ex, handle, START_NS, STOP_NS, ScreeningOptions())


def identical(a, b):
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and np.array_equal(x.view(np.uint8), y.view(np.uint8)), name


def test_thread_chunks_match_serial(catalog, serial, monkeypatch):
    identical(serial, chunked(catalog, InProcessExecutor(2), monkeypatch))


def test_dask_chunks_match_serial_and_ship_the_state_once(catalog, serial, monkeypatch):
    try:
        import distributed  # noqa: F401
    except ImportError:
        if under_ci():
            raise
        pytest.skip("dask.distributed is not installed")
    with DaskExecutor.local(2) as ex:
        identical(serial, chunked(catalog, ex, monkeypatch))
        # a whole screening: the state (propagator, elements) is scattered once, for calibration and windows
        sent = []
        scatter = ex.client.scatter
        monkeypatch.setattr(ex.client, "scatter", lambda obj, **kw: sent.append(type(obj).__name__)
                            or scatter(obj, **kw))
        res = screen(catalog, np.datetime64(START_NS, "ns"), np.datetime64(START_NS + 3 * 3600 * 10**9, "ns"),
                     threshold_km=10.0, executor=ex, options=ScreeningOptions(window_s=3840.0))
    assert sent.count("_State") == 1 and "_Context" in sent, sent
    assert res.stats["windows"] == 3


def test_hermite_error_kernel_gives_the_numpy_bits():
    rng = np.random.default_rng(3)
    m, p = 40, 30
    r = rng.normal(0, 7000, (m, p + 1, 3))
    v = rng.normal(0, 7, (m, p + 1, 3))
    rm = r[:, :-1] + rng.normal(0, 1e-3, (m, p, 3))
    rm[3, 4, 1] = np.nan
    h = 240.0
    err = np.zeros((m, p))
    want = np.zeros((m, p))
    for tau in S.TAUS:
        S._hermite_error(r, v, rm, *S.hermite_coefficients(h, tau), err)
        want = np.maximum(want, np.linalg.norm(S._hermite_at(r[:, :-1], v[:, :-1], r[:, 1:], v[:, 1:], h, tau) - rm,
                                               axis=-1))
    assert np.isnan(err[3, 4]) and np.array_equal(err, want, equal_nan=True)
