"""The service's own table from orbitwatch error classes to HTTP statuses, and its handlers.

The classes live with the library (:mod:`orbitwatch.errors`); this table is the service's, as
the CLI owns its exit codes. Every error response has the body ``{"error": exc.to_dict()}``
plus the request id, so a client reads the same structured fields (field, source, line,
reason, ...) the CLI prints.

=========================  ======
class                      status
=========================  ======
``Unauthenticated``        401 (no or bad credentials; service-only)
``Forbidden``              403 (role too low; service-only)
``ResourceLimitError``     413
``InvalidRequestError``    422
``DataError``              422
``NotFoundError``          404
``ConflictError``          409
``CancelledError``         409
``UnavailableError``       503
``RateLimited``            429 (service-only)
``OrbitwatchError``        500
=========================  ======
"""

from __future__ import annotations

import logging

from ..errors import (CancelledError, ConflictError, DataError, InvalidRequestError, NotFoundError, OrbitwatchError,
                      ResourceLimitError, UnavailableError)

from .ratelimit import RateLimited

log = logging.getLogger("orbitwatch.service")


class Unauthenticated(OrbitwatchError):
    """No credentials, or credentials that are wrong, expired or revoked (401)."""

    _fields = ("reason",)

    def __init__(self, reason: str = "sign in or send an API key (Authorization: Bearer ow_...)"):
        self.reason = reason
        super().__init__(reason)


class Forbidden(OrbitwatchError):
    """Authenticated, but the role does not allow this action (403)."""

    _fields = ("needed_role", "role")

    def __init__(self, needed_role: str, role: str, what: str = "this action"):
        self.needed_role, self.role = needed_role, role
        super().__init__(f"{what} needs the {needed_role} role or higher; this credential has {role}")


class CsrfError(Forbidden):
    """A state-changing request on a cookie session without the matching CSRF token (403)."""

    _fields = ("reason",)

    def __init__(self, reason: str):
        self.reason = reason
        OrbitwatchError.__init__(self, f"CSRF check failed: {reason}")


#: (class, HTTP status), first match wins: specific classes before their bases
HTTP_STATUS: list[tuple[type[BaseException], int]] = [
    (Unauthenticated, 401),
    (RateLimited, 429),
    (Forbidden, 403),
    (ResourceLimitError, 413),
    (InvalidRequestError, 422),
    (DataError, 422),
    (NotFoundError, 404),
    (ConflictError, 409),
    (CancelledError, 409),
    (UnavailableError, 503),
    (OrbitwatchError, 500),
]


def status_for(exc: BaseException) -> int:
    for cls, status in HTTP_STATUS:
        if isinstance(exc, cls):
            return status
    return 500


def not_found(what: str, ident) -> NotFoundError:
    """The one message for a missing object and for one the caller may not see (no existence leak)."""
    return NotFoundError(f"{what} {ident} not found")


def error_body(exc: BaseException, request_id: str | None = None) -> dict:
    if isinstance(exc, OrbitwatchError):
        err = exc.to_dict()
    else:
        err = {"type": "InternalError", "message": "internal error; the request id names it in the server log"}
    if request_id:
        err["request_id"] = request_id
    return {"error": err}


def install_handlers(app) -> None:
    """Register the handlers on a FastAPI app: library errors, validation errors, HTTP errors, the rest."""
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse
    from starlette.exceptions import HTTPException

    def rid(request) -> str | None:
        return getattr(request.state, "request_id", None)

    async def on_orbitwatch(request, exc: OrbitwatchError):
        status = status_for(exc)
        if status == 500:
            log.error("internal error on %s %s (request %s): %r", request.method, request.url.path, rid(request), exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(exc.retry_after_s)}
        return JSONResponse(error_body(exc, rid(request)), status_code=status, headers=headers)

    async def on_validation(request, exc: RequestValidationError):
        errors = exc.errors()
        first = errors[0] if errors else {}
        loc = [str(x) for x in first.get("loc", ()) if x not in ("body", "query", "path", "header", "form")]
        field = ".".join(loc) or "request"
        err = {"type": "InvalidRequestError", "message": f"{field}: {first.get('msg', 'invalid')}",
               "field": field, "reason": str(first.get("msg", "invalid")),
               "errors": [{"field": ".".join(str(x) for x in e.get("loc", ())), "reason": str(e.get("msg"))}
                          for e in errors[:20]]}
        if "input" in first and isinstance(first["input"], (int, float, str, bool)):
            err["value"] = first["input"]
        if rid(request):
            err["request_id"] = rid(request)
        return JSONResponse({"error": err}, status_code=422)

    async def on_http(request, exc: HTTPException):
        err = {"type": "HTTPError", "message": str(exc.detail), "status": exc.status_code}
        if rid(request):
            err["request_id"] = rid(request)
        return JSONResponse({"error": err}, status_code=exc.status_code, headers=getattr(exc, "headers", None))

    async def on_other(request, exc: Exception):
        log.exception("unhandled error on %s %s (request %s)", request.method, request.url.path, rid(request))
        return JSONResponse(error_body(exc, rid(request)), status_code=500)

    app.add_exception_handler(OrbitwatchError, on_orbitwatch)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(Exception, on_other)
