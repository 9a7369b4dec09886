"""``orbitwatch admin``: set up a service deployment from a shell (agencies, users, API keys,
sharing agreements) and check or export the audit log. Every change is audited as ``cli:<user>``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from .common import check_output_file, console, err_console, print_json, print_note, print_table

DB_HELP = "Database URL (default: $ORBITWATCH_DATABASE_URL, else the SQLite file in $ORBITWATCH_HOME)."
app = typer.Typer(help="Set up the service: agencies, users, API keys, sharing agreements, audit log.",
                  no_args_is_help=True)
agency_app = typer.Typer(help="Agencies sharing the service.", no_args_is_help=True)
user_app = typer.Typer(help="Users of an agency, with a role.", no_args_is_help=True)
key_app = typer.Typer(help="API keys (printed once at creation, stored hashed).", no_args_is_help=True)
share_app = typer.Typer(help="Sharing agreements between agencies.", no_args_is_help=True)
audit_app = typer.Typer(help="The audit log: verify its hash chain, export it.", no_args_is_help=True)
app.add_typer(agency_app, name="agency")
app.add_typer(user_app, name="user")
app.add_typer(key_app, name="key")
app.add_typer(share_app, name="share")
app.add_typer(audit_app, name="audit")
ingest_app = typer.Typer(help="Catalog ingest: scheduled CelesTrak / Space-Track pulls, the drop folder.",
                         no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")

DbOpt = typer.Option(None, "--db-url", help=DB_HELP, envvar="ORBITWATCH_DATABASE_URL")
JsonOpt = typer.Option(False, "--json", help="The result as JSON on stdout.")


def _db(db_url: Optional[str]):
    from ..service.db import ServiceDB
    from ..service.settings import load_settings

    return ServiceDB(load_settings(**({"database_url": db_url} if db_url else {})))


def _run(db_url: Optional[str], fn):
    from ..service.auth import cli_context

    db = _db(db_url)
    try:
        with db.tx() as conn:
            return fn(conn, cli_context())
    finally:
        db.close()


def _rows(items: list[dict], cols: list[str], title: str, as_json: bool) -> None:
    if as_json:
        print_json(items)
        return
    if not items:
        print_note(f"no {title}")
        return
    print_table(None, cols, [["" if it.get(c) is None else str(it.get(c)) for c in cols] for it in items])


# ------------------------------------------------------------------------------------ agencies
@agency_app.command("create")
def agency_create(name: str = typer.Argument(..., help="Short unique name, e.g. CSA."),
                  title: str = typer.Option("", "--title", help="Full name."),
                  db_url: Optional[str] = DbOpt, as_json: bool = JsonOpt):
    """Create an agency."""
    from ..service import accounts

    a = _run(db_url, lambda conn, ctx: accounts.create_agency(conn, ctx, name, title))
    if as_json:
        print_json(a)
    else:
        console.print(f"agency {a['id']}: {a['name']}", markup=False, highlight=False)


@agency_app.command("list")
def agency_list(db_url: Optional[str] = DbOpt, as_json: bool = JsonOpt):
    """List the agencies."""
    from ..service import accounts

    _rows(_run(db_url, lambda conn, ctx: accounts.list_agencies(conn)), ["id", "name", "title", "created_at"],
          "agencies", as_json)


# ------------------------------------------------------------------------------------ users
def _read_password(stdin: bool, prompt: bool) -> Optional[str]:
    if stdin and prompt:
        from ..errors import InvalidRequestError

        raise InvalidRequestError("password_stdin", "give --password-stdin or --prompt-password, not both")
    if stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if prompt:
        return typer.prompt("password", hide_input=True, confirmation_prompt=True, err=True)
    return None


@user_app.command("create")
def user_create(username: str = typer.Argument(..., help="User name (unique in its agency)."),
                agency: str = typer.Option(..., "--agency", help="The user's agency."),
                role: str = typer.Option(..., "--role", help="viewer, analyst, coordinator or admin."),
                password_stdin: bool = typer.Option(False, "--password-stdin",
                                                    help="Read a sign-in password from the first line of stdin."),
                prompt_password: bool = typer.Option(False, "--prompt-password", help="Ask for a sign-in password."),
                db_url: Optional[str] = DbOpt, as_json: bool = JsonOpt):
    """Create a user (without a password the user signs in with API keys only)."""
    from ..requests import check_choice
    from ..service import accounts
    from ..store.service_schema import ROLES

    check_choice("role", role, ROLES)
    password = _read_password(password_stdin, prompt_password)
    u = _run(db_url, lambda conn, ctx: accounts.create_user(conn, ctx, agency, username, role, password))
    if as_json:
        print_json(u)
    else:
        console.print(f"user {u['id']}: {u['username']} of {u['agency']} ({u['role']})", markup=False,
                      highlight=False)


@user_app.command("list")
def user_list(agency: Optional[str] = typer.Option(None, "--agency"), db_url: Optional[str] = DbOpt,
              as_json: bool = JsonOpt):
    """List users (of one agency)."""
    from ..service import accounts

    _rows(_run(db_url, lambda conn, ctx: accounts.list_users(conn, agency)),
          ["id", "agency", "username", "role", "active"], "users", as_json)


# ------------------------------------------------------------------------------------ keys
@key_app.command("create")
def key_create(agency: str = typer.Option(..., "--agency"), user: str = typer.Option(..., "--user"),
               role: Optional[str] = typer.Option(None, "--role", help="At most the user's role (default: it)."),
               days: Optional[float] = typer.Option(None, "--days", help="Lifetime in days (default: "
                                                                         "ORBITWATCH_API_KEY_DAYS, 365)."),
               no_expiry: bool = typer.Option(False, "--no-expiry", help="A key that never expires."),
               label: str = typer.Option("", "--label"), db_url: Optional[str] = DbOpt, as_json: bool = JsonOpt):
    """Create an API key and print it ONCE (only its hash is stored)."""
    from ..errors import InvalidRequestError
    from ..requests import check_positive
    from ..service import accounts
    from ..service.settings import load_settings

    if no_expiry and days is not None:
        raise InvalidRequestError("days", "give --days or --no-expiry, not both", days)
    settings = load_settings(**({"database_url": db_url} if db_url else {}))
    lifetime = None if no_expiry else check_positive("days", days if days is not None else settings.api_key_days)
    rec, key = _run(db_url, lambda conn, ctx: accounts.create_key(conn, ctx, agency, user, role=role, days=lifetime,
                                                                  label=label, pepper=settings.key_pepper))
    if as_json:
        print_json({**rec, "key": key})
        return
    sys.stdout.write(key + "\n")
    err_console.print(f"key {rec['key_id']} for {rec['username']} of {rec['agency']} ({rec['role']}), expires "
                      f"{rec['expires_at'] or 'never'}; it is shown only now", markup=False, highlight=False)


@key_app.command("revoke")
def key_revoke(key_id: str = typer.Argument(..., help="The key's id (or the whole key)."),
               db_url: Optional[str] = DbOpt, as_json: bool = JsonOpt):
    """Revoke an API key (at once, for every server)."""
    from ..service import accounts

    r = _run(db_url, lambda conn, ctx: accounts.revoke_key(conn, ctx, key_id))
    if as_json:
        print_json(r)
    else:
        err_console.print(f"key {r['key_id']} revoked at {r['revoked_at']}", markup=False, highlight=False)


@key_app.command("list")
def key_list(agency: Optional[str] = typer.Option(None, "--agency"), db_url: Optional[str] = DbOpt,
             as_json: bool = JsonOpt):
    """List API keys (ids and states, never the secrets)."""
    from ..service import accounts

    _rows(_run(db_url, lambda conn, ctx: accounts.list_keys(conn, agency)),
          ["key_id", "agency", "username", "role", "state", "expires_at", "label"], "keys", as_json)


# ------------------------------------------------------------------------------------ sharing
@share_app.command("grant")
def share_grant(grantor: str = typer.Option(..., "--from", help="The agency that shares."),
                grantee: str = typer.Option(..., "--to", help="The agency it shares with."),
                what: str = typer.Option(..., "--what", help="fleet, ephemerides, events, products or "
                                                             "collection:<id>."),
                until: Optional[str] = typer.Option(None, "--until", help="UTC end (default: until revoked)."),
                db_url: Optional[str] = DbOpt, as_json: bool = JsonOpt):
    """Record a sharing agreement."""
    from ..service import accounts

    s = _run(db_url, lambda conn, ctx: accounts.grant_share(conn, ctx, grantor, grantee, what, until))
    if as_json:
        print_json(s)
    else:
        console.print(f"agreement {s['id']}: {s['grantor']} shares {s['what']} with {s['grantee']} until "
                      f"{s['until'] or 'revoked'}", markup=False, highlight=False)


@share_app.command("revoke")
def share_revoke(share_id: int = typer.Argument(..., min=1, help="The agreement's id."),
                 db_url: Optional[str] = DbOpt, as_json: bool = JsonOpt):
    """End a sharing agreement now."""
    from ..service import accounts

    r = _run(db_url, lambda conn, ctx: accounts.revoke_share(conn, ctx, share_id))
    if as_json:
        print_json(r)
    else:
        err_console.print(f"agreement {r['id']} revoked at {r['revoked_at']}", markup=False, highlight=False)


@share_app.command("list")
def share_list(agency: Optional[str] = typer.Option(None, "--agency", help="Agreements it grants or receives."),
               db_url: Optional[str] = DbOpt, as_json: bool = JsonOpt):
    """List sharing agreements."""
    from ..service import accounts

    _rows(_run(db_url, lambda conn, ctx: accounts.list_shares(conn, agency)),
          ["id", "grantor", "grantee", "what", "until", "state"], "agreements", as_json)


# ------------------------------------------------------------------------------------ audit
@audit_app.command("verify")
def audit_verify(db_url: Optional[str] = DbOpt, as_json: bool = JsonOpt):
    """Check the audit log's hash chain; exit 1 and name the first broken record when it is not intact."""
    from ..service import audit

    db = _db(db_url)
    try:
        with db.read() as conn:
            rep = audit.verify(conn)
    finally:
        db.close()
    if as_json:
        print_json(rep.to_dict())
    if rep.ok:
        if not as_json:
            err_console.print(f"audit log intact: {rep.n_records} records", markup=False, highlight=False)
        return
    from .common import print_error

    print_error(f"audit log broken at record {rep.first_bad_id}: {rep.reason} "
                f"({rep.n_records} records before it are intact)")
    raise typer.Exit(1)


