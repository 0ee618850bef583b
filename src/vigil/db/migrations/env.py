"""Alembic environment. The URL comes from the caller (``vigil db upgrade``) or else from Settings."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, pool

from vigil.config import Settings
from vigil.db.base import load_models
from vigil.db.session import engine_for_url


def _url() -> str:
    url = context.config.attributes.get("url") or context.config.get_main_option("sqlalchemy.url")
    return str(url) if url else Settings().sqlalchemy_url


def _migrate(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds SQLite tables (copy, drop, rename); foreign keys must be off meanwhile,
        # and SQLite only honours the pragma outside a transaction.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    context.configure(
        connection=connection,
        target_metadata=load_models(),
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")


def run_offline() -> None:
    context.configure(url=_url(), target_metadata=load_models(), render_as_batch=True, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _migrate(connection)
        return
    engine = engine_for_url(_url(), poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            _migrate(conn)
            conn.commit()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
