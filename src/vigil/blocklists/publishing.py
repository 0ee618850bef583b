"""Publishing a list's current content as an immutable version, and reading any version back.

Both kinds of list store versions the same way (see ``models``): rows frozen at publication with the
serial they entered (``added_in``) and left (``removed_in``). A publish writes only what changed, so a
million-entry list where ten entries changed writes ten rows; a publish where nothing changed writes
nothing and makes no version. Rows travel as plain dicts of the value columns, read and written with
Core statements: an ORM object per row would cost seconds on large lists.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypeVar

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from vigil.blocklists.lists import latest_version
from vigil.blocklists.models import Blocklist, BlocklistPublished, BlocklistVersion, KeywordPublished
from vigil.blocklists.versions import MAX_SERIAL
from vigil.db.base import core_table

PublishedModel = type[BlocklistPublished] | type[KeywordPublished]
Row = dict[str, Any]
#: Columns that place a row in versions rather than describe the entry.
_BOOKKEEPING: Final = frozenset({"id", "list_id", "added_in", "removed_in"})
_CHUNK: Final = 5000
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class PublishResult:
    list_name: str
    serial: int
    #: False when the content equalled the latest version: no version was made.
    new_version: bool
    entries: int
    added: int
    removed: int
    digest: str


def value_columns(model: PublishedModel) -> tuple[str, ...]:
    return tuple(c.name for c in core_table(model).columns if c.name not in _BOOKKEEPING)


def content_digest(lines: Iterable[str]) -> str:
    """SHA-256 over a version's entries, one canonical text line each, in list order."""
    digest = hashlib.sha256()
    for line in lines:
        digest.update(line.encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def live_rows(session: Session, model: PublishedModel, list_id: int) -> dict[int, Row]:
    """The rows of the latest version, by row id."""
    table = core_table(model)
    query = select(table).where(table.c.list_id == list_id, table.c.removed_in.is_(None))
    return {row.id: dict(row._mapping) for row in session.execute(query)}


def rows_at(session: Session, model: PublishedModel, list_id: int, serial: int) -> list[Row]:
    """The value columns of every row of version ``serial``."""
    table = core_table(model)
    columns = [table.c[name] for name in value_columns(model)]
    query = select(*columns).where(
        table.c.list_id == list_id,
        table.c.added_in <= serial,
        or_(table.c.removed_in.is_(None), table.c.removed_in > serial),
    )
    return [dict(row._mapping) for row in session.execute(query)]


def publish_rows(
    session: Session,
    model: PublishedModel,
    blocklist: Blocklist,
    current: Mapping[K, Row],
    key_of: Callable[[Row], K],
    digest: str,
    actor: str,
    now: datetime,
) -> PublishResult:
    """Make ``current`` (value rows by ``key_of`` of each) the list's next version, unless nothing changed.

    The first publish always makes a version, even an empty one: consumers can be set up before the
    first entry is confirmed.
    """
    previous = latest_version(session, blocklist)
    serial = (previous.serial if previous else 0) + 1
    if serial > MAX_SERIAL:
        raise OverflowError(f"list {blocklist.name!r} has used every 32-bit serial")
    names = value_columns(model)
    live_by_key: dict[K, tuple[int, Row]] = {}
    for row_id, row in live_rows(session, model, blocklist.id).items():
        live_by_key[key_of(row)] = (row_id, {name: row[name] for name in names})
    retire = [row_id for key, (row_id, row) in live_by_key.items() if current.get(key) != row]
    fresh = [row for key, row in current.items() if (key not in live_by_key or live_by_key[key][1] != row)]
    if previous is not None and not retire and not fresh:
        return PublishResult(blocklist.name, previous.serial, False, len(current), 0, 0, previous.digest)
    table = core_table(model)
    for start in range(0, len(retire), _CHUNK):
        ids = retire[start : start + _CHUNK]
        session.execute(update(table).where(table.c.id.in_(ids)).values(removed_in=serial))
    for start in range(0, len(fresh), _CHUNK):
        chunk = [
            {**row, "list_id": blocklist.id, "added_in": serial} for row in fresh[start : start + _CHUNK]
        ]
        session.execute(insert(table), chunk)
    session.add(
        BlocklistVersion(
            list_id=blocklist.id,
            serial=serial,
            published_at=now,
            published_by=actor[:200],
            entry_count=len(current),
            added_count=len(fresh),
            removed_count=len(retire),
            digest=digest,
        )
    )
    session.flush()
    return PublishResult(blocklist.name, serial, True, len(current), len(fresh), len(retire), digest)