@audit_app.command("export")
def audit_export(output: Optional[Path] = typer.Option(None, "-o", "--output", help="File (default: stdout)."),
                 fmt: str = typer.Option("jsonl", "--format", "-f", help="jsonl or csv."),
                 agency: Optional[str] = typer.Option(None, "--agency", help="Only this agency's records."),
                 force: bool = typer.Option(False, "--force", help="Overwrite the output file."),
                 db_url: Optional[str] = DbOpt):
    """Write the audit log (all, or one agency's) as JSON lines or CSV."""
    import csv
    import io
    import json

    from ..requests import check_choice
    from ..service import accounts, audit

    fmt = check_choice("format", fmt, ("jsonl", "csv"))
    out = check_output_file(output, force=force)
    db = _db(db_url)
    try:
        with db.read() as conn:
            aid = accounts.agency_id(conn, agency) if agency else None
            recs = [audit.to_public(r) for r in audit.rows(conn, agency_id=aid)]
    finally:
        db.close()
    if fmt == "jsonl":
        text = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in recs)
    else:
        buf = io.StringIO()
        cols = list(recs[0]) if recs else ["id"]
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        for r in recs:
            w.writerow([json.dumps(r[c]) if c == "detail" else ("" if r[c] is None else r[c]) for c in cols])
        text = buf.getvalue()
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text)
        err_console.print(f"wrote {len(recs)} audit records to {out}", markup=False, highlight=False)


