"""A list's delta between two versions, in pages that resume from a cursor.

Same semantics as ``vigil.hashlists.publish.delta`` (pytx's FetchDelta: a record to add or replace, None
to delete), restricted to one range of media ids per page so that each page costs one page of rows, not
the whole delta. A page names the version it runs up to: a client resumes with the same ``until`` and the
cursor, and finishes with a consistent copy even if the list publishes meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.formats.base import HashRecord
from vigil.hashlists.lists import ListError
from vigil.hashlists.models import HashList, HashListEntry
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
    until = resolve_version(session, hash_list, until).version
    if since < 0 or since > until:
        raise ListError(f"checkpoint {since} is not between 0 and {until}")
    ent = HashListEntry
    changed = (
        ent.list_id == hash_list.id,
        ent.media_id > cursor,
        or_(
            (ent.added_in > since) & (ent.added_in <= until),
            (ent.removed_in > since) & (ent.removed_in <= until),
        ),
    )
    keys = list(
        session.execute(
            select(ent.media_id)
            .where(*changed)
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
            select(ent).where(*changed, ent.media_id <= keys[-1]).order_by(ent.media_id, ent.id)
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
