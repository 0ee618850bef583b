"""Analysts' votes on a media item's category, and the status that follows from the scheme's rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.db.base import utcnow
from vigil.errors import NotFound
from vigil.formats.base import canonical_hash
from vigil.hashlists.acceptance import Accepted, Vote, accepted_categories, is_baseline
from vigil.hashlists.catalog import Catalog, CatalogError
from vigil.hashlists.models import Classification, Contributor, Media, Provenance
from vigil.signals.base import InvalidSignalError
from vigil.signals.registry import IDENTITY_DIGESTS, signal_type


class MediaNotFoundError(NotFound):
    pass


def find_media(session: Session, digest: str) -> Media:
    """The media item with this MD5, SHA-1 or SHA-256 (told apart by length)."""
    text = digest.strip().lower()
    kind = next((k for k in IDENTITY_DIGESTS if signal_type(k).bits // 4 == len(text)), None)
    if kind is None:
        raise MediaNotFoundError(f"not an MD5, SHA-1 or SHA-256: {digest[:80]!r}")
    try:
        text = canonical_hash(kind, text)
    except InvalidSignalError as exc:
        raise MediaNotFoundError(str(exc)) from None
    media = session.execute(select(Media).where(getattr(Media, kind) == text)).scalar_one_or_none()
    if media is None:
        raise MediaNotFoundError(f"no media with {kind} {text}")
    return media


def add_vote(
    session: Session,
    catalog: Catalog,
    media: Media,
    scheme: str,
    code: str,
    provenance: Provenance,
    analyst: str,
    jurisdiction: str | None = None,
    at: datetime | None = None,
) -> Classification:
    """One analyst's vote. A later vote of the same analyst supersedes theirs; others' are untouched."""
    info = catalog.scheme(scheme)
    if code not in info.categories:
        raise CatalogError(f"{code!r} is not a category of {scheme} ({info.describe_codes()})")
    contributor = session.get(Contributor, provenance.contributor_id)
    assert contributor is not None
    place = (
        catalog.jurisdiction(jurisdiction)
        if jurisdiction
        else catalog.default_jurisdiction(info, contributor.country)
    )
    if place.scheme_id != info.id:
        raise CatalogError(f"jurisdiction {place.code} does not classify with {scheme}")
    if not analyst.strip():
        raise CatalogError("a vote needs the analyst's name")
    vote = Classification(
        media_id=media.id,
        scheme_id=info.id,
        jurisdiction_id=place.id,
        category_id=info.categories[code].id,
        raw_code=code,
        contributor_id=contributor.id,
        analyst=analyst.strip(),
        classified_at=at or utcnow(),
        provenance_id=provenance.id,
    )
    session.add(vote)
    session.flush()
    return vote


@dataclass(frozen=True)
class MediaStatus:
    media_id: int
    accepted: list[Accepted]
    baseline: bool


#: What a :class:`~vigil.hashlists.acceptance.Vote` is read from, in its fields' order (joined with the
#: contributor, whose country is the vote's).
VOTE_COLUMNS = (
    Classification.scheme_id,
    Classification.jurisdiction_id,
    Classification.category_id,
    Classification.contributor_id,
    Classification.analyst,
    Contributor.country,
    Classification.classified_at,
    Classification.id,
)


def media_status(session: Session, catalog: Catalog, media: Media) -> MediaStatus:
    cl = Classification
    rows = session.execute(
        select(*VOTE_COLUMNS)
        .join(Contributor, Contributor.id == cl.contributor_id)
        .where(cl.media_id == media.id)
    )
    accepted = accepted_categories((Vote(*row) for row in rows), catalog)
    return MediaStatus(media.id, accepted, is_baseline(accepted, catalog))
