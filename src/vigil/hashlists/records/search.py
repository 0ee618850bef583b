"""Finding media items by a signal of any registered type, or by the signals of an uploaded file.

Exact values are looked up in the database (identity digests in their columns, other signals by the
SHA-256 of their value, as the importer stores them); near matches (PDQ within its threshold, over the
8 rotations and flips of an upload) come from the matcher's list indexes and are mapped back from the
published entries to their media items.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.hashlists.importer import signal_digest
from vigil.hashlists.models import HashListEntry, Media, MediaSignal
from vigil.matching.matcher import ListMatch
from vigil.signals.pdq import PDQ
from vigil.signals.registry import IDENTITY_DIGESTS, normalize, signal_type
from vigil.signals.values import Signals
from vigil.video.matching import VideoMatch


@dataclass(frozen=True)
class Hit:
    media_id: int
    sha256: str | None
    md5: str | None
    sha1: str | None
    #: How it was found: "md5", "pdq", ... (the signal type).
    signal: str
    #: 0 for an exact value; the Hamming distance of a near match.
    distance: int
    #: The list whose published entry matched (near matches), else None.
    list: str | None = None
    #: A video match's percentages and time ranges on both timelines (vPDQ near matches), else None.
    video: VideoMatch | None = None


def canonical(kind: str, value: str) -> str:
    """The value's canonical text; ValueError (an unknown type, or not a value of it) otherwise."""
    signal_type(kind)
    return normalize(kind, value.strip())


def _media(session: Session, ids: Iterable[int]) -> dict[int, tuple[str | None, str | None, str | None]]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(select(Media.id, Media.sha256, Media.md5, Media.sha1).where(Media.id.in_(wanted)))
    return {r.id: (r.sha256, r.md5, r.sha1) for r in rows}


def exact(session: Session, values: Iterable[tuple[str, str]]) -> list[Hit]:
    """Media holding any of these (type, canonical value) pairs."""
    found: dict[int, str] = {}
    signals: list[tuple[str, str]] = []
    for kind, value in values:
        if kind in IDENTITY_DIGESTS:
            column = getattr(Media, kind)
            for media_id in session.execute(select(Media.id).where(column == value)).scalars():
                found.setdefault(media_id, kind)
        else:
            signals.append((kind, signal_digest(value)))
    for kind, digest in signals:
        query = select(MediaSignal.media_id).where(
            MediaSignal.signal_type == kind, MediaSignal.digest == digest
        )
        for media_id in session.execute(query).scalars():
            found.setdefault(media_id, kind)
    rows = _media(session, found)
    return [Hit(i, *rows[i], found[i], 0) for i in sorted(found) if i in rows]


def near(session: Session, matches: Iterable[ListMatch]) -> list[Hit]:
    """Media behind the matcher's matches (published entries), closest first, each item once."""
    best: dict[int, ListMatch] = {}
    ordered = sorted(matches, key=lambda m: (m.distance, m.list, m.entry_id))
    entries = [m.entry_id for m in ordered]
    if not entries:
        return []
    pairs = session.execute(
        select(HashListEntry.id, HashListEntry.media_id).where(HashListEntry.id.in_(entries))
    )
    by_entry: dict[int, int] = {entry_id: media_id for entry_id, media_id in pairs}
    for match in ordered:
        media_id = by_entry.get(match.entry_id)
        if media_id is not None:
            best.setdefault(media_id, match)
    rows = _media(session, best)
    hits = [Hit(i, *rows[i], m.signal, m.distance, m.list, m.video) for i, m in best.items() if i in rows]
    return sorted(hits, key=lambda h: (h.distance, h.media_id))


def content_values(signals: Signals) -> list[tuple[str, str]]:
    """The (type, value) pairs of hashed content that the database can hold exactly."""
    out = [(kind, value) for kind in IDENTITY_DIGESTS if (value := signals.get(kind))]
    out += sorted((k, v) for k, v in signals.values.items() if k not in IDENTITY_DIGESTS and k != PDQ.name)
    if pdq := signals.get(PDQ.name):
        out.append((PDQ.name, pdq))
    return out


def merge(*groups: list[Hit]) -> list[Hit]:
    """One hit per item, the closest kept (exact before near); a video's time ranges are kept even when
    its exact value found it first (the same video found both ways)."""
    best: dict[int, Hit] = {}
    for hit in sorted((h for g in groups for h in g), key=lambda h: (h.distance, h.list or "", h.media_id)):
        kept = best.setdefault(hit.media_id, hit)
        if kept.video is None and hit.video is not None:
            best[hit.media_id] = dataclasses.replace(kept, video=hit.video)
    return sorted(best.values(), key=lambda h: (h.distance, h.media_id))
