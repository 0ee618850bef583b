"""Database errors that say "try again", and a bounded retry of a unit of work that met one.

Another process holding SQLite's write lock past the busy timeout, a PostgreSQL deadlock victim, a
serialization failure: none says anything about the request, and the same work succeeds moments later.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from typing import Final, TypeVar

from sqlalchemy.exc import DBAPIError

T = TypeVar("T")

#: serialization_failure, deadlock_detected, lock_not_available.
TRANSIENT_SQLSTATES: Final = frozenset({"40001", "40P01", "55P03"})
#: What SQLite says for SQLITE_BUSY (its busy timeout ran out, or a stale snapshot) and SQLITE_LOCKED.
SQLITE_BUSY_MESSAGES: Final = ("database is locked", "database table is locked")

#: SQLite's plain SQLITE_BUSY and PostgreSQL's lock_not_available: the lock wait has been waited out.
SQLITE_BUSY: Final = 5
LOCK_NOT_AVAILABLE: Final = "55P03"

#: Whole attempts of a unit of work, the first included.
RETRY_ATTEMPTS: Final = 3
#: Seconds before the first retry; doubled for each next one, with jitter so retries do not collide.
RETRY_FIRST_DELAY: Final = 0.05


def is_transient(exc: BaseException) -> bool:
    """Whether ``exc`` is a database error that the same work, tried again, would likely not meet."""
    if not isinstance(exc, DBAPIError):
        return False
    orig = exc.orig
    if getattr(orig, "sqlstate", None) in TRANSIENT_SQLSTATES:
        return True
    return isinstance(orig, sqlite3.OperationalError) and str(orig).startswith(SQLITE_BUSY_MESSAGES)


def _waited_out(exc: DBAPIError) -> bool:
    # A deadlock victim or a stale snapshot (SQLITE_BUSY_SNAPSHOT) fails at once and is worth another go;
    # a lock timeout comes after the whole bounded wait, and trying again would multiply the client's wait.
    orig = exc.orig
    if getattr(orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:
        return True
    return isinstance(orig, sqlite3.OperationalError) and getattr(orig, "sqlite_errorcode", 0) == SQLITE_BUSY


def retry_transient(
    work: Callable[[], T],
    *,
    attempts: int = RETRY_ATTEMPTS,
    first_delay: float = RETRY_FIRST_DELAY,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run ``work`` (a whole transaction: it must roll back when it raises) until it does not fail
    transiently, ``attempts`` times at most; the last transient error is raised, as is at once a lock
    that outlasted the engine's bounded wait (``LOCK_TIMEOUT_MS``)."""
    if attempts < 1:
        raise ValueError("attempts must be at least 1")
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except DBAPIError as exc:
            if attempt == attempts or not is_transient(exc) or _waited_out(exc):
                raise
        sleep(delay * (0.5 + random.random()))  # jitter: concurrent retries spread out
        delay *= 2
    raise AssertionError("unreachable")
