"""The FastAPI application: :func:`create_app`.

>>> import tempfile
>>> from fastapi.testclient import TestClient
>>> from orbitwatch.service import ServiceSettings, create_app
>>> app = create_app(ServiceSettings(home=tempfile.mkdtemp(), database_url=None,
...                                   jobs_in_process=False))
>>> with TestClient(app) as client:
...     client.get("/healthz").json()["status"], client.get("/readyz").status_code
('ok', 200)
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextlib import asynccontextmanager

from .db import ServiceDB
from .settings import ServiceSettings, load_settings

log = logging.getLogger("orbitwatch.service")
REQUEST_ID_HEADER = "X-Request-ID"
#: the error statuses any API route may answer (body: ``{"error": {...}}``)
ERRORS = {401: "no valid credentials", 403: "role too low, or CSRF check failed", 404: "not found (or not visible)",
          409: "conflicts with what exists", 413: "too large", 422: "invalid request or input data",
          429: "rate limit reached (see Retry-After)", 503: "database unavailable"}
_RID_OK = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("orbitwatch")
    except Exception:  # noqa: BLE001 - running from a source tree
        return "0+unknown"


def create_app(settings: ServiceSettings | None = None, *, db: ServiceDB | None = None):
    """The service as an ASGI app. ``settings`` None: from the environment (``ORBITWATCH_*``).

    The database is opened (and migrated to head) here; with ``jobs_in_process`` a worker
    thread runs jobs while the app is up (its lifespan).
    """
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse, Response
    from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
    from prometheus_client.exposition import CONTENT_TYPE_LATEST

    from .errors import error_body, install_handlers
    from .routes import admin, auth, catalog, charter, czml, ephemerides, fleet, jobs, stac, tracks
    from .routes import notify as notify_routes
    from .schemas import ErrorResponse, Health, Readiness

    settings = settings or load_settings()
    db = db or ServiceDB(settings)

    @asynccontextmanager
    async def lifespan(app):
        runner = None
        if settings.jobs_in_process:
            from .worker import InProcessRunner

            runner = InProcessRunner(db, settings)
            runner.start()
        app.state.runner = runner
        try:
            yield
        finally:
            if runner is not None:
                runner.close()

    app = FastAPI(title="orbitwatch", version=_version(), lifespan=lifespan,
                  description="Space situational awareness shared by agencies: public catalog, private fleets, "
                              "screening jobs, events; every protected request audited.",
                  responses={status: {"model": ErrorResponse, "description": what} for status, what in ERRORS.items()})
    app.state.settings = settings
    app.state.db = db

    registry = CollectorRegistry()
    requests_total = Counter("orbitwatch_http_requests", "HTTP requests", ["method", "route", "status"],
                             registry=registry)
    latency = Histogram("orbitwatch_http_request_seconds", "HTTP request latency", ["method", "route"],
                        registry=registry, buckets=(.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30))
    app.state.metrics = registry
    from .ratelimit import RateLimited, TokenBuckets

    app.state.key_limits = TokenBuckets(settings.rate_limit_key_per_minute)
    address_limits = TokenBuckets(settings.rate_limit_address_per_minute)
    body_limit = settings.max_upload_bytes + 1024 * 1024  # the largest upload and its multipart framing

    @app.middleware("http")
    async def request_context(request: Request, call_next):
        rid = request.headers.get(REQUEST_ID_HEADER, "")
        if not _RID_OK.match(rid):
            rid = uuid.uuid4().hex
        request.state.request_id = rid
        t0 = time.perf_counter()
        response = None
        if request.url.path not in ("/healthz", "/readyz", "/metrics"):
            from .deps import client_address

            wait = address_limits.take(client_address(request))
            if wait:
                exc = RateLimited("address", settings.rate_limit_address_per_minute, wait)
                response = JSONResponse(error_body(exc, rid), status_code=429,
                                        headers={"Retry-After": str(exc.retry_after_s)})
        length = request.headers.get("content-length", "")
        if response is None and length.isdigit() and int(length) > body_limit:
            from ..errors import ResourceLimitError

            exc = ResourceLimitError("body", f"request body of {int(length):,} bytes is larger than the "
                                             f"{body_limit:,}-byte limit", needed=int(length), limit=body_limit)
            response = JSONResponse(error_body(exc, rid), status_code=413)
        if response is None:
            response = await call_next(request)
        route = request.scope.get("route")
        name = getattr(route, "path", "unmatched")
        requests_total.labels(request.method, name, str(response.status_code)).inc()
        latency.labels(request.method, name).observe(time.perf_counter() - t0)
        response.headers[REQUEST_ID_HEADER] = rid
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    install_handlers(app)

    @app.get("/healthz", response_model=Health, tags=["health"])
    def healthz():
        """The process is up (no database check)."""
        return {"status": "ok", "version": app.version}

    @app.get("/readyz", response_model=Readiness, tags=["health"],
             responses={503: {"model": Readiness}})
    def readyz():
        """The database answers and is migrated to this version's head revision."""
        state = db.readiness()
        return JSONResponse(state, status_code=200 if state["ready"] else 503)

    @app.get("/metrics", tags=["health"], response_class=Response,
             responses={200: {"content": {"text/plain": {}}}})
    def metrics():
        """Prometheus metrics of this process."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    for module in (auth, catalog, fleet, jobs, admin, ephemerides, tracks, notify_routes, charter, stac, czml):
        app.include_router(module.router)
    from .console import mount_console

    mount_console(app)  # last: its /console/{name} route must not shadow the API's
    return app


def app_from_env():
    """Factory for uvicorn (``uvicorn --factory orbitwatch.service.app:app_from_env``)."""
    return create_app(load_settings())
