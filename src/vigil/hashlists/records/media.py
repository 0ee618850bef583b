"""One media item's record for investigators: hashes, signals, classifications, lists and victims."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.hashlists.catalog import load_catalog
from vigil.hashlists.media_kind import media_kind, signal_summary
from vigil.hashlists.models import (
    Classification,
    ClassificationScheme,
    Contributor,
    HashList,
    HashListEntry,
    Jurisdiction,
    Media,
    MediaSignal,
    MediaVictim,
    Victim,
)
from vigil.hashlists.votes import find_media, media_status


@dataclass(frozen=True)
class Vote:
    scheme: str
    code: str
    jurisdiction: str
    contributor: str
    analyst: str
    at: datetime


@dataclass
class MediaRecord:
    id: int
    sha256: str | None
    md5: str | None
    sha1: str | None
    size: int | None
    mime_type: str | None
    first_seen: datetime
    contributor: str
    signals: list[tuple[str, str, int | None]] = field(default_factory=list)
    votes: list[Vote] = field(default_factory=list)
    #: "scheme:code" accepted by each (scheme, jurisdiction) rule, most severe first.
    accepted: list[str] = field(default_factory=list)
    baseline: bool = False
    #: Lists whose latest published content holds the item.
    lists: list[str] = field(default_factory=list)
    victims: list[int] = field(default_factory=list)
    #: ``image``, ``video`` or ``file`` (hashlists/media_kind.py).
    kind: str = "file"

    @staticmethod
    def summary_of(signal_type: str, value: str) -> str | None:
        """A short account of a long value (a vPDQ's frames and span), or None."""
        return signal_summary(signal_type, value)


def media_record(session: Session, digest: str) -> MediaRecord:
    """The item with this MD5, SHA-1 or SHA-256 (MediaNotFoundError, a LookupError, when unknown)."""
    return record_of(session, find_media(session, digest))


def record_of(session: Session, media: Media) -> MediaRecord:
    contributor = session.get(Contributor, media.contributor_id)
    record = MediaRecord(
        media.id,
        media.sha256,
        media.md5,
        media.sha1,
        media.size,
        media.mime_type,
        media.first_seen,
        contributor.name if contributor else "",
    )
    record.signals = [
        (kind, value, quality)
        for kind, value, quality in session.execute(
            select(MediaSignal.signal_type, MediaSignal.value, MediaSignal.quality)
            .where(MediaSignal.media_id == media.id)
            .order_by(MediaSignal.id)
        )
    ]
    record.kind = media_kind(media.mime_type, [kind for kind, _, _ in record.signals])
    cl = Classification
    votes = session.execute(
        select(
            ClassificationScheme.name,
            cl.raw_code,
            Jurisdiction.code,
            Contributor.name,
            cl.analyst,
            cl.classified_at,
        )
        .join(ClassificationScheme, ClassificationScheme.id == cl.scheme_id)
        .join(Jurisdiction, Jurisdiction.id == cl.jurisdiction_id)
        .join(Contributor, Contributor.id == cl.contributor_id)
        .where(cl.media_id == media.id)
        .order_by(cl.classified_at, cl.id)
    )
    record.votes = [Vote(*row) for row in votes]
    catalog = load_catalog(session)
    status = media_status(session, catalog, media)
    for accepted in status.accepted:
        scheme = catalog.scheme_by_id(accepted.scheme_id)
        code = next(c.code for c in scheme.categories.values() if c.id == accepted.category_id)
        record.accepted.append(f"{scheme.name}:{code}")
    record.baseline = status.baseline
    ent = HashListEntry
    record.lists = sorted(
        set(
            session.execute(
                select(HashList.name)
                .join(ent, ent.list_id == HashList.id)
                .where(ent.media_id == media.id, ent.removed_in.is_(None))
            ).scalars()
        )
    )
    record.victims = sorted(
        session.execute(
            select(MediaVictim.victim_id)
            .join(Victim, Victim.id == MediaVictim.victim_id)
            .where(MediaVictim.media_id == media.id)
        ).scalars()
    )
    return record
