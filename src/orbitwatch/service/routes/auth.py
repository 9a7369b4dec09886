"""Sign-in with a password (session cookie + CSRF token), sign-out, and who am I."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from ..auth import Context, login, logout
from ..deps import CSRF_COOKIE, SESSION_COOKIE, client_address, context, get_db
from ..schemas import LoginRequest, LoginResponse, Me

router = APIRouter(prefix="/v1", tags=["auth"])


@router.post("/auth/login", response_model=LoginResponse)
def sign_in(body: LoginRequest, request: Request, response: Response):
    """Check the password; set the session cookie (HttpOnly, SameSite=Strict) and the CSRF cookie.

    State-changing requests on this session must send the CSRF token in ``X-CSRF-Token``.
    """
    from .. import audit
    from ..errors import Unauthenticated

    db = get_db(request)
    s = request.app.state.settings
    rid, client = request.state.request_id, client_address(request)
    try:
        with db.tx() as conn:
            token, csrf, p = login(conn, body.agency, body.username, body.password, pepper=s.key_pepper,
                                   ttl_s=s.session_ttl_s)
            audit.record(conn, actor=p.actor, user_id=p.user_id, agency_id=p.agency_id, action="auth.login",
                         outcome="ok", object=f"session:{p.session_id}", request_id=rid, client=client)
    except Unauthenticated:
        with db.tx() as conn:
            audit.record(conn, actor="anonymous", action="auth.login", outcome="denied", request_id=rid,
                         client=client, detail={"agency": body.agency, "username": body.username})
        raise
    ttl = int(s.session_ttl_s)
    response.set_cookie(SESSION_COOKIE, token, max_age=ttl, httponly=True, samesite="strict", secure=s.cookie_secure,
                        path="/")
    response.set_cookie(CSRF_COOKIE, csrf, max_age=ttl, httponly=False, samesite="strict", secure=s.cookie_secure,
                        path="/")
    return {"user": p.to_dict(), "csrf_token": csrf, "expires_in_s": s.session_ttl_s}


@router.post("/auth/logout", status_code=204, response_class=Response)
def sign_out(request: Request, ctx: Context = Depends(context)):
    """End the cookie session (needs the CSRF token like every state-changing request)."""
    db = get_db(request)
    with db.tx() as conn:
        if ctx.principal.session_id is not None:
            logout(conn, ctx.principal.session_id)
        ctx.audit(conn, "auth.logout", object=f"session:{ctx.principal.session_id}")
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    return response


@router.get("/me", response_model=Me)
def me(ctx: Context = Depends(context)):
    """The caller: user, agency, role and how it signed in."""
    return ctx.principal.to_dict()
