"""One list version as files: an index snapshot per signal type, and the entries table that maps index
ids (row numbers) to entry ids and categories. Everything loads by memory-mapping.

Layout of a version's folder (named by :attr:`PublishedVersion.key`)::

    pdq.vidx  md5.vidx  sha1.vidx  sha256.vidx    index snapshots, one per indexed signal type of the
    vpdq.vidx  ...                                registry (a type without hashes has none)
    entries.vidx                                  entry_ids (int64), categories (int16, -1: none)

The folder is built beside its final place and renamed into it, so a reader never sees half of it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np

from vigil.arrays import I16, I64
from vigil.index import AnyIndex, SnapshotError, SnapshotFormatError, VpdqIndex, load_index, snapshot
from vigil.matching.entries import EntryRow, PublishedVersion
from vigil.matching.signals import lookup_signals
from vigil.signals.registry import IDENTITY_DIGESTS, indexed_types
from vigil.video.matching import Rule

ENTRIES_SIGNAL: Final = "vigil-list-entries"
_ENTRY_ARRAYS: Final = {"entry_ids": "<i8", "categories": "<i2"}
#: Snapshot folders kept per list besides the current one (other API processes may still map them).
KEEP_OLD: Final = 1


class StaleSnapshotError(SnapshotError):
    """A snapshot folder built under other settings than this process's (a video index whose frames
    were kept at another quality threshold) or by another Vigil (an index format it does not read):
    rebuild it."""


@dataclass(frozen=True)
class ListSnapshot:
    """A loaded list version: its indexes and entries, all backed by mapped files."""

    version: PublishedVersion
    indexes: dict[str, AnyIndex]
    entry_ids: I64
    categories: I16
    #: Category names ("vics-us:1") by their number in ``categories``.
    category_names: tuple[str, ...]
    path: Path

    def entry(self, row: int) -> tuple[int, str | None]:
        """Entry id and category ("scheme:code") of index id ``row``."""
        number = int(self.categories[row])
        return int(self.entry_ids[row]), (self.category_names[number] if number >= 0 else None)


@dataclass
class _Collected:
    entry_ids: list[int]
    categories: list[int]
    category_names: dict[str, int]
    hashes: dict[str, list[str]]
    rows: dict[str, list[int]]


def _collect(rows: Iterable[EntryRow]) -> _Collected:
    kinds = lookup_signals()
    out = _Collected([], [], {}, {s: [] for s in kinds}, {s: [] for s in kinds})
    # Identity digests are columns of the entry; every other indexed type is among its signals.
    columns = [k for k in kinds if k in IDENTITY_DIGESTS]
    others = [k for k in kinds if k not in IDENTITY_DIGESTS]
    for number, row in enumerate(rows):
        out.entry_ids.append(row.entry_id)
        name = f"{row.scheme}:{row.category}" if row.category else None
        out.categories.append(
            -1 if name is None else out.category_names.setdefault(name, len(out.category_names))
        )
        for kind in columns:
            value = getattr(row, kind)
            if value:
                out.hashes[kind].append(value)
                out.rows[kind].append(number)
        for kind in others:
            for value in row.signals.get(kind, ()):
                out.hashes[kind].append(value)
                out.rows[kind].append(number)
    return out


def build(
    folder: Path, version: PublishedVersion, rows: Iterable[EntryRow], video_rule: Rule | None = None
) -> Path:
    """Write the snapshot folder of ``version`` under ``folder``; returns its path. Video indexes keep
    frames by ``video_rule``'s quality threshold (pytx's default when None)."""
    target = folder / version.key
    tmp = folder / f".{version.key}.{os.getpid()}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    types = indexed_types()
    try:
        data = _collect(rows)
        if len(data.category_names) > np.iinfo(np.int16).max:
            raise ValueError("too many categories in one list")
        for kind, values in data.hashes.items():
            if not values:
                continue
            ids = np.asarray(data.rows[kind], dtype=np.int64)
            index: AnyIndex
            if video_rule is not None and kind in VpdqIndex.signals():
                index = VpdqIndex.from_values(values, ids, rule=video_rule)
            else:
                index = types[kind].build_index(values, ids)
            index.save(tmp / f"{kind}.vidx")
            del index  # one index in memory at a time
        names = sorted(data.category_names, key=data.category_names.__getitem__)
        snapshot.write(
            tmp / "entries.vidx",
            ENTRIES_SIGNAL,
            len(data.entry_ids),
            {"categories": names, "list": version.name, "version": version.version, "digest": version.digest},
            {
                "entry_ids": np.asarray(data.entry_ids, dtype=np.int64),
                "categories": np.asarray(data.categories, dtype=np.int16),
            },
        )
        if target.exists():  # built meanwhile by another process: theirs is as good
            shutil.rmtree(tmp)
        else:
            os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def load(path: Path, version: PublishedVersion, video_rule: Rule | None = None) -> ListSnapshot:
    """Map a snapshot folder (O(1) in its size: pages are read as queries touch them). Video indexes
    match by ``video_rule`` (pytx's defaults when None); StaleSnapshotError when one kept its frames at
    another quality threshold."""
    entries = snapshot.read(path / "entries.vidx", frozenset({ENTRIES_SIGNAL}), _ENTRY_ARRAYS)
    params: dict[str, Any] = entries.params
    names = tuple(str(n) for n in params.get("categories", []))
    entry_ids, categories = entries.arrays["entry_ids"], entries.arrays["categories"]
    if entry_ids.shape != categories.shape or (categories.size and int(categories.max()) >= len(names)):
        raise SnapshotError(f"{path}: entries table is corrupt")
    indexes: dict[str, AnyIndex] = {}
    for kind in lookup_signals():
        file = path / f"{kind}.vidx"
        if file.exists():
            try:
                index = load_index(file)
            except SnapshotFormatError as exc:
                raise StaleSnapshotError(str(exc)) from exc
            index.auto_compact = False  # read-only: the next version replaces it whole
            if isinstance(index, VpdqIndex) and video_rule is not None:
                if index.quality != video_rule.quality:
                    raise StaleSnapshotError(
                        f"{file}: video frames kept at quality {index.quality}, "
                        f"configured {video_rule.quality}"
                    )
                index.rule = video_rule
            indexes[kind] = index
    return ListSnapshot(version, indexes, entry_ids, categories, names, path)


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """Serialise builds between the API's processes: the first builds, the others then load its files."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".build.lock").open("a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def prune(folder: Path, current: PublishedVersion) -> None:
    """Remove older snapshot folders of ``current``'s list, keeping :data:`KEEP_OLD` of them.

    Removing a folder another process still maps is safe: the mapping holds the files until it ends.
    """
    prefix = f"{current.list_id}-v"
    older: list[tuple[int, Path]] = []
    for path in folder.glob(f"{prefix}*"):
        try:
            number = int(path.name[len(prefix) :].split("-", 1)[0])
        except ValueError:
            continue
        if path.name != current.key and number <= current.version:
            older.append((number, path))
    for _, path in sorted(older, reverse=True)[KEEP_OLD:]:
        shutil.rmtree(path, ignore_errors=True)
