"""Multi-index hashing for 256-bit hashes: how the bits are cut into chunks, how each chunk is bucketed,
and which buckets a query at a given threshold visits.

The hash is cut into ``m`` chunks of ``w`` ≈ log2(N) bits, so that one chunk value holds about one stored
hash: fewer, longer chunks win, because verifying a candidate (a random read) dominates the cost. Each
chunk's table is a CSR array over the chunk's top ``p`` bits (``p`` ≈ log2(N) - 2, so a bucket holds a
few rows and its directory costs 4 bytes per bucket); the chunk's other ``w - p`` bits are packed with
the row number into one uint32 entry, so a probe reads one directory slot and one short run of entries.

Exactness is the pigeonhole principle: with per-chunk radii ``r_c`` such that ``sum(r_c + 1) > T``, a
stored hash within distance ``T`` of the query differs from it in at most ``r_c`` bits in some chunk
``c``, and probing every chunk value within ``r_c`` of the query's finds it. The radii are spread evenly
(a threshold of 31 over 11 chunks: ten chunks at radius 2, one at radius 1). When probing would cost more
than reading every hash, :func:`plan` chooses the scan instead, so any threshold up to 256 works.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

import numpy as np

from vigil.arrays import I64, U32, U64
from vigil.index import kernels

BITS: Final = 256
MIN_CHUNKS: Final = 8
MAX_CHUNKS: Final = 32
MAX_ROWS: Final = 1 << 30
#: Largest bucket directory: 2**28 buckets (1 GiB) per chunk.
MAX_PREFIX_BITS: Final = 28
#: log2 of the average rows per directory bucket. Measured at 10 M hashes: 2 gives ~3,400 q/s in
#: 530 MB of tables, 3 gives ~2,600 q/s in 490 MB, 0 (a bucket per chunk value) ~5,000 q/s in 810 MB.
ROWS_PER_BUCKET_LOG2: Final = 2
#: Never probe more masks than this per query: reading every hash is cheaper long before.
MAX_MASKS: Final = 2_000_000

# Rough costs in nanoseconds, fitted to measurements at 1 M and 10 M hashes, thresholds 0..64, on a
# 2-core x86 VM; only their ratios matter. The scan overtakes probing near threshold 56.
_COST_FIXED: Final = 2000.0
_COST_PROBE: Final = 35.0
_COST_ENTRY: Final = 14.0
_COST_CANDIDATE: Final = 42.0
_COST_SCAN_ROW: Final = 1.8


@dataclass(frozen=True, slots=True)
class Layout:
    """Where each chunk lies in the hash and how many of its bits the bucket directory uses."""

    widths: tuple[int, ...]
    prefix_bits: tuple[int, ...]

    def __post_init__(self) -> None:
        if not MIN_CHUNKS <= len(self.widths) <= MAX_CHUNKS or len(self.prefix_bits) != len(self.widths):
            raise ValueError(f"a layout has between {MIN_CHUNKS} and {MAX_CHUNKS} chunks")
        if sum(self.widths) > BITS:
            raise ValueError("the chunks cover more than 256 bits")
        for w, p in zip(self.widths, self.prefix_bits, strict=True):
            if not (1 <= p <= min(w, MAX_PREFIX_BITS) and w <= 32):
                raise ValueError(f"invalid chunk: width {w}, prefix bits {p}")

    @classmethod
    def for_size(
        cls, n: int, chunks: int | None = None, rows_per_bucket_log2: int = ROWS_PER_BUCKET_LOG2
    ) -> Layout:
        """The layout for ``n`` stored hashes (``chunks`` overrides the number of chunks)."""
        if not 0 <= n < MAX_ROWS:
            raise ValueError(f"an index holds at most {MAX_ROWS - 1} hashes")
        log2n = math.log2(max(n, 2))
        m = chunks or min(MAX_CHUNKS, max(MIN_CHUNKS, round(BITS / log2n)))
        widths = tuple(BITS // m + (1 if c < BITS % m else 0) for c in range(m))
        # The low bits share a 32-bit entry with the row number; the directory takes the rest.
        max_low = 32 - _row_bits(n)
        target = max(1, round(log2n) - rows_per_bucket_log2)
        prefix = tuple(min(w, MAX_PREFIX_BITS, max(w - max_low, target)) for w in widths)
        return cls(widths, prefix)

    def fits(self, n: int) -> bool:
        """Whether ``n`` row numbers fit beside the low bits in 32-bit entries."""
        return 0 <= n < MAX_ROWS and _row_bits(n) + max(self.low_bits) <= 32

    @property
    def chunks(self) -> int:
        return len(self.widths)

    @property
    def starts(self) -> tuple[int, ...]:
        return tuple(itertools.accumulate(self.widths, initial=0))[:-1]

    @property
    def low_bits(self) -> tuple[int, ...]:
        return tuple(w - p for w, p in zip(self.widths, self.prefix_bits, strict=True))

    def dir_base(self) -> I64:
        """Start of each chunk's directory in the concatenated directory array (chunks + 1 values)."""
        sizes = [(1 << p) + 1 for p in self.prefix_bits]
        return np.array([0, *itertools.accumulate(sizes)], dtype=np.int64)

    def arrays(self) -> tuple[I64, I64, I64]:
        """Starts, widths and low bits as the kernels take them."""
        return (
            np.array(self.starts, dtype=np.int64),
            np.array(self.widths, dtype=np.int64),
            np.array(self.low_bits, dtype=np.int64),
        )


