"""Conjunction screening: every local minimum of the distance between two objects, under a
threshold, over a span of time (all-vs-all, or a fleet of primaries against everything).

Method (``docs/screening.md`` has the details and the guarantee):

1. every object's SGP4 trajectory is sampled at its own step (``segment_s * 2**k``, chosen so
   that the cubic Hermite interpolant of the samples is within a bound ``eps`` measured for
   that object over one orbit);
2. the span is cut into windows (the independent tasks an executor runs) and the windows
   into segments of ``segment_s``; per segment, every object's interpolated arc gets a 4-D
   bounding box (x, y, z from the Bezier control points, r from the Bernstein form of
   ``|r|^2``), padded by ``d/2 + eps``, and a hashed grid of (radius bin, Cartesian cell)
   finds the pairs whose boxes overlap;
3. for those pairs the squared distance between the two interpolants is a degree-6
   polynomial per sub-interval; its local minima under ``(d + eps_i + eps_j)^2`` are isolated
   exactly (Bernstein subdivision);
4. each candidate is refined with exact SGP4 (Newton on the derivative of the distance, from
   a five-point stencil of positions) and kept if its exact minimum is under ``d``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from ...catalog.catalog import Catalog
from ...elements.sets import ElementSets
from ...errors import InvalidRequestError, NotFoundError
from ...progress import Progress, ProgressCallback, as_progress
from ...propagation.age import DEFAULT_MAX_AGE_DAYS, ElementAgeReport, element_age_report
from ...propagation.backends import STATUS_MESSAGES, BatchPropagator, PropagationBackend, get_backend
from ...requests import parse_time
from ...timeutil import NS_PER_DAY, NS_PER_S
from . import kernels as K
from .events import SLOW_REL_SPEED_KM_S, ConjunctionEvents
from .refine import (AT_SPAN_START, AT_SPAN_STOP, INVALID_STATE, NOT_CONVERGED, OK, ellipsoid_objective,
                     refine_minima, states_at, to_rtn)
from .ephemeris import EPH_STATUS_TEXT, EDGE_MARGIN_S
from .sampling import (STATUS_IMPLAUSIBLE, Sampling, StateSource, _Sub, analytic_step_exponent, calibrate_objects,
                       sampling_from)
from .volumes import EllipsoidRTN, Sphere

STATUS_TEXT = dict(STATUS_MESSAGES)
STATUS_TEXT[STATUS_IMPLAUSIBLE] = "implausible state (unbound, or beyond 1.5x the element set's apogee)"
STATUS_TEXT.update(EPH_STATUS_TEXT)

#: ``boundary`` of an event: 0 interior, 1/2 the span's start/stop, 3/4 the start/stop of an
#: ephemeris' usable span (the pair recedes from its start, approaches its stop)
BOUNDARY_EPHEMERIS_START = 3
BOUNDARY_EPHEMERIS_STOP = 4


@dataclass(frozen=True)
class ScreeningOptions:
    """Tuning of the method (the defaults are what the benchmarks and tests use).

    segment_s : broad-phase segment length, s
    window_s : length of one task (a multiple of ``segment_s * 2**kmax``), s
    interp_target_km : wanted interpolation error bound; steps are halved until it holds
    kmin, kmax : node steps range from ``segment_s * 2**kmin`` to ``segment_s * 2**kmax``
    safety : factor on the measured interpolation error
    cell_km, rbin_km : grid cell (Cartesian) and radius-bin sizes of the broad phase
    dedupe_s : two refined minima of the same pair closer than this are one event
    max_task_mb : memory one window task may plan for, MB (its node tables, grid and candidates:
        :func:`~orbitwatch.conjunction.screening.request.estimate_task_bytes`); the windows are
        shortened below ``window_s`` (to a multiple of ``segment_s * 2**kmax``) until a task fits.
        The default (2,000 MB) leaves catalogs of up to some 300,000 objects on ``window_s``; a million
        objects get windows of 960 s. None: always ``window_s``.
    """

    segment_s: float = 60.0
    window_s: float = 7200.0
    interp_target_km: float = 0.3
    kmin: int = -3
    kmax: int = 3
    safety: float = 1.5
    cell_km: float = 800.0
    rbin_km: float = 40.0
    dedupe_s: float = 1.0
    max_task_mb: float | None = 2000.0

    def __post_init__(self):
        from ...requests import check_positive

        for name in ("segment_s", "window_s", "interp_target_km", "safety", "cell_km", "rbin_km"):
            check_positive(name, getattr(self, name))
        check_positive("dedupe_s", self.dedupe_s, allow_zero=True)
        if self.max_task_mb is not None:
            check_positive("max_task_mb", self.max_task_mb)
        big = self.segment_s * 2.0 ** self.kmax
        if abs(self.window_s / big - round(self.window_s / big)) > 1e-9:
            raise InvalidRequestError("window_s", f"must be a positive multiple of segment_s * 2**kmax ({big:g})",
                                      self.window_s)
        if not self.kmin <= 0 <= self.kmax:
            raise InvalidRequestError("kmin", f"need kmin <= 0 <= kmax, got {self.kmin} and {self.kmax}", self.kmin)


@dataclass
class ObjectStatus:
    """Objects that could not be followed over the whole span: SGP4 gave up on them (decayed, bad
    elements; codes 1-7: screened up to ``first_bad``, the first interpolation node where the state
    was unusable), or their ephemeris does not cover it (codes 11-16: ``first_bad`` is the first
    instant of the span outside its usable spans; it is screened inside them only).
    ``object_id`` is the OEM ``OBJECT_ID`` of ephemeris objects ('' for element sets)."""

    norad_id: np.ndarray
    name: np.ndarray
    first_bad: np.ndarray
    status: np.ndarray
    object_id: np.ndarray = None

    def __post_init__(self):
        if self.object_id is None:
            self.object_id = np.full(len(self.norad_id), "", dtype="U1")

    def __len__(self) -> int:
        return len(self.norad_id)

    @property
    def message(self) -> np.ndarray:
        return np.array([STATUS_TEXT.get(int(s), f"status {int(s)}") for s in self.status], dtype=object)

    def to_records(self) -> list[dict]:
        """One dict per object: catalog number, name, first unusable instant (ISO, Z), status and its meaning."""
        from ...timeutil import format_iso

        return [{"norad_id": int(self.norad_id[k]), "name": str(self.name[k]),
                 "object_id": str(self.object_id[k]), "first_bad": format_iso(self.first_bad[k], 3) + "Z",
                 "status": int(self.status[k]), "message": str(self.message[k])} for k in range(len(self))]


@dataclass
class ScreeningResult:
    """What :func:`screen` returns: the events, and how they were found."""

    events: ConjunctionEvents
    start: np.datetime64
    stop: np.datetime64
    volume: Sphere | EllipsoidRTN
    n_objects: int
    n_primaries: int
    backend: str
    object_status: ObjectStatus
    sampling: Sampling
    stats: dict = field(default_factory=dict)
    timings_s: dict = field(default_factory=dict)
    #: element-set ages at the start and the warnings beyond ``max_age_days``
    element_ages: ElementAgeReport | None = None
    #: the ephemeris objects screened (:class:`~orbitwatch.conjunction.screening.ephemeris.EphemerisObject`)
    ephemerides: list = field(default_factory=list)
    #: catalog numbers whose element set an ephemeris replaced in this run
    replaced: list = field(default_factory=list)
    #: catalog numbers of every object screened (element sets and ephemerides)
    norad_ids: np.ndarray | None = None
    #: the folder of the events dataset when a sink received them (``events`` is then empty; see
    #: :func:`~orbitwatch.conjunction.screening.sinks.read_events`)
    dataset: str | None = None

    def __len__(self) -> int:
        return len(self.events)

    def summary(self) -> dict:
        """Counts, span, volume and how the screening ran, JSON-ready (times ISO with Z)."""
        from ...timeutil import format_iso

        steps, counts = np.unique(self.sampling.step_s, return_counts=True)
        used = self.sampling.eps_km[self.sampling.usable_until_ns > self.start.astype(np.int64)]
        return {
            "start": format_iso(self.start, 3) + "Z", "stop": format_iso(self.stop, 3) + "Z",
            "volume": self.volume.describe(), "objects": self.n_objects, "primaries": self.n_primaries,
            "events": len(self.events), "slow_events": int(np.count_nonzero(self.events.slow)),
            "slow_rel_speed_km_s": SLOW_REL_SPEED_KM_S,
            "backend": self.backend, "objects_with_bad_states": len(self.object_status),
            "node_steps_s": {f"{s:g}": int(c) for s, c in zip(steps, counts)},
            "interpolation_bound_km": {"median": float(np.median(used)) if used.size else 0.0,
                                       "max": float(np.max(used)) if used.size else 0.0},
            "element_age": self.element_ages.to_dict() if self.element_ages is not None else None,
            "ephemeris_objects": len(self.ephemerides),
            "element_sets_replaced_by_ephemerides": [int(x) for x in self.replaced],
            **{k: int(v) if isinstance(v, (int, np.integer)) else v for k, v in self.stats.items()},
            "timings_s": {k: round(v, 3) for k, v in self.timings_s.items()},
        }


    def to_dict(self, events: bool = True) -> dict:
        """The result for a service or a JSON file: the summary, the frames and units of the event
        columns, the objects SGP4 gave up on and (``events=True``) the events."""
        from .events import FRAMES_AND_UNITS

        out = {"summary": self.summary(), "frames_and_units": FRAMES_AND_UNITS,
               "object_status": self.object_status.to_records(),
               "ephemerides": [self._ephemeris_dict(k) for k in range(len(self.ephemerides))]}
        if events:
            out["events"] = self.events.to_records()
        return out


    def _ephemeris_dict(self, k: int) -> dict:
        """An ephemeris object's identity and spans, with its measured interpolation bound and step."""
        ob = self.ephemerides[k]
        d = ob.to_dict()
        row = self.n_objects - len(self.ephemerides) + k
        if 0 <= row < len(self.sampling.eps_km):
            d["node_step_s"] = float(self.sampling.step_s[row])
            d["interpolation_bound_km"] = float(self.sampling.eps_km[row])
        return d


