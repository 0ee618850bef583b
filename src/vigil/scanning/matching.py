"""Scan items against what is known: crypto digests exactly, PDQ (with its 8 dihedral variants) by
Hamming distance. A wider 'near' radius finds unknown images that resemble a known series."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from vigil.scanning.pipeline import Match, ScanItem
from vigil.signals.pdq import PDQ
from vigil.signals.registry import IDENTITY_DIGESTS


@dataclass(frozen=True, slots=True)
class EntryInfo:
    """What the report may say of a known-list entry (never its media)."""

    list_name: str | None = None
    category: str | None = None
    series: str | None = None
    #: The list entry's own id, when the index numbers rows rather than entries.
    entry_id: int | None = None


class Hit(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def distance(self) -> int: ...


class PdqLookup(Protocol):
    """The part of ``vigil.index.PdqIndex`` a scan needs."""

    def query_many(self, hashes: Sequence[str], threshold: int = ...) -> Sequence[Sequence[Hit]]: ...


class ExactLookup(Protocol):
    """The part of ``vigil.index.ExactIndex`` a scan needs."""

    def query_many(self, values: Sequence[str]) -> Sequence[Sequence[Hit]]: ...


@dataclass
class KnownLists:
    """Everything a scan matches against; empty means every item is unknown."""

    pdq: PdqLookup | None = None
    exact: dict[str, ExactLookup] = field(default_factory=dict)
    entries: Mapping[int, EntryInfo] = field(default_factory=dict)
    name: str | None = None

    def _match(self, signal_type: str, row: int, distance: int) -> Match:
        info = self.entries.get(row) or EntryInfo(list_name=self.name)
        entry_id = row if info.entry_id is None else info.entry_id
        return Match(signal_type, entry_id, distance, info.list_name or self.name, info.category, info.series)

    def match(self, items: Sequence[ScanItem], threshold: int, near_threshold: int) -> None:
        """Fill ``matches`` (within ``threshold``) and ``near`` (up to ``near_threshold``) of ``items``."""
        self._match_digests(items)
        if self.pdq is not None:
            self._match_pdq(self.pdq, items, threshold, near_threshold)

    def _match_digests(self, items: Sequence[ScanItem]) -> None:
        # Identity digests first, strongest first, so that an entry is reported on its SHA-256.
        order = {kind: n for n, kind in enumerate(IDENTITY_DIGESTS)}
        for signal_type, lookup in sorted(self.exact.items(), key=lambda kv: order.get(kv[0], len(order))):
            with_value = [i for i in items if i.digest(signal_type)]
            answers = lookup.query_many([str(i.digest(signal_type)) for i in with_value])
            for item, hits in zip(with_value, answers, strict=True):
                seen = {m.entry_id for m in item.matches}
                for hit in hits:
                    match = self._match(signal_type, hit.id, 0)
                    if match.entry_id not in seen:
                        seen.add(match.entry_id)
                        item.matches.append(match)

    def _match_pdq(
        self, pdq: PdqLookup, items: Sequence[ScanItem], threshold: int, near_threshold: int
    ) -> None:
        images = [i for i in items if i.pdq]
        queries: list[str] = []
        for item in images:
            queries.extend(item.pdq_dihedral or [item.pdq or ""])
        answers = pdq.query_many(queries, max(threshold, near_threshold))
        pos = 0
        for item in images:
            count = len(item.pdq_dihedral or [item.pdq])
            best: dict[int, int] = {}
            for answer in answers[pos : pos + count]:
                for hit in answer:
                    if hit.distance < best.get(hit.id, 999):
                        best[hit.id] = hit.distance
            pos += count
            known = {m.entry_id for m in item.matches}
            for row, distance in sorted(best.items(), key=lambda kv: (kv[1], kv[0])):
                match = self._match(PDQ.name, row, distance)
                if match.entry_id in known:
                    continue
                known.add(match.entry_id)
                (item.matches if distance <= threshold else item.near).append(match)