def _row_bits(n: int) -> int:
    return max(1, (n - 1).bit_length())


@dataclass(frozen=True, slots=True)
class Buckets:
    """Every chunk's table. ``dirs``: the concatenated CSR offsets (:meth:`Layout.dir_base` gives each
    chunk's start); ``entries``: (chunks, n) uint32, each chunk's rows in bucket order as
    ``row << low_bits | low bits of the chunk``."""

    dirs: U32
    entries: U32


def allocate(n: int, layout: Layout) -> tuple[U32, U32]:
    """Uninitialised directory and entry arrays for ``n`` rows, for :func:`build_chunk` to fill."""
    if not layout.fits(n):
        raise ValueError("too many rows for this layout")
    dirs = np.empty(int(layout.dir_base()[-1]), dtype=np.uint32)
    return dirs, np.empty((layout.chunks, n), dtype=np.uint32)


def build_chunk(words: U64, layout: Layout, c: int, dirs: U32, entries: U32) -> None:
    """Bucket chunk ``c`` of ``words`` ((n, 4) uint64): a counting sort, O(n + buckets). Chunks write
    disjoint parts of ``dirs`` and ``entries``, so they may be built in parallel."""
    dir_base = layout.dir_base()
    kernels.bucket_entries(
        words,
        layout.starts[c],
        layout.widths[c],
        layout.low_bits[c],
        dirs[dir_base[c] : dir_base[c + 1]],
        entries[c],
    )


def build(words: U64, layout: Layout) -> Buckets:
    """Bucket every chunk of ``words``."""
    dirs, entries = allocate(words.shape[0], layout)
    for c in range(layout.chunks):
        build_chunk(words, layout, c, dirs, entries)
    return Buckets(dirs, entries)


@dataclass(frozen=True, slots=True)
class Probe:
    """What a query at one threshold visits: per chunk a radius and a slice of the flip masks; or, when
    ``scan`` is set, nothing (every hash is compared)."""

    radius: I64
    masks: U32
    mask_pop: I64
    mask_lo: I64
    mask_hi: I64
    scan: bool


@lru_cache(maxsize=128)
def _masks(bits: int, radius: int) -> tuple[U32, I64]:
    """Every ``bits``-bit mask with at most ``radius`` bits set, by popcount, and their popcounts."""
    masks: list[int] = []
    pops: list[int] = []
    for j in range(min(radius, bits) + 1):
        for combo in itertools.combinations(range(bits), j):
            masks.append(sum(1 << b for b in combo))
            pops.append(j)
    return np.array(masks, dtype=np.uint32), np.array(pops, dtype=np.int64)


def _ball(bits: int, radius: int) -> int:
    """Number of ``bits``-bit values within ``radius`` of a given one."""
    return sum(math.comb(bits, j) for j in range(min(radius, bits) + 1)) if radius >= 0 else 0


def _chunk_cost(layout: Layout, c: int, r: int, n: int) -> float:
    """Expected nanoseconds to probe chunk ``c`` at radius ``r`` over ``n`` uniformly random rows."""
    if r < 0:
        return 0.0
    w, p = layout.widths[c], layout.prefix_bits[c]
    probes = _ball(p, r)
    return probes * (_COST_PROBE + _COST_ENTRY * n / (1 << p)) + _COST_CANDIDATE * _ball(w, r) * n / (1 << w)


def radii(layout: Layout, threshold: int, n: int) -> list[int]:
    """Per-chunk radii with sum(r + 1) = threshold + 1: ``rem`` chunks at ``q``, the rest at ``q - 1``,
    the larger radius going where it adds the least cost."""
    q, rem = divmod(threshold + 1, layout.chunks)
    order = sorted(
        range(layout.chunks),
        key=lambda c: _chunk_cost(layout, c, q, n) - _chunk_cost(layout, c, q - 1, n),
    )
    larger = set(order[:rem])
    return [q if c in larger else q - 1 for c in range(layout.chunks)]


def plan(layout: Layout, threshold: int, n: int, *, force: bool = False) -> Probe:
    """How to answer a query at ``threshold`` over ``n`` rows: probes, or a scan when that is cheaper
    (``force``: probe whenever the masks are not absurdly many, for tests)."""
    if threshold < 0:
        raise ValueError("threshold must be >= 0")
    rs = radii(layout, threshold, n)
    nmasks = sum(_ball(p, r) for p, r in zip(layout.prefix_bits, rs, strict=True))
    cost = _COST_FIXED + sum(_chunk_cost(layout, c, r, n) for c, r in enumerate(rs))
    radius = np.array(rs, dtype=np.int64)
    if nmasks > MAX_MASKS or (not force and cost >= _COST_SCAN_ROW * n):
        none = np.zeros(0, dtype=np.int64)
        return Probe(radius, np.zeros(0, dtype=np.uint32), none, none, none, scan=True)
    parts = [_masks(p, r) for p, r in zip(layout.prefix_bits, rs, strict=True)]
    bounds = np.array([0, *itertools.accumulate(len(part[0]) for part in parts)], dtype=np.int64)
    return Probe(
        radius=radius,
        masks=np.concatenate([part[0] for part in parts]),
        mask_pop=np.concatenate([part[1] for part in parts]),
        mask_lo=bounds[:-1].copy(),
        mask_hi=bounds[1:].copy(),
        scan=False,
    )