# ----------------------------------------------------------------------------- shared context


class _State:
    """What every task of a screening needs and is large: the prepared propagator, the element sets and
    the ephemerides. Calibration chunks and windows both use it; an executor that can keep an object on
    its workers (``share``: Dask) gets it once (see :func:`_shared_for`)."""

    def __init__(self, propagator: BatchPropagator | None, elements, ephemerides=None, n_tle: int | None = None):
        self.propagator = propagator
        self.elements = elements
        self.ephemerides = ephemerides
        self.n_tle = len(elements) if n_tle is None else int(n_tle)
        self._lock = threading.Lock()
        self._src = None
        self._tle_src = None

    def source(self) -> StateSource:
        """The screening's state source (SGP4 and ephemerides), made once per process."""
        with self._lock:
            if self._src is None:
                self._src = _make_source(self.propagator, self.elements, self.ephemerides, self.n_tle)
            return self._src

    def tle_source(self) -> StateSource:
        """SGP4 states of the element-set objects (rows 0..n_tle-1), made once per process."""
        if self.ephemerides is None or len(self.ephemerides) == 0:
            return self.source()
        with self._lock:
            if self._tle_src is None:
                self._tle_src = StateSource(self.propagator, self.elements[np.arange(self.n_tle)])
            return self._tle_src

    def __getstate__(self):
        # the propagator pickles its prepared state only where its backend declares it can
        d = dict(self.__dict__)
        d.pop("_lock")
        d["_src"] = d["_tle_src"] = None
        return d

    def __setstate__(self, d):
        self.__dict__.update(d)
        self._lock = threading.Lock()


class _Context:
    """Everything a window task needs (the large part in ``state``, a :class:`_State`); shipped once to
    each worker (see executors and :func:`_shared_for`)."""

    def __init__(self, propagator: BatchPropagator, elements, sampling, primary, all_vs_all, span_start_ns, span_s,
                 radius_km, options, progress: Progress | None = None, ephemerides=None, n_tle: int | None = None,
                 state: _State | None = None):
        self.state = _State(propagator, elements, ephemerides, n_tle) if state is None else state
        self.sampling = sampling
        self.primary = primary
        self.all_vs_all = all_vs_all
        self.span_start_ns = span_start_ns
        self.span_s = span_s
        self.radius_km = radius_km
        self.options = options
        self._progress = progress  # only in this process: a cancel from the caller stops windows between stages
        # objects sorted by step class (the kernel's object order)
        self.order = np.argsort(sampling.k, kind="stable").astype(np.int64)
        ks = sampling.k[self.order]
        self.cls_k = np.unique(ks).astype(np.int64)
        self.cls_start = np.searchsorted(ks, np.r_[self.cls_k, np.iinfo(np.int64).max]).astype(np.int64)
        self.classes = [(int(k), self.order[self.cls_start[c]:self.cls_start[c + 1]])
                        for c, k in enumerate(self.cls_k)]

    propagator = property(lambda self: self.state.propagator)
    elements = property(lambda self: self.state.elements)
    ephemerides = property(lambda self: self.state.ephemerides)
    n_tle = property(lambda self: self.state.n_tle)

    def source(self) -> StateSource:
        return self.state.source()

    def check(self) -> None:
        """Raise CancelledError when the caller cancelled (a no-op in other processes)."""
        if self._progress is not None:
            self._progress.check()

    def without_state(self) -> "_Context":
        """A copy without ``state`` (to ship where the state already is; :meth:`attach` puts it back)."""
        c = _Context.__new__(_Context)
        c.__dict__.update(self.__dict__)
        c.state = None
        return c

    def attach(self, state: _State) -> "_Context":
        if self.state is None:
            self.state = state
        return self

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_progress"] = None
        return d


