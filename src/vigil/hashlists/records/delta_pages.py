"""A list's delta between two versions, in pages that resume from a cursor.

Same semantics as ``vigil.hashlists.publish.delta`` (pytx's FetchDelta: a record to add or replace, None
to delete), one range of media ids per page. A page names the version it runs up to: a client resumes
with the same ``until`` and the cursor, and finishes with a consistent copy even if the list publishes
meanwhile.

Which media changed is found one of two ways, whichever reads fewer rows. Walking the list's entries in
media id order (index ``ix_hash_list_entries_media``) costs, over all the pages of a delta, the list's
size: right for a first copy, where everything changed. A small delta, such as the thousand changes a
peer pulls from a list of a million, is read instead from the version indexes
(``ix_hash_list_entries_added`` and ``_removed``), whose rows are only the changed ones: each page reads
the whole delta again, so this way is taken while the delta's rows times its pages stay under the
list's size (``_version_walk_bound``).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import isqrt

from sqlalchemy import func, or_, select, union
from sqlalchemy.orm import Session

from vigil.formats.base import HashRecord
from vigil.hashlists.lists import ListError
from vigil.hashlists.models import HashList, HashListEntry, HashListVersion
from vigil.hashlists.publish import entry_record, resolve_version


@dataclass(frozen=True)
class DeltaPage:
    since: int
    until: int
    #: (key, record) pairs; ``None`` deletes the key.
    items: list[tuple[int, HashRecord | None]]
    #: Pass as ``cursor`` for the next page; None when this page is the last.
    next_cursor: int | None


def delta_page(
    session: Session, hash_list: HashList, since: int, until: int | None, cursor: int, limit: int
) -> DeltaPage:
    target = resolve_version(session, hash_list, until)
    until = target.version
    if since < 0 or since > until:
        raise ListError(f"checkpoint {since} is not between 0 and {until}")
    ent = HashListEntry
    changed = (
        ent.list_id == hash_list.id,
        or_(
            (ent.added_in > since) & (ent.added_in <= until),
            (ent.removed_in > since) & (ent.removed_in <= until),
        ),
    )
    keys = _changed_by_version(session, hash_list, since, until, cursor, limit, target.entry_count)
    if keys is None:
        keys = list(
            session.execute(
                select(ent.media_id)
                .where(*changed, ent.media_id > cursor)
                .group_by(ent.media_id)
                .order_by(ent.media_id)
                .limit(limit + 1)
            ).scalars()
        )
    more = len(keys) > limit
    keys = keys[:limit]
    items: list[tuple[int, HashRecord | None]] = []
    if keys:
        rows = session.execute(
            select(ent).where(*changed, ent.media_id.in_(keys)).order_by(ent.media_id, ent.id)
        ).scalars()
        group: list[HashListEntry] = []
        for entry in rows:
            if group and group[0].media_id != entry.media_id:
                items.extend(_collapse(group, since, until))
                group = []
            group.append(entry)
        if group:
            items.extend(_collapse(group, since, until))
    return DeltaPage(since, until, items, keys[-1] if more else None)


def _version_walk_bound(entries: int, limit: int) -> int:
    """The most delta rows read through the version indexes: D rows over D / limit pages cost D² / limit,
    against the list's size for a walk in media id order (at least a few pages' worth, for small lists)."""
    return max(4 * limit, isqrt(max(entries, 0) * limit))


def _changed_by_version(
    session: Session, hash_list: HashList, since: int, until: int, cursor: int, limit: int, entries: int
) -> list[int] | None:
    """Up to ``limit + 1`` changed media ids after ``cursor``, read through the version indexes; None
    when the delta is too large for that (the caller walks the list in media id order instead)."""
    bound = _version_walk_bound(entries, limit)
    # Versions count their added and removed media, not their changed ones (two rows each): a lower
    # bound of the delta's rows that rules out a first copy without reading any entry.
    counted = session.execute(
        select(func.coalesce(func.sum(HashListVersion.added_count + HashListVersion.removed_count), 0)).where(
            HashListVersion.list_id == hash_list.id,
            HashListVersion.version > since,
            HashListVersion.version <= until,
        )
    ).scalar_one()
    if int(counted) > bound:
        return None
    ent = HashListEntry
    # Neither arm names the media id (cursor and order are applied here, on at most ``bound`` ids):
    # with either in the query, SQLite walks the media index instead, which reads the whole list.
    added = select(ent.media_id).where(
        ent.list_id == hash_list.id, ent.added_in > since, ent.added_in <= until
    )
    removed = select(ent.media_id).where(
        ent.list_id == hash_list.id, ent.removed_in > since, ent.removed_in <= until
    )
    rows = list(session.execute(union(added, removed).limit(bound + 1)).scalars())
    if len(rows) > bound:
        return None
    return sorted(m for m in rows if m > cursor)[: limit + 1]


def _collapse(rows: list[HashListEntry], since: int, until: int) -> list[tuple[int, HashRecord | None]]:
    media_id = rows[0].media_id
    live = [r for r in rows if r.added_in <= until and (r.removed_in is None or r.removed_in > until)]
    if live:
        return [(media_id, entry_record(live[-1]))]
    if any(r.added_in <= since for r in rows):
        return [(media_id, None)]
    return []


def records_at(session: Session, hash_list: HashList, version: int, keys: list[int]) -> dict[int, HashRecord]:
    """What version ``version`` of the list said about each of ``keys`` (those it held)."""
    if not keys or version <= 0:
        return {}
    ent = HashListEntry
    rows = session.execute(
        select(ent)
        .where(
            ent.list_id == hash_list.id,
            ent.media_id.in_(keys),
            ent.added_in <= version,
            or_(ent.removed_in.is_(None), ent.removed_in > version),
        )
        .order_by(ent.media_id, ent.id)
    ).scalars()
    return {entry.media_id: entry_record(entry) for entry in rows}
