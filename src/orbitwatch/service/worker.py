"""Job workers: ``orbitwatch worker`` processes, or a thread of ``orbitwatch serve`` when no
worker is configured (``ORBITWATCH_JOBS_IN_PROCESS``, the default).

A worker loops: claim a job (see :mod:`orbitwatch.service.jobs`), run it with a
:class:`~orbitwatch.progress.Progress` whose callback records progress, heartbeat from a side
thread (which also turns a cancel request, or a lost claim, into ``progress.cancel()``), then
store the results and the ``done`` status in one transaction.

Run one from a shell without the CLI: ``python -m orbitwatch.service.worker [--once]``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time

from ..errors import CancelledError, OrbitwatchError
from ..progress import Progress
from . import jobs as q
from .db import ServiceDB
from .settings import ServiceSettings

log = logging.getLogger("orbitwatch.service.worker")


class Worker:
    """Claims and runs jobs from the service database."""

    def __init__(self, db: ServiceDB, settings: ServiceSettings | None = None, name: str | None = None):
        self.db = db
        self.settings = settings or db.settings
        self.name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"

    def run_once(self) -> int | None:
        """Claim and run one job; its id, or None when nothing was queued."""
        s = self.settings
        c = q.claim(self.db, self.name, stale_s=s.job_stale_s, max_attempts=s.job_max_attempts)
        if c is None:
            return None
        self._run(c)
        return c.job_id

    def run(self, stop: threading.Event | None = None, *, max_jobs: int | None = None,
            idle_exit: bool = False) -> int:
        """Loop until ``stop`` is set (or ``max_jobs`` ran, or, with ``idle_exit``, nothing is queued)."""
        stop = stop or threading.Event()
        n = 0
        while not stop.is_set():
            try:
                job = self.run_once()
            except OrbitwatchError as exc:  # database away: wait and try again
                log.warning("worker %s: %s", self.name, exc)
                job = None
            if job is not None:
                n += 1
                if max_jobs is not None and n >= max_jobs:
                    break
                continue
            if idle_exit:
                break
            stop.wait(self.settings.job_poll_s)
        return n

    # ----------------------------------------------------------------------------------------
    def _run(self, c: q.Claim) -> None:
        s = self.settings
        state = {"done": None, "total": None, "stage": "running", "lost": False}
        progress = Progress(lambda done, total, stage: state.update(done=done, total=total, stage=stage))
        stop_beat = threading.Event()

        last_announced = {"at": time.monotonic(), "what": None}

        def beat():
            while not stop_beat.wait(s.job_heartbeat_s):
                what = (state["done"], state["total"], state["stage"])
                due = (time.monotonic() - last_announced["at"] >= s.progress_notify_s
                       and what != last_announced["what"] and state["done"] is not None)
                try:
                    ours, cancel = q.heartbeat(self.db, c, state["done"], state["total"], state["stage"],
                                               announce_progress=due)
                    if due:
                        last_announced.update(at=time.monotonic(), what=what)
                except OrbitwatchError as exc:
                    log.warning("heartbeat of job %s failed: %s", c.job_id, exc)
                    continue
                if not ours:
                    state["lost"] = True
                if cancel or not ours:
                    progress.cancel()

        beater = threading.Thread(target=beat, name=f"heartbeat-{c.job_id}", daemon=True)
        beater.start()
        try:
            handler = q.HANDLERS[c.kind]
            out = handler(self.db, c, progress, s.screening_backend)
            rows, summary = out[0], out[1]
            after = out[2] if len(out) > 2 else None  # more work in the completing transaction
            with self.db.tx() as conn:
                if callable(rows):  # the handler stores its own results (e.g. a Charter plan)
                    rows(conn)
                    rows = []
                else:
                    event_ids = q.store_events(conn, rows)
                    if after is not None:
                        summary = {**summary, **after(conn, event_ids)}
                q.complete(conn, c, summary)
                from . import audit

                audit.record(conn, actor=f"worker:{self.name}", agency_id=c.agency_id, action="job.complete",
                             outcome="ok", object=f"job:{c.job_id}", detail={"n_events": len(rows)})
            log.info("job %s done: %s events", c.job_id, len(rows))
        except q.LostClaim:
            log.warning("job %s was taken by another worker; results dropped", c.job_id)
        except CancelledError as exc:
            if not state["lost"]:
                q.finish_failed(self.db, c, "cancelled", exc.to_dict())
        except OrbitwatchError as exc:
            q.finish_failed(self.db, c, "failed", exc.to_dict())
        except Exception as exc:  # noqa: BLE001 - a job's bug must not kill the worker
            log.exception("job %s failed", c.job_id)
            q.finish_failed(self.db, c, "failed", {"type": "InternalError", "message": f"{type(exc).__name__}: {exc}"})
        finally:
            stop_beat.set()
            beater.join(timeout=5)


class InProcessRunner:
    """A worker thread inside the API process (``orbitwatch serve`` alone runs jobs)."""

    def __init__(self, db: ServiceDB, settings: ServiceSettings):
        self.worker = Worker(db, settings, name=f"{socket.gethostname()}:{os.getpid()}:api")
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.worker.run, args=(self.stop,), name="orbitwatch-jobs",
                                       daemon=True)

        from .dispatch import Dispatcher

        self.dispatcher = Dispatcher(db, settings, name=self.worker.name)

    def start(self) -> None:
        self.thread.start()
        self.dispatcher.start()

    def close(self, timeout: float = 10.0) -> None:
        self.stop.set()
        self.dispatcher.close(timeout)
        self.thread.join(timeout)


def run_with_dispatcher(worker: Worker, stop: threading.Event, *, max_jobs: int | None = None,
                        once: bool = False) -> int:
    """Run ``worker`` with a :class:`~orbitwatch.service.dispatch.Dispatcher` beside it (webhooks,
    schedules, drop folder, pulls): a thread until ``stop``, or one round first with ``once``."""
    from .dispatch import Dispatcher

    dispatcher = Dispatcher(worker.db, worker.settings, name=worker.name)
    if once:
        dispatcher.run_once()
        return worker.run(stop, max_jobs=max_jobs, idle_exit=True)
    thread = threading.Thread(target=dispatcher.run, args=(stop,), name="orbitwatch-dispatch", daemon=True)
    thread.start()
    try:
        return worker.run(stop, max_jobs=max_jobs)
    finally:
        stop.set()
        thread.join(10)


def main(argv: list[str] | None = None) -> int:
    """``python -m orbitwatch.service.worker [--once] [--max-jobs N]``: settings from the environment."""
    import argparse
    import signal

    from .settings import load_settings

    ap = argparse.ArgumentParser(prog="orbitwatch-worker", description=__doc__.splitlines()[0])
    ap.add_argument("--once", action="store_true", help="run the queued jobs, then exit")
    ap.add_argument("--max-jobs", type=int, default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings = load_settings()
    db = ServiceDB(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        run_with_dispatcher(Worker(db, settings), stop, max_jobs=args.max_jobs, once=args.once)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        db.close()
    time.sleep(0)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