def _on_state(fn, task, shared):
    """``fn(task, light.attach(state))`` for ``shared = (state, light)`` (see :func:`_shared_for`)."""
    state, light = shared
    return fn(task, light.attach(state))


def _shared_for(ex, fn, shared, state_handle):
    """``(fn, shared)`` to give ``ex.map``: as they are, or, where the state is already on the workers
    (``state_handle`` from ``ex.share``), a task function that attaches it to ``shared`` shipped without it."""
    if state_handle is None:
        return fn, shared
    from functools import partial

    return partial(_on_state, fn), (state_handle, shared.without_state())


def _make_source(prop, elements, ephemerides, n_tle):
    """The screening's state source: SGP4 alone, or SGP4 and ephemerides side by side."""
    if ephemerides is None or len(ephemerides) == 0:
        return StateSource(prop, elements)
    from .ephemeris import MixedSource

    tle = StateSource(prop, elements[np.arange(n_tle)]) if n_tle else None
    return MixedSource(tle, ephemerides, n_tle, elements)


def _bounds(src, i, j, t_s, span_start_ns, span_s):
    """(lo, hi) of the time both objects of each pair are usable (None, None without ephemerides)."""
    if not hasattr(src, "bounds"):
        return None, None
    return src.bounds(i, j, t_s, span_start_ns, span_s)


# ----------------------------------------------------------------------------- one window


def _run_window(task, ctx: _Context) -> dict:
    """Screen one window [w0, w1] (seconds from the span start): candidates, exact refinement."""
    w0, w1 = task
    ctx.check()
    t_start = time.perf_counter()
    src = ctx.source()
    opt = ctx.options
    S = opt.segment_s
    N = len(ctx.elements)
    span_s = ctx.span_s
    wlen = w1 - w0
    # node table (see kernels): objects sorted by step class; within a class node-major, so the
    # objects of a class at one node are contiguous columns of RX/VX
    n_cls = len(ctx.classes)
    cls_np = np.zeros(n_cls, np.int64)
    cls_base = np.zeros(n_cls, np.int64)
    total = 0
    for c, (k, members) in enumerate(ctx.classes):
        n_p = int(round(wlen / (S * 2.0 ** k)))
        cls_np[c] = n_p
        cls_base[c] = total
        total += members.size * (n_p + 1)
    RX = np.empty((3, total))
    VX = np.empty((3, total))
    OKn = np.empty(total, np.bool_)
    JMP = np.zeros(total)
    n_jumps = 0
    first_bad = np.full(N, np.inf)
    bad_status = np.zeros(N, np.uint8)
    n_props = 0
    for c, (k, members) in enumerate(ctx.classes):
        if members.size == 0:
            continue
        step = S * 2.0 ** k
        n_p = int(cls_np[c])
        times = ctx.span_start_ns + np.round((w0 + np.arange(n_p + 1) * step) * NS_PER_S).astype(np.int64)
        r, v, st = src.grid(members, times)
        n_props += r.shape[0] * r.shape[1]
        # a failed object is not trusted again, even if SGP4 later returns states
        after = times[None, :] >= ctx.sampling.usable_until_ns[members, None]
        if after.any():
            st = np.where(after & (st == 0), ctx.sampling.unusable_status[members, None], st)
            st = np.where(after & (st == 0), STATUS_IMPLAUSIBLE, st).astype(np.uint8)
        jumps = np.zeros((members.size, max(n_p, 1)))
        K.piece_jumps(r, v, st, step, jumps)
        n_jumps += int(np.count_nonzero(jumps))
        K.fill_nodes(r, v, st, jumps, int(cls_base[c]), RX, VX, OKn, JMP)
        # an ephemeris object's spans are reported from its metadata (see ephemeris_status), not here
        anybad = (st != 0).any(axis=1) & (members < ctx.n_tle)
        if anybad.any():
            rr = np.flatnonzero(anybad)
            kk = np.argmax(st[rr] != 0, axis=1)
            first_bad[members[rr]] = w0 + kk * step
            bad_status[members[rr]] = st[rr, kk]
    ctx.check()
    t_prop = time.perf_counter()
    t_stop = (span_s - w0) if span_s <= w1 else np.inf
    n_seg = int(np.ceil((min(w1, span_s) - w0) / S - 1e-12))
    order = ctx.order
    ci, cj, ct, cq, clo, chi, ckind, kstats = K.screen_window(
        RX, VX, OKn, JMP, ctx.cls_start, ctx.cls_k, cls_base, cls_np, float(S), ctx.sampling.eps_km[order],
        ctx.primary[order], ctx.all_vs_all, n_seg, float(t_stop), w0 == 0.0, float(ctx.radius_km),
        float(opt.cell_km), float(opt.rbin_km))
    # back to catalog indices, object 1 the lower catalog index
    ci, cj = order[ci], order[cj]
    ci, cj = np.minimum(ci, cj), np.maximum(ci, cj)
    ctx.check()
    t_kern = time.perf_counter()
    if ci.size:
        lo_b, hi_b = _bounds(src, ci, cj, ct + w0, ctx.span_start_ns, span_s)
        t_ref, f, outcome = refine_minima(src, ci, cj, ct + w0, clo + w0, chi + w0, ctx.span_start_ns, span_s,
                                          lo_bound=lo_b, hi_bound=hi_b)
    else:
        t_ref, f, outcome = np.zeros(0), np.zeros(0), np.zeros(0, np.int8)
    t_end = time.perf_counter()
    found = np.isin(outcome, (OK, AT_SPAN_START, AT_SPAN_STOP)) & (f <= ctx.radius_km ** 2)
    stats = {name: int(kstats[getattr(K, name)]) for name in
             ("STAT_OBJECT_SEGMENTS", "STAT_ENTRIES", "STAT_BOX_TESTS", "STAT_PAIR_SEGMENTS",
              "STAT_NARROW_INTERVALS", "STAT_CANDIDATES")}
    stats = {k[5:].lower(): v for k, v in stats.items()}
    stats["propagations"] = n_props
    stats["pieces_with_widened_bounds"] = n_jumps
    stats["refined_not_converged"] = int(np.sum(outcome == NOT_CONVERGED))
    stats["refined_invalid_state"] = int(np.sum(outcome == INVALID_STATE))
    return {
        "i": ci[found].astype(np.int64), "j": cj[found].astype(np.int64), "t": t_ref[found],
        "miss2": f[found], "outcome": outcome[found],
        "first_bad": first_bad, "bad_status": bad_status, "stats": stats,
        "timings": {"propagate": t_prop - t_start, "broad_narrow": t_kern - t_prop, "refine": t_end - t_kern},
    }


# ----------------------------------------------------------------------------- the library function


