"""The dispatcher: a background loop next to the job worker that sends webhooks, submits due
schedules, imports the drop folder and runs catalog pulls. Every step is safe with several
dispatchers on one database (claims by atomic UPDATEs, files by atomic renames).

It runs in ``orbitwatch worker`` processes and, with in-process jobs, in ``orbitwatch serve``.
"""

from __future__ import annotations

import logging
import threading

from .db import ServiceDB
from .settings import ServiceSettings

log = logging.getLogger("orbitwatch.service.dispatch")


class Dispatcher:
    def __init__(self, db: ServiceDB, settings: ServiceSettings | None = None, name: str = "dispatcher"):
        self.db = db
        self.settings = settings or db.settings
        self.name = name
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def run_once(self) -> dict:
        """One round of every step; a failing step is logged and does not stop the others."""
        from . import ingest, schedules, webhooks

        s = self.settings
        out: dict = {}
        steps = [("schedules", lambda: schedules.tick(self.db, s, actor=f"scheduler:{self.name}")),
                 ("webhooks", lambda: webhooks.dispatch(self.db, s))]
        if s.drop_dir is not None:
            steps.append(("drop", lambda: ingest.scan_drop_dir(self.db, s.drop_dir, settle_s=s.drop_settle_s,
                                                               max_bytes=s.max_upload_bytes)))
        for name, step in steps:
            try:
                out[name] = step()
            except Exception as exc:  # noqa: BLE001 - one step's failure must not stop the loop
                log.exception("dispatcher step %s failed: %s", name, exc)
                out[name] = exc
        return out

    def run(self, stop: threading.Event | None = None) -> None:
        stop = stop or self.stop
        while not stop.is_set():
            self.run_once()
            stop.wait(self.settings.dispatch_poll_s)

    def start(self) -> "Dispatcher":
        self.thread = threading.Thread(target=self.run, name="orbitwatch-dispatch", daemon=True)
        self.thread.start()
        return self

    def close(self, timeout: float = 10.0) -> None:
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout)
