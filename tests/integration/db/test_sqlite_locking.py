"""SQLite has no row locks: a read FOR UPDATE takes the database's write lock instead, until the
transaction ends; plain reads take none (readers never queue behind writers)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from vigil.db.session import engine_for_url, make_session_factory


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = engine_for_url(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1, 0)"))
    yield engine
    engine.dispose()


def _other_process_may_write(engine: Engine) -> bool:
    """Whether another connection gets the write lock right now (no waiting)."""
    path = engine.url.database
    assert path is not None
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "database is locked" in str(exc)
        return False
    finally:
        other.close()


def _row(session: Session, for_update: bool) -> int:
    query = select(text("n")).select_from(text("t")).where(text("id = 1"))
    return int(session.execute(query.with_for_update() if for_update else query).scalar_one())


def test_read_for_update_holds_the_write_lock_until_the_end(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions() as session, session.begin():
        _row(session, for_update=False)
        assert _other_process_may_write(engine)
        _row(session, for_update=True)
        assert not _other_process_may_write(engine)
        session.execute(text("UPDATE t SET n = n + 1"))
        _row(session, for_update=True)  # a transaction that holds the lock goes on as before
    assert _other_process_may_write(engine)
    with sessions() as session:
        assert _row(session, for_update=False) == 1


def test_read_for_update_sees_what_others_committed_before_it(engine: Engine) -> None:
    sessions = make_session_factory(engine)
    with sessions() as session, session.begin():
        assert _row(session, for_update=False) == 0
        path = engine.url.database
        assert path is not None
        with sqlite3.connect(path) as other:
            other.execute("UPDATE t SET n = 5")
        assert _row(session, for_update=True) == 5