def _as_elements(catalog, start_ns) -> ElementSets:
    if isinstance(catalog, Catalog):
        return catalog.at(np.datetime64(start_ns, "ns"))
    if isinstance(catalog, ElementSets):
        ids = catalog.norad_id
        if len(np.unique(ids)) != len(ids):
            return Catalog(catalog).at(np.datetime64(start_ns, "ns"))
        order = np.argsort(ids, kind="stable")
        return catalog if np.all(order == np.arange(len(ids))) else catalog[order]
    # a ParseResult from read_elements
    el = getattr(catalog, "elements", None)
    if isinstance(el, ElementSets):
        return _as_elements(el, start_ns)
    raise InvalidRequestError("catalog", f"screen() needs a Catalog or ElementSets, got {type(catalog).__name__}")


def screen(catalog, start, stop, *, threshold_km: float = 5.0, volume: Sphere | EllipsoidRTN | None = None,
           primaries: Iterable[int] | None = None, backend: str | PropagationBackend | None = None,
           executor=None, options: ScreeningOptions | None = None,
           progress: Progress | ProgressCallback | None = None,
           max_age_days: float = DEFAULT_MAX_AGE_DAYS, ephemerides=None, sink=None,
           _reuse_sampling=None) -> ScreeningResult:
    """Find every close approach between catalog objects over ``[start, stop]``.

    Parameters
    ----------
    catalog : Catalog or ElementSets
        The objects. A Catalog contributes the element set in force at ``start`` for each
        object; ElementSets with several sets per object are reduced the same way.
    start, stop : datetime64 / ISO string / datetime
        The span (UTC).
    threshold_km : float
        Miss-distance threshold (a spherical screening volume), km.
    volume : Sphere or EllipsoidRTN, optional
        Screening volume; overrides ``threshold_km``.
    primaries : iterable of int or str, optional
        Catalog numbers of a fleet (or ``OBJECT_ID`` strings of ephemeris objects): only pairs
        with at least one of them are screened (object 1 of each event is the fleet member).
        Default: all against all.
    backend : str or backend, optional
        Propagation backend ('numba' default when available, 'sgp4' reference, or any object
        with ``prepare``/``propagate_ns``; see :class:`orbitwatch.propagation.Capabilities`).
    executor : executor, int or str, optional
        Where the calibration (in chunks of objects) and the windows run: an
        :class:`~orbitwatch.distributed.InProcessExecutor` (default:
        all cores), a :class:`~orbitwatch.distributed.DaskExecutor`, a worker count, or a Dask
        scheduler address.
    options : ScreeningOptions, optional
    progress : Progress or callable(done, total, stage), optional
        Told about each stage ("prepare", "calibrate", "windows" with done/total windows,
        "finalize"); ``progress.cancel()`` (from another thread) stops the screening with
        :class:`~orbitwatch.errors.CancelledError` at the next window or stage.
    max_age_days : float
        Element sets further than this from ``start`` are named in ``result.element_ages.warnings``
        (see :func:`orbitwatch.propagation.element_age_report`).
    ephemerides : OEMs, OEM trajectories or OEM file paths, optional
        Operators' ephemerides screened beside the element sets, each object flown on its OEM
        interpolant (see :mod:`orbitwatch.conjunction.screening.ephemeris`: identity, usable
        spans, interpolation bound). An ephemeris whose ``OBJECT_ID`` the catalog knows replaces
        that object's element set (``result.replaced``); the others get negative catalog numbers.
        They are ordinary members: name them in ``primaries`` to screen them as a fleet.
    sink : ParquetSink, optional
        Where the events go instead of ``result.events``: each window's events are written as soon
        as it finishes (a Hive-partitioned Parquet dataset: :mod:`~orbitwatch.conjunction.screening.sinks`),
        so no process holds the events of the whole span. The dataset holds exactly the events the
        in-memory run returns; ``result.events`` is then empty and ``result.dataset`` names the folder.

    Returns
    -------
    ScreeningResult
        ``.events`` (:class:`ConjunctionEvents`, sorted by TCA; ``slow`` marks encounters under
        :data:`~orbitwatch.conjunction.screening.events.SLOW_REL_SPEED_KM_S`), per-object SGP4
        problems, the interpolation steps/bounds and counters.

    Raises
    ------
    InvalidRequestError
        A bad span, volume, option or empty fleet; ResourceLimitError (a subclass) when the
        screening would need more memory than allowed (see
        :func:`~orbitwatch.conjunction.screening.request.estimate_memory_bytes`).
    NotFoundError
        Fleet members missing from the catalog.
    CancelledError
        ``progress.cancel()`` was called.
    """
    from ...distributed.executors import as_executor
    from .request import check_screening_memory

    prog = as_progress(progress)
    timings = {}
    t0 = time.perf_counter()
    opt = options or ScreeningOptions()
    vol = Sphere(threshold_km) if volume is None else volume
    if not isinstance(vol, (Sphere, EllipsoidRTN)):
        raise InvalidRequestError("volume", f"must be a Sphere or an EllipsoidRTN, got {type(vol).__name__}")
    start_ns = int(parse_time("start", start).astype("datetime64[ns]").astype(np.int64))
    stop_ns = int(parse_time("stop", stop).astype("datetime64[ns]").astype(np.int64))
    if not stop_ns > start_ns:
        raise InvalidRequestError("stop", f"must be after start ({np.datetime64(start_ns, 'ns')}), got "
                                          f"{np.datetime64(stop_ns, 'ns')}", str(stop))
    span_s = (stop_ns - start_ns) / NS_PER_S
    elements = _as_elements(catalog, start_ns)
    prep = None
    if ephemerides is not None:
        from .ephemeris import prepare_ephemerides

        prep = prepare_ephemerides(elements, ephemerides)
        elements = prep.elements
    n = len(elements)
    n_tle = prep.n_tle if prep is not None else n
    tle_elements = elements[np.arange(n_tle)] if n_tle != n else elements
    ages = element_age_report(tle_elements, np.datetime64(start_ns, "ns"), max_age_days=max_age_days)
    primary = np.zeros(n, dtype=np.bool_)
    all_vs_all = primaries is None
    if not all_vs_all:
        from .ephemeris import resolve_primaries

        want = resolve_primaries(primaries, prep)
        if want.size == 0:
            raise InvalidRequestError("primaries", "is empty: give catalog numbers, or None for all-vs-all")
        primary = np.isin(elements.norad_id, want)
        missing = np.setdiff1d(want, elements.norad_id)
        if missing.size:
            raise NotFoundError(f"primaries not in the catalog: {', '.join(map(str, missing[:20]))}"
                                + (" ..." if missing.size > 20 else ""))
    if sink is not None:
        sink.check()
    ex = as_executor(executor)
    parallel = ex.workers > 1
    check_screening_memory(n, int(primary.sum()) if not all_vs_all else n, vol.bounding_radius_km, span_s, opt,
                           workers=ex.workers, streaming=sink is not None)
    prog.check()
    prog.update(0, None, "prepare")
    be = get_backend(backend)
    # a device backend's state has a CPU twin (``host_state``): the screening's batches (per-window node
    # grids, per-candidate refinement instants) are many and small, and the CPU kernel gives the same bits
    prop = BatchPropagator(be, tle_elements) if n_tle else None
    if prop is not None:
        prop = prop.on_host()
        be = prop.backend
    # a multi-threaded propagator runs on one thread inside parallel workers
    prop_work = prop.with_threads(1) if (prop is not None and parallel) else prop
    n_win = max(1, int(np.ceil(span_s / opt.window_s - 1e-12)))
    eph_set = None
    if prep is not None and prep.objects:
        from .ephemeris import EphemerisSet

        margin_s = opt.segment_s * 2.0 ** opt.kmax + EDGE_MARGIN_S
        pad_ns = int((margin_s + 2 * 3600.0) * NS_PER_S)
        eph_set = EphemerisSet(prep.trajectories, prep.objects, start_ns - pad_ns,
                               start_ns + int(n_win * opt.window_s * NS_PER_S) + pad_ns, margin_s)
    timings["prepare"] = time.perf_counter() - t0
    prog.check()
    prog.update(0, None, "calibrate")
    state = _State(prop_work, elements, eph_set, n_tle)
    # an executor that keeps objects on its workers (Dask) gets the state once, for calibration and windows
    share = getattr(ex, "share", None)
    if share is not None and n >= 2:
        t1 = time.perf_counter()
        state_handle = share(state)
        timings["share_state"] = time.perf_counter() - t1
    else:
        state_handle = None
    t1 = time.perf_counter()
    src = _make_source(prop, elements, eph_set, n_tle) if n else None
    cal_cpu = [0.0]
    sampling = _calibrate_all(src, state, ex, state_handle, start_ns, stop_ns, opt, reuse=_reuse_sampling,
                              check=prog.check, cpu_s=cal_cpu)
    timings["calibrate"] = time.perf_counter() - t1
    timings["cpu_calibrate"] = cal_cpu[0]
    radius = vol.bounding_radius_km
    ctx = _Context(prop_work, elements, sampling, primary, all_vs_all, start_ns, span_s, radius, opt, progress=prog,
                   state=state)
    # windows: multiples of the window length from the start, the last one covering the stop; the
    # length is window_s, or shorter where a window of window_s would exceed max_task_mb
    window_s = task_window_s(sampling, radius, opt) if n else opt.window_s
    n_win = max(1, int(np.ceil(span_s / window_s - 1e-12)))
    tasks = [(k * window_s, (k + 1) * window_s) for k in range(n_win)] if n >= 2 else []
    done = [0]

    def on_result(k, res):
        done[0] += 1
        prog.update(done[0], len(tasks), "windows")

    prog.check()
    prog.update(0, len(tasks), "windows")
    t2 = time.perf_counter()
    if sink is not None:
        from .streaming import StreamCollector, _StreamContext, stream_window

        group = _trajectory_groups(elements)
        eph_objects = prep.objects if prep is not None else ()
        collector = StreamCollector(sink, n)
        sink.open()
        try:
            def on_streamed(k, res):
                collector.take(k, res)
                on_result(k, res)

            edge_times = [(e - start_ns) / NS_PER_S for ob in (eph_set.objects if eph_set is not None else ())
                          for a, b in ob.usable_ns for e in (a, b)]
            fn, shared = _shared_for(ex, stream_window, _StreamContext(ctx, vol, group, n_win, window_s,
                                                                       eph_objects, edge_times), state_handle)
            results = _map(ex, fn, [(k, a, b) for k, (a, b) in enumerate(tasks)], shared, on_streamed, prog.check)
            edges = _edge_window(src, eph_set, n_tle, primary, all_vs_all, start_ns, span_s, radius, n) \
                if eph_set is not None and n >= 2 else None
            prog.check()
            dupes, n_same, _ = collector.finish(ctx, vol, group, src, edges, eph_objects)
        except BaseException:
            sink.abort()
            raise
        if edges is not None:
            results.append(edges)
    else:
        fn, shared = _shared_for(ex, _run_window, ctx, state_handle)
        results = _map(ex, fn, tasks, shared, on_result, prog.check)
        if eph_set is not None and n >= 2:
            # minima on the edges of ephemerides' usable spans inside the span
            results.append(_edge_window(src, eph_set, n_tle, primary, all_vs_all, start_ns, span_s, radius, n))
    timings["windows"] = time.perf_counter() - t2
    try:
        prog.check()
    except BaseException:
        if sink is not None:  # cancelled before the dataset is complete: nothing of it stays
            sink.abort()
        raise
    prog.update(0, None, "finalize")
    t3 = time.perf_counter()
    stats: dict = {"windows": len(tasks), "window_s": window_s}
    for name in ("propagate", "broad_narrow", "refine"):
        timings["cpu_" + name] = float(sum(r["timings"][name] for r in results))
    for r in results:
        for k, v in r["stats"].items():
            stats[k] = stats.get(k, 0) + v
    if sink is not None:
        timings["cpu_finalize"] = float(sum(r["timings"].get("finalize", 0.0) for r in results))
        stats["duplicates_removed"] = stats.get("duplicates_removed", 0) + dupes
        stats["identical_trajectory_pairs_removed"] = stats.get("identical_trajectory_pairs_removed", 0) + n_same
        first_bad, bad_status = collector.first_bad, collector.bad_status
        events = ConjunctionEvents.empty()
    elif results:
        i = np.concatenate([r["i"] for r in results])
        j = np.concatenate([r["j"] for r in results])
        t = np.concatenate([r["t"] for r in results])
        miss2 = np.concatenate([r["miss2"] for r in results])
        outcome = np.concatenate([r["outcome"] for r in results])
        first_bad = np.min(np.stack([r["first_bad"] for r in results]), axis=0)
        which = np.argmin(np.stack([r["first_bad"] for r in results]), axis=0)
        bad_status = np.stack([r["bad_status"] for r in results])[which, np.arange(n)]
    else:
        i = j = np.zeros(0, np.int64)
        t = miss2 = np.zeros(0)
        outcome = np.zeros(0, np.int8)
        first_bad = np.full(n, np.inf)
        bad_status = np.zeros(n, np.uint8)
    if sink is None:
        keep = _dedupe(i, j, t, miss2, opt.dedupe_s)
        stats["duplicates_removed"] = int(keep.size and (keep.size - keep.sum()))
        # Objects flown on one element set (vehicles docked to a station share its TLE) follow the
        # same trajectory: their distance is zero throughout, which is no approach. Drop such pairs.
        group = _trajectory_groups(elements)
        same = group[i] == group[j]
        stats["identical_trajectory_pairs_removed"] = int((keep & same).sum()) if keep.size else 0
        keep &= ~same
        i, j, t, miss2, outcome = i[keep], j[keep], t[keep], miss2[keep], outcome[keep]
        events = _finalize(src, elements, primary, all_vs_all, vol, i, j, t, miss2, outcome, start_ns, span_s,
                           n_tle=n_tle, ephemerides=prep.objects if prep is not None else ()) \
            if src is not None else ConjunctionEvents.empty()
    bad = np.isfinite(first_bad) & (np.arange(n) < n_tle)
    status = ObjectStatus(norad_id=elements.norad_id[bad], name=elements.name[bad],
                          first_bad=(start_ns + np.round(first_bad[bad] * NS_PER_S).astype(np.int64)).astype(
                              "datetime64[ns]"), status=bad_status[bad])
    if prep is not None and prep.objects:
        status = _with_ephemeris_status(status, prep.objects, start_ns, stop_ns)
    timings["finalize"] = time.perf_counter() - t3
    timings["total"] = time.perf_counter() - t0
    stats["events"] = len(events) if sink is None else collector.events
    stats["slow_events"] = int(np.count_nonzero(events.slow)) if sink is None else collector.slow_events
    prog.update(1, 1, "finalize")
    result = ScreeningResult(events=events, start=np.datetime64(start_ns, "ns"), stop=np.datetime64(stop_ns, "ns"),
                           volume=vol, n_objects=n, n_primaries=int(primary.sum()) if not all_vs_all else n,
                           backend=getattr(be, "name", type(be).__name__), object_status=status, sampling=sampling,
                           stats=stats, timings_s=timings, element_ages=ages,
                           ephemerides=list(prep.objects) if prep is not None else [],
                           replaced=list(prep.replaced) if prep is not None else [],
                           norad_ids=elements.norad_id.copy(), dataset=str(sink.path) if sink is not None else None)
    if sink is not None:
        try:
            sink.commit(_manifest(result, opt, n_win))
        except BaseException:
            sink.abort()
            raise
    return result


