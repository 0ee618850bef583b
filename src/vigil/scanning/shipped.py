"""A scan's known lists as one plain value for remote workers: the index arrays and the entries table,
no file handles, no locks. A distributed runner puts it into its object store once; every worker
rebuilds the indexes over those arrays (on Ray, views of the node's shared memory: no copy) once per
process, and matches its own batches by the same rule as the local runner's parent."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from vigil.index import ExactIndex, PdqIndex, snapshot
from vigil.index.live import LiveIndex
from vigil.index.vpdq import VpdqIndex
from vigil.scanning.matching import EntryInfo, KnownLists
from vigil.video.matching import Rule

#: The index classes a shipped index is rebuilt as, by class name.
_KINDS: dict[str, type[LiveIndex[Any]] | type[VpdqIndex]] = {
    cls.__name__: cls for cls in (PdqIndex, ExactIndex, VpdqIndex)
}
#: Where a video index's rule travels among its parameters (the workers match by the scan's rule).
_RULE: Final = "vigil_scan_rule"


@dataclass(frozen=True)
class ShippedIndex:
    kind: str
    signal: str
    count: int
    params: dict[str, Any]
    arrays: dict[str, npt.NDArray[Any]]


@dataclass(frozen=True)
class ShippedKnown:
    indexes: dict[str, ShippedIndex]
    #: Index row → entry, for a published list (entry ids, category numbers and their names).
    entries: dict[int, EntryInfo] | tuple[npt.NDArray[np.int64], npt.NDArray[np.int16], tuple[str, ...]]
    name: str | None
    #: Names this value in a worker's cache (the same value arrives with every task).
    key: str = field(default_factory=lambda: uuid.uuid4().hex)


class ShippedEntries(Mapping[int, EntryInfo]):
    """``known_lists.SnapshotEntries`` over shipped arrays."""

    def __init__(
        self,
        entry_ids: npt.NDArray[np.int64],
        categories: npt.NDArray[np.int16],
        names: tuple[str, ...],
        name: str,
    ) -> None:
        self._ids, self._categories, self._names, self._name = entry_ids, categories, names, name

    def __getitem__(self, row: int) -> EntryInfo:
        if not 0 <= row < len(self._ids):
            raise KeyError(row)
        number = int(self._categories[row])
        category = self._names[number] if number >= 0 else None
        return EntryInfo(list_name=self._name, category=category, entry_id=int(self._ids[row]))

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Any:
        return iter(range(len(self._ids)))


def ship(known: KnownLists) -> ShippedKnown | None:
    """The value to send; None when there is nothing to match against."""
    if not known.indexes:
        return None
    from vigil.scanning.known_lists import SnapshotEntries

    indexes = {}
    for name, index in known.indexes.items():
        if not isinstance(index, PdqIndex | ExactIndex | VpdqIndex):
            raise TypeError(f"cannot ship a {type(index).__name__} index to remote workers")
        count, params, arrays = index.snapshot_parts()
        if isinstance(index, VpdqIndex):
            params = {**params, _RULE: dataclasses.asdict(index.rule)}
        kind = type(index).__name__
        indexes[name] = ShippedIndex(kind, index.signal, count, params, arrays)
    entries: Any
    entries = known.entries.arrays() if isinstance(known.entries, SnapshotEntries) else dict(known.entries)
    return ShippedKnown(indexes, entries, known.name)


_opened: dict[str, KnownLists] = {}


def unship(shipped: ShippedKnown) -> KnownLists:
    """The known lists again, built once per process and value."""
    known = _opened.get(shipped.key)
    if known is None:
        indexes: dict[str, Any] = {}
        for name, part in shipped.indexes.items():
            snap = snapshot.Snapshot(
                Path(f"<shipped {part.signal} index>"),
                0,
                part.signal,
                part.count,
                part.params,
                part.arrays,
                {},
                0,
            )
            index = _KINDS[part.kind].from_snapshot(snap)
            if isinstance(index, VpdqIndex):
                index.rule = Rule(**part.params[_RULE])
            indexes[name] = index
        entries: Mapping[int, EntryInfo]
        if isinstance(shipped.entries, dict):
            entries = shipped.entries
        else:
            ids, categories, names = shipped.entries
            entries = ShippedEntries(ids, categories, names, shipped.name or "")
        known = KnownLists(indexes, entries, shipped.name)
        _opened.clear()  # one scan at a time per worker: drop an earlier scan's
        _opened[shipped.key] = known
    return known
