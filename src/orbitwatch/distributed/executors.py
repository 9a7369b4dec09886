"""Executors: run a function over independent tasks, in this process or on a Dask cluster.

Both executors have the same interface::

    results = executor.map(fn, tasks, shared=context, on_result=callback)

``fn(task, shared)`` is called once per task; ``shared`` is one (possibly large) object every
task needs (a catalog, a prepared propagator...), sent to each worker once rather than with
every task. Results come back in the order of ``tasks``; ``on_result(k, result)`` is called in
the calling thread as each one arrives (progress bars). Work is split by the caller into
tasks small enough to balance the load; executors never hold global state.

* :class:`InProcessExecutor` uses a thread pool by default: the numeric kernels are compiled
  with ``nogil`` and run in parallel on threads. ``kind="process"`` uses a pool of spawned
  processes (for work that holds the GIL, e.g. python-sgp4); ``shared`` is then sent once to
  each process.
* :class:`DaskExecutor` uses ``dask.distributed``: pass a ``Client``, or a scheduler address
  (``"tcp://host:8786"``) for a real cluster. ``shared`` is scattered (broadcast) once.
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from typing import Any, Callable, Protocol, Sequence


class Executor(Protocol):
    """What callers need from an executor."""

    @property
    def workers(self) -> int:
        """Number of tasks that run at the same time."""

    def map(self, fn: Callable[[Any, Any], Any], tasks: Sequence[Any], *, shared: Any = None,
            on_result: Callable[[int, Any], None] | None = None) -> list:
        """``[fn(t, shared) for t in tasks]``, possibly in parallel."""


def default_workers() -> int:
    """Cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class InProcessExecutor:
    """Tasks on a pool of threads (default) or processes of this machine.

    Parameters
    ----------
    workers : int, optional
        Pool size (default: all cores). ``workers=1`` runs the tasks one after the other in
        the calling thread.
    kind : {"thread", "process"}
    """

    def __init__(self, workers: int | None = None, kind: str = "thread"):
        if kind not in ("thread", "process"):
            raise ValueError(f"kind must be 'thread' or 'process', got {kind!r}")
        self._workers = int(workers) if workers else default_workers()
        if self._workers < 1:
            raise ValueError("workers must be at least 1")
        self.kind = kind

    @property
    def workers(self) -> int:
        return self._workers

    def __repr__(self) -> str:
        return f"InProcessExecutor(workers={self._workers}, kind={self.kind!r})"

    def map(self, fn, tasks, *, shared=None, on_result=None) -> list:
        tasks = list(tasks)
        results: list = [None] * len(tasks)
        if self._workers == 1 or len(tasks) <= 1:
            for k, t in enumerate(tasks):
                results[k] = fn(t, shared)
                if on_result is not None:
                    on_result(k, results[k])
            return results
        if self.kind == "thread":
            pool = ThreadPoolExecutor(max_workers=self._workers)
            submit = lambda t: pool.submit(fn, t, shared)  # noqa: E731
        else:
            # spawn, not fork: forking a process whose OpenMP runtime (numba) is running is unsafe
            import multiprocessing

            pool = ProcessPoolExecutor(max_workers=self._workers, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_set_process_shared, initargs=(shared,))
            submit = lambda t: pool.submit(_call_with_process_shared, fn, t)  # noqa: E731
        with pool:
            _drain(tasks, submit, results, on_result)
        return results


# a process pool's workers receive ``shared`` once, through the pool initializer
_PROCESS_SHARED: dict[str, Any] = {}


def _set_process_shared(shared) -> None:
    _PROCESS_SHARED["shared"] = shared


def _call_with_process_shared(fn, task):
    return fn(task, _PROCESS_SHARED.get("shared"))


def _drain(tasks, submit, results, on_result, window: int | None = None):
    """Submit every task, collect results as they complete (in completion order for callbacks)."""
    futures = {}
    for k, t in enumerate(tasks):
        futures[submit(t)] = k
    pending = set(futures)
    try:
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in done:
                k = futures[f]
                results[k] = f.result()
                if on_result is not None:
                    on_result(k, results[k])
    except BaseException:
        for f in pending:
            f.cancel()
        raise


class DaskExecutor:
    """Tasks on a Dask cluster (``dask.distributed``).

    Parameters
    ----------
    client : distributed.Client, optional
        An existing client (e.g. on a ``LocalCluster``).
    address : str, optional
        Scheduler address of a running cluster (``"tcp://10.0.0.5:8786"``); a client is
        created and closed by :meth:`close` (or the context manager).
    """

    def __init__(self, client=None, address: str | None = None):
        if (client is None) == (address is None):
            raise ValueError("give exactly one of client or address")
        if client is None:
            from distributed import Client

            client = Client(address)
            self._owns = True
        else:
            self._owns = False
        self.client = client

    @property
    def workers(self) -> int:
        info = self.client.scheduler_info()
        n = sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())
        return max(1, n)

    def __repr__(self) -> str:
        return f"DaskExecutor({self.client!r})"

    def map(self, fn, tasks, *, shared=None, on_result=None) -> list:
        from distributed import as_completed

        tasks = list(tasks)
        results: list = [None] * len(tasks)
        if not tasks:
            return results
        shared_f = self.client.scatter(shared, broadcast=True) if shared is not None else None
        futures = [self.client.submit(fn, t, shared_f, pure=False) for t in tasks]
        index = {f.key: k for k, f in enumerate(futures)}
        try:
            for f in as_completed(futures):
                k = index[f.key]
                results[k] = f.result()
                if on_result is not None:
                    on_result(k, results[k])
        except BaseException:
            for f in futures:
                f.cancel()
            raise
        return results

    def close(self) -> None:
        if self._owns:
            self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def as_executor(executor: Executor | str | int | None) -> Executor:
    """An executor from a spec: None (all cores, threads), an int (that many threads), a Dask
    scheduler address ``"tcp://..."``, or an executor instance."""
    if executor is None:
        return InProcessExecutor()
    if isinstance(executor, bool):
        raise TypeError("executor must be an executor, a worker count or a scheduler address")
    if isinstance(executor, int):
        return InProcessExecutor(workers=executor)
    if isinstance(executor, str):
        if "://" in executor:
            return DaskExecutor(address=executor)
        raise ValueError(f"executor {executor!r}: expected a Dask scheduler address like tcp://host:8786")
    if hasattr(executor, "map"):
        return executor
    raise TypeError(f"not an executor: {executor!r}")


__all__ = ["Executor", "InProcessExecutor", "DaskExecutor", "as_executor", "default_workers"]
