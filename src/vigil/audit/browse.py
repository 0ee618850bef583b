"""The journal read page by page, newest first, with filters: a keyset on ``seq`` (never OFFSET, which
reads every skipped row), each filter served by an index ending in ``seq`` (migration 0014), so a page
costs the same at entry 10 as at entry 10 million."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vigil.audit import journal
from vigil.audit.journal import Verification, verify
from vigil.audit.models import AuditEntry

PAGE_SIZE: Final = 50
MAX_PAGE_SIZE: Final = 500


@dataclass(frozen=True, slots=True)
class JournalFilter:
    """Every field optional; text fields match exactly (an index lookup, not a scan)."""

    actor: str = ""
    action: str = ""
    #: The object an entry is about, as journalled: ``user/7``, ``case/12``, ``victim/3`` ...
    subject: str = ""
    since: datetime | None = None
    #: Exclusive.
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class EntryView:
    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: str


@dataclass(frozen=True, slots=True)
class JournalPage:
    entries: list[EntryView]
    #: Pass as ``before`` for the next (older) page; None on the last page.
    next_before: int | None


def page(
    session: Session, where: JournalFilter, before: int | None = None, size: int = PAGE_SIZE
) -> JournalPage:
    """Entries matching ``where`` with ``seq < before`` (all when None), newest first, ``size`` at most."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    query = select(AuditEntry)
    if where.actor:
        query = query.where(AuditEntry.actor == where.actor)
    if where.action:
        query = query.where(AuditEntry.action == where.action)
    if where.subject:
        query = query.where(AuditEntry.subject == where.subject)
    if where.since is not None:
        query = query.where(AuditEntry.at >= where.since)
    if where.until is not None:
        query = query.where(AuditEntry.at < where.until)
    if before is not None:
        query = query.where(AuditEntry.seq < before)
    rows = session.execute(query.order_by(AuditEntry.seq.desc()).limit(size + 1)).scalars().all()
    entries = [EntryView(e.seq, e.at, e.actor, e.action, e.subject, e.details) for e in rows[:size]]
    more = len(rows) > size
    return JournalPage(entries, entries[-1].seq if more else None)


def check(sessions: sessionmaker[Session], actor: str) -> Verification:
    """Verify the whole chain, then journal that it was checked and what was found (after the walk,
    in its own short transaction: the journal's head is not held during the walk)."""
    with sessions() as session:
        result = verify(session)
    with sessions() as session, session.begin():
        journal.append(
            session,
            actor,
            "audit.verify",
            "audit",
            {"entries": result.entries, "ok": result.ok, "first_broken": result.first_broken},
        )
    return result
