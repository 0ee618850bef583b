"""What the matcher reads from the hash database: the latest published version of each list, and the
entries of a version with their ids (streamed).

Read-only queries on the hash database's tables; ``vigil.hashlists.publish.version_entries`` yields the
same entries but not the entry ids a match reports.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from vigil.hashlists.models import HashList, HashListEntry, HashListVersion


@dataclass(frozen=True, slots=True)
class PublishedVersion:
    list_id: int
    name: str
    version: int
    digest: str
    entries: int
    recipients: tuple[str, ...]

    @property
    def key(self) -> str:
        """Names the snapshot of this version: a republished list with the same number (a database
        rebuilt from scratch) gets another key through its digest."""
        return f"{self.list_id}-v{self.version}-{self.digest[:16]}"


@dataclass(frozen=True, slots=True)
class EntryRow:
    entry_id: int
    sha256: str | None
    md5: str | None
    sha1: str | None
    signals: dict[str, list[str]]
    category: str | None
    scheme: str | None


def published_versions(session: Session) -> list[PublishedVersion]:
    """The latest version of every list that has one, by list name."""
    latest = (
        select(HashListVersion.list_id, func.max(HashListVersion.version).label("version"))
        .group_by(HashListVersion.list_id)
        .subquery()
    )
    rows = session.execute(
        select(HashList.id, HashList.name, HashList.recipients, HashListVersion)
        .join(latest, latest.c.list_id == HashList.id)
        .join(
            HashListVersion,
            (HashListVersion.list_id == HashList.id) & (HashListVersion.version == latest.c.version),
        )
        .order_by(HashList.name)
    )
    return [
        PublishedVersion(list_id, name, v.version, v.digest, v.entry_count, tuple(recipients or ()))
        for list_id, name, recipients, v in rows
    ]


def version_rows(session: Session, list_id: int, version: int) -> Iterator[EntryRow]:
    ent = HashListEntry
    query = (
        select(ent.id, ent.sha256, ent.md5, ent.sha1, ent.signals, ent.category, ent.scheme)
        .where(
            ent.list_id == list_id,
            ent.added_in <= version,
            or_(ent.removed_in.is_(None), ent.removed_in > version),
        )
        .order_by(ent.id)
        .execution_options(yield_per=5000)
    )
    for row in session.execute(query):
        yield EntryRow(row[0], row[1], row[2], row[3], dict(row[4] or {}), row[5], row[6])
