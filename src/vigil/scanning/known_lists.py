"""A published hash list of the database as what a scan matches against.

The list's latest version is opened through the same memory-mapped snapshots the API serves from
(``vigil.matching``), built on first use; a scan never loads a list's hashes into its own heap.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session, sessionmaker

from vigil.errors import NotFound
from vigil.matching import Matcher
from vigil.matching.snapshots import ListSnapshot
from vigil.scanning.matching import EntryInfo, KnownLists
from vigil.video.matching import Rule


class SnapshotEntries(Mapping[int, EntryInfo]):
    """Index row → what the report may say of that list entry, read from the mapped entries table."""

    def __init__(self, snap: ListSnapshot, name: str) -> None:
        self._snap = snap
        self._name = name

    def __getitem__(self, row: int) -> EntryInfo:
        if not 0 <= row < len(self._snap.entry_ids):
            raise KeyError(row)
        entry_id, category = self._snap.entry(row)
        return EntryInfo(list_name=self._name, category=category, entry_id=entry_id)

    def arrays(self) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int16], tuple[str, ...]]:
        """Entry ids, category numbers and names: what remote workers get (``scanning.shipped``)."""
        return self._snap.entry_ids, self._snap.categories, self._snap.category_names

    def __len__(self) -> int:
        return len(self._snap.entry_ids)

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self._snap.entry_ids)))


def known_from_list(
    sessions: sessionmaker[Session], folder: Path, name: str, video_rule: Rule | None = None
) -> KnownLists:
    """The latest published version of list ``name``; NotFound when it has none. ``folder`` is where
    the API keeps its snapshots (``Settings.list_snapshot_dir``), so both reuse each other's builds.
    ``video_rule``: how videos match (``Rule.from_settings``; pytx's defaults when None)."""
    matcher = Matcher(sessions, folder, poll_seconds=0, video_rule=video_rule)
    matcher.refresh()
    snap = matcher.lists().get(name)
    if snap is None:
        raise NotFound(f"hash list {name!r} has no published version (vigil lists publish {name})")
    return KnownLists(dict(snap.indexes), SnapshotEntries(snap, name), name)
