"""Known content: fetched bytes matched against the hash database before any analyst sees them.

A match on a cryptographic hash, or a PDQ match through the published lists' index, names a media item;
its accepted category in the hotline's jurisdiction (or its baseline status) is the verdict, so the
case arrives classified and nobody views that material again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.hashlists.catalog import load_catalog
from vigil.hashlists.models import HashListEntry, Media
from vigil.hashlists.votes import media_status
from vigil.signals.content import FileSignals


@dataclass(frozen=True)
class KnownContent:
    media_id: int
    jurisdiction: str
    scheme: str
    category: str
    verdict: str
    #: ``sha256``, ``md5``, ``sha1`` or ``pdq``.
    matched_on: str


class PdqLookup(Protocol):
    def media_for(self, session: Session, pdq: str) -> Sequence[int]:
        """Media ids whose PDQ is within the lists' threshold of ``pdq``, nearest first."""
        ...


class MatcherPdqLookup:
    """PDQ matching through :class:`vigil.matching.Matcher` (the published lists' indexes)."""

    def __init__(self, matcher: object, threshold: int | None = None) -> None:
        self._matcher = matcher
        self._threshold = threshold

    def media_for(self, session: Session, pdq: str) -> Sequence[int]:
        from vigil.matching import Matcher

        assert isinstance(self._matcher, Matcher)
        found = self._matcher.lookup("pdq", [pdq], self._threshold)[0]
        if not found:
            return []
        ids = [m.entry_id for m in found]
        rows: dict[int, int] = {
            entry_id: media_id
            for entry_id, media_id in session.execute(
                select(HashListEntry.id, HashListEntry.media_id).where(HashListEntry.id.in_(ids))
            )
        }
        return list(dict.fromkeys(rows[i] for i in ids if i in rows))


def _media_by_digest(session: Session, signals: FileSignals) -> tuple[Media, str] | None:
    clauses = []
    for kind in ("sha256", "md5", "sha1"):
        value = getattr(signals, kind)
        if value:
            clauses.append(getattr(Media, kind) == value)
    if not clauses:
        return None
    for media in session.execute(select(Media).where(or_(*clauses))).scalars():
        kind = next(k for k in ("sha256", "md5", "sha1") if getattr(signals, k) == getattr(media, k))
        return media, kind
    return None


def classify(session: Session, media: Media, jurisdiction: str, matched_on: str) -> KnownContent | None:
    """The verdict the hash database gives ``media`` under ``jurisdiction``; None when it gives none."""
    catalog = load_catalog(session)
    place = catalog.jurisdictions.get(jurisdiction)
    status = media_status(session, catalog, media)
    for accepted in status.accepted:
        if place is not None and accepted.jurisdiction_id == place.id:
            scheme = catalog.scheme_by_id(accepted.scheme_id)
            code = next(c.code for c in scheme.categories.values() if c.id == accepted.category_id)
            verdict = place.verdicts.get(accepted.category_id, "undetermined")
            return KnownContent(media.id, jurisdiction, scheme.name, code, verdict, matched_on)
    if status.baseline:
        return KnownContent(media.id, jurisdiction, "interpol-baseline", "baseline", "illegal", matched_on)
    return None


def match_known(
    session: Session, signals: FileSignals, jurisdiction: str, pdq: PdqLookup | None = None
) -> tuple[int | None, KnownContent | None]:
    """(media id, verdict) for fetched content: the id when the item is known at all, the verdict when
    the database classifies it for ``jurisdiction``."""
    found = _media_by_digest(session, signals)
    if found is not None:
        media, kind = found
        return media.id, classify(session, media, jurisdiction, kind)
    if pdq is not None and signals.pdq:
        for media_id in pdq.media_for(session, signals.pdq):
            near = session.get(Media, media_id)
            if near is not None:
                return near.id, classify(session, near, jurisdiction, "pdq")
    return None, None
