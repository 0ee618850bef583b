"""Taking media off a list by their signals: what a source that deletes (an exchange's tombstone, a
record whose signals changed) asks of the list it feeds.

Only the membership goes: the media, their signals, votes and provenance stay (rows of the hash
database are never deleted). An item is kept on the list while any of its signals is still ``held``
by the source, since another of the source's records then still names it.
"""

from __future__ import annotations

from collections.abc import Collection, Container
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.hashlists.importer import signal_digest
from vigil.hashlists.models import HashList, HashListMember, Media, MediaSignal
from vigil.signals import registry
from vigil.signals.base import InvalidSignalError

#: Signals looked up at once (bound parameters stay well under every database's limit).
_CHUNK = 5000


@dataclass(frozen=True)
class Withdrawal:
    """(signal type, value) pairs in Vigil's names whose media leave the list, unless one of the item's
    signals is in ``held``."""

    signals: Collection[tuple[str, str]]
    held: Container[tuple[str, str]] = field(default_factory=frozenset)


def _canonical(kind: str, value: str) -> str | None:
    try:
        return registry.normalize(kind, value)
    except (InvalidSignalError, KeyError, ValueError):
        return None  # never imported in this form, so no member to take off


def _members_of(session: Session, hash_list: HashList, signals: list[tuple[str, str]]) -> set[int]:
    media: set[int] = set()
    members = select(HashListMember.media_id).where(HashListMember.list_id == hash_list.id)
    for name in registry.IDENTITY_DIGESTS:
        values = sorted({v for k, v in signals if k == name})
        column = getattr(Media, name)
        for start in range(0, len(values), _CHUNK):
            part = values[start : start + _CHUNK]
            media.update(
                session.execute(select(Media.id).where(column.in_(part), Media.id.in_(members))).scalars()
            )
    others = sorted({(k, signal_digest(v)) for k, v in signals if k not in registry.IDENTITY_DIGESTS})
    for start in range(0, len(others), _CHUNK):
        chunk = others[start : start + _CHUNK]
        for kind in {k for k, _ in chunk}:
            digests = [d for k, d in chunk if k == kind]
            media.update(
                session.execute(
                    select(MediaSignal.media_id).where(
                        MediaSignal.signal_type == kind,
                        MediaSignal.digest.in_(digests),
                        MediaSignal.media_id.in_(members),
                    )
                ).scalars()
            )
    return media


def _still_held(session: Session, media: set[int], held: Container[tuple[str, str]]) -> set[int]:
    """The media of ``media`` one of whose signals is in ``held``."""
    kept: set[int] = set()
    ids = sorted(media)
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        digests = select(Media.id, *(getattr(Media, n) for n in registry.IDENTITY_DIGESTS))
        for media_id, *values in session.execute(digests.where(Media.id.in_(chunk))):
            if any((n, v) in held for n, v in zip(registry.IDENTITY_DIGESTS, values, strict=True) if v):
                kept.add(media_id)
        signals = select(MediaSignal.media_id, MediaSignal.signal_type, MediaSignal.value)
        for media_id, kind, value in session.execute(signals.where(MediaSignal.media_id.in_(chunk))):
            if (kind, value) in held:
                kept.add(media_id)
    return kept


def withdraw(session: Session, hash_list: HashList, withdrawal: Withdrawal) -> int:
    """Members taken off ``hash_list``, in the caller's transaction."""
    signals = [(k, c) for k, v in withdrawal.signals if (c := _canonical(k, v)) is not None]
    media = _members_of(session, hash_list, signals)
    media -= _still_held(session, media, withdrawal.held)
    ids = sorted(media)
    removed = 0
    for start in range(0, len(ids), _CHUNK):
        done = session.execute(
            delete(HashListMember).where(
                HashListMember.list_id == hash_list.id,
                HashListMember.media_id.in_(ids[start : start + _CHUNK]),
            )
        )
        removed += int(getattr(done, "rowcount", 0) or 0)
    return removed
