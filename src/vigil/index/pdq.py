"""PdqIndex: exact Hamming range search over PDQ hashes (multi-index hashing, see :mod:`vigil.index.mih`).

Memory: the hashes (32 bytes a row), the ids (8), one uint32 entry per row and chunk (11 chunks at 10 M
rows: 44 bytes) and the bucket directories (about 9 bytes a row): 93 bytes a row at 10 M, the same in
the snapshot file, which queries read in place.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Final, Literal, Self

import numpy as np
import numpy.typing as npt

from vigil.arrays import I64, U8, U64
from vigil.index import kernels, mih
from vigil.index.base import HashesLike, IdsLike, Match
from vigil.index.inputs import hash_array, id_array
from vigil.index.live import Hits, LiveIndex, cpus, frozen, no_hits
from vigil.signals.pdq import PDQ

SIGNAL: Final = PDQ.name
NBYTES: Final = 32
DEFAULT_THRESHOLD: Final = PDQ.default_threshold

#: ``auto``: probe the buckets or scan, whichever the cost model expects to be faster; ``mih``: probe
#: whenever possible (tests use it to exercise the buckets on small sets); ``scan``: compare every hash.
Strategy = Literal["auto", "mih", "scan"]
#: Called as ``progress(done, total)`` while a build buckets its chunks.
Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class PdqTable:
    """Rows of PDQ hashes as (n, 4) uint64 words, with their buckets (None: searched by scanning)."""

    words: U64
    layout: mih.Layout | None = None
    buckets: mih.Buckets | None = None


class PdqIndex(LiveIndex[PdqTable]):
    """Exact range search over PDQ hashes. Build with :meth:`build`, or :meth:`load` a snapshot."""

    def __init__(self, *, strategy: Strategy = "auto", chunks: int | None = None) -> None:
        self.strategy: Strategy = strategy
        #: Chunks of the multi-index hashing (None: chosen from the size at every build).
        self.chunks = chunks
        self._progress: Progress | None = None
        super().__init__(SIGNAL, NBYTES, DEFAULT_THRESHOLD)

    @classmethod
    def build(
        cls,
        hashes: HashesLike,
        ids: IdsLike | None = None,
        *,
        strategy: Strategy = "auto",
        chunks: int | None = None,
        progress: Progress | None = None,
    ) -> Self:
        """Index ``hashes`` (an (N, 32) uint8 array or hex strings) under ``ids`` (default 0..N-1).
        ``chunks`` overrides the number of chunks; ``progress(done, total)`` follows the bucketing."""
        index = cls(strategy=strategy, chunks=chunks)
        rows = hash_array(hashes, NBYTES, "PDQ")
        index._progress = progress
        try:
            index._init_main(rows, id_array(ids, rows.shape[0], 0))
        finally:
            index._progress = None
        return index

    def query_dihedral(self, hashes: HashesLike, threshold: int | None = None) -> list[Match]:
        """One answer for the dihedral hashes (or any several hashes) of one image: every id within
        ``threshold`` of any of them, at its smallest distance, sorted by (distance, id)."""
        return self._query_merged(hashes, threshold)

    @classmethod
    def signals(cls) -> frozenset[str]:
        return frozenset({SIGNAL})

    @classmethod
    def _empty(cls, signal: str) -> Self:
        return cls()

    def _block(self, hashes: U8, *, main: bool) -> PdqTable:
        words = frozen(np.ascontiguousarray(hashes).view("<u8"))
        if not main or words.shape[0] == 0:
            return PdqTable(words)
        layout = mih.Layout.for_size(words.shape[0], self.chunks)
        buckets = _bucket(words, layout, self._progress)
        return PdqTable(words, layout, mih.Buckets(frozen(buckets.dirs), frozen(buckets.entries)))

    def _hashes(self, struct: PdqTable) -> U8:
        return struct.words.view(np.uint8)

    def _search(self, struct: PdqTable, queries: U8, threshold: int) -> Hits:
        words = struct.words
        if words.shape[0] == 0:
            return no_hits()
        qwords = np.ascontiguousarray(queries).view("<u8")
        layout, buckets = struct.layout, struct.buckets
        probe = None
        if layout is not None and buckets is not None and self.strategy != "scan":
            probe = _plan(layout, threshold, words.shape[0], self.strategy == "mih")
        if probe is None or probe.scan:
            return _collect(
                lambda qs, oq, orow, od: kernels.scan_search(qs, threshold, words, oq, orow, od), qwords
            )
        assert layout is not None and buckets is not None
        starts, widths, low_bits = _layout_arrays(layout)
        entries = buckets.entries.reshape(-1)

        def run(qs: U64, oq: I64, orow: I64, od: I64) -> tuple[int, int, int]:
            return kernels.mih_search(
                qs, threshold, starts, widths, low_bits, probe.radius, buckets.dirs, _dir_base(layout),
                entries, probe.masks, probe.mask_pop, probe.mask_lo, probe.mask_hi, words, oq, orow, od,
            )  # fmt: skip

        return _collect(run, qwords)

    def _struct_arrays(self, struct: PdqTable) -> tuple[dict[str, Any], dict[str, npt.NDArray[Any]]]:
        layout, buckets = struct.layout, struct.buckets
        params: dict[str, Any] = {"layout": None}
        empty = np.zeros(0, dtype=np.uint32)
        arrays: dict[str, npt.NDArray[Any]] = {
            "hashes": self._hashes(struct),
            "dirs": empty,
            "entries": empty,
        }
        if layout is not None and buckets is not None:
            params["layout"] = {"widths": list(layout.widths), "prefix_bits": list(layout.prefix_bits)}
            arrays |= {"dirs": buckets.dirs, "entries": buckets.entries}
        return params, arrays

    @classmethod
    def _snapshot_arrays(cls) -> dict[str, str]:
        return {"hashes": "|u1", "dirs": "<u4", "entries": "<u4"}

    def _struct_from(self, params: dict[str, Any], arrays: dict[str, npt.NDArray[Any]]) -> PdqTable:
        hashes = arrays["hashes"]
        if hashes.ndim != 2 or hashes.shape[1] != NBYTES:
            raise ValueError("hashes have the wrong shape")
        words = frozen(hashes.view("<u8"))
        spec = params["layout"]
        if spec is None:
            if words.shape[0]:
                return self._block(np.array(hashes), main=True)
            return PdqTable(words)
        layout = mih.Layout(tuple(int(w) for w in spec["widths"]), tuple(int(p) for p in spec["prefix_bits"]))
        n = words.shape[0]
        if not layout.fits(n):
            raise ValueError("layout does not fit the rows")
        dirs, entries = arrays["dirs"], arrays["entries"]
        if dirs.shape != (int(layout.dir_base()[-1]),) or entries.shape != (layout.chunks, n):
            raise ValueError("bucket arrays do not match the layout")
        return PdqTable(words, layout, mih.Buckets(dirs, entries))

    def info(self) -> dict[str, Any]:
        out = super().info()
        layout = self._state.base.struct.layout
        if layout is not None:
            out["chunks"] = layout.chunks
            out["chunk_bits"] = list(layout.widths)
            out["bucket_bits"] = list(layout.prefix_bits)
        out["strategy"] = self.strategy
        return out


def _bucket(words: U64, layout: mih.Layout, progress: Progress | None) -> mih.Buckets:
    """:func:`mih.build` with the chunks spread over threads (the kernel releases the GIL)."""
    dirs, entries = mih.allocate(words.shape[0], layout)
    done = itertools.count(1)
    lock = threading.Lock()

    def step(c: int) -> None:
        mih.build_chunk(words, layout, c, dirs, entries)
        if progress is not None:
            with lock:
                progress(next(done), layout.chunks)

    with ThreadPoolExecutor(max_workers=min(cpus(), layout.chunks), thread_name_prefix="vigil-build") as pool:
        list(pool.map(step, range(layout.chunks)))
    return mih.Buckets(dirs, entries)


@functools.lru_cache(maxsize=256)
def _plan(layout: mih.Layout, threshold: int, n: int, force: bool) -> mih.Probe:
    return mih.plan(layout, threshold, n, force=force)


@functools.lru_cache(maxsize=64)
def _layout_arrays(layout: mih.Layout) -> tuple[Any, Any, Any]:
    return layout.arrays()


@functools.lru_cache(maxsize=64)
def _dir_base(layout: mih.Layout) -> Any:
    return layout.dir_base()


def _collect(run: Callable[[U64, I64, I64, I64], tuple[int, int, int]], queries: U64) -> Hits:
    """Run a search kernel over every query, resuming with larger buffers where results did not fit."""
    parts: list[Hits] = []
    start = 0
    capacity = 64 + 8 * queries.shape[0]
    while True:
        oq = np.empty(capacity, dtype=np.int64)
        orow = np.empty(capacity, dtype=np.int64)
        od = np.empty(capacity, dtype=np.int64)
        done, written, need = run(queries[start:], oq, orow, od)
        parts.append(Hits(oq[:written] + start, orow[:written], od[:written]))
        start += int(done)
        if start >= queries.shape[0]:
            break
        capacity = max(2 * capacity, int(need))
    if len(parts) == 1:
        return parts[0]
    return Hits(*(np.concatenate([p[k] for p in parts]) for k in range(3)))
