"""Leases on cases: the one guarantee that two workers never work the same case at once.

A job queue delivers a job to one consumer, but a periodic sweep may be enqueued by two schedulers, a
retried job may overlap a slow first attempt, and a worker may die holding a job. So scheduled work
first claims the case with a compare-and-set in the database; the claim expires, so a dead worker's
case is taken up again after ``ttl``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from vigil.hotline.models import Case


def claim(session: Session, case_id: int, owner: str, now: datetime, ttl: timedelta) -> bool:
    """Claim the case for ``owner`` until ``now + ttl``; False when another owner holds a live lease."""
    result = session.execute(
        update(Case)
        .where(Case.id == case_id)
        .where(or_(Case.lease_until.is_(None), Case.lease_until <= now, Case.lease_owner == owner))
        .values(lease_owner=owner, lease_until=now + ttl)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def release(session: Session, case_id: int, owner: str) -> None:
    session.execute(
        update(Case)
        .where(Case.id == case_id, Case.lease_owner == owner)
        .values(lease_owner=None, lease_until=None)
        .execution_options(synchronize_session=False)
    )
