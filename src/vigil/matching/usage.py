"""How many lookups each caller made per day: one row per (day, role, caller), never one per lookup.

Lookups are the hottest path, so a route only adds to a counter in memory (a dict under a lock);
:meth:`LookupCounter.flush` adds what gathered to the day's rows in one short transaction, from a
background thread every ``VIGIL_LOOKUP_COUNT_FLUSH_SECONDS`` and when the server stops. Several
worker processes add to the same rows (``lookups = lookups + n``), so no process overwrites another's
count. A crash loses at most one interval's counts; nothing else depends on them.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import BigInteger, Date, String, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from vigil.db.base import Base

log = logging.getLogger(__name__)

#: Counted lookups are keyed by who asked: (UTC day, role, user name).
Key = tuple[date, str, str]


class LookupDay(Base):
    """The lookups one caller made on one day (UTC)."""

    __tablename__ = "lookup_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    role: Mapped[str] = mapped_column(String(32), primary_key=True)
    caller: Mapped[str] = mapped_column(String(200), primary_key=True)
    lookups: Mapped[int] = mapped_column(BigInteger, default=0)


class LookupCounter:
    def __init__(self, sessions: sessionmaker[Session], interval: float = 60.0) -> None:
        self._sessions = sessions
        self._interval = interval
        self._counts: Counter[Key] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, role: str, caller: str, n: int = 1, now: datetime | None = None) -> None:
        """Count ``n`` lookups (a batch counts each signal) by this caller today."""
        day = (now or datetime.now(UTC)).date()
        with self._lock:
            self._counts[(day, role, caller[:200])] += n

    def pending(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def flush(self) -> int:
        """Add the counts gathered so far to their rows; returns the lookups written. On a database
        error the counts are kept for the next flush."""
        with self._lock:
            taken, self._counts = self._counts, Counter()
        if not taken:
            return 0
        try:
            with self._sessions() as session, session.begin():
                for key, n in sorted(taken.items()):
                    _add(session, key, n)
        except Exception:
            with self._lock:
                self._counts.update(taken)
            raise
        return sum(taken.values())

    def start(self) -> None:
        if self._thread is not None or self._interval <= 0:
            return
        self._thread = threading.Thread(target=self._run, name="vigil-lookup-counter", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        self._flush_logged()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._flush_logged()

    def _flush_logged(self) -> None:
        try:
            self.flush()
        except Exception:  # a thread has no caller: keep the counts and try again later
            log.exception("writing the lookup counts failed")


def _add(session: Session, key: Key, n: int) -> None:
    day, role, caller = key
    row = LookupDay
    where = (row.day == day, row.role == role, row.caller == caller)
    if session.execute(update(row).where(*where).values(lookups=row.lookups + n)).rowcount:  # type: ignore[attr-defined]
        return
    try:
        with session.begin_nested():
            session.add(LookupDay(day=day, role=role, caller=caller, lookups=n))
            session.flush()
    except IntegrityError:  # another process made the row in between
        session.execute(update(row).where(*where).values(lookups=row.lookups + n))


@dataclass(frozen=True)
class DailyLookups:
    day: date
    #: Lookups by caller that day (callers of the role asked for).
    by_caller: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by_caller.values())


def lookups_per_day(
    session: Session, today: date, days: int = 90, role: str = "member"
) -> list[DailyLookups]:
    """The last ``days`` days up to ``today``, every day listed (0 lookups when none)."""
    first = today - timedelta(days=days - 1)
    found: dict[date, dict[str, int]] = {first + timedelta(days=i): {} for i in range(days)}
    rows = session.execute(
        select(LookupDay.day, LookupDay.caller, func.sum(LookupDay.lookups))
        .where(LookupDay.role == role, LookupDay.day >= first, LookupDay.day <= today)
        .group_by(LookupDay.day, LookupDay.caller)
    )
    for day, caller, n in rows:
        if day in found:
            found[day][caller] = int(n)
    return [DailyLookups(day, by_caller) for day, by_caller in sorted(found.items())]