def _manifest(result: ScreeningResult, opt: ScreeningOptions, n_win: int) -> dict:
    """What a streamed dataset's manifest says about its run (besides files and counts)."""
    from dataclasses import asdict

    summ = result.summary()
    return {"span": {"start": summ["start"], "stop": summ["stop"]}, "volume": summ["volume"],
            "threshold_km": float(getattr(result.volume, "radius_km", result.volume.bounding_radius_km)),
            "objects": result.n_objects, "primaries": result.n_primaries,
            "all_vs_all": result.n_primaries == result.n_objects, "windows": n_win, "options": asdict(opt),
            "slow_events": summ["slow_events"], "summary": summ,
            "object_status": result.object_status.to_records()}


def task_window_s(sampling: Sampling, radius_km: float, opt: ScreeningOptions) -> float:
    """The window length: ``opt.window_s``, or the longest multiple of ``segment_s * 2**kmax`` under it
    whose task fits ``opt.max_task_mb`` (:func:`~orbitwatch.conjunction.screening.request.estimate_task_bytes`;
    at least one such multiple, whatever the budget)."""
    from .request import estimate_task_bytes

    if opt.max_task_mb is None:
        return opt.window_s
    big = opt.segment_s * 2.0 ** opt.kmax
    steps = np.unique(sampling.k, return_counts=True)
    w = opt.window_s
    while w > big and estimate_task_bytes(steps, radius_km, w, opt)["total"] > opt.max_task_mb * 1e6:
        w -= big
    return float(w)


