"""ExactIndex: equality search over cryptographic digests (md5, sha1, sha256).

Rows keep their order; beside them, the first 8 bytes of every digest as a sorted uint64 key and the
row of each key. A lookup is a binary search on the keys, then a comparison of the whole digest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Self

import numpy as np
import numpy.typing as npt

from vigil.arrays import U8, U32, U64
from vigil.index.base import HashesLike, IdsLike
from vigil.index.inputs import hash_array, id_array
from vigil.index.live import Hits, LiveIndex, frozen, no_hits

#: Digest width in bytes of each signal this index takes.
WIDTHS: Final = {"md5": 16, "sha1": 20, "sha256": 32}


@dataclass(frozen=True, slots=True)
class DigestTable:
    digests: U8  # (n, nbytes), row order
    keys: U64  # sorted
    order: U32  # row of each sorted key


def _keys(digests: U8) -> U64:
    head = np.ascontiguousarray(digests[:, :8])
    return head.view(">u8").reshape(-1).astype(np.uint64)


class ExactIndex(LiveIndex[DigestTable]):
    """Equality search over md5, sha1 or sha256 digests. Matches are at distance 0; the threshold is
    accepted for a uniform API and does not widen equality."""

    def __init__(self, signal: str = "sha256", nbytes: int | None = None) -> None:
        super().__init__(signal, nbytes or _width(signal), 0)

    @classmethod
    def build(
        cls,
        hashes: HashesLike,
        ids: IdsLike | None = None,
        *,
        signal: str | None = None,
        nbytes: int | None = None,
    ) -> Self:
        """Index ``hashes`` (an (N, width) uint8 array or hex strings) under ``ids`` (default 0..N-1);
        ``signal`` defaults to the one the digests' width implies; ``nbytes`` to the signal type's width."""
        if signal is None:
            hashes, signal = _guess_signal(hashes)
        index = cls(signal, nbytes)
        rows = hash_array(hashes, index._nbytes, signal)
        index._init_main(rows, id_array(ids, rows.shape[0], 0))
        return index

    @classmethod
    def signals(cls) -> frozenset[str]:
        from vigil.signals.registry import exact_types

        return frozenset(WIDTHS) | {n for n, s in exact_types().items() if s.bits % 8 == 0 and s.bits}

    @classmethod
    def _empty(cls, signal: str) -> Self:
        return cls(signal)

    def _block(self, hashes: U8, *, main: bool) -> DigestTable:
        digests = frozen(np.ascontiguousarray(hashes))
        keys = _keys(digests)
        order = np.argsort(keys, kind="stable")
        return DigestTable(digests, frozen(keys[order]), frozen(order.astype(np.uint32)))

    def _hashes(self, struct: DigestTable) -> U8:
        return struct.digests

    def _search(self, struct: DigestTable, queries: U8, threshold: int) -> Hits:
        n = struct.digests.shape[0]
        if n == 0:
            return no_hits()
        qkeys = _keys(queries)
        lo = np.searchsorted(struct.keys, qkeys, side="left")
        hi = np.searchsorted(struct.keys, qkeys, side="right")
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            return no_hits()
        qidx = np.repeat(np.arange(queries.shape[0], dtype=np.int64), counts)
        positions = np.arange(total) + np.repeat(lo - (np.cumsum(counts) - counts), counts)
        rows = struct.order[positions].astype(np.int64)
        # A corrupt snapshot may point outside the rows: such hits are dropped, never read.
        inside = rows < n
        qidx, rows = qidx[inside], rows[inside]
        same = np.all(struct.digests[rows] == queries[qidx], axis=1)
        return Hits(qidx[same], rows[same], np.zeros(int(same.sum()), dtype=np.int64))

    def _struct_arrays(self, struct: DigestTable) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
        return {}, {"digests": struct.digests, "keys": struct.keys, "order": struct.order}

    @classmethod
    def _snapshot_arrays(cls) -> dict[str, str]:
        return {"digests": "|u1", "keys": "<u8", "order": "<u4"}

    def _struct_from(self, params: dict[str, Any], arrays: dict[str, npt.NDArray[Any]]) -> DigestTable:
        digests, keys, order = arrays["digests"], arrays["keys"], arrays["order"]
        n = digests.shape[0]
        if digests.ndim != 2 or digests.shape[1] != self._nbytes or keys.shape != (n,) or order.shape != (n,):
            raise ValueError("digest arrays do not match")
        return DigestTable(digests, keys, order)


def _width(signal: str) -> int:
    """Width in bytes of an exact signal: the built-in digests', or a registered type's."""
    if signal in WIDTHS:
        return WIDTHS[signal]
    from vigil.signals.registry import exact_types

    found = exact_types().get(signal)
    if found is None or not found.bits or found.bits % 8:
        raise ValueError(f"unknown exact signal {signal!r}; expected one of {sorted(ExactIndex.signals())}")
    return found.bits // 8


def _guess_signal(hashes: HashesLike) -> tuple[HashesLike, str]:
    """The signal whose width the first digest has (and ``hashes`` again, materialised if it was an
    iterator)."""
    if isinstance(hashes, np.ndarray):
        width = hashes.shape[1] if hashes.ndim == 2 else -1
    else:
        items: list[Any] = list(hashes)
        hashes = items
        first = items[0] if items else ""
        width = len(first) // 2 if isinstance(first, str) else len(first)
    by_width = {w: s for s, w in WIDTHS.items()}
    if width not in by_width:
        raise ValueError("cannot tell md5, sha1 or sha256 from these digests; pass signal=")
    return hashes, by_width[width]
