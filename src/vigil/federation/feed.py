"""The change feed: a list's published versions as pages of records with provenance and tombstones.

A cursor is ``SINCE`` (everything after version SINCE, up to the latest version when asked) or
``SINCE.UNTIL.AFTER`` (the same, up to version UNTIL fixed by the first page, after media id AFTER). Its
order, (UNTIL, AFTER), only grows: each page's ``next_cursor`` is past the page's, and the last page of a
version hands out ``UNTIL`` itself, from which the next pull asks for what was published since. A page
is the list's delta (``hashlists.records.delta_pages``) with, per record, its provenance: the instance
and record id where it originated (this one unless it came in from a peer), its contributor, and
confirmations (distinct contributors whose vote names the entry's category).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.errors import Invalid
from vigil.federation.batches import PROTOCOL
from vigil.federation.models import MediaOrigin
from vigil.federation.policy import Direction
from vigil.formats.base import HashRecord
from vigil.hashlists.models import (
    Classification,
    ClassificationScheme,
    Contributor,
    HashList,
    HashListVersion,
    Media,
)
from vigil.hashlists.records.delta_pages import delta_page, records_at
from vigil.signals import registry


class CursorError(Invalid):
    pass


_MAX: int = 2**31 - 1


@dataclass(frozen=True)
class Cursor:
    since: int
    until: int | None = None
    after: int = 0

    def text(self) -> str:
        return str(self.since) if self.until is None else f"{self.since}.{self.until}.{self.after}"

    @classmethod
    def parse(cls, text: str) -> Cursor:
        parts = text.strip().split(".") if text.strip() else ["0"]
        if len(parts) not in (1, 3) or not all(p.isdigit() and len(p) <= 10 for p in parts):
            raise CursorError(f"cursor {text[:40]!r} is not SINCE or SINCE.UNTIL.AFTER")
        numbers = [int(p) for p in parts]
        if any(n > _MAX for n in numbers):
            raise CursorError(f"cursor {text[:40]!r} is out of range")
        if len(numbers) == 1:
            return cls(numbers[0])
        since, until, after = numbers
        if until < since:
            raise CursorError(f"cursor {text!r}: UNTIL is before SINCE")
        return cls(since, until, after)


def record_json(record: HashRecord, direction: Direction) -> dict[str, Any] | None:
    """The record as the feed sends it under ``direction``; None when nothing of it may go out."""
    out: dict[str, Any] = {}
    for name in registry.IDENTITY_DIGESTS:
        value = getattr(record, name)
        out[name] = value if value is not None and direction.signal_allowed(name) else None
    signals: dict[str, list[str]] = {}
    for kind, value in record.signals:
        if direction.signal_allowed(kind):
            signals.setdefault(kind, []).append(value)
    out["signals"] = signals
    if not signals and not any(out[name] for name in registry.IDENTITY_DIGESTS):
        return None
    if not direction.category_allowed(record.scheme, record.category):
        return None
    shared = direction.scheme_allowed(record.scheme)
    out["size"] = record.size
    out["category"] = record.category if shared else None
    out["scheme"] = record.scheme if shared else None
    if record.mime_type is not None:
        # Only when known: a batch of records without one stays what an earlier version sent.
        out["mime_type"] = record.mime_type
    return out


def record_from_json(data: dict[str, Any]) -> HashRecord:
    signals = [
        (str(kind), str(value))
        for kind, values in sorted((data.get("signals") or {}).items())
        for value in values
    ]
    size = data.get("size")
    record = HashRecord(
        size=int(size) if isinstance(size, int) and not isinstance(size, bool) else None,
        category=_text(data.get("category")),
        scheme=_text(data.get("scheme")),
        mime_type=_text(data.get("mime_type")),
        signals=signals,
    )
    for name in registry.IDENTITY_DIGESTS:
        setattr(record, name, _text(data.get(name)))
    return record


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _provenance(
    session: Session, keys: list[int], instance: str
) -> tuple[dict[int, tuple[str, int]], dict[int, str], dict[tuple[int, str, str], int]]:
    if not keys:
        return {}, {}, {}
    first = (
        select(MediaOrigin.media_id, func.min(MediaOrigin.id).label("first"))
        .where(MediaOrigin.media_id.in_(keys))
        .group_by(MediaOrigin.media_id)
        .subquery()
    )
    origins = {
        media_id: (origin, int(record))
        for media_id, origin, record in session.execute(
            select(MediaOrigin.media_id, MediaOrigin.origin_instance, MediaOrigin.origin_record).join(
                first, MediaOrigin.id == first.c.first
            )
        )
    }
    contributors = {
        media_id: name
        for media_id, name in session.execute(
            select(Media.id, Contributor.name)
            .join(Contributor, Contributor.id == Media.contributor_id)
            .where(Media.id.in_(keys))
        )
    }
    confirmations = {
        (media_id, scheme, code): int(n)
        for media_id, scheme, code, n in session.execute(
            select(
                Classification.media_id,
                ClassificationScheme.name,
                Classification.raw_code,
                func.count(func.distinct(Classification.contributor_id)),
            )
            .join(ClassificationScheme, ClassificationScheme.id == Classification.scheme_id)
            .where(Classification.media_id.in_(keys))
            .group_by(Classification.media_id, ClassificationScheme.name, Classification.raw_code)
        )
    }
    return origins, contributors, confirmations


def feed_page(
    session: Session,
    hash_list: HashList,
    cursor: Cursor,
    limit: int,
    direction: Direction,
    *,
    instance: str,
    audience: str | None,
    nonce: str | None,
) -> dict[str, Any]:
    """The unsigned body of one batch (``batches.seal`` signs it)."""
    page = delta_page(session, hash_list, cursor.since, cursor.until, cursor.after, limit)
    served = Cursor(page.since, page.until, cursor.after)
    keys = [key for key, _ in page.items]
    origins, contributors, confirmations = _provenance(session, keys, instance)
    shared_now = {
        key: record_json(record, direction) if record is not None else None for key, record in page.items
    }
    # A tombstone goes only to a peer that was sent the record: one the version it already has (the
    # cursor's SINCE) shared with it under this policy. Otherwise it would learn of a record it was
    # never meant to see.
    before = records_at(session, hash_list, page.since, [k for k, v in shared_now.items() if v is None])
    items: list[dict[str, Any]] = []
    for key, record in page.items:
        origin_instance, origin_record = origins.get(key, (instance, key))
        if audience is not None and origin_instance == audience:
            continue  # the peer's own record: never sent back to where it came from
        item: dict[str, Any] = {
            "key": key,
            "origin": {"instance": origin_instance, "record": origin_record},
        }
        shared = shared_now[key]
        if record is not None and shared is not None:
            item["record"] = shared
            item["contributor"] = contributors.get(key)
            item["confirmations"] = confirmations.get((key, record.scheme or "", record.category or ""), 0)
        elif key in before and record_json(before[key], direction) is not None:
            item["record"] = None  # a tombstone: retracted, or no longer shared with this peer
        else:
            continue  # never sent to this peer: nothing to take back
        items.append(item)
    done = page.next_cursor is None
    following = Cursor(page.until) if done else Cursor(page.since, page.until, page.next_cursor or 0)
    digest = session.execute(
        select(HashListVersion.digest).where(
            HashListVersion.list_id == hash_list.id, HashListVersion.version == page.until
        )
    ).scalar_one()
    return {
        "protocol": PROTOCOL,
        "instance": instance,
        "list": hash_list.name,
        "cursor": served.text(),
        "next_cursor": following.text(),
        "complete": done,
        "version": page.until,
        "version_digest": digest,
        "audience": audience,
        "nonce": nonce,
        "issued_at": datetime.now(UTC).isoformat(),
        "signal_types": sorted(t for t in registry.signal_types() if direction.signal_allowed(t)),
        # Under which outgoing filter this batch was cut: a puller that sees it change copies the list
        # again (a narrower filter retracts what it no longer allows, a wider one sends what it adds).
        "terms": direction.terms(),
        "items": items,
    }
