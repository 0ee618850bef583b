"""Publishing immutable list versions, reading a version back, and deltas between versions.

A version is written as changes against the previous one (see ``HashListEntry``): publishing a list of a
million entries where ten changed writes ten rows. A version's digest is the sum, modulo 2^256, of the
SHA-256 of each entry's canonical text, so it does not depend on order and a consumer can check a copy
rebuilt from an export or from deltas.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from typing import Final

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from vigil.audit import journal
from vigil.db.base import core_table
from vigil.db.bounds import DB_INT_MAX
from vigil.fields import pick
from vigil.formats.base import HashRecord
from vigil.hashlists.catalog import Catalog
from vigil.hashlists.lists import (
    BASELINE_LIST,
    ListError,
    UnknownHashListError,
    ensure_baseline_list,
    find_list,
    latest_version,
)
from vigil.hashlists.models import HashList, HashListEntry, HashListVersion, Provenance
from vigil.hashlists.selection import RANGE, Selector, canonical_entry, same_entry
from vigil.signals.registry import IDENTITY_DIGESTS

_MOD: Final = 1 << 256

#: Media ids a caller remembers for an incremental publish (``publish(touched=…)``); past it, it
#: publishes whole (a first sync, a large delta).
TOUCHED_MAX: Final = 100_000


class Digest:
    """Order-independent digest of a multiset of entries (a sum: entries can be taken out again)."""

    def __init__(self, start: str | None = None) -> None:
        self._sum = int(start, 16) if start else 0

    @staticmethod
    def _term(record: HashRecord) -> int:
        return int.from_bytes(hashlib.sha256(canonical_entry(record).encode("utf-8")).digest(), "big")

    def add(self, record: HashRecord) -> None:
        self._sum = (self._sum + self._term(record)) % _MOD

    def remove(self, record: HashRecord) -> None:
        self._sum = (self._sum - self._term(record)) % _MOD

    def hexdigest(self) -> str:
        return self._sum.to_bytes(32, "big").hex()


@dataclass(frozen=True)
class PublishResult:
    list_name: str
    version: int
    entries: int
    added: int
    removed: int
    changed: int
    #: False when the content equalled the latest version: no new version was made.
    new_version: bool
    digest: str


def entry_record(entry: HashListEntry) -> HashRecord:
    """A stored entry as the record it publishes."""
    signals = [(kind, value) for kind in sorted(entry.signals) for value in entry.signals[kind]]
    return HashRecord(
        **pick(entry, *IDENTITY_DIGESTS, "size", "mime_type", "category", "scheme"), signals=signals
    )


def _values(record: HashRecord) -> dict[str, object]:
    signals: dict[str, list[str]] = {}
    for kind, value in record.signals:
        signals.setdefault(kind, []).append(value)
    return {
        **{digest: getattr(record, digest) for digest in IDENTITY_DIGESTS},
        "size": record.size,
        "mime_type": record.mime_type,
        "signals": signals,
        "category": record.category,
        "scheme": record.scheme,
    }


def _touched_ranges(media_ids: Collection[int]) -> list[tuple[int, int]]:
    starts = sorted({1 + (m - 1) // RANGE * RANGE for m in media_ids if m >= 1})
    return [(lo, lo + RANGE) for lo in starts]


def publish(
    session: Session,
    catalog: Catalog,
    hash_list: HashList,
    actor: str,
    touched: Collection[int] | None = None,
) -> PublishResult:
    """Freeze the list's current content as its next version (unless nothing changed since the last).

    ``touched``: when the caller knows that only these media may have changed since the latest version
    (a federation pull knows what it wrote), only they are evaluated again; the rest is carried over,
    and the digest and count are adjusted by difference. Without it, everything is.
    """
    previous = latest_version(session, hash_list)
    version = (previous.version if previous else 0) + 1
    selector = Selector(session, catalog, hash_list)
    partial = touched is not None and previous is not None
    digest = Digest(previous.digest if partial and previous else None)
    entries = previous.entry_count if partial and previous else 0
    added = removed = changed = 0
    for lo, hi in _touched_ranges(touched) if partial and touched is not None else selector.ranges():
        within = {m for m in touched if lo <= m < hi} if partial and touched is not None else None
        current = selector.select_range(lo, hi, within)
        query = select(HashListEntry).where(
            HashListEntry.list_id == hash_list.id,
            HashListEntry.removed_in.is_(None),
            HashListEntry.media_id >= lo,
            HashListEntry.media_id < hi,
        )
        if within is not None:
            query = query.where(HashListEntry.media_id.in_(within))
        live = {e.media_id: e for e in session.execute(query).scalars()}
        if partial:
            for old_entry in live.values():
                entries -= 1
                digest.remove(entry_record(old_entry))
        retire: list[int] = []
        new_rows: list[dict[str, object]] = []
        for media_id in sorted(current.keys() | live.keys()):
            record, old = current.get(media_id), live.get(media_id)
            if record is not None:
                entries += 1
                digest.add(record)
            if old is not None and record is not None and same_entry(entry_record(old), record):
                continue
            if old is not None:
                retire.append(old.id)
            if record is not None:
                new_rows.append(
                    {"list_id": hash_list.id, "media_id": media_id, "added_in": version, **_values(record)}
                )
            added += old is None
            removed += record is None
            changed += old is not None and record is not None
        if retire:
            session.execute(update(HashListEntry), [{"id": i, "removed_in": version} for i in retire])
        if new_rows:
            session.execute(insert(core_table(HashListEntry)), new_rows)
    if previous is not None and not (added or removed or changed):
        return PublishResult(hash_list.name, previous.version, entries, 0, 0, 0, False, previous.digest)
    session.add(
        HashListVersion(
            list_id=hash_list.id,
            version=version,
            published_by=actor[:200],
            entry_count=entries,
            added_count=added,
            removed_count=removed,
            digest=digest.hexdigest(),
        )
    )
    session.flush()
    return PublishResult(hash_list.name, version, entries, added, removed, changed, True, digest.hexdigest())


def resolve_version(session: Session, hash_list: HashList, version: int | None) -> HashListVersion:
    query = select(HashListVersion).where(HashListVersion.list_id == hash_list.id)
    if version is None:
        found = latest_version(session, hash_list)
    elif not 1 <= version <= DB_INT_MAX:
        found = None  # no such version can exist; asking the database would overflow its parameter
    else:
        found = session.execute(query.where(HashListVersion.version == version)).scalar_one_or_none()
    if found is None:
        what = f"version {version}" if version is not None else "a published version"
        raise UnknownHashListError(f"hash list {hash_list.name!r} has no {what}: publish it first")
    return found


def version_entries(session: Session, hash_list: HashList, version: int) -> Iterator[tuple[int, HashRecord]]:
    """(media id, entry) of every entry of ``version``, in media id order, streamed."""
    ent = HashListEntry
    query = (
        select(ent)
        .where(
            ent.list_id == hash_list.id,
            ent.added_in <= version,
            or_(ent.removed_in.is_(None), ent.removed_in > version),
        )
        .order_by(ent.media_id)
        .execution_options(yield_per=2000)
    )
    for entry in session.execute(query).scalars():
        yield entry.media_id, entry_record(entry)


def delta(
    session: Session, hash_list: HashList, since: int, until: int | None = None
) -> Iterator[tuple[int, HashRecord | None]]:
    """Changes from version ``since`` (0: from nothing) to ``until`` (default latest), as in pytx's
    FetchDelta: (media id, entry) to add or replace, (media id, None) to delete."""
    until = resolve_version(session, hash_list, until).version
    if since < 0 or since > until:
        raise ListError(f"checkpoint {since} is not between 0 and {until}")
    ent = HashListEntry
    query = (
        select(ent)
        .where(
            ent.list_id == hash_list.id,
            or_(
                (ent.added_in > since) & (ent.added_in <= until),
                (ent.removed_in > since) & (ent.removed_in <= until),
            ),
        )
        .order_by(ent.media_id, ent.id)
        .execution_options(yield_per=2000)
    )
    group: list[HashListEntry] = []
    for entry in session.execute(query).scalars():
        if group and group[0].media_id != entry.media_id:
            yield from _collapse(group, since, until)
            group = []
        group.append(entry)
    if group:
        yield from _collapse(group, since, until)


def _collapse(rows: list[HashListEntry], since: int, until: int) -> Iterator[tuple[int, HashRecord | None]]:
    media_id = rows[0].media_id
    live = [r for r in rows if r.added_in <= until and (r.removed_in is None or r.removed_in > until)]
    if live:
        yield media_id, entry_record(live[-1])
    elif any(r.added_in <= since for r in rows):
        yield media_id, None


def publish_baseline(
    session: Session,
    catalog: Catalog,
    actor: str,
    provenance: Callable[[], Provenance],
    touched: Collection[int] | None = None,
) -> PublishResult:
    """Publish the baseline again after votes changed (over ``touched`` media; None: all), journalled
    when a version is made. ``provenance`` is called only when the baseline list must be created."""
    baseline = find_list(session, BASELINE_LIST) or ensure_baseline_list(session, catalog, provenance())
    result = publish(session, catalog, baseline, actor, touched)
    if result.new_version:
        journal.append(session, actor, "hashlists.publish", "list/baseline", {"version": result.version})
    return result
