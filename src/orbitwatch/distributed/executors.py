"""Executors: run a function over independent tasks, in this process or on a Dask cluster.

Both executors have the same interface::

    results = executor.map(fn, tasks, shared=context, on_result=callback, check=progress.check)

``fn(task, shared)`` is called once per task; ``shared`` is one (possibly large) object every
task needs (a catalog, a prepared propagator...), sent to each worker once rather than with
every task. Results come back in the order of ``tasks``; ``on_result(k, result)`` is called in
the calling thread as each one arrives (progress bars). ``check()`` is called in the calling
thread between tasks and at least every :data:`CHECK_INTERVAL_S` while waiting; when it raises
(:class:`~orbitwatch.errors.CancelledError` after ``Progress.cancel()``), tasks not started are
cancelled and the exception propagates. Work is split by the caller into tasks small enough to
balance the load; executors never hold global state.

* :class:`InProcessExecutor` uses a thread pool by default: the numeric kernels are compiled
  with ``nogil`` and run in parallel on threads. ``kind="process"`` uses a pool of spawned
  processes (for work that holds the GIL, e.g. python-sgp4); ``shared`` is then sent once to
  each process.
* :class:`DaskExecutor` uses ``dask.distributed``: pass a ``Client``, or a scheduler address
  (``"tcp://host:8786"``) for a real cluster. ``shared`` is scattered (broadcast) once per
  ``map``; an object several ``map`` calls need is sent once with ``handle = executor.share(obj)``
  and ``shared=handle`` (or a tuple holding it: each task then receives the tuple of the parts)
  in each of them. A scheduler that does not answer within ``timeout_s`` (default 5 s) is an
  :class:`~orbitwatch.errors.UnavailableError` naming the address.
"""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait
from typing import Any, Callable, Protocol, Sequence

from ..errors import InvalidRequestError, UnavailableError

#: longest wait (s) between two ``check()`` calls while tasks run
CHECK_INTERVAL_S = 0.25
#: default connect timeout (s) for a Dask scheduler address
DEFAULT_CONNECT_TIMEOUT_S = 5.0


class Executor(Protocol):
    """What callers need from an executor."""

    @property
    def workers(self) -> int:
        """Number of tasks that run at the same time."""

    def map(self, fn: Callable[[Any, Any], Any], tasks: Sequence[Any], *, shared: Any = None,
            on_result: Callable[[int, Any], None] | None = None, check: Callable[[], None] | None = None) -> list:
        """``[fn(t, shared) for t in tasks]``, possibly in parallel; ``check()`` may stop it."""


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
        from ..requests import check_choice, check_int

        self.kind = check_choice("kind", kind, ("thread", "process"))
        self._workers = default_workers() if workers is None else check_int("workers", workers, lo=1)

    @property
    def workers(self) -> int:
        return self._workers

    def __repr__(self) -> str:
        return f"InProcessExecutor(workers={self._workers}, kind={self.kind!r})"

    def map(self, fn, tasks, *, shared=None, on_result=None, check=None) -> list:
        tasks = list(tasks)
        results: list = [None] * len(tasks)
        if self._workers == 1 or len(tasks) <= 1:
            for k, t in enumerate(tasks):
                if check is not None:
                    check()
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
            _drain(tasks, submit, results, on_result, check)
        return results


# a process pool's workers receive ``shared`` once, through the pool initializer
_PROCESS_SHARED: dict[str, Any] = {}


def _set_process_shared(shared) -> None:
    _PROCESS_SHARED["shared"] = shared


def _call_with_process_shared(fn, task):
    return fn(task, _PROCESS_SHARED.get("shared"))


