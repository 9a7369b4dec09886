"""Screening with the events streamed to a sink as the windows finish (``screen(..., sink=...)``).

The in-memory screening gathers every window's refined minima, removes duplicates across windows
(two minima of one pair closer than ``dedupe_s``: one minimum found by two windows), drops pairs on
identical trajectories and builds the event table (:func:`~orbitwatch.conjunction.screening.core._finalize`)
in the calling process. Here each window task does that itself for the minima that cannot have a
duplicate in another window, and returns them as an Arrow table that the caller writes at once:

* the exact refinement of a candidate of window [w0, w1] never leaves
  [w0 - REFINE_REACH_S, w1 + REFINE_REACH_S] (its bracket is the candidate's interval in the window
  widened by that much: :func:`~orbitwatch.conjunction.screening.refine.refine_minima`), so a
  minimum more than ``halo_s = REFINE_REACH_S + 2 dedupe_s`` inside a window's internal edges is
  more than ``dedupe_s`` from every minimum of every other window;
* the minima of one pair closer than ``dedupe_s`` form chains (what ``_dedupe`` keeps one of); a
  chain with no member in a halo is therefore a whole chain of the global run and is deduplicated,
  filtered and finalised in the task;
* the chains with a member in a halo (a few per cent of the events: 2 halo_s / window_s) are sent
  back raw (i, j, t, miss^2: 33 bytes each) and deduplicated together at the end, as the in-memory
  run does, in the same order;
* with ephemerides, the minima found on the edges of their usable spans (refined from the edge, so
  within REFINE_REACH_S of it) join them there, and a window's minima within a halo of such an edge
  wait too.

So the dataset holds exactly the in-memory run's events (tested event for event, bit for bit).
What stays in the calling process: the raw halo minima, each object's first unusable instant and
the counters; in a worker: its window (bounded by ``ScreeningOptions.max_task_mb``) and that
window's events until they are sent.
"""

from __future__ import annotations

import time

import numpy as np


#: how far (s) the exact refinement may move a minimum beyond its window (refine_minima's window_s)
REFINE_REACH_S = 120.0


class _StreamContext:
    """What a streaming window task needs besides the screening's own context (scattered once)."""

    def __init__(self, ctx, volume, group, n_win, window_s, eph_objects=(), edge_times_s=()):
        self.ctx = ctx
        self.volume = volume
        self.group = group
        self.n_win = int(n_win)
        self.window_s = float(window_s)
        self.halo_s = REFINE_REACH_S + 2.0 * ctx.options.dedupe_s
        self.eph_objects = list(eph_objects)
        #: edges of ephemerides' usable spans inside the span (s): the edge check's minima lie within
        #: REFINE_REACH_S of them and are deduplicated at the end, so window minima near them wait too
        self.edge_times_s = np.sort(np.asarray(edge_times_s, dtype=np.float64))

    def without_state(self) -> "_StreamContext":
        """A copy whose screening context has no state (see ``core._shared_for``)."""
        c = _StreamContext.__new__(_StreamContext)
        c.__dict__.update(self.__dict__)
        c.ctx = self.ctx.without_state()
        return c

    def attach(self, state) -> "_StreamContext":
        self.ctx.attach(state)
        return self


def _chains(i, j, t, tol_s):
    """Chain number of each minimum (minima of one pair less than ``tol_s`` apart), as ``_dedupe`` forms them."""
    n = i.size
    if n == 0:
        return np.zeros(0, np.int64)
    order = np.lexsort((t, j, i))
    si, sj, st = i[order], j[order], t[order]
    same_pair = (si[1:] == si[:-1]) & (sj[1:] == sj[:-1])
    close = same_pair & (np.diff(st) < tol_s)
    chain_sorted = np.cumsum(np.r_[True, ~close]) - 1
    chain = np.empty(n, np.int64)
    chain[order] = chain_sorted
    return chain


def _halo_mask(t, chain, w0, w1, sctx) -> np.ndarray:
    """Minima whose chain touches a halo of an internal window edge (decided at the end)."""
    if t.size == 0:
        return np.zeros(0, bool)
    h = sctx.halo_s
    near = np.zeros(t.size, bool)
    if w0 > 0.0:
        near |= t < w0 + h
    if w1 < sctx.n_win * sctx.window_s - 1e-9:
        near |= t > w1 - h
    edges = getattr(sctx, "edge_times_s", None)
    if edges is not None and edges.size:
        k = np.clip(np.searchsorted(edges, t), 1, edges.size) - 1
        k2 = np.minimum(k + 1, edges.size - 1)
        near |= (np.abs(t - edges[k]) < h) | (np.abs(t - edges[k2]) < h)
    touched = np.zeros(int(chain.max()) + 1, bool)
    touched[chain[near]] = True
    return touched[chain]


