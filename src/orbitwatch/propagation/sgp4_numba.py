"""Batch SGP4/SDP4 on the CPU, compiled with numba: the default propagation backend.

Written for orbitwatch from the published algorithm (Hoots & Roehrich 1980,
Spacetrack Report #3; Vallado, Crawford, Hujsak & Kelso 2006, AIAA 2006-6753),
WGS-72 constants and the 'improved' operation mode, complete: near-Earth SGP4 and
deep-space SDP4 (lunar-solar secular and periodic terms, 12 h and 24 h
geopotential resonances), with the reference's error codes. It agrees with
python-sgp4 (Vallado's C++) to well under a millimetre and a micrometre per second.

Using it
--------
Through :func:`orbitwatch.propagation.propagate` (it is the default backend), or directly::

    be = NumbaSGP4Backend(threads=None)          # all cores; threads=1 for one
    state = be.prepare(elements)                 # SGP4 init of the whole catalog (~1 ms / 1000 objects)
    r, v, status = be.propagate_ns(state, times_ns)         # (N,T,3) km TEME, (N,T,3) km/s, (N,T) uint8
    r, v, status = be.propagate_tsince(state, tsince_min)   # (T,) minutes since each epoch

Low-level entries for callers that own their buffers (screening, tasking):

* :func:`propagate_ns_into` ``(state, times_ns (T,), r, v, status)`` writes into preallocated
  ``r``/``v`` (N,T,3) float64 and ``status`` (N,T) uint8; ``v`` may be None.
* :func:`propagate_tsince_matrix` ``(state, tsince_min (N,T), r=None, v=None, status=None)``: a
  different time row per object (e.g. refinement around per-pair times of closest approach).
* :func:`propagate_ns_matrix` ``(state, times_ns (N,T), ...)``: the same with absolute UTC
  instants in int64 ns.
* ``state.subset(index)`` selects objects without re-initialising.

Every entry returns NaN positions/velocities where ``status != 0`` and never raises
in the middle of a batch. For UTC instants, the minutes since epoch are formed as
Vallado's reference does, ``(jd - jd_epoch) * 1440 + (fr - fr_epoch) * 1440`` from
two-part Julian dates that are each exact from the integer nanoseconds (so tsince is
good to ~1e-12 min and identical to what python-sgp4 computes in
:class:`~orbitwatch.propagation.SGP4ReferenceBackend`).

Kernels. ``kernel="simd"`` (default) evaluates each object over blocks of 64 instants
with straight-line, branch-free stages that LLVM vectorises (AVX2/AVX-512), using the
vectorisable sin/cos/atan2/fmod of ``_sgp4_vmath`` (see ``_sgp4_cpu``); on the 2023 catalog
about 22 M propagations per CPU-second on a loaded Zen 3 (AVX2) core, 16x python-sgp4 and 1.5x
astroz there (``docs/sgp4-kernel.md``). ``kernel="scalar"``
is the instant-by-instant transcription of the reference with glibc's trigonometry. Both
agree with python-sgp4 to better than 0.1 mm and 0.01 um/s on the whole catalog, with
identical status codes (``tests/test_sgp4_numba.py``; ``docs/sgp4-kernel.md``).

Compilation. Kernels are compiled on first use and cached on disk (numba
``cache=True``; a hash of the SGP4 sources is part of the cache key), so only the first run
on a machine pays the compile time (about 10 s per kernel; :func:`compile_report` says what
this process paid). ``import orbitwatch.propagation`` does not import numba. No kernel uses
numba's ``fastmath``: the arithmetic is IEEE, in the reference's operation order (explicit
fused multiply-adds appear only in the sin/cos polynomials and rotations of the SIMD kernel;
its other rewritings are listed in ``_sgp4_cpu``), so NaN
handling and the error codes are those of the reference, and the initialisation reproduces
the reference coefficients bit for bit.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..elements.sets import ElementSets
from ..timeutil import JD_UNIX_EPOCH, NS_PER_DAY
from . import _sgp4_layout as layout

_HERE = Path(__file__).resolve().parent
_SOURCES = ("_sgp4_layout.py", "_sgp4_init.py", "_sgp4_core.py", "_sgp4_vmath.py", "_sgp4_cpu.py", "sgp4_numba.py")


def _fingerprint() -> str:
    """Hash of the SGP4 sources: part of every cached kernel's key, so editing any of them
    recompiles (numba's own cache only watches the file that defines the kernel)."""
    h = hashlib.sha256()
    for name in _SOURCES:
        try:
            h.update((_HERE / name).read_bytes())
        except OSError:  # pragma: no cover - zipped installs
            h.update(name.encode())
    return h.hexdigest()[:16]


def _build_kernels(fp: str):
    import numba
    from numba import njit, prange

    from . import _sgp4_cpu as cpu
    from ._sgp4_core import sgp4_point
    from ._sgp4_init import init_one

    opts = dict(cache=True, error_model="numpy", nogil=True)
    kopts = opts

    @njit(parallel=True, **opts)
    def init_table(epoch_days_1949, bstar, ecco, argpo, inclo, mo, no_kozai, nodeo):
        _ = fp  # noqa: F841  (ties the cache entry to the SGP4 sources)
        n = epoch_days_1949.shape[0]
        c = np.empty((n, layout.NCOEF))
        for i in prange(n):
            init_one(c, i, epoch_days_1949[i], bstar[i], ecco[i], argpo[i], inclo[i], mo[i], no_kozai[i],
                     nodeo[i])
        return c

    @njit(parallel=True, **kopts)
    def prop_scalar(c, ejd, efr, ta, tb, use_jd, r, v, st, with_v):
        """Instant by instant with the scalar core (glibc trigonometry): the reference form.
        Row i of ``ta``/``tb`` (or row 0 when they have one row) holds the instants of object
        i: minutes since epoch in ``ta`` (use_jd False) or a two-part Julian date ta + tb."""
        _ = fp  # noqa: F841  (ties the cache entry to the SGP4 sources)
        n = c.shape[0]
        nt = ta.shape[1]
        rstep = 0 if ta.shape[0] == 1 else 1
        for i in prange(n):
            row = np.int64(i) * rstep
            atime = 0.0
            xli = 0.0
            xni = 0.0
            for j in range(nt):
                if use_jd:
                    t = (ta[row, j] - ejd[i]) * 1440.0 + (tb[row, j] - efr[i]) * 1440.0
                else:
                    t = ta[row, j]
                rx, ry, rz, vx, vy, vz, err, atime, xli, xni = sgp4_point(c, i, t, atime, xli, xni, True)
                r[i, j, 0] = rx
                r[i, j, 1] = ry
                r[i, j, 2] = rz
                if with_v:
                    v[i, j, 0] = vx
                    v[i, j, 1] = vy
                    v[i, j, 2] = vz
                st[i, j] = err

    @njit(parallel=True, **kopts)
    def prop_simd(c, ejd, efr, ta, tb, use_jd, r, v, st, with_v):
        """Blocks of instants per object through the vectorised stages of ``_sgp4_cpu``."""
        _ = fp  # noqa: F841
        n = c.shape[0]
        nt = ta.shape[1]
        rstep = 0 if ta.shape[0] == 1 else 1
        r2 = r.reshape((r.shape[0], r.shape[1] * 3))
        v2 = v.reshape((v.shape[0], v.shape[1] * 3))
        for i in prange(n):
            cpu.prefer_wide_vectors()
            row = np.int64(i) * rstep
            w = np.empty(cpu.NW * cpu.B)
            state = cpu.new_state()
            lyd = cpu.needs_lyddane(c, i)
            ejd_i = ejd[i]
            efr_i = efr[i]
            for j0 in range(0, nt, cpu.B):
                nb = min(cpu.B, nt - j0)
                if use_jd:
                    for k in range(nb):
                        w[cpu.W_T + k] = (ta[row, j0 + k] - ejd_i) * 1440.0 + (tb[row, j0 + k] - efr_i) * 1440.0
                else:
                    for k in range(nb):
                        w[cpu.W_T + k] = ta[row, j0 + k]
                cpu.prefetch_block(nb, r2, v2, st, i, j0, with_v)
                cpu.object_series(c, i, w, nb, state, lyd)
                cpu.store_block(w, nb, r2, v2, st, i, j0, with_v)
                for k in range(nb):
                    if w[cpu.W_REDO + k] != 0.0:
                        j = j0 + k
                        rx, ry, rz, vx, vy, vz, err, a_, b_, c_ = cpu.redo_lane(c, i, w[cpu.W_T + k])
                        r[i, j, 0] = rx
                        r[i, j, 1] = ry
                        r[i, j, 2] = rz
                        if with_v:
                            v[i, j, 0] = vx
                            v[i, j, 1] = vy
                            v[i, j, 2] = vz
                        st[i, j] = err

    return dict(numba=numba, init_table=init_table, prop_scalar=prop_scalar, prop_simd=prop_simd)


_KERNELS: dict | None = None
_COMPILE_S: dict[str, float] = {}


def _kernels() -> dict:
    global _KERNELS
    if _KERNELS is None:
        t0 = time.perf_counter()
        _KERNELS = _build_kernels(_fingerprint())
        _COMPILE_S["import numba"] = time.perf_counter() - t0
    return _KERNELS


def _timed(name: str, fn, *args):
    """Call a kernel, recording the first call's duration (compile or cache load)."""
    if name in _COMPILE_S:
        return fn(*args)
    t0 = time.perf_counter()
    out = fn(*args)
    _COMPILE_S[name] = time.perf_counter() - t0
    return out


def compile_report() -> dict[str, float]:
    """Seconds spent on the first call of each kernel in this process (compile, or load from
    numba's on-disk cache) and on importing numba."""
    return dict(_COMPILE_S)


# ----------------------------------------------------------------------------- state
@dataclass
class SGP4State:
    """Prepared SGP4 state of N objects: the coefficient table and the epochs.

    ``coef`` (N, NCOEF) float64, columns named in ``orbitwatch.propagation._sgp4_layout``;
    ``epoch_ns`` (N,) int64 ns since 1970 UTC; ``jd_epoch`` + ``jd_epoch_frac`` the same
    epoch as a two-part Julian date (whole + fraction, each exact from the integer ns);
    ``norad_id`` (N,) int64.
    """

    coef: np.ndarray
    epoch_ns: np.ndarray
    jd_epoch: np.ndarray
    jd_epoch_frac: np.ndarray
    norad_id: np.ndarray

    def __len__(self) -> int:
        return self.coef.shape[0]

    def subset(self, index) -> "SGP4State":
        """The state of some objects (index array, boolean mask or slice), without re-initialising."""
        return SGP4State(*(np.ascontiguousarray(a[index]) for a in
                           (self.coef, self.epoch_ns, self.jd_epoch, self.jd_epoch_frac, self.norad_id)))

    @property
    def deep_space(self) -> np.ndarray:
        """True for objects propagated with SDP4 (period >= 225 min)."""
        return self.coef[:, layout.K_METHOD] == 1.0

    @property
    def resonance(self) -> np.ndarray:
        """0 none, 1 one-day (24 h), 2 half-day (12 h) resonance."""
        return self.coef[:, layout.K_IREZ].astype(np.int8)


def jd_parts(times_ns) -> tuple[np.ndarray, np.ndarray]:
    """Two-part Julian date (whole + day fraction) of int64 ns UTC instants, each part exact."""
    days, rem = np.divmod(np.asarray(times_ns, dtype=np.int64), NS_PER_DAY)
    return days + JD_UNIX_EPOCH, rem / NS_PER_DAY


def check_elements(elements: ElementSets) -> None:
    """Raise :class:`~orbitwatch.errors.ElementSetError` (source, line, field, reason) for the first
    element set SGP4 cannot take: eccentricity outside [0, 1), mean motion not positive,
    inclination outside [0, 180] deg, missing epoch, or a non-finite drag or angle field.

    (python-sgp4 accepts such sets and returns NaN states with status 0 for some of them.)"""
    from ..elements.sets import validate_domain
    from ..errors import ElementSetError

    n = len(elements)
    good, errors = validate_domain(elements, elements.source)
    if errors:
        e = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ElementSetError(e.source, e.line, e.field, e.reason + more, record=e.record)
    for fieldname in ("bstar", "mean_motion_dot", "mean_motion_ddot", "raan_deg", "arg_perigee_deg",
                      "mean_anomaly_deg"):
        bad = np.flatnonzero(~np.isfinite(getattr(elements, fieldname)))
        if bad.size:
            i = int(bad[0])
            line = int(elements.source_line[i]) if n and elements.source_line[i] >= 0 else None
            raise ElementSetError(elements.source, line, fieldname,
                                  f"{getattr(elements, fieldname)[i]!r} is not a finite number", record=i)


def init_state(elements: ElementSets) -> SGP4State:
    """SGP4 initialisation of every element set (WGS-72, improved mode).

    Raises :class:`~orbitwatch.errors.ElementSetError` for element sets outside SGP4's domain
    (see :func:`check_elements`)."""
    from .backends import sgp4_init_arrays

    check_elements(elements)
    a = sgp4_init_arrays(elements)
    k = _kernels()
    f = lambda name: np.ascontiguousarray(a[name], dtype=np.float64)  # noqa: E731
    coef = _timed("init_table", k["init_table"], f("epoch_days_1949"), f("bstar"), f("ecco"), f("argpo"),
                  f("inclo"), f("mo"), f("no_kozai"), f("nodeo"))
    return SGP4State(coef, np.ascontiguousarray(elements.epoch.astype(np.int64)), f("jd_epoch"),
                     f("jd_epoch_frac"), np.ascontiguousarray(elements.norad_id, dtype=np.int64))


# ------------------------------------------------------------------ low-level entries
def _outputs(n, t, r, v, status, with_v):
    if r is None:
        r = np.empty((n, t, 3))
    if with_v and v is None:
        v = np.empty((n, t, 3))
    if status is None:
        status = np.empty((n, t), dtype=np.uint8)
    for name, a, shape, dt in (("r", r, (n, t, 3), np.float64), ("v", v, (n, t, 3), np.float64),
                               ("status", status, (n, t), np.uint8)):
        if a is None:
            continue
        if a.shape != shape or a.dtype != dt or not a.flags.c_contiguous or not a.flags.writeable:
            raise ValueError(f"{name} must be a writeable C-contiguous {np.dtype(dt).name} array of shape {shape}, "
                             f"got {a.dtype} {a.shape}")
    if v is None:
        v = np.empty((1, 1, 3))  # never written
    return r, v, status


class _Threads:
    """Run with a given number of numba threads, restoring the previous setting; objects are
    handed to threads in chunks of ``CHUNK_OBJECTS`` (deep-space objects cost twice as much
    as near-Earth ones and cluster in the catalog, so equal static shares would not balance)."""

    def __init__(self, numba, threads):
        self.numba, self.threads, self.prev, self.prev_chunk = numba, threads, None, None

    def __enter__(self):
        if self.threads is not None:
            self.prev = self.numba.get_num_threads()
            self.numba.set_num_threads(max(1, min(int(self.threads), self.numba.config.NUMBA_NUM_THREADS)))
        self.prev_chunk = self.numba.get_parallel_chunksize()
        self.numba.set_parallel_chunksize(CHUNK_OBJECTS)

    def __exit__(self, *exc):
        self.numba.set_parallel_chunksize(self.prev_chunk)
        if self.prev is not None:
            self.numba.set_num_threads(self.prev)


#: objects per work item of the parallel loop over objects
CHUNK_OBJECTS = 16


#: CPU kernels: "simd" (default, vectorised blocks of instants) and "scalar" (instant by instant,
#: glibc trigonometry; the straight transcription of the reference, kept for comparison).
KERNELS = ("simd", "scalar")


def _run(state: SGP4State, ta, tb, use_jd, r, v, status, with_v, threads, kernel):
    if kernel not in KERNELS:
        raise ValueError(f"unknown SGP4 CPU kernel {kernel!r}; expected one of {KERNELS}")
    k = _kernels()
    r, v_, status = _outputs(len(state), ta.shape[1], r, v, status, with_v)
    if len(state) and ta.shape[1]:
        name = "prop_" + kernel
        with _Threads(k["numba"], threads):
            _timed(name, k[name], state.coef, state.jd_epoch, state.jd_epoch_frac, ta, tb, use_jd, r, v_,
                   status, with_v)
    return r, (v_ if with_v else None), status


_NO_B = np.zeros((1, 1))


def propagate_ns_into(state: SGP4State, times_ns, r, v, status, threads: int | None = None,
                      kernel: str = "simd"):
    """States at UTC instants ``times_ns`` (T,) int64 ns into preallocated ``r`` (N,T,3) float64,
    ``v`` (N,T,3) float64 or None (positions only), ``status`` (N,T) uint8. Returns (r, v, status)."""
    times_ns = np.asarray(times_ns, dtype=np.int64)
    if times_ns.ndim != 1:
        raise ValueError("times_ns must be one-dimensional (T,); use propagate_ns_matrix for (N, T)")
    tjd, tfr = jd_parts(times_ns)
    return _run(state, tjd[None, :], tfr[None, :], True, r, v, status, v is not None, threads, kernel)


def propagate_ns_matrix(state: SGP4State, times_ns, r=None, v=None, status=None, *, with_velocity=True,
                        threads: int | None = None, kernel: str = "simd"):
    """States at per-object UTC instants ``times_ns`` (N,T) int64 ns. Returns (r, v, status)."""
    times_ns = np.asarray(times_ns, dtype=np.int64)
    if times_ns.ndim != 2 or times_ns.shape[0] != len(state):
        raise ValueError(f"times_ns must have shape (N={len(state)}, T), got {times_ns.shape}")
    tjd, tfr = jd_parts(times_ns)
    return _run(state, tjd, tfr, True, r, v, status, with_velocity, threads, kernel)


def propagate_tsince(state: SGP4State, tsince_min, r=None, v=None, status=None, *, with_velocity=True,
                     threads: int | None = None, kernel: str = "simd"):
    """States at ``tsince_min`` (T,) minutes since each object's epoch. Returns (r, v, status)."""
    ts = np.atleast_1d(np.asarray(tsince_min, dtype=np.float64))
    if ts.ndim != 1:
        raise ValueError("tsince_min must be one-dimensional (T,); use propagate_tsince_matrix for (N, T)")
    return _run(state, np.ascontiguousarray(ts[None, :]), _NO_B, False, r, v, status, with_velocity, threads,
                kernel)


def propagate_tsince_matrix(state: SGP4State, tsince_min, r=None, v=None, status=None, *, with_velocity=True,
                            threads: int | None = None, kernel: str = "simd"):
    """States at per-object minutes since epoch ``tsince_min`` (N,T). Returns (r, v, status)."""
    ts = np.ascontiguousarray(tsince_min, dtype=np.float64)
    if ts.ndim != 2 or ts.shape[0] != len(state):
        raise ValueError(f"tsince_min must have shape (N={len(state)}, T), got {ts.shape}")
    return _run(state, ts, _NO_B, False, r, v, status, with_velocity, threads, kernel)


# ---------------------------------------------------------------------- the backend
class NumbaSGP4Backend:
    """SGP4/SDP4 compiled with numba, parallel over objects (the default backend, "numba").

    Parameters
    ----------
    threads : int, optional
        Number of CPU threads (default: numba's setting, normally all cores).
    kernel : {"simd", "scalar"}
        "simd" (default): vectorised blocks of instants; "scalar": one instant at a time with
        glibc's trigonometry, the plain transcription of the reference.
    """

    name = "numba"

    def __init__(self, threads: int | None = None, kernel: str = "simd"):
        if kernel not in KERNELS:
            raise ValueError(f"unknown SGP4 CPU kernel {kernel!r}; expected one of {KERNELS}")
        self.threads = threads
        self.kernel = kernel

    @property
    def capabilities(self):
        from .backends import Capabilities

        return Capabilities(subset=True, propagate_into=True, time_matrix=True, threads=True,
                            picklable_state=True)

    def with_threads(self, threads: int | None) -> "NumbaSGP4Backend":
        return NumbaSGP4Backend(threads=threads, kernel=self.kernel)

    def subset(self, prepared: SGP4State, index) -> SGP4State:
        return prepared.subset(index)

    def propagate_ns_into(self, prepared: SGP4State, times_ns, r, v, status):
        return propagate_ns_into(prepared, times_ns, r, v, status, threads=self.threads, kernel=self.kernel)

    def propagate_ns_matrix(self, prepared: SGP4State, times_ns, out=None):
        r, v, st = out if out is not None else (None, None, None)
        return propagate_ns_matrix(prepared, times_ns, r, v, st, with_velocity=out is None or v is not None,
                                   threads=self.threads, kernel=self.kernel)

    def prepare(self, elements: ElementSets) -> SGP4State:
        return init_state(elements)

    def propagate_ns(self, prepared: SGP4State, times_ns):
        times_ns = np.asarray(times_ns, dtype=np.int64)
        n, t = len(prepared), times_ns.size
        r, v, st = np.empty((n, t, 3)), np.empty((n, t, 3)), np.empty((n, t), np.uint8)
        return propagate_ns_into(prepared, times_ns.reshape(-1), r, v, st, threads=self.threads, kernel=self.kernel)

    def propagate_tsince(self, prepared: SGP4State, tsince_min):
        return propagate_tsince(prepared, tsince_min, threads=self.threads, kernel=self.kernel)

    def __repr__(self) -> str:
        return f"NumbaSGP4Backend(threads={self.threads}, kernel={self.kernel!r})"
