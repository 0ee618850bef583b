"""Signals → candidates: exact PDQ range search and digest equality, live updates, mapped snapshots.

from vigil.index import PdqIndex, ExactIndex, Match
idx = PdqIndex.build(hashes)            # (N, 32) uint8 array or hex strings; ids default 0..N-1
idx.query(h, threshold=31)              # [Match(id, distance)], sorted by (distance, id)
idx.save(path); PdqIndex.load(path)     # load memory-maps the snapshot
"""

from __future__ import annotations

from pathlib import Path

from vigil.index import snapshot
from vigil.index.base import Index, Match, SnapshotError, SnapshotFormatError
from vigil.index.exact import ExactIndex
from vigil.index.pdq import PdqIndex
from vigil.index.regions import RegionIndex
from vigil.index.vpdq import VpdqIndex

#: What :func:`load_index` returns.
AnyIndex = PdqIndex | ExactIndex | RegionIndex | VpdqIndex


def load_index(path: str | Path, *, populate: bool = False, verify: bool = False) -> AnyIndex:
    """Load a snapshot of any signal type (see :meth:`PdqIndex.load`)."""
    signal = snapshot.peek_signal(path)
    if signal in RegionIndex.signals():
        return RegionIndex.load(path, populate=populate, verify=verify)
    if signal in VpdqIndex.signals():
        return VpdqIndex.load(path, populate=populate, verify=verify)
    if signal in PdqIndex.signals():
        return PdqIndex.load(path, populate=populate, verify=verify)
    if signal in ExactIndex.signals():
        return ExactIndex.load(path, populate=populate, verify=verify)
    raise SnapshotError(f"{path}: snapshot of unknown signal type {signal!r}")


__all__ = [
    "AnyIndex",
    "ExactIndex",
    "Index",
    "Match",
    "PdqIndex",
    "RegionIndex",
    "SnapshotError",
    "SnapshotFormatError",
    "VpdqIndex",
    "load_index",
]
