"""Appending to the audit journal and verifying its hash chain.

Each entry's hash covers its own fields and the previous entry's hash, so editing an entry breaks its own
hash, rewriting that too breaks the next entry's link, deleting one leaves a gap in the sequence, and
cutting entries off the end disagrees with the head row.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.audit.models import AuditEntry, AuditHead
from vigil.db.base import utcnow

GENESIS: Final = "0" * 64


def canonical_details(details: dict[str, Any] | None) -> str:
    return json.dumps(details or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(
    seq: int, at: datetime, actor: str, action: str, subject: str, details: str, prev_hash: str
) -> str:
    payload = json.dumps(
        [seq, at.isoformat(timespec="microseconds"), actor, action, subject, details, prev_hash],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _locked_head(session: Session) -> AuditHead:
    """The head row, locked against other appenders until the caller's transaction ends (PostgreSQL: a
    row lock; SQLite: the database's write lock, see ``vigil.db.session``); other appenders queue on it.
    ``populate_existing`` refreshes a head this session loaded before the lock."""
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update().execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if head is None:
        # Only a database whose head row was deleted by hand: the migration inserts it.
        head = AuditHead(id=1, seq=0, entry_hash=GENESIS)
        session.add(head)
    return head


def append(
    session: Session, actor: str, action: str, subject: str, details: dict[str, Any] | None = None
) -> AuditEntry:
    """Add an entry in the caller's transaction: it is journalled exactly when the change commits.

    Appends are serialised across processes: the head stays locked until the caller's transaction ends,
    so callers should append late in short transactions."""
    head = _locked_head(session)
    at = utcnow()
    text = canonical_details(details)
    seq = head.seq + 1
    digest = entry_hash(seq, at, actor, action, subject, text, head.entry_hash)
    entry = AuditEntry(
        seq=seq,
        at=at,
        actor=actor[:200],
        action=action[:100],
        subject=subject[:500],
        details=text,
        prev_hash=head.entry_hash,
        entry_hash=digest,
    )
    session.add(entry)
    head.seq, head.entry_hash = seq, digest
    session.flush()
    return entry


@dataclass
class Verification:
    entries: int = 0
    problems: list[str] = field(default_factory=list)
    #: The sequence number of the first entry that is missing, altered or out of the chain.
    first_broken: int | None = None

    def note(self, seq: int, text: str) -> None:
        self.problems.append(text)
        if self.first_broken is None:
            self.first_broken = seq

    @property
    def ok(self) -> bool:
        return not self.problems


def _entries(session: Session) -> Iterator[AuditEntry]:
    yield from session.execute(
        select(AuditEntry).order_by(AuditEntry.seq).execution_options(yield_per=1000)
    ).scalars()


def verify(session: Session) -> Verification:
    """Walk the whole journal; every edit, deletion or truncation shows as a problem."""
    result = Verification()
    expected_seq, prev = 1, GENESIS
    for entry in _entries(session):
        result.entries += 1
        if entry.seq != expected_seq:
            result.note(expected_seq, f"entries {expected_seq}..{entry.seq - 1} are missing (deleted)")
        if entry.prev_hash != prev:
            result.note(entry.seq, f"entry {entry.seq}: does not follow the entry before it")
        recomputed = entry_hash(
            entry.seq, entry.at, entry.actor, entry.action, entry.subject, entry.details, entry.prev_hash
        )
        if recomputed != entry.entry_hash:
            result.note(entry.seq, f"entry {entry.seq}: altered (its hash does not match its content)")
        expected_seq, prev = entry.seq + 1, entry.entry_hash
    head = session.get(AuditHead, 1)
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or head.entry_hash != prev):
        result.note(
            last_seq + 1,
            f"the journal ends at entry {last_seq} but its head names entry {head.seq}: entries removed",
        )
    return result
