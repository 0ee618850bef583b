"""What every index offers: the Match it answers with and the Index protocol (PDQ, exact digests, ...)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, NamedTuple, Protocol, Self, runtime_checkable

import numpy as np
import numpy.typing as npt

from vigil.errors import Invalid

#: One hash: hex text, raw bytes, or a 1-D uint8 array of the hash's bytes.
HashLike = str | bytes | npt.NDArray[np.uint8]
#: Many hashes: an (N, nbytes) uint8 array, or an iterable of hex text (or bytes).
HashesLike = npt.NDArray[np.uint8] | Iterable[str] | Iterable[bytes]
IdsLike = npt.ArrayLike


class Match(NamedTuple):
    """A stored item within the threshold of a query. Lists of matches are sorted by (distance, id)."""

    id: int
    distance: int


class SnapshotError(Invalid):
    """A snapshot file that cannot be loaded: not a snapshot, truncated, corrupt, or from a newer Vigil."""


class SnapshotFormatError(SnapshotError):
    """A sound snapshot in a format this Vigil no longer (or not yet) reads: built from the same rows
    again, it would load."""


@runtime_checkable
class Index(Protocol):
    """A searchable set of (hash, id) rows of one signal type.

    Ids need not be unique: an id may carry several hashes, and a query reports each id once, at the
    smallest distance of its hashes. ``len`` counts live rows. Queries may run in any number of threads
    while another thread adds, removes or compacts.
    """

    @property
    def signal(self) -> str:
        """The signal type's stable name (``pdq``, ``md5``, ...)."""
        ...

    @classmethod
    def build(cls, hashes: HashesLike, ids: IdsLike | None = None) -> Self: ...

    @classmethod
    def load(cls, path: str | Path) -> Self: ...

    def query(self, h: HashLike, threshold: int = ...) -> list[Match]: ...

    def query_many(self, hs: HashesLike, threshold: int = ...) -> list[list[Match]]: ...

    def add(self, hashes: HashesLike, ids: IdsLike | None = None) -> None: ...

    def remove(self, ids: IdsLike) -> int:
        """Remove every row of these ids; returns how many rows were removed."""
        ...

    def compact(self) -> None:
        """Fold added rows into the main structure and drop removed ones."""
        ...

    def save(self, path: str | Path) -> None: ...

    def __len__(self) -> int: ...


class SingleSignal:
    """What an index of exactly one signal type says of it (``class X(SingleSignal, signal=NAME)``): the
    composite indexes, whose inner PDQ index is theirs alone, unlike a live index, which takes any type of
    its family."""

    _signal_type: ClassVar[str]

    def __init_subclass__(cls, *, signal: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._signal_type = signal

    @property
    def signal(self) -> str:
        return self._signal_type

    @classmethod
    def signals(cls) -> frozenset[str]:
        return frozenset({cls._signal_type})
