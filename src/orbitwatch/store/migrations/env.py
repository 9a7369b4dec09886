"""Alembic environment for orbitwatch.

orbitwatch runs migrations programmatically (:func:`orbitwatch.store.engine.migrate`), handing
its open connection in ``config.attributes["connection"]``; the migrations then run inside
the caller's transaction. Run from the ``alembic`` command line (developers, with
``src/orbitwatch/store/alembic.ini``) the URL comes from the orbitwatch settings.
"""

from __future__ import annotations

from alembic import context

from orbitwatch.store.schema import metadata

config = context.config


def _configure_and_run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        compare_type=True,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(connection)
        return
    from orbitwatch.config import get_settings
    from orbitwatch.store.engine import make_engine

    engine = make_engine(config.get_main_option("sqlalchemy.url") or get_settings().database_url)
    try:
        with engine.begin() as conn:
            _configure_and_run(conn)
    finally:
        engine.dispose()


def run_migrations_offline() -> None:
    from orbitwatch.config import get_settings

    context.configure(url=config.get_main_option("sqlalchemy.url") or get_settings().database_url,
                      target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
