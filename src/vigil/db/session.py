"""Engines and sessions, built from Settings by whoever starts the process (CLI, web app, tests)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from vigil.config import Settings

#: Milliseconds a writer waits for another's lock before failing (SQLite's busy timeout, PostgreSQL's
#: ``lock_timeout``); imports can hold a lock a while. The API answers such a failure 503, not 500.
LOCK_TIMEOUT_MS = 30_000


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
        cursor.execute(f"PRAGMA busy_timeout={LOCK_TIMEOUT_MS}")
    finally:
        cursor.close()


def _sqlite_lock_for_update(
    conn: Connection, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool
) -> None:
    """Give ``SELECT ... FOR UPDATE`` its meaning on SQLite, which has no row locks and drops the clause.

    pysqlite begins a transaction at its first write, so a row read "for update" before any write is
    a snapshot another process may change before this one writes (two appenders took the same journal
    sequence number so). Such a read opens the transaction with ``BEGIN IMMEDIATE`` instead: it waits
    (busy timeout) for SQLite's single write lock, then reads the latest data, and holds the lock until
    the transaction ends. Once a transaction has written, it holds the lock already.
    """
    compiled = getattr(context, "compiled", None)
    if compiled is None or getattr(compiled.statement, "_for_update_arg", None) is None:
        return
    dbapi_connection = conn.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


def engine_for_url(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite files get their folder created and the pragmas Vigil relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # pysqlite's transaction handling is kept: a transaction begins at its first write, which waits
        # for the write lock (busy timeout). An explicit deferred BEGIN would make a read-then-write
        # transaction fail at once whenever another process wrote in between; BEGIN IMMEDIATE for every
        # transaction would queue readers behind imports. Reads FOR UPDATE take the lock at once.
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "before_cursor_execute", _sqlite_lock_for_update)
        return engine
    if parsed.get_backend_name() == "postgresql" and "options" not in parsed.query:
        # Bounded like SQLite's busy wait, instead of queueing forever behind a stuck transaction.
        options = {"options": f"-c lock_timeout={LOCK_TIMEOUT_MS}"}
        kwargs["connect_args"] = options | kwargs.get("connect_args", {})
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
