"""Which database errors are worth another go, and the bounded retry of a unit of work."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import psycopg.errors
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError

from vigil.db.transient import is_transient, retry_transient


def _wrap(orig: Exception) -> DBAPIError:
    """As SQLAlchemy raises a driver's error."""
    return DBAPIError("UPDATE audit_head", {}, orig)


def _sqlite_errors(tmp_path: Path) -> tuple[sqlite3.OperationalError, sqlite3.OperationalError]:
    """Real SQLite errors: a lock still held when the busy wait ended, and a stale snapshot."""
    path = tmp_path / "t.sqlite3"
    a = sqlite3.connect(path, isolation_level=None, timeout=0)
    a.execute("PRAGMA journal_mode=WAL")
    a.execute("CREATE TABLE t (x INTEGER)")
    b = sqlite3.connect(path, isolation_level=None, timeout=0)
    a.execute("BEGIN IMMEDIATE")
    with pytest.raises(sqlite3.OperationalError) as busy:
        b.execute("INSERT INTO t VALUES (1)")
    a.execute("COMMIT")
    b.execute("BEGIN")
    b.execute("SELECT * FROM t").fetchall()
    a.execute("INSERT INTO t VALUES (2)")
    with pytest.raises(sqlite3.OperationalError) as stale:
        b.execute("INSERT INTO t VALUES (3)")
    a.close()
    b.close()
    return busy.value, stale.value


def test_classification(tmp_path: Path) -> None:
    busy, stale = _sqlite_errors(tmp_path)
    assert is_transient(_wrap(busy)) and is_transient(_wrap(stale))
    for pg in (psycopg.errors.DeadlockDetected, psycopg.errors.SerializationFailure):
        assert is_transient(_wrap(pg("try again")))
    assert is_transient(_wrap(psycopg.errors.LockNotAvailable("lock timeout")))
    assert not is_transient(_wrap(sqlite3.IntegrityError("UNIQUE constraint failed: audit_entries.seq")))
    assert not is_transient(_wrap(sqlite3.OperationalError("no such table: audit_head")))
    assert not is_transient(_wrap(psycopg.errors.UniqueViolation("duplicate key")))
    assert not is_transient(ValueError("database is locked"))


class _Flaky:
    def __init__(self, errors: list[DBAPIError]) -> None:
        self.errors = errors
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def _retry(work: Callable[[], str], sleeps: list[float], attempts: int = 3) -> str:
    return retry_transient(work, attempts=attempts, first_delay=0.1, sleep=sleeps.append)


def test_retries_what_fails_at_once(tmp_path: Path) -> None:
    _, stale = _sqlite_errors(tmp_path)
    sleeps: list[float] = []
    work = _Flaky([_wrap(stale), _wrap(psycopg.errors.DeadlockDetected("deadlock"))])
    assert _retry(work, sleeps) == "done"
    assert work.calls == 3
    # Backing off: jittered around 0.1 then around 0.2.
    assert 0.05 <= sleeps[0] <= 0.15 and 0.1 <= sleeps[1] <= 0.3


def test_gives_up_after_its_attempts(tmp_path: Path) -> None:
    _, stale = _sqlite_errors(tmp_path)
    sleeps: list[float] = []
    work = _Flaky([_wrap(stale) for _ in range(5)])
    with pytest.raises(DBAPIError, match="database is locked"):
        _retry(work, sleeps)
    assert (work.calls, len(sleeps)) == (3, 2)


def test_a_waited_out_lock_or_a_real_error_is_not_retried(tmp_path: Path) -> None:
    busy, _ = _sqlite_errors(tmp_path)
    for error in (
        _wrap(busy),
        _wrap(psycopg.errors.LockNotAvailable("lock timeout")),
        IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed")),
    ):
        sleeps: list[float] = []
        work = _Flaky([error])
        with pytest.raises(type(error)):
            _retry(work, sleeps)
        assert (work.calls, sleeps) == (1, [])
