"""An analyst's lock on a case: while one analyst has a case open, no other analyst may act on it.

Separate from the workers' lease (``leases``): a worker's fetch or re-check does not wait for an analyst
reading the case, and an analyst's lock does not stop scheduled work. The lock lapses ``ttl`` after the
holder's last action, so a closed browser tab frees the case.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from vigil.db.base import Base, UTCDateTime


class CaseLock(Base):
    __tablename__ = "hotline_case_locks"

    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_cases.id"), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)
    until: Mapped[datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class LockState:
    holder: str
    until: datetime
    #: True when the asking analyst holds it.
    mine: bool


def take(session: Session, case_id: int, holder: str, now: datetime, ttl: timedelta) -> LockState:
    """Take or renew the lock for ``holder``; when another analyst holds a live lock, report theirs."""
    holder = holder[:200]
    renewed = session.execute(
        update(CaseLock)
        .where(CaseLock.case_id == case_id)
        .where((CaseLock.holder == holder) | (CaseLock.until <= now))
        .values(holder=holder, until=now + ttl)
        .execution_options(synchronize_session=False)
    )
    if getattr(renewed, "rowcount", 0) == 1:
        return LockState(holder, now + ttl, True)
    current = session.execute(select(CaseLock).where(CaseLock.case_id == case_id)).scalar_one_or_none()
    if current is not None:
        return LockState(current.holder, current.until, current.holder == holder)
    try:
        with session.begin_nested():
            session.add(CaseLock(case_id=case_id, holder=holder, taken_at=now, until=now + ttl))
    except IntegrityError:  # another analyst took it between the two statements
        current = session.execute(select(CaseLock).where(CaseLock.case_id == case_id)).scalar_one()
        return LockState(current.holder, current.until, current.holder == holder)
    return LockState(holder, now + ttl, True)


def holder_of(session: Session, case_id: int, now: datetime) -> str | None:
    """Who holds a live lock on the case, if anyone."""
    return session.execute(
        select(CaseLock.holder).where(CaseLock.case_id == case_id, CaseLock.until > now)
    ).scalar_one_or_none()


def release(session: Session, case_id: int, holder: str) -> None:
    session.execute(delete(CaseLock).where(CaseLock.case_id == case_id, CaseLock.holder == holder[:200]))