# ------------------------------------------------------------------------------------ ingest
@ingest_app.command("pull-add")
def ingest_pull_add(source: str = typer.Argument(..., help="celestrak or spacetrack."),
                    group: Optional[str] = typer.Option(None, "--group", help="CelesTrak GROUP, e.g. active, "
                                                                               "stations."),
                    query: Optional[str] = typer.Option(None, "--query", help="Space-Track gp predicates, e.g. "
                                                                               "'decay_date/null-val/epoch/>now-30'."),
                    fmt: str = typer.Option("json", "--format", help="json, csv, tle/3le, xml or kvn."),
                    every_hours: float = typer.Option(8.0, "--every-hours", help="Period of the pull."),
                    db_url: Optional[str] = DbOpt, as_json: bool = JsonOpt):
    """Pull the catalog from CelesTrak or Space-Track every N hours (run by the dispatcher).

    Examples: `orbitwatch admin ingest pull-add celestrak --group active --every-hours 8`;
    `orbitwatch admin ingest pull-add spacetrack --format json` (account in
    ORBITWATCH_SPACETRACK_IDENTITY / ORBITWATCH_SPACETRACK_PASSWORD).
    """
    from ..requests import check_choice, check_range
    from ..service import ingest, schedules

    check_choice("source", source, ("celestrak", "spacetrack"))
    check_range("every_hours", every_hours, 0.0, 24.0 * 31, lo_open=True)
    check_choice("format", fmt, ingest.CELESTRAK_FORMATS if source == "celestrak" else ingest.SPACETRACK_FORMATS)
    if source == "celestrak" and not group:
        from ..errors import InvalidRequestError

        raise InvalidRequestError("--group", "a CelesTrak pull needs a group (e.g. active)")
    params = {"format": fmt, **({"group": group} if group else {}), **({"query": query} if query else {})}

    def work(conn, ctx):
        sid = schedules.create(conn, agency_id=None, kind=source, params=params, every_hours=every_hours,
                               first_run_ns=None, created_by=ctx.principal.actor)
        ctx.audit(conn, "ingest.pull.add", "ok", f"schedule:{sid}", {"source": source, **params})
        return sid

    sid = _run(db_url, work)
    if as_json:
        print_json({"id": sid, "source": source, "params": params, "every_hours": every_hours})
    else:
        console.print(f"pull {sid}: {source} {params} every {every_hours:g} h", markup=False, highlight=False)