#: fewest objects in one calibration chunk (smaller ones cost more in per-batch overheads than they balance)
CALIBRATION_CHUNK_MIN = 4000
#: most objects in one calibration chunk (bounds a task's memory: its largest batch of node states)
CALIBRATION_CHUNK_MAX = 50000
#: calibration chunks per worker (objects differ in cost: two chunks each balance the load; more chunks cost
#: more than they balance on the full catalog)
CALIBRATION_CHUNKS_PER_WORKER = 2


@dataclass(frozen=True)
class _CalibrationParams:
    """What a calibration chunk needs besides the state (an object, not a dict: Dask scatters a dict by key)."""

    start_ns: int
    stop_ns: int
    options: ScreeningOptions


def _calibration_chunks(rows: np.ndarray, workers: int) -> list[np.ndarray]:
    """``rows`` dealt into chunks (every ``n``-th object: each chunk gets a similar mix of orbits)."""
    n_chunks = 1 if workers <= 1 else min(rows.size // CALIBRATION_CHUNK_MIN, CALIBRATION_CHUNKS_PER_WORKER * workers)
    n_chunks = int(max(1, n_chunks, -(-rows.size // CALIBRATION_CHUNK_MAX)))
    return [rows[c::n_chunks] for c in range(n_chunks)] if rows.size else []


def _calibrate_chunk(rows, shared) -> dict:
    """Calibration task: :func:`~orbitwatch.conjunction.screening.sampling.calibrate_objects` of the
    element-set objects ``rows`` (``shared = (state, params)``)."""
    state, p = shared
    opt = p.options
    t = time.perf_counter()
    k, measured, until, code = calibrate_objects(_Sub(state.tle_source(), rows), p.start_ns, opt.segment_s,
                                                 opt.interp_target_km, kmin=opt.kmin, kmax=opt.kmax,
                                                 safety=opt.safety, stop_ns=p.stop_ns)
    return {"k": k, "measured_km": measured, "usable_until_ns": until, "unusable_status": code,
            "seconds": time.perf_counter() - t}


def _calibrate_rows(ex, state, state_handle, rows, start_ns, stop_ns, opt, check, cpu_s) -> Sampling:
    """:func:`calibrate` of the element-set objects ``rows``, in chunks on the executor ``ex`` (the same
    bits as one call on all of them: every object's result is its own, and the bounds of objects
    without a measurement are filled here, over all of ``rows``)."""
    chunks = _calibration_chunks(rows, ex.workers)
    params = _CalibrationParams(int(start_ns), int(stop_ns), opt)
    shared = (state if state_handle is None else state_handle, params)
    results = _map(ex, _calibrate_chunk, chunks, shared, lambda k, res: None, check) if chunks else []
    m = rows.size
    k, measured = np.zeros(m, np.int64), np.full(m, np.nan)
    until, code = np.full(m, np.iinfo(np.int64).max, np.int64), np.zeros(m, np.uint8)
    pos = np.empty(len(state.elements), np.int64)
    pos[rows] = np.arange(m)
    for c, res in zip(chunks, results):
        at = pos[c]
        k[at], measured[at] = res["k"], res["measured_km"]
        until[at], code[at] = res["usable_until_ns"], res["unusable_status"]
        cpu_s[0] += res["seconds"]
    return sampling_from(k, measured, until, code, opt.segment_s, opt.interp_target_km, safety=opt.safety)


def _calibrate_all(src, state: _State, ex, state_handle, start_ns, stop_ns, opt, reuse=None, check=None,
                   cpu_s=None) -> Sampling:
    """Node steps and interpolation bounds: SGP4 objects by :func:`calibrate` (in chunks of objects on
    the executor ``ex``, like the windows: :func:`_calibrate_rows`), ephemeris objects by
    :func:`~orbitwatch.conjunction.screening.ephemeris.calibrate_ephemerides` (over the whole span, here).

    ``reuse`` = (norad_ids, sampling, stale_ids) of an earlier screening of the same span and
    options: objects it calibrated whose element set did not change keep its result (calibration
    is per object), the others are calibrated here (incremental screening). ``cpu_s`` (a one-element
    list) gets the seconds the chunks took."""
    elements, n_tle = state.elements, state.n_tle
    n = len(elements)
    cpu_s = [0.0] if cpu_s is None else cpu_s
    check = check or (lambda: None)
    if n == 0:
        return Sampling(opt.segment_s, np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    if reuse is not None and n_tle == n:
        return _calibrate_reusing(ex, state, state_handle, start_ns, stop_ns, opt, *reuse, check=check, cpu_s=cpu_s)
    if n_tle:
        s_tle = _calibrate_rows(ex, state, state_handle, np.arange(n_tle), start_ns, stop_ns, opt, check, cpu_s)
    else:
        s_tle = Sampling(opt.segment_s, np.zeros(0, np.int64), np.zeros(0), np.zeros(0))
    if n_tle == n:
        return s_tle
    from .ephemeris import calibrate_ephemerides

    rows = np.arange(n_tle, n)
    k0 = analytic_step_exponent(elements[rows], opt.segment_s, opt.interp_target_km, opt.kmin, opt.kmax)
    k, eps, measured = calibrate_ephemerides(src, rows, k0, start_ns, stop_ns, opt.segment_s, opt.interp_target_km,
                                             kmin=opt.kmin, kmax=opt.kmax, safety=opt.safety)
    big = np.iinfo(np.int64).max
    return Sampling(segment_s=opt.segment_s, k=np.r_[s_tle.k, k].astype(np.int64), eps_km=np.r_[s_tle.eps_km, eps],
                    measured_km=np.r_[s_tle.measured_km, measured],
                    usable_until_ns=np.r_[s_tle.usable_until_ns, np.full(rows.size, big, np.int64)],
                    unusable_status=np.r_[s_tle.unusable_status, np.zeros(rows.size, np.uint8)])


def _calibrate_reusing(ex, state, state_handle, start_ns, stop_ns, opt, old_ids, old, stale_ids, *, check,
                       cpu_s) -> Sampling:
    elements = state.elements
    old_ids = np.asarray(old_ids, dtype=np.int64)
    pos = np.searchsorted(old_ids, elements.norad_id)
    pos_c = np.minimum(pos, max(len(old_ids) - 1, 0))
    known = (len(old_ids) > 0) & (old_ids[pos_c] == elements.norad_id) & ~np.isin(elements.norad_id, stale_ids)
    k = np.zeros(len(elements), np.int64)
    eps, measured = np.zeros(len(elements)), np.zeros(len(elements))
    until = np.zeros(len(elements), np.int64)
    status = np.zeros(len(elements), np.uint8)
    rows = np.flatnonzero(known)
    src_rows = pos_c[rows]
    k[rows], eps[rows], measured[rows] = old.k[src_rows], old.eps_km[src_rows], old.measured_km[src_rows]
    until[rows], status[rows] = old.usable_until_ns[src_rows], old.unusable_status[src_rows]
    new = np.flatnonzero(~known)
    if new.size:
        # rows of the prepared propagator (the full catalog's); bounds filled over the new objects
        fresh = _calibrate_rows(ex, state, state_handle, new, start_ns, stop_ns, opt, check, cpu_s)
        k[new], eps[new], measured[new] = fresh.k, fresh.eps_km, fresh.measured_km
        until[new], status[new] = fresh.usable_until_ns, fresh.unusable_status
    return Sampling(segment_s=opt.segment_s, k=k, eps_km=eps, measured_km=measured, usable_until_ns=until,
                    unusable_status=status)


def _edge_window(src, eph_set, n_tle, primary, all_vs_all, start_ns, span_s, radius_km, n) -> dict:
    """Candidates on the edges of ephemerides' usable spans inside the span, refined like the
    windows' (a pair receding from the start of a span, or approaching its stop, is closest on the
    edge; one approaching there has its minimum inside, which the windows find too)."""
    t_start = time.perf_counter()
    ci, cj, ct = [], [], []
    everyone = np.arange(n)
    for e, ob in enumerate(eph_set.objects):
        row = n_tle + e
        for a, b in ob.usable_ns:
            for edge in (a, b):
                te = (edge - start_ns) / NS_PER_S
                if not 0.0 < te < span_s:
                    continue
                r, _, st = src.grid(everyone, np.array([edge], np.int64))
                d = np.linalg.norm(r[:, 0] - r[row, 0], axis=-1)
                near = (st[:, 0] == 0) & (d <= radius_km) & (everyone != row)
                if not all_vs_all and not primary[row]:
                    near &= primary
                k = np.flatnonzero(near)
                ci.append(np.minimum(k, row))
                cj.append(np.maximum(k, row))
                ct.append(np.full(k.size, te))
    i = np.concatenate(ci) if ci else np.zeros(0, np.int64)
    j = np.concatenate(cj) if cj else np.zeros(0, np.int64)
    t = np.concatenate(ct) if ct else np.zeros(0)
    if i.size:
        lo_b, hi_b = _bounds(src, i, j, t, start_ns, span_s)
        t_ref, f, outcome = refine_minima(src, i, j, t, t, t, start_ns, span_s, lo_bound=lo_b, hi_bound=hi_b)
    else:
        t_ref, f, outcome = np.zeros(0), np.zeros(0), np.zeros(0, np.int8)
    found = np.isin(outcome, (OK, AT_SPAN_START, AT_SPAN_STOP)) & (f <= radius_km ** 2)
    return {"i": i[found].astype(np.int64), "j": j[found].astype(np.int64), "t": t_ref[found], "miss2": f[found],
            "outcome": outcome[found], "first_bad": np.full(n, np.inf), "bad_status": np.zeros(n, np.uint8),
            "stats": {"ephemeris_edge_candidates": int(i.size)},
            "timings": {"propagate": 0.0, "broad_narrow": 0.0, "refine": time.perf_counter() - t_start}}


def _with_ephemeris_status(status: ObjectStatus, objects, start_ns, stop_ns) -> ObjectStatus:
    """The SGP4 object status followed by the ephemeris objects not usable over the whole span."""
    from .ephemeris import ephemeris_status

    pos, first, code = ephemeris_status(objects, start_ns, stop_ns)
    if pos.size == 0:
        return status
    obs = [objects[int(k)] for k in pos]
    return ObjectStatus(
        norad_id=np.r_[status.norad_id, np.array([o.norad_id for o in obs], np.int64)],
        name=np.r_[status.name.astype(object), np.array([o.object_name for o in obs], dtype=object)].astype(str),
        first_bad=np.r_[status.first_bad.astype("datetime64[ns]"), first.astype("datetime64[ns]")],
        status=np.r_[status.status.astype(np.uint8), code],
        object_id=np.r_[status.object_id.astype(object), np.array([o.object_id for o in obs], dtype=object)]
        .astype(str))


def _map(ex, fn, tasks, shared, on_result, check):
    """``ex.map`` with ``check`` when the executor takes it (executors written before it did not)."""
    import inspect

    try:
        takes_check = "check" in inspect.signature(ex.map).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        takes_check = False
    if takes_check:
        return ex.map(fn, tasks, shared=shared, on_result=on_result, check=check)

    def on_result_checked(k, res):
        on_result(k, res)
        check()

    return ex.map(fn, tasks, shared=shared, on_result=on_result_checked)


def _trajectory_groups(es: ElementSets) -> np.ndarray:
    """One integer per object; equal for objects whose element sets propagate identically."""
    if len(es) == 0:
        return np.zeros(0, np.int64)
    key = np.stack([es.epoch.astype(np.int64).view(np.float64), es.mean_motion_rev_per_day, es.eccentricity,
                    es.inclination_deg, es.raan_deg, es.arg_perigee_deg, es.mean_anomaly_deg, es.bstar,
                    es.mean_motion_dot, es.mean_motion_ddot], axis=1)
    _, inv = np.unique(key.view(np.uint64), axis=0, return_inverse=True)
    return inv.ravel().astype(np.int64)


def _dedupe(i, j, t, miss2, tol_s) -> np.ndarray:
    """Mask keeping one of several refined minima of the same pair within ``tol_s`` (the closest)."""
    n = i.size
    keep = np.ones(n, dtype=bool)
    if n < 2:
        return keep
    order = np.lexsort((miss2, t, j, i))
    si, sj, st = i[order], j[order], t[order]
    same_pair = (si[1:] == si[:-1]) & (sj[1:] == sj[:-1])
    close = same_pair & (np.diff(st) < tol_s)
    # chains of close minima: keep the smallest distance of each chain
    chain_start = np.r_[True, ~close]
    chain_id = np.cumsum(chain_start) - 1
    sm = miss2[order]
    best = np.full(chain_id[-1] + 1, -1)
    # first index of the min within each chain
    o2 = np.lexsort((sm, chain_id))
    firsts = np.r_[True, chain_id[o2][1:] != chain_id[o2][:-1]]
    best[chain_id[o2][firsts]] = o2[firsts]
    keep[:] = False
    keep[order[best]] = True
    return keep


def teme_to_eme2000_many(r_km, v_km_s, times_ns, grid_s: float = 3600.0):
    """TEME -> EME2000 for many states at scattered instants (see
    :func:`orbitwatch.propagation.frames.teme_to_eme2000_interp`, which this calls)."""
    from ...propagation.frames import teme_to_eme2000_interp

    return teme_to_eme2000_interp(r_km, v_km_s, times_ns, grid_s=grid_s)


def _finalize(src, elements, primary, all_vs_all, vol, i, j, t, miss2, outcome, start_ns, span_s, *,
              n_tle: int | None = None, ephemerides=()):
    """Columns of the event table; applies the screening volume."""

    if i.size == 0:
        return ConjunctionEvents.empty()
    # object 1 is the primary (fleet screening), else the lower catalog number
    if not all_vs_all:
        swap = ~primary[i] & primary[j]
        i, j = np.where(swap, j, i), np.where(swap, i, j)
    if isinstance(vol, EllipsoidRTN):
        lo_b, hi_b = _bounds(src, i, j, t, start_ns, span_s)
        tq, q, oq = refine_minima(src, i, j, t, t, t, start_ns, span_s, objective=ellipsoid_objective(vol.semi_axes_km),
                                  window_s=120.0, lo_bound=lo_b, hi_bound=hi_b)
        good = np.isin(oq, (OK, AT_SPAN_START, AT_SPAN_STOP)) & (q <= 1.0)
        ratio = np.sqrt(np.where(np.isfinite(q), q, np.inf))
    else:
        good = miss2 <= vol.radius_km ** 2
        ratio = np.sqrt(miss2) / vol.radius_km
    i, j, t, miss2, outcome, ratio = i[good], j[good], t[good], miss2[good], outcome[good], ratio[good]
    m = i.size
    if m == 0:
        return ConjunctionEvents.empty()
    r, v, st, tns = states_at(src, np.concatenate([i, j]), np.concatenate([t, t]), start_ns)
    # rows in the table's order (TCA, then catalog numbers; ConjunctionEvents.sort_by's), sorted here
    # on the few inputs rather than afterwards on every column of the table
    order = np.lexsort((elements.norad_id[j], elements.norad_id[i], tns[:m]))
    i, j, t, outcome, ratio = i[order], j[order], t[order], outcome[order], ratio[order]
    r1, r2, v1, v2, tns = r[:m][order], r[m:][order], v[:m][order], v[m:][order], tns[:m][order]
    tca = tns.astype("datetime64[ns]")
    rtn = to_rtn(r1, v1, r2 - r1)
    e1r, e1v = teme_to_eme2000_many(r1, v1, tns)
    e2r, e2v = teme_to_eme2000_many(r2, v2, tns)
    ep = elements.epoch.astype(np.int64)
    types = elements.object_type_name
    intl = elements.intl_designator
    boundary = np.where(outcome == AT_SPAN_START, np.where(t > 0.0, BOUNDARY_EPHEMERIS_START, 1),
                        np.where(outcome == AT_SPAN_STOP, np.where(t < span_s, BOUNDARY_EPHEMERIS_STOP, 2), 0)
                        ).astype(np.int8)
    n_tle = len(elements) if n_tle is None else n_tle
    source = np.where(np.arange(len(elements)) < n_tle, "SGP4", "OEM")
    oid = np.array([""] * n_tle + [o.object_id for o in ephemerides], dtype=str)
    ev = ConjunctionEvents(
        norad_1=elements.norad_id[i], norad_2=elements.norad_id[j], name_1=elements.name[i], name_2=elements.name[j],
        object_type_1=types[i], object_type_2=types[j], tca=tca, miss_km=np.linalg.norm(r2 - r1, axis=-1),
        radial_km=rtn[:, 0], in_track_km=rtn[:, 1], cross_track_km=rtn[:, 2],
        rel_speed_km_s=np.linalg.norm(v2 - v1, axis=-1),
        r1_teme_km=r1, v1_teme_km_s=v1, r2_teme_km=r2, v2_teme_km_s=v2,
        r1_eme2000_km=e1r, v1_eme2000_km_s=e1v, r2_eme2000_km=e2r, v2_eme2000_km_s=e2v,
        age_1_days=(tns - ep[i]) / NS_PER_DAY, age_2_days=(tns - ep[j]) / NS_PER_DAY,
        boundary=boundary, volume_ratio=ratio, pc=np.full(m, np.nan), pc_max=np.full(m, np.nan),
        intl_designator_1=intl[i], intl_designator_2=intl[j], state_source_1=source[i], state_source_2=source[j],
        object_id_1=oid[i], object_id_2=oid[j])
    return ev
