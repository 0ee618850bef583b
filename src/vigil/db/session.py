"""Engines and sessions, built from Settings by whoever starts the process (CLI, web app, tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from vigil.config import Settings

#: Seconds a SQLite writer waits for another writer before failing; imports can hold the lock a while.
SQLITE_BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # SQLite ignores foreign keys unless asked, per connection.
        cursor.execute("PRAGMA foreign_keys=ON")
        # WAL lets readers (web, CLI) go on while an import writes.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # 64 MB of page cache instead of 2 MB: imports probe three hash indexes at random per record.
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def engine_for_url(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files get their folder created and the pragmas Vigil relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_engine(settings: Settings, **kwargs: Any) -> Engine:
    return engine_for_url(settings.sqlalchemy_url, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    # Objects stay readable after commit: services return them to the CLI for printing.
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: committed when the block ends normally, rolled back on any exception."""
    with factory() as session, session.begin():
        yield session