def _drain(tasks, submit, results, on_result, check=None):
    """Submit every task, collect results as they complete (in completion order for callbacks);
    ``check()`` between waits of at most CHECK_INTERVAL_S."""
    futures = {}
    if check is not None:
        check()
    for k, t in enumerate(tasks):
        futures[submit(t)] = k
    pending = set(futures)
    try:
        while pending:
            if check is not None:
                check()
            done, pending = wait(pending, timeout=CHECK_INTERVAL_S if check is not None else None,
                                 return_when=FIRST_COMPLETED)
            for f in done:
                # forget the future as soon as its result is taken: a caller that streams results
                # (on_result) then holds no more than it keeps
                k = futures.pop(f)
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
    timeout_s : float
        How long to try to reach the scheduler at ``address`` (default
        :data:`DEFAULT_CONNECT_TIMEOUT_S`); then :class:`~orbitwatch.errors.UnavailableError`.
    """

    def __init__(self, client=None, address: str | None = None, *,
                 timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S):
        from ..requests import check_positive

        if (client is None) == (address is None):
            raise InvalidRequestError("address", "give exactly one of client or address")
        timeout_s = check_positive("timeout_s", timeout_s)
        if client is None:
            client = _connect(str(address), timeout_s)
            self._owns = True
        else:
            self._owns = False
        self.client = client

    @classmethod
    def local(cls, n_workers: int, *, memory_limit: str = "auto") -> "DaskExecutor":
        """A ``LocalCluster`` of ``n_workers`` single-threaded worker processes on this machine,
        started now and shut down by :meth:`close` (each worker's memory is bounded by
        ``memory_limit``, Dask's own per-worker limit)."""
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - distributed is a dependency of the dask extra
            raise UnavailableError("Dask", "the 'distributed' package is not installed", "local") from None
        cluster = LocalCluster(n_workers=int(n_workers), threads_per_worker=1, processes=True,
                               memory_limit=memory_limit, dashboard_address=None, host="127.0.0.1")
        ex = cls(client=Client(cluster, set_as_default=False))
        ex._owns, ex._cluster = True, cluster
        return ex

    @classmethod
    def from_spec(cls, spec: str, *, timeout_s: float = DEFAULT_CONNECT_TIMEOUT_S) -> "DaskExecutor":
        """``local`` or ``local:N`` (a LocalCluster of N workers, default the cores) or a scheduler address."""
        spec = str(spec)
        if spec == "local" or spec.startswith("local:"):
            import os

            n = spec.partition(":")[2]
            if n and not (n.isdigit() and int(n) > 0):
                raise InvalidRequestError("dask", f"local:N needs a positive worker count, got {n!r}", spec)
            return cls.local(int(n) if n else (os.cpu_count() or 1))
        return cls(address=spec, timeout_s=timeout_s)

    @property
    def workers(self) -> int:
        info = self.client.scheduler_info()
        n = sum(int(w.get("nthreads", 1)) for w in info.get("workers", {}).values())
        return max(1, n)

    def __repr__(self) -> str:
        return f"DaskExecutor({self.client!r})"

    def share(self, obj):
        """``obj`` sent once to every worker, kept there while the returned handle lives: give the handle
        (alone, or as a part of a tuple ``shared``) to :meth:`map` calls and ``obj`` is not sent again.

        Each call gets a key of its own (``hash=False``): with a content-hashed key, sharing equal state
        again right after an earlier handle was dropped races the scheduler's release of that key, and
        the tasks fail with "lost dependencies"."""
        return self.client.scatter(obj, broadcast=True, hash=False)

    def _ship(self, shared):
        """``shared`` on every worker: scattered, or as it is where it is a handle from :meth:`share`; a tuple
        part by part (each task receives the tuple of the parts)."""
        from distributed import Future

        if shared is None or isinstance(shared, Future):
            return shared
        if isinstance(shared, tuple):
            return tuple(self._ship(p) for p in shared)
        return self.share(shared)

    def map(self, fn, tasks, *, shared=None, on_result=None, check=None) -> list:
        from distributed import wait as dask_wait

        tasks = list(tasks)
        results: list = [None] * len(tasks)
        if not tasks:
            return results
        if check is not None:
            check()
        shared_f = self._ship(shared)
        futures = [self.client.submit(fn, t, shared_f, pure=False) for t in tasks]
        index = {f.key: k for k, f in enumerate(futures)}
        pending = set(futures)
        try:
            while pending:
                if check is not None:
                    check()
                try:
                    # distributed.wait looks for the *current* client; ours is not the default one
                    with self.client.as_current():
                        done, _ = dask_wait(list(pending), timeout=CHECK_INTERVAL_S if check is not None else None,
                                            return_when="FIRST_COMPLETED")
                except TimeoutError:
                    continue
                for f in done:
                    pending.discard(f)
                    k = index[f.key]
                    results[k] = f.result()
                    # release the result on the cluster as soon as it is here (workers keep a
                    # task's result while a future refers to it)
                    futures[k] = None
                    f.release()
                    if on_result is not None:
                        on_result(k, results[k])
        except BaseException:
            for f in futures:
                if f is not None:
                    f.cancel()
            raise
        return results

    def close(self) -> None:
        if self._owns:
            self.client.close()
            cluster = getattr(self, "_cluster", None)
            if cluster is not None:
                cluster.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _connect(address: str, timeout_s: float):
    """A ``distributed.Client`` on ``address``, or UnavailableError within about ``timeout_s``."""
    import logging

    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise UnavailableError("Dask scheduler", "the 'distributed' package is not installed", address) from None
    log = logging.getLogger("distributed")
    level = log.level
    log.setLevel(logging.CRITICAL)  # its retry messages would bury the one line that matters
    try:
        return Client(address, timeout=f"{timeout_s}s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, TimeoutError) or "timed out" in reason.lower():
            reason = f"no answer within {timeout_s:g} s (is the scheduler running, and the address right?)"
        raise UnavailableError("Dask scheduler", reason, address) from None
    except ValueError as exc:
        raise InvalidRequestError("address", f"not a Dask scheduler address: {exc}", address) from None
    finally:
        log.setLevel(level)


def as_executor(executor: Executor | str | int | None) -> Executor:
    """An executor from a spec: None (all cores, threads), an int (that many threads), a Dask
    scheduler address ``"tcp://..."``, or an executor instance."""
    if executor is None:
        return InProcessExecutor()
    if isinstance(executor, bool):
        raise InvalidRequestError("executor", "must be an executor, a worker count or a scheduler address", executor)
    if isinstance(executor, int):
        return InProcessExecutor(workers=executor)
    if isinstance(executor, str):
        if "://" in executor:
            return DaskExecutor(address=executor)
        raise InvalidRequestError("executor", f"{executor!r}: expected a Dask scheduler address like "
                                              "tcp://host:8786", executor)
    if hasattr(executor, "map"):
        return executor
    raise InvalidRequestError("executor", f"not an executor: {executor!r}", repr(executor))


__all__ = ["Executor", "InProcessExecutor", "DaskExecutor", "as_executor", "default_workers"]