def _pulls(conn) -> list[dict]:
    from sqlalchemy import select

    from ..service import schedules
    from ..store.notify_schema import schedules as table

    rows = conn.execute(select(table).where(table.c.agency_id.is_(None)).order_by(table.c.id)).all()
    return [schedules.to_dict(r) for r in rows]


@ingest_app.command("pull-list")
def ingest_pull_list(db_url: Optional[str] = DbOpt, as_json: bool = JsonOpt):
    """List the catalog pulls with their next run and last result."""
    items = _run(db_url, lambda conn, ctx: _pulls(conn))
    for it in items:
        it["ok"] = it["last_result"].get("ok", "")
    _rows(items, ["id", "kind", "params", "every_hours", "next_run", "last_run", "ok"], "pulls", as_json)


@ingest_app.command("pull-remove")
def ingest_pull_remove(pull_id: int = typer.Argument(..., min=1), db_url: Optional[str] = DbOpt):
    """Stop a catalog pull."""
    from sqlalchemy import and_, delete

    from ..errors import NotFoundError
    from ..store.notify_schema import schedules as table

    def work(conn, ctx):
        n = conn.execute(delete(table).where(and_(table.c.id == pull_id, table.c.agency_id.is_(None)))).rowcount
        if n != 1:
            raise NotFoundError(f"no catalog pull {pull_id}")
        ctx.audit(conn, "ingest.pull.remove", "ok", f"schedule:{pull_id}")

    _run(db_url, work)
    err_console.print(f"pull {pull_id} removed", markup=False, highlight=False)


@ingest_app.command("pull-run")
def ingest_pull_run(pull_id: int = typer.Argument(..., min=1), db_url: Optional[str] = DbOpt,
                    as_json: bool = JsonOpt):
    """Run a catalog pull now (its schedule is unchanged); exit 1 when it fails."""
    from ..errors import NotFoundError
    from ..service import ingest
    from ..service.auth import cli_context

    db = _db(db_url)
    try:
        with db.read() as conn:
            pull = next((p for p in _pulls(conn) if p["id"] == pull_id), None)
        if pull is None:
            raise NotFoundError(f"no catalog pull {pull_id}")
        r = ingest.run_pull(db, db.settings, pull_id, pull["kind"], pull["params"],
                            actor=cli_context().principal.actor)
    finally:
        db.close()
    if as_json:
        print_json(r)
    elif r["ok"]:
        console.print(f"pull {pull_id}: {r['inserted']} new element sets of {r['n_records']} "
                      f"({r['objects_new']} new objects)", markup=False, highlight=False)
    else:
        err_console.print(f"pull {pull_id} failed: {r['error'].get('message')}", markup=False, highlight=False)
    if not r["ok"]:
        raise typer.Exit(1)


@ingest_app.command("drop-scan")
def ingest_drop_scan(folder: Optional[Path] = typer.Option(None, "--dir", help="Folder (default: "
                                                                                "$ORBITWATCH_DROP_DIR)."),
                     db_url: Optional[str] = DbOpt, as_json: bool = JsonOpt):
    """Import the files in the drop folder now (the dispatcher also does this every few seconds)."""
    from ..errors import InvalidRequestError
    from ..service import ingest

    db = _db(db_url)
    try:
        where = folder or db.settings.drop_dir
        if where is None:
            raise InvalidRequestError("--dir", "give a folder or set ORBITWATCH_DROP_DIR")
        out = ingest.scan_drop_dir(db, where, settle_s=0.0, max_bytes=db.settings.max_upload_bytes)
    finally:
        db.close()
    if as_json:
        print_json(out)
    else:
        for r in out:
            console.print(f"{r['file']}: {'imported' if r['ok'] else 'refused'} -> {r['moved_to']}",
                          markup=False, highlight=False)
    if any(not r["ok"] for r in out):
        raise typer.Exit(1)


def register(main_app: typer.Typer) -> None:
    """Add ``orbitwatch admin`` to the main command (once)."""
    if any(g.name == "admin" for g in main_app.registered_groups):
        return
    main_app.add_typer(app, name="admin")
