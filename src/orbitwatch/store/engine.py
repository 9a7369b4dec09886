"""Engines and migrations: URL resolution, SQLite settings, Alembic upgrade to head.

Nothing here is global: every function takes the URL or the engine it works on.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from ..config import Settings, get_settings
from ..errors import InvalidRequestError, NotFoundError, StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SUPPORTED_BACKENDS = ("sqlite", "postgresql")
#: seconds a SQLite connection waits for another writer's lock before giving up
SQLITE_BUSY_TIMEOUT_S = 60.0
#: execution option naming the SQLite BEGIN mode ("DEFERRED", "IMMEDIATE") of a connection
SQLITE_BEGIN_OPTION = "orbitwatch_sqlite_begin"


def resolve_url(url: str | URL | None = None, settings: Settings | None = None) -> URL:
    """The database URL to use: ``url``, else ``ORBITWATCH_DATABASE_URL``, else the SQLite file
    ``$ORBITWATCH_HOME/orbitwatch.db``.

    ``postgresql://`` and ``postgres://`` URLs are given the psycopg 3 driver
    (``postgresql+psycopg://``). Raises :class:`StoreError` for an unparseable URL or a
    backend other than SQLite and PostgreSQL.
    A bad URL is the caller's mistake: :class:`~orbitwatch.errors.InvalidRequestError` on
    field ``db_url``, quoting what was typed (password masked); a file path is named as such.
    """
    if url is None:
        url = (settings or get_settings()).database_url
    if isinstance(url, str) and "://" not in url:
        hint = ""
        if url.strip() and ("/" in url or url.endswith((".db", ".sqlite", ".sqlite3"))):
            hint = f"; for a SQLite file write sqlite:///{Path(url).expanduser().absolute()}"
        raise InvalidRequestError("db_url", f"{url!r} is not a database URL (it has no scheme://){hint}", url)
    try:
        u = make_url(url) if isinstance(url, str) else url
    except ArgumentError as exc:
        raise InvalidRequestError("db_url", f"not a database URL: {mask_url(str(url))!r} ({exc})",
                                  mask_url(str(url))) from None
    backend = u.get_backend_name()
    if backend == "postgres":
        u = u.set(drivername="postgresql+psycopg")
    elif backend == "postgresql" and u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")
    if u.get_backend_name() not in SUPPORTED_BACKENDS:
        raise InvalidRequestError("db_url", f"unsupported database backend {u.get_backend_name()!r} in "
                         f"{u.render_as_string(hide_password=True)}; use sqlite:///PATH or "
                         f"postgresql+psycopg://USER@HOST:PORT/DB", u.render_as_string(hide_password=True))
    return u


def mask_url(url: str | URL) -> str:
    """The URL with its password replaced by ``***`` (safe to print and log)."""
    try:
        u = make_url(url) if isinstance(url, str) else url
    except ArgumentError:
        return "<unparseable URL>"
    return u.render_as_string(hide_password=True)


def sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL (None for an in-memory database)."""
    db = url.database
    if not db or db == ":memory:" or db.startswith("file::memory:") or url.query.get("mode") == "memory":
        return None
    return Path(db)


def make_engine(url: str | URL | None = None, *, settings: Settings | None = None, must_exist: bool = False,
                **engine_kw) -> Engine:
    """A SQLAlchemy engine for ``url`` (see :func:`resolve_url`), configured for orbitwatch.

    SQLite: the default database's folder (``$ORBITWATCH_HOME``) is created when needed;
    the folder of a file named in an explicit URL must exist already (a typo does not
    create a tree of folders). With ``must_exist`` (reading commands) a missing SQLite file
    is a :class:`~orbitwatch.errors.NotFoundError` naming the file and what chose it,
    and nothing is created. Every connection gets foreign keys on,
    write-ahead logging (readers never block the importer), a busy timeout and explicit
    transaction control (see :func:`configure_sqlite`).
    """
    settings = settings or get_settings()
    explicit = url is not None or not settings.uses_default_sqlite
    u = resolve_url(url, settings)
    if u.get_backend_name() == "sqlite":
        path = sqlite_file(u)
        if path is not None:
            path = path.expanduser()
            chosen = (f"from {mask_url(u)}" if url is not None else
                      "from $ORBITWATCH_DATABASE_URL" if explicit else f"in $ORBITWATCH_HOME ({settings.home})")
            if must_exist and not path.exists():
                raise NotFoundError(f"no database at {path} ({chosen}); import element sets first with "
                                    "'orbitwatch catalog import FILE', or check the path")
            if explicit and not path.parent.is_dir():
                raise InvalidRequestError("db_url", f"the folder of the SQLite database {path} does not exist "
                                                    f"({chosen})", mask_url(u))
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the folder of the SQLite database {path}: "
                                 f"{exc.strerror or exc}") from None
        engine_kw.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_TIMEOUT_S)
    try:
        engine = create_engine(u, **engine_kw)
    except (NoSuchModuleError, ImportError) as exc:
        raise StoreError(f"no database driver for {mask_url(u)}: {exc}") from None
    if engine.dialect.name == "sqlite":
        configure_sqlite(engine)
    return engine


