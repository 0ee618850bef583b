"""Tables of the URL blocklists and keyword lists (docs/blocklists.md).

Working rows (``blocklist_entries``, ``keyword_entries``) carry the lifecycle: who added an entry, which
second analyst confirmed it, when it expires or was removed and why. A removed entry stays as history;
adding the same target again makes a new row, so at most one row per target is live (not removed),
which a partial unique index enforces on both backends.

Published rows (``blocklist_published``, ``keyword_published``) freeze what each version said, as the
hash lists do: version ``v`` holds the rows with ``added_in <= v`` and no ``removed_in <= v``. A row is
never changed after publication except to set ``removed_in`` once, so a version cannot change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.db.base import Base, UTCDateTime, one_of, utcnow

LIST_KINDS: Final = ("url", "keywords")
ENTRY_KINDS: Final = ("domain", "url")
MATCH_MODES: Final = ("word", "phrase", "substring")
APPEAL_STATUSES: Final = ("open", "upheld", "rejected")
#: Partial-index condition: the one live row of a target.
LIVE: Final = text("removed_at IS NULL")


# Two analysts, never the same name twice: the service also compares names case-insensitively.
_TWO_ANALYSTS: Final = "confirmed_by IS NULL OR confirmed_by <> added_by"


def _entry_constraints(table: str, check: CheckConstraint, *key: str) -> tuple[CheckConstraint | Index, ...]:
    """An entry table's own ``check``, the two-analyst rule and its one live entry per ``key`` in a list:
    what both kinds of entry (``LifecycleColumns``) enforce alike."""
    return (
        check,
        CheckConstraint(_TWO_ANALYSTS, name="two_analysts"),
        Index(f"ix_{table}_live", "list_id", *key, unique=True, sqlite_where=LIVE, postgresql_where=LIVE),
    )


def _published_indexes(table: str) -> tuple[Index, ...]:
    """How a version of either kind is read back: the rows it added and the rows it removed."""
    return (
        Index(f"ix_{table}_added", "list_id", "added_in"),
        Index(f"ix_{table}_removed", "list_id", "removed_in"),
    )


class ListRow:
    """A row of one list: its own id and the list's, the first columns of every such table."""

    # A mixin's columns would otherwise come after the table's own; the schema keeps them first.
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-4)
    list_id: Mapped[int] = mapped_column(ForeignKey("blocklists.id"), sort_order=-3)


class PublishedColumns(ListRow):
    """What every published row carries besides its item: the versions it is in (``added_in`` up to
    before ``removed_in``), then the item's own times after its other columns."""

    added_in: Mapped[int] = mapped_column(BigInteger, sort_order=-2)
    removed_in: Mapped[int | None] = mapped_column(BigInteger, sort_order=-1)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LifecycleColumns:
    """Who added, confirmed and removed an entry, and when: the lifecycle both kinds of entry share."""

    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[str] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[str | None] = mapped_column(String(200))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_by: Mapped[str | None] = mapped_column(String(200))
    removal_reason: Mapped[str | None] = mapped_column(Text)


class Blocklist(Base):
    """A named list: of URLs and domains (``url``) or of search terms (``keywords``)."""

    __tablename__ = "blocklists"
    __table_args__ = (one_of("kind", LIST_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class BlocklistEntry(ListRow, LifecycleColumns, Base):
    """A domain or URL (canonical form) on its way onto a list, on it, or taken off it."""

    __tablename__ = "blocklist_entries"
    __table_args__ = _entry_constraints(__tablename__, one_of("kind", ENTRY_KINDS), "kind", "target_sha256")

    kind: Mapped[str] = mapped_column(String(8))
    #: Canonical (``vigil.signals.url``); URLs can be long, so identity goes by the digest below.
    target: Mapped[str] = mapped_column(Text)
    target_sha256: Mapped[str] = mapped_column(String(64))
    wildcard: Mapped[bool] = mapped_column(Boolean, default=False)
    category: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    #: The hotline report the entry came from, if any (no foreign key: reports live elsewhere).
    source_report_id: Mapped[int | None] = mapped_column(BigInteger)


class BlocklistAppeal(Base):
    """A site owner's appeal against an entry, as recorded by staff, and how it was resolved."""

    __tablename__ = "blocklist_appeals"
    __table_args__ = (one_of("status", APPEAL_STATUSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("blocklist_entries.id"), index=True)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Who appeals (name or contact the site owner gave) and who recorded it.
    appellant: Mapped[str] = mapped_column(String(500))
    recorded_by: Mapped[str] = mapped_column(String(200))
    statement: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolution: Mapped[str | None] = mapped_column(Text)


class BlocklistVersion(ListRow, Base):
    """A published version of a list (of either kind). ``serial`` rises by one per version."""

    __tablename__ = "blocklist_versions"
    __table_args__ = (UniqueConstraint("list_id", "serial"),)

    #: RPZ SOA serials are unsigned 32-bit: wider than a signed INTEGER.
    serial: Mapped[int] = mapped_column(BigInteger)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by: Mapped[str] = mapped_column(String(200))
    entry_count: Mapped[int] = mapped_column(Integer)
    added_count: Mapped[int] = mapped_column(Integer)
    removed_count: Mapped[int] = mapped_column(Integer)
    #: SHA-256 over the version's entries in list order: checked whenever a version is read back.
    digest: Mapped[str] = mapped_column(String(64))


class BlocklistPublished(PublishedColumns, Base):
    """What a URL list's versions say about one entry, frozen at publication."""

    __tablename__ = "blocklist_published"
    __table_args__ = _published_indexes(__tablename__)

    kind: Mapped[str] = mapped_column(String(8))
    target: Mapped[str] = mapped_column(Text)
    wildcard: Mapped[bool] = mapped_column(Boolean)
    category: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)


class KeywordEntry(ListRow, LifecycleColumns, Base):
    """A search term on its way onto a keyword list, on it, or taken off it."""

    __tablename__ = "keyword_entries"
    __table_args__ = _entry_constraints(__tablename__, one_of("match", MATCH_MODES), "language", "term_key")

    term: Mapped[str] = mapped_column(String(500))
    #: The term casefolded: one live entry per term and language, whatever its case.
    term_key: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(35))
    match: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(64), default="")
    warning: Mapped[str] = mapped_column(Text)
    help_name: Mapped[str] = mapped_column(String(200))
    help_url: Mapped[str] = mapped_column(String(2000))
    help_phone: Mapped[str | None] = mapped_column(String(40))
    help_language: Mapped[str] = mapped_column(String(35))


class KeywordPublished(PublishedColumns, Base):
    """What a keyword list's versions say about one term, frozen at publication."""

    __tablename__ = "keyword_published"
    __table_args__ = _published_indexes(__tablename__)

    term: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(35))
    match: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(64))
    warning: Mapped[str] = mapped_column(Text)
    help_name: Mapped[str] = mapped_column(String(200))
    help_url: Mapped[str] = mapped_column(String(2000))
    help_phone: Mapped[str | None] = mapped_column(String(40))
    help_language: Mapped[str] = mapped_column(String(35))
