"""Tables of the audit journal."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.db.base import Base, UTCDateTime


class AuditEntry(Base):
    """One journal entry. ``entry_hash`` covers every other column and the previous entry's hash."""

    __tablename__ = "audit_entries"
    #: The console's filters (actor, action, object, time), each a keyset on ``seq`` (migration 0014).
    __table_args__ = (
        Index("ix_audit_entries_actor_seq", "actor", "seq"),
        Index("ix_audit_entries_action_seq", "action", "seq"),
        Index("ix_audit_entries_subject_seq", "subject", "seq"),
        Index("ix_audit_entries_at", "at"),
    )

    #: Assigned by the journal (previous + 1), not by the database: a gap means a deleted entry.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100))
    subject: Mapped[str] = mapped_column(String(500))
    #: Canonical JSON text, hashed as stored.
    details: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """The single row naming the last entry.

    Writers update it in the same transaction as they append, which serialises appends on every backend
    and lets verification notice entries cut off the end of the journal.
    """

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    entry_hash: Mapped[str] = mapped_column(String(64))
