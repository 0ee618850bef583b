"""Scan items against what is known, by the rule every caller shares (``vigil.matching.content``):
digests exactly, PDQ (with its 8 dihedral variants) by Hamming distance, videos by the vPDQ rule. A
wider 'near' radius finds unknown images that resemble a known series."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from vigil.matching.content import Lookup, match_signals
from vigil.scanning.pipeline import Match, ScanItem
from vigil.signals import registry
from vigil.video.matching import VideoMatch


@dataclass(frozen=True, slots=True)
class EntryInfo:
    """What the report may say of a known-list entry (never its media)."""

    list_name: str | None = None
    category: str | None = None
    series: str | None = None
    #: The list entry's own id, when the index numbers rows rather than entries.
    entry_id: int | None = None


@dataclass
class KnownLists:
    """Everything a scan matches against; empty means every item is unknown."""

    #: Indexes by signal type name (a list's snapshot, or standalone index files).
    indexes: dict[str, Lookup] = field(default_factory=dict)
    entries: Mapping[int, EntryInfo] = field(default_factory=dict)
    name: str | None = None

    def _match(self, signal_type: str, row: int, distance: int, detail: object | None = None) -> Match:
        info = self.entries.get(row) or EntryInfo(list_name=self.name)
        entry_id = row if info.entry_id is None else info.entry_id
        ranges = None
        if isinstance(detail, VideoMatch):
            ranges = [[r.start, r.end] for r in detail.query_ranges]
        return Match(
            signal_type, entry_id, distance, info.list_name or self.name, info.category, info.series, ranges
        )

    def match(self, items: Sequence[ScanItem], threshold: int, near_threshold: int) -> None:
        """Fill ``matches`` (within ``threshold``) and ``near`` (up to ``near_threshold``) of ``items``,
        through the one matching rule (``vigil.matching.content.match_signals``)."""
        if not self.indexes:
            return
        radius = max(threshold, near_threshold)
        # A video index answers by its own rule (VIGIL_VPDQ_*, set when it was loaded): the PDQ radii
        # are not a distance between frames, and a video it answers has matched, whatever its distance
        # (100 - query %); there is no "near" video.
        videos = registry.video_types()
        radii: dict[str, int | None] = {name: None for name in videos}
        found = match_signals([self.indexes], [i.signals for i in items], radius, dihedral=True, radii=radii)
        for item, hits in zip(items, found, strict=True):
            for hit in hits:
                match = self._match(hit.signal, hit.id, hit.distance, hit.detail)
                known = hit.distance <= threshold or hit.signal in videos
                (item.matches if known else item.near).append(match)
