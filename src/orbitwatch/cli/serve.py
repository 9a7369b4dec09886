"""``orbitwatch serve`` (the API on uvicorn) and ``orbitwatch worker`` (a job worker)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Optional

import typer

from .common import err_console

DB_HELP = "Database URL (default: $ORBITWATCH_DATABASE_URL, else the SQLite file in $ORBITWATCH_HOME)."


def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default)."),
    port: int = typer.Option(8000, "--port", help="TCP port."),
    workers: int = typer.Option(1, "--workers", help="API worker processes."),
    db_url: Optional[str] = typer.Option(None, "--db-url", help=DB_HELP, envvar="ORBITWATCH_DATABASE_URL"),
    jobs_in_process: Optional[bool] = typer.Option(None, "--jobs-in-process/--no-jobs-in-process",
                                                   help="Run jobs in the API process (default: "
                                                        "$ORBITWATCH_JOBS_IN_PROCESS, true)."),
    log_level: str = typer.Option("info", "--log-level", help="critical, error, warning, info or debug."),
) -> None:
    """Run the service's HTTP API (FastAPI on uvicorn). With no configuration: the SQLite database in
    $ORBITWATCH_HOME and jobs run in-process, so this one command is a working service."""
    from ..requests import check_choice, check_int
    from ..service.db import ServiceDB
    from ..service.settings import load_settings

    check_int("port", port, 1, 65535)
    check_int("workers", workers, 1, 64)
    log_level = check_choice("log_level", log_level, ("critical", "error", "warning", "info", "debug"))
    # uvicorn's workers build the app from the environment, so the options travel there; they are
    # set only for the life of the server and restored after, so a caller's environment is untouched.
    env = {}
    if db_url:
        env["ORBITWATCH_DATABASE_URL"] = db_url
    if jobs_in_process is not None:
        env["ORBITWATCH_JOBS_IN_PROCESS"] = "true" if jobs_in_process else "false"
    with _environment(env):
        settings = load_settings()
        ServiceDB(settings).close()  # migrate once, and fail here (not in each worker) if the database is away
        _run_uvicorn(settings, host, port, workers, log_level)


def _run_uvicorn(settings, host: str, port: int, workers: int, log_level: str) -> None:
    import uvicorn

    err_console.print(f"orbitwatch service on http://{host}:{port} ({workers} worker"
                      f"{'s' if workers > 1 else ''}, database {_masked(settings)}, "
                      f"jobs {'in-process' if settings.jobs_in_process else 'by orbitwatch worker'})",
                      markup=False, highlight=False)
    uvicorn.run("orbitwatch.service.app:app_from_env", factory=True, host=host, port=port, workers=workers,
                log_level=log_level, proxy_headers=False,
                # open event streams (GET /v1/stream) would otherwise hold a shutdown for their lifetime
                timeout_graceful_shutdown=10)


@contextmanager
def _environment(values: dict[str, str]):
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _masked(settings) -> str:
    from ..store import mask_url

    return mask_url(settings.resolved_database_url())


def worker_command(
    db_url: Optional[str] = typer.Option(None, "--db-url", help=DB_HELP, envvar="ORBITWATCH_DATABASE_URL"),
    once: bool = typer.Option(False, "--once", help="Run the queued jobs, then exit."),
    max_jobs: Optional[int] = typer.Option(None, "--max-jobs", help="Exit after this many jobs."),
) -> None:
    """Run a job worker: claims queued jobs from the database (any number of workers, any machine)."""
    import logging
    import signal
    import threading

    from ..requests import check_int
    from ..service.db import ServiceDB
    from ..service.settings import load_settings
    from ..service.worker import Worker

    if max_jobs is not None:
        check_int("max_jobs", max_jobs, 1)
    settings = load_settings(**({"database_url": db_url} if db_url else {}))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    db = ServiceDB(settings)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        w = Worker(db, settings)
        err_console.print(f"worker {w.name} on {_masked(settings)}", markup=False, highlight=False)
        from ..service.worker import run_with_dispatcher

        n = run_with_dispatcher(w, stop, max_jobs=max_jobs, once=once)
        err_console.print(f"worker {w.name}: {n} job(s) run", markup=False, highlight=False)
    finally:
        db.close()


def register(main_app: typer.Typer) -> None:
    """Add ``orbitwatch serve`` and ``orbitwatch worker`` to the main command (once)."""
    names = {c.name for c in main_app.registered_commands}
    if "serve" not in names:
        main_app.command("serve")(serve_command)
    if "worker" not in names:
        main_app.command("worker")(worker_command)
