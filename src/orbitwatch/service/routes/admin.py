"""Sharing agreements of the caller's agency, and the audit log for admins.

An agency admin reads its agency's audit records (query with filters and paging, or export
as JSON lines / CSV) and checks the whole chain's integrity. Reading the audit log is itself
audited.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Literal, Optional

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from .. import accounts, audit
from ..auth import Context
from ..deps import audited, context, get_db
from ..schemas import AuditList, AuditVerify, Share, ShareIn, ShareList

router = APIRouter(prefix="/v1", tags=["admin"])


@router.get("/shares", response_model=ShareList)
def list_shares(request: Request, ctx: Context = Depends(context)):
    """Agreements the caller's agency grants or receives."""
    aid = ctx.principal.agency_id
    return {"shares": audited(get_db(request), ctx, "share.list", "shares",
                              lambda conn: accounts.list_shares(conn, agency_id_=aid))}


@router.post("/shares", status_code=201, response_model=Share)
def grant_share(body: ShareIn, request: Request, ctx: Context = Depends(context)):
    """Share ``what`` of the caller's agency with another agency (admin role)."""
    p = ctx.principal

    def work(conn):
        p.require("admin", "granting sharing agreements")
        return accounts.grant_share(conn, ctx, p.agency, body.grantee, body.what, body.until)

    return audited(get_db(request), ctx, "share.grant.request", f"agency:{body.grantee}", work)


@router.delete("/shares/{share_id}", response_model=dict)
def revoke_share(request: Request, share_id: int = Path(..., ge=1, le=2**62), ctx: Context = Depends(context)):
    """Revoke an agreement the caller's agency granted (admin role)."""
    p = ctx.principal

    def work(conn):
        p.require("admin", "revoking sharing agreements")
        return accounts.revoke_share(conn, ctx, share_id, grantor_id_only=p.agency_id)

    return audited(get_db(request), ctx, "share.revoke.request", f"share:{share_id}", work)


def _ns(field: str, value: Optional[str]) -> Optional[int]:
    if not value:
        return None
    return accounts.instant_ns(field, value)


@router.get("/admin/audit", response_model=AuditList)
def audit_query(request: Request, since: Optional[str] = None, until: Optional[str] = None,
                action: Optional[str] = Query(None, max_length=100),
                after_id: Optional[int] = Query(None, ge=0, le=2**62), limit: int = Query(100, ge=1, le=1000),
                ctx: Context = Depends(context)):
    """The agency's audit records, oldest first; page with ``after_id`` (admin role)."""
    p = ctx.principal

    def work(conn):
        p.require("admin", "reading the audit log")
        recs = [audit.to_public(r) for r in audit.rows(conn, agency_id=p.agency_id, since_ns=_ns("since", since),
                                                       until_ns=_ns("until", until), action=action,
                                                       after_id=after_id, limit=limit)]
        return recs

    recs = audited(get_db(request), ctx, "audit.read", "audit", work, detail=lambda r: {"n": len(r)})
    return {"records": recs, "next_after_id": recs[-1]["id"] if len(recs) == limit else None}


@router.get("/admin/audit/export", response_class=Response, responses={200: {"content": {
    "application/x-ndjson": {}, "text/csv": {}}}})
def audit_export(request: Request, format: Literal["jsonl", "csv"] = "jsonl", since: Optional[str] = None,
                 until: Optional[str] = None, ctx: Context = Depends(context)):
    """All of the agency's audit records in one file: JSON lines or CSV (admin role)."""
    p = ctx.principal

    def work(conn):
        p.require("admin", "exporting the audit log")
        return [audit.to_public(r) for r in audit.rows(conn, agency_id=p.agency_id, since_ns=_ns("since", since),
                                                       until_ns=_ns("until", until))]

    recs = audited(get_db(request), ctx, "audit.export", "audit", work, detail=lambda r: {"n": len(r),
                                                                                          "format": format})
    if format == "jsonl":
        body = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in recs)
        return Response(body, media_type="application/x-ndjson",
                        headers={"Content-Disposition": 'attachment; filename="audit.jsonl"'})
    buf = io.StringIO()
    cols = ["id", "at", "request_id", "actor", "user_id", "agency_id", "action", "object", "outcome", "client",
            "detail", "prev_hash", "hash"]
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in recs:
        w.writerow([json.dumps(r[c]) if c == "detail" else ("" if r[c] is None else r[c]) for c in cols])
    return Response(buf.getvalue(), media_type="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit.csv"'})


@router.get("/admin/audit/verify", response_model=AuditVerify)
def audit_verify(request: Request, ctx: Context = Depends(context)):
    """Walk the whole hash chain; the first broken record, if any (admin role)."""
    p = ctx.principal

    def work(conn):
        p.require("admin", "verifying the audit log")
        return audit.verify(conn).to_dict()

    return audited(get_db(request), ctx, "audit.verify", "audit", work, detail=lambda r: {"ok": r["ok"]})