def finish_minima(ctx, volume, group, src, i, j, t, miss2, outcome, eph_objects=()):
    """Deduplicate, drop identical trajectories, build the event table: the in-memory run's tail."""
    from .core import _dedupe, _finalize

    keep = _dedupe(i, j, t, miss2, ctx.options.dedupe_s)
    dupes = int(keep.size and (keep.size - keep.sum()))
    same = group[i] == group[j]
    n_same = int((keep & same).sum()) if keep.size else 0
    keep &= ~same
    ev = _finalize(src, ctx.elements, ctx.primary, ctx.all_vs_all, volume, i[keep], j[keep], t[keep], miss2[keep],
                   outcome[keep], ctx.span_start_ns, ctx.span_s, n_tle=ctx.n_tle, ephemerides=eph_objects)
    return ev, dupes, n_same


def stream_window(task, sctx: _StreamContext) -> dict:
    """One window (``task`` = (index, w0, w1)): its events far from internal edges as an Arrow
    table, the others raw, and its unusable objects as sparse arrays."""
    from .core import _run_window
    from .sinks import events_to_arrow

    k, w0, w1 = task
    ctx = sctx.ctx
    res = _run_window((w0, w1), ctx)
    t_fin = time.perf_counter()
    i, j, t, miss2, outcome = res.pop("i"), res.pop("j"), res.pop("t"), res.pop("miss2"), res.pop("outcome")
    lo, hi = w0 - REFINE_REACH_S - 1e-6, w1 + REFINE_REACH_S + 1e-6
    if t.size and (t.min() < lo or t.max() > hi):  # pragma: no cover - refine_minima's bracket guarantees it
        raise RuntimeError(f"a minimum refined to {t.min():.3f}..{t.max():.3f} s left window [{w0}, {w1}] by more "
                           f"than {REFINE_REACH_S} s: the halo would not hold")
    chain = _chains(i, j, t, ctx.options.dedupe_s)
    defer = _halo_mask(t, chain, w0, w1, sctx)
    f = ~defer
    ev, dupes, n_same = finish_minima(ctx, sctx.volume, sctx.group, ctx.source(), i[f], j[f], t[f], miss2[f],
                                      outcome[f], sctx.eph_objects)
    fb = res.pop("first_bad")
    bs = res.pop("bad_status")
    rows = np.flatnonzero(np.isfinite(fb))
    res["bad"] = (rows, fb[rows], bs[rows])
    res["deferred"] = (i[defer], j[defer], t[defer], miss2[defer], outcome[defer])
    res["table"] = events_to_arrow(ev)
    res["events"], res["slow_events"] = len(ev), int(np.count_nonzero(ev.slow))
    res["stats"]["duplicates_removed"] = dupes
    res["stats"]["identical_trajectory_pairs_removed"] = n_same
    res["stats"]["deferred_minima"] = int(defer.sum())
    res["timings"]["finalize"] = time.perf_counter() - t_fin
    return res


class StreamCollector:
    """The calling process's side: writes each window's table as it arrives, keeps the rest small."""

    def __init__(self, sink, n_objects: int):
        self.sink = sink
        self.first_bad = np.full(n_objects, np.inf)
        self.first_win = np.full(n_objects, np.iinfo(np.int64).max)
        self.bad_status = np.zeros(n_objects, np.uint8)
        self.deferred: dict[int, tuple] = {}
        self.events = 0
        self.slow_events = 0

    def take(self, k: int, res: dict) -> None:
        """Called with each window's result as it arrives; drops the heavy parts from ``res``."""
        table = res.pop("table")
        self.sink.write(table, f"w{k:05d}")
        del table
        self.events += res.pop("events")
        self.slow_events += res.pop("slow_events")
        self.deferred[k] = res.pop("deferred")
        rows, fb, bs = res.pop("bad")
        # the first window holding an object's earliest unusable instant (np.argmin over windows)
        better = (fb < self.first_bad[rows]) | ((fb == self.first_bad[rows]) & (k < self.first_win[rows]))
        r = rows[better]
        self.first_bad[r], self.first_win[r], self.bad_status[r] = fb[better], k, bs[better]

    def finish(self, ctx, volume, group, src, extra=None, eph_objects=()) -> tuple[int, int, int]:
        """The halo minima of every window (and ``extra``: the ephemeris edges' result), in window
        order, deduplicated and written; returns (duplicates removed, identical pairs removed, events)."""
        parts = [self.deferred[k] for k in sorted(self.deferred)]
        if extra is not None:
            parts.append((extra["i"], extra["j"], extra["t"], extra["miss2"], extra["outcome"]))
        if not parts:
            return 0, 0, 0
        i, j, t, miss2, outcome = (np.concatenate([p[c] for p in parts]) for c in range(5))
        self.deferred.clear()
        if src is None or i.size == 0:
            return 0, 0, 0
        ev, dupes, n_same = finish_minima(ctx, volume, group, src, i, j, t, miss2, outcome, eph_objects)
        from .sinks import events_to_arrow

        self.sink.write(events_to_arrow(ev), "edges")
        self.events += len(ev)
        self.slow_events += int(np.count_nonzero(ev.slow))
        return dupes, n_same, len(ev)


__all__ = ["stream_window", "StreamCollector", "REFINE_REACH_S", "finish_minima"]
