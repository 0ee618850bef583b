"""Known content: fetched bytes matched against the hash database before any analyst sees them.

Two sources name a media item. The hotline's own hash database, by cryptographic hash (an item it holds
need not be on any list yet); then the published lists, through :meth:`vigil.matching.Matcher.
match_content`, the one entry point the API's content lookups use too (digests, then PDQ over the 8
rotations and flips). The item's accepted category in the hotline's jurisdiction (or its baseline
status) is the verdict, so the case arrives classified and nobody views that material again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.hashlists.catalog import load_catalog
from vigil.hashlists.importer import signal_digest
from vigil.hashlists.models import HashListEntry, Media, MediaSignal
from vigil.hashlists.votes import media_status
from vigil.matching import ListMatch, Matcher
from vigil.signals.registry import IDENTITY_DIGESTS as DIGESTS
from vigil.signals.registry import extra_digest_types
from vigil.signals.values import Signals

if TYPE_CHECKING:
    from vigil.hotline.lifecycle import Lifecycle
    from vigil.hotline.models import Case

#: Verdicts from the most to the least consequential: a page is judged by its worst known item.
SEVERITY = ("illegal", "undetermined", "not_illegal")


@dataclass(frozen=True)
class KnownContent:
    media_id: int
    jurisdiction: str
    scheme: str
    category: str
    verdict: str
    #: ``sha256``, ``md5``, ``sha1`` or ``pdq``.
    matched_on: str
    #: PDQ Hamming distance to the listed item (0 for a digest).
    distance: int = 0


@dataclass(frozen=True)
class Identified:
    """What the hash database says of one piece of content: the media item it is (or None), and the
    verdict for the jurisdiction when the database gives one."""

    media_id: int | None = None
    known: KnownContent | None = None
    matched_on: str | None = None
    distance: int | None = None


def list_matches(matcher: Matcher | None, signals: Signals) -> list[ListMatch]:
    """The published lists' matches of ``signals`` (none without a matcher); outside any transaction."""
    if matcher is None or not signals:
        return []
    return matcher.match_content(signals, dihedral=True)


def _media_by_digest(session: Session, signals: Signals) -> tuple[Media, str] | None:
    clauses = [getattr(Media, k) == signals.get(k) for k in DIGESTS if signals.get(k)]
    if not clauses:
        return _media_by_signal(session, signals)
    for media in session.execute(select(Media).where(or_(*clauses))).scalars():
        kind = next(k for k in DIGESTS if signals.get(k) == getattr(media, k))
        return media, kind
    return _media_by_signal(session, signals)


def _media_by_signal(session: Session, signals: Signals) -> tuple[Media, str] | None:
    """A media item known by a plugin's digest (kept among its signals, not as a column)."""
    for kind in extra_digest_types():
        value = signals.get(kind)
        if not value:
            continue
        found = session.execute(
            select(Media)
            .join(MediaSignal, MediaSignal.media_id == Media.id)
            .where(MediaSignal.signal_type == kind, MediaSignal.digest == signal_digest(value))
            .order_by(Media.id)
            .limit(1)
        ).scalar_one_or_none()
        if found is not None:
            return found, kind
    return None


def classify(
    session: Session, media: Media, jurisdiction: str, matched_on: str, distance: int = 0
) -> KnownContent | None:
    """The verdict the hash database gives ``media`` under ``jurisdiction``; None when it gives none."""
    catalog = load_catalog(session)
    place = catalog.jurisdictions.get(jurisdiction)
    status = media_status(session, catalog, media)
    for accepted in status.accepted:
        if place is not None and accepted.jurisdiction_id == place.id:
            scheme = catalog.scheme_by_id(accepted.scheme_id)
            code = next(c.code for c in scheme.categories.values() if c.id == accepted.category_id)
            verdict = place.verdicts.get(accepted.category_id, "undetermined")
            return KnownContent(media.id, jurisdiction, scheme.name, code, verdict, matched_on, distance)
    if status.baseline:
        return KnownContent(
            media.id, jurisdiction, "interpol-baseline", "baseline", "illegal", matched_on, distance
        )
    return None


def identify(
    session: Session, signals: Signals, jurisdiction: str, matches: Sequence[ListMatch] = ()
) -> Identified:
    """The media item ``signals`` are, and its verdict: a digest in the hash database first, then the
    lists' ``matches`` nearest first; the first item with a verdict decides, else the nearest item is
    named without one."""
    found = _media_by_digest(session, signals)
    if found is not None:
        media, kind = found
        return Identified(media.id, classify(session, media, jurisdiction, kind), kind, 0)
    ids = list(dict.fromkeys(m.entry_id for m in matches))
    if not ids:
        return Identified()
    rows = session.execute(select(HashListEntry.id, HashListEntry.media_id).where(HashListEntry.id.in_(ids)))
    media_of: dict[int, int] = {entry_id: media_id for entry_id, media_id in rows}
    first: Identified | None = None
    seen: set[int] = set()
    for match in matches:
        media_id = media_of.get(match.entry_id)
        if media_id is None or media_id in seen:
            continue
        seen.add(media_id)
        item = session.get(Media, media_id)
        if item is None:
            continue
        known = classify(session, item, jurisdiction, match.signal, match.distance)
        if known is not None:
            return Identified(item.id, known, match.signal, match.distance)
        first = first or Identified(item.id, None, match.signal, match.distance)
    return first or Identified()


def worst(verdicts: Sequence[KnownContent]) -> KnownContent | None:
    """The most consequential of several known items' verdicts (a page's)."""
    ranked = sorted(verdicts, key=lambda k: SEVERITY.index(k.verdict) if k.verdict in SEVERITY else 1)
    return ranked[0] if ranked else None


#: Video matches written to a case's events: the nearest few are what an analyst reads.
VIDEO_MATCHES_RECORDED: Final = 10


def record_video_matches(
    lifecycle: Lifecycle,
    session: Session,
    case: Case,
    matches: Sequence[ListMatch],
    *,
    item: int | None = None,
) -> None:
    """A ``match.video`` event per list entry a fetched video matched (the reported URL's body, or the
    page item at position ``item``): the entry, the percentages and where in both videos the matching
    content is (seconds), so that the case says what matched where."""
    videos = [(m, m.video) for m in matches if m.video is not None]
    for match, video in videos[:VIDEO_MATCHES_RECORDED]:
        lifecycle.record(
            session,
            case,
            "match.video",
            "system",
            **({} if item is None else {"item": item}),
            list=match.list,
            version=match.version,
            entry_id=match.entry_id,
            distance=match.distance,
            query_percent=round(video.query_percent, 2),
            compared_percent=round(video.compared_percent, 2),
            query_ranges=[[r.start, r.end] for r in video.query_ranges],
            compared_ranges=[[r.start, r.end] for r in video.compared_ranges],
        )
