"""Batch SGP4/SDP4 on an NVIDIA GPU (numba.cuda): the same algorithm as the CPU kernel.

The per-state evaluation is the very source the CPU kernel compiles
(``orbitwatch.propagation._sgp4_core.sgp4_point``, registered with numba's
``register_jitable``); initialisation runs on the CPU (``sgp4_numba.init_state``, exact
against the reference) and its coefficient table is copied to the device once.

One GPU thread computes one (object, instant) state; consecutive threads take
consecutive instants of the same object, so a warp follows one object (no divergence
between SGP4 and SDP4 inside a warp) and writes contiguous memory. (``split=True`` runs
near-Earth objects through an SGP4-only kernel with fewer registers; on an H100 it was within
3 % of one kernel, either way, in two runs, so one kernel is the default.) A deep-space thread
integrates the resonance terms from the epoch itself (at most a few dozen 720-min
steps), which gives the same values as the reference's incremental integration.

Arithmetic is IEEE float64 (no ``fastmath``: approximate division, square root and
trigonometry would cost far more than the 1 mm budget). NVVM contracts multiply-adds
into FMA; the resulting differences from python-sgp4 are reported by
``benchmarks/sgp4_gpu.py``.

Usage::

    from orbitwatch.propagation import sgp4_numba, sgp4_cuda
    state = sgp4_numba.init_state(elements)           # CPU init
    r, v, status = sgp4_cuda.propagate_ns(state, times_ns)      # host arrays
    dstate = sgp4_cuda.to_device(state)               # keep the table on the GPU
    d_r, d_v, d_st = sgp4_cuda.propagate_ns_device(dstate, times_ns)   # device arrays

or ``propagate(elements, times, backend="cuda")`` when a GPU is present (then it is also
what ``backend="numba"`` picks; see :func:`orbitwatch.propagation.sgp4_device`).

Under ``NUMBA_ENABLE_CUDASIM=1`` (set before numba is imported) the kernel runs in
numba's CUDA simulator, slowly, as plain Python: that is how the test suite checks it on
machines without a GPU.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..elements.sets import ElementSets
from .sgp4_numba import SGP4State, init_state, jd_parts

if not hasattr(np, "row_stack"):
    # numba-cuda 0.2x registers an overload for np.row_stack, which numpy 2.5 removed; without the
    # alias the first kernel compilation fails (seen on the H100 image: numpy 2.5.2, numba 0.68.0).
    np.row_stack = np.vstack

from numba import cuda  # noqa: E402  (this module is imported only when the GPU path is wanted)

from ._sgp4_core import sgp4_point  # noqa: E402

THREADS_PER_BLOCK = 128
_COMPILE_S: dict[str, float] = {}


def _make_kernel(deep_ok: bool):
    @cuda.jit
    def kernel(c, objs, ejd, efr, ta, tb, use_jd, r, v, st, with_v):
        """Thread k computes object objs[k // T] at instant k % T (grid-stride loop)."""
        nobj = objs.shape[0]
        nt = ta.shape[1]
        shared = ta.shape[0] == 1
        total = nobj * nt
        start = cuda.grid(1)
        stride = cuda.gridsize(1)
        for k in range(start, total, stride):
            m = k // nt
            j = k - m * nt
            i = objs[m]
            row = 0 if shared else i
            if use_jd:
                t = (ta[row, j] - ejd[i]) * 1440.0 + (tb[row, j] - efr[i]) * 1440.0
            else:
                t = ta[row, j]
            rx, ry, rz, vx, vy, vz, err, atime, xli, xni = sgp4_point(c, i, t, 0.0, 0.0, 0.0, deep_ok)
            r[i, j, 0] = rx
            r[i, j, 1] = ry
            r[i, j, 2] = rz
            if with_v:
                v[i, j, 0] = vx
                v[i, j, 1] = vy
                v[i, j, 2] = vz
            st[i, j] = err

    return kernel


#: SGP4 + SDP4 (any object) and SGP4 only (near-Earth objects: fewer registers, no SDP4 code).
_prop_any = _make_kernel(True)
_prop_near = _make_kernel(False)


def compile_report() -> dict[str, float]:
    """Seconds of the first launch in this process (JIT compilation to PTX/SASS included)."""
    return dict(_COMPILE_S)


def is_available() -> bool:
    """True when numba.cuda sees a usable GPU (or its simulator is enabled)."""
    try:
        return bool(cuda.is_available())
    except Exception:  # pragma: no cover - broken driver installs
        return False


# --------------------------------------------------------------------------- state
@dataclass
class DeviceState:
    """An :class:`~orbitwatch.propagation.sgp4_numba.SGP4State` with its arrays on the GPU."""

    host: SGP4State
    coef: object
    jd_epoch: object
    jd_epoch_frac: object
    near: object   # indices of near-Earth objects (device)
    deep: object   # indices of deep-space objects (device)
    all: object    # 0..N-1 (device)

    def __len__(self) -> int:
        return len(self.host)


def to_device(state: SGP4State) -> DeviceState:
    deep = state.deep_space
    return DeviceState(state, cuda.to_device(np.ascontiguousarray(state.coef)),
                       cuda.to_device(np.ascontiguousarray(state.jd_epoch)),
                       cuda.to_device(np.ascontiguousarray(state.jd_epoch_frac)),
                       cuda.to_device(np.flatnonzero(~deep).astype(np.int64)),
                       cuda.to_device(np.flatnonzero(deep).astype(np.int64)),
                       cuda.to_device(np.arange(len(state), dtype=np.int64)))


def _launch(dstate: DeviceState, ta, tb, use_jd: bool, with_v: bool, out=None, split: bool = False):
    n, nt = len(dstate), ta.shape[1]
    d_ta = cuda.to_device(np.ascontiguousarray(ta))  # (1 or N, T): small next to the outputs
    d_tb = cuda.to_device(np.ascontiguousarray(tb))
    if out is None:
        d_r = cuda.device_array((n, nt, 3), dtype=np.float64)
        d_v = cuda.device_array((n, nt, 3) if with_v else (1, 1, 3), dtype=np.float64)
        d_st = cuda.device_array((n, nt), dtype=np.uint8)
    else:
        d_r, d_v, d_st = out
    if n and nt:
        t0 = time.perf_counter()
        if split:
            # near-Earth objects through the SGP4-only kernel, deep-space ones through the full one
            launches = ((_prop_near, dstate.near, int(np.count_nonzero(~dstate.host.deep_space))),
                        (_prop_any, dstate.deep, int(np.count_nonzero(dstate.host.deep_space))))
        else:
            launches = ((_prop_any, dstate.all, n),)
        for kernel, objs, count in launches:
            if count == 0:
                continue
            blocks = min(math.ceil(count * nt / THREADS_PER_BLOCK), 65535 * 64)
            kernel[blocks, THREADS_PER_BLOCK](dstate.coef, objs, dstate.jd_epoch, dstate.jd_epoch_frac, d_ta, d_tb,
                                              use_jd, d_r, d_v, d_st, with_v)
        if "prop" not in _COMPILE_S:
            cuda.synchronize()
            _COMPILE_S["prop"] = time.perf_counter() - t0
    return d_r, (d_v if with_v else None), d_st


def _as_device_state(state) -> DeviceState:
    return state if isinstance(state, DeviceState) else to_device(state)


_NO_B = np.zeros((1, 1))


def propagate_ns_device(state, times_ns, *, with_velocity: bool = True, out=None, split: bool = False):
    """Launch on UTC instants ``times_ns`` (T,) or (N,T) int64 ns; returns device arrays
    (r (N,T,3), v (N,T,3) or None, status (N,T)) without copying them back."""
    dstate = _as_device_state(state)
    times_ns = np.asarray(times_ns, dtype=np.int64)
    tjd, tfr = jd_parts(times_ns)
    if times_ns.ndim == 1:
        tjd, tfr = tjd[None, :], tfr[None, :]
    elif times_ns.shape[0] != len(dstate):
        raise ValueError(f"times_ns must have shape (T,) or (N={len(dstate)}, T), got {times_ns.shape}")
    return _launch(dstate, tjd, tfr, True, with_velocity, out, split)


def propagate_tsince_device(state, tsince_min, *, with_velocity: bool = True, out=None, split: bool = False):
    """Launch on minutes since each epoch ``tsince_min`` (T,) or (N,T); returns device arrays."""
    dstate = _as_device_state(state)
    ts = np.asarray(tsince_min, dtype=np.float64)
    if ts.ndim == 0:
        ts = ts[None]
    if ts.ndim == 1:
        ts = ts[None, :]
    elif ts.shape[0] != len(dstate):
        raise ValueError(f"tsince_min must have shape (T,) or (N={len(dstate)}, T), got {ts.shape}")
    return _launch(dstate, ts, _NO_B, False, with_velocity, out, split)


def _to_host(d_r, d_v, d_st):
    r = d_r.copy_to_host()
    v = d_v.copy_to_host() if d_v is not None else None
    return r, v, d_st.copy_to_host()


def propagate_ns(state, times_ns, *, with_velocity: bool = True):
    """Host arrays (r, v, status) at UTC instants (T,) or (N,T) int64 ns."""
    return _to_host(*propagate_ns_device(state, times_ns, with_velocity=with_velocity))


def propagate_tsince(state, tsince_min, *, with_velocity: bool = True):
    """Host arrays (r, v, status) at minutes since each epoch, (T,) or (N,T)."""
    return _to_host(*propagate_tsince_device(state, tsince_min, with_velocity=with_velocity))


class CudaSGP4Backend:
    """SGP4/SDP4 on the GPU (numba.cuda); backend name "cuda"."""

    name = "cuda"

    @property
    def capabilities(self):
        from .backends import Capabilities

        return Capabilities(subset=True, time_matrix=True, host_state=True)

    def prepare(self, elements: ElementSets) -> DeviceState:
        return to_device(init_state(elements))

    def subset(self, prepared: DeviceState, index) -> DeviceState:
        return to_device(prepared.host.subset(index))

    def host(self, prepared: DeviceState):
        """The CPU kernel and the state's host copy: the same numbers, for many small batches."""
        from .sgp4_numba import NumbaSGP4Backend

        return NumbaSGP4Backend(), prepared.host

    def propagate_ns_matrix(self, prepared: DeviceState, times_ns, out=None):
        return propagate_ns(prepared, np.asarray(times_ns, dtype=np.int64))

    def propagate_ns(self, prepared: DeviceState, times_ns):
        return propagate_ns(prepared, np.asarray(times_ns, dtype=np.int64).reshape(-1))

    def propagate_tsince(self, prepared: DeviceState, tsince_min):
        return propagate_tsince(prepared, np.atleast_1d(np.asarray(tsince_min, dtype=np.float64)))