def configure_sqlite(engine: Engine) -> None:
    """Install orbitwatch's SQLite connection settings on ``engine`` (idempotent).

    pysqlite's own transaction handling does not put DDL (the import's staging table)
    inside the transaction, so it is switched off and ``BEGIN`` is emitted by us: the
    SQLAlchemy-documented recipe. A connection with the execution option
    ``orbitwatch_sqlite_begin="IMMEDIATE"`` takes the write lock at ``BEGIN`` (imports do),
    so two writers queue on the busy timeout instead of failing at lock upgrade.
    Only connections opened after this call are affected.
    """
    if event.contains(engine, "connect", _sqlite_on_connect):
        return
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)


def _sqlite_on_connect(dbapi_connection, connection_record) -> None:
    dbapi_connection.isolation_level = None
    cur = dbapi_connection.cursor()
    try:
        cur.execute("PRAGMA foreign_keys = ON")
        mode = cur.execute("PRAGMA journal_mode").fetchone()[0]
        if mode not in ("memory", "wal"):
            cur.execute("PRAGMA journal_mode = WAL")
    finally:
        cur.close()


def _sqlite_on_begin(conn) -> None:
    mode = conn.get_execution_options().get(SQLITE_BEGIN_OPTION, "DEFERRED")
    if mode not in ("DEFERRED", "IMMEDIATE", "EXCLUSIVE"):
        raise ValueError(f"bad {SQLITE_BEGIN_OPTION} {mode!r}")
    conn.exec_driver_sql(f"BEGIN {mode}")


# ------------------------------------------------------------------------------------- migrations
def _alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR).replace("%", "%%"))
    return cfg


def head_revision() -> str:
    """The newest migration this version of orbitwatch ships."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine) -> str:
    """Upgrade the database to the newest migration, in one transaction; returns the revision.

    Concurrent callers are serialised (SQLite: the write lock; PostgreSQL: an advisory lock
    per schema), so two processes opening a fresh database do not race. A database
    migrated by a newer orbitwatch raises :class:`StoreError` rather than being touched.
    """
    from alembic import command
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    cfg = _alembic_config()
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    try:
        current = current_revision(engine)
    except DBAPIError as exc:
        raise StoreError(f"cannot open the database {mask_url(engine.url)}: {_short(exc)}") from exc
    try:
        if current == head:
            return head
        if current is not None:
            try:
                script.get_revision(current)
            except CommandError:
                raise StoreError(
                    f"the database {mask_url(engine.url)} is at schema revision {current!r}, which this "
                    f"orbitwatch does not know (its newest is {head!r}): it was written by a newer "
                    f"orbitwatch; upgrade orbitwatch") from None
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                conn.execution_options(**{SQLITE_BEGIN_OPTION: "IMMEDIATE"})
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('orbitwatch-migrate:' "
                                      "|| current_schema()))"))
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
    except DBAPIError as exc:
        raise StoreError(f"cannot migrate the database {mask_url(engine.url)}: {_short(exc)}") from exc
    return head


def _short(exc: BaseException) -> str:
    """The first line of a DBAPI error's message, without SQLAlchemy's boilerplate."""
    orig = getattr(exc, "orig", None) or exc
    msg = str(orig).strip().splitlines()
    return msg[0] if msg else type(orig).__name__
