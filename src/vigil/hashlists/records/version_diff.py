"""The difference between two published versions of a hash list, entry by entry, for people to read.

Built on the same delta as consumers fetch (``publish.delta``: what to add, replace or delete going
from one version to the other), with each replaced or deleted entry's older form beside it. An entry
changed and changed back between the two versions is no difference. Every change is counted; only the
first ``limit`` are returned with their records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.formats.base import HashRecord
from vigil.hashlists.lists import ListError
from vigil.hashlists.models import HashList, HashListEntry
from vigil.hashlists.publish import delta, entry_record, resolve_version
from vigil.hashlists.selection import same_entry

Change = Literal["added", "changed", "removed"]


@dataclass(frozen=True)
class DiffRow:
    media_id: int
    change: Change
    #: The entry in the older version (None: added).
    old: HashRecord | None
    #: The entry in the newer version (None: removed).
    new: HashRecord | None


@dataclass
class VersionDiff:
    list_name: str
    old: int
    new: int
    added: int = 0
    changed: int = 0
    removed: int = 0
    rows: list[DiffRow] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.added + self.changed + self.removed

    @property
    def more(self) -> bool:
        """Whether changes were counted beyond the rows returned."""
        return self.total > len(self.rows)


def _entries_at(session: Session, hash_list: HashList, version: int, ids: list[int]) -> dict[int, HashRecord]:
    ent = HashListEntry
    found: dict[int, HashRecord] = {}
    for start in range(0, len(ids), 500):
        rows = session.execute(
            select(ent).where(
                ent.list_id == hash_list.id,
                ent.media_id.in_(ids[start : start + 500]),
                ent.added_in <= version,
                or_(ent.removed_in.is_(None), ent.removed_in > version),
            )
        ).scalars()
        found.update((row.media_id, entry_record(row)) for row in rows)
    return found


def version_diff(session: Session, hash_list: HashList, old: int, new: int, limit: int = 200) -> VersionDiff:
    """What changed from version ``old`` to the later version ``new`` (both published)."""
    if old >= new:
        raise ListError(f"compare an older version with a newer one (asked: {old} against {new})")
    resolve_version(session, hash_list, old)
    resolve_version(session, hash_list, new)
    pending: list[tuple[int, HashRecord | None]] = []
    result = VersionDiff(hash_list.name, old, new)

    def settle() -> None:
        before = _entries_at(session, hash_list, old, [media_id for media_id, _ in pending])
        for media_id, record in pending:
            previous = before.get(media_id)
            if record is None:
                change: Change = "removed"
            elif previous is None:
                change = "added"
            elif same_entry(previous, record):
                continue  # changed and changed back in between
            else:
                change = "changed"
            setattr(result, change, getattr(result, change) + 1)
            if len(result.rows) < limit:
                result.rows.append(DiffRow(media_id, change, previous, record))
        pending.clear()

    for item in delta(session, hash_list, old, new):
        pending.append(item)
        if len(pending) >= 2000:
            settle()
    settle()
    return result
