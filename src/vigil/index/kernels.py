"""Numba kernels of the PDQ index: multi-index-hashing search, brute-force scan, bucket building.

A hash is 256 bits packed as four uint64 words (the little-endian view of its 32 bytes). Bit ``b`` is bit
``b % 64`` of word ``b // 64``; a chunk is the run of bits ``[start, start + width)``.

The kernels never trust the arrays they read to be consistent (a snapshot may be corrupt or crafted):
every offset taken from the data is bounds-checked before it is used, so bad data gives wrong answers,
never a crash. Each search writes into caller-provided buffers and stops before the first query whose
results do not fit; the caller grows the buffers and resumes from there.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from llvmlite import ir  # type: ignore[import-untyped]
from numba import njit, types
from numba.core import cgutils as _cgutils
from numba.extending import intrinsic

# numba's helpers are untyped; the code generators below only pass LLVM values through them.
cgutils: Any = _cgutils

_ONE = np.uint64(1)
_FIRST_CANDIDATES = 8192


def _ctpop_typing(typingctx: Any, value: Any) -> Any:
    """The CPU's popcount instruction (numba has no popcount of its own)."""
    if not isinstance(value, types.Integer):
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.ctpop(args[0])

    return value(value), codegen


def _prefetch_typing(typingctx: Any, array: Any, index: Any) -> Any:
    """Ask the CPU to start loading ``array[index, 0, ...]`` into the cache (never faults).

    Candidates are random reads into arrays far larger than the cache; issuing all of a query's loads
    before using any of them lets the memory system serve them in parallel instead of one by one.
    """
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        array_type = signature.args[0]
        arr = context.make_array(array_type)(context, builder, args[0])
        zero = context.get_constant(types.intp, 0)
        idx = context.cast(builder, args[1], signature.args[1], types.intp)
        indices = [idx] + [zero] * (array_type.ndim - 1)
        ptr = cgutils.get_item_pointer(context, builder, array_type, arr, indices, wraparound=False)
        i32 = ir.IntType(32)
        raw = builder.bitcast(ptr, ir.IntType(8).as_pointer())
        # LLVM names the intrinsic after its pointer type, which is opaque from LLVM 15 on.
        name = "llvm.prefetch.p0" if getattr(raw.type, "is_opaque", False) else "llvm.prefetch.p0i8"
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [raw.type, i32, i32, i32]), name
        )
        builder.call(fn, [raw, i32(0), i32(3), i32(1)])  # read, keep in all cache levels, data
        return context.get_dummy_value()

    return types.void(array, index), codegen


_ctpop: Any = intrinsic(_ctpop_typing)
_prefetch: Any = intrinsic(_prefetch_typing)


@njit(cache=True)
def popcount(value: Any) -> Any:
    return np.int64(_ctpop(np.uint64(value)))


@njit(cache=True)
def distance(a: Any, i: Any, b: Any, j: Any) -> Any:
    """Hamming distance between row ``i`` of ``a`` and row ``j`` of ``b`` (both (n, 4) uint64)."""
    return (
        popcount(a[i, 0] ^ b[j, 0])
        + popcount(a[i, 1] ^ b[j, 1])
        + popcount(a[i, 2] ^ b[j, 2])
        + popcount(a[i, 3] ^ b[j, 3])
    )


@njit(cache=True)
def chunk_key(words: Any, i: Any, start: Any, width: Any) -> Any:
    word = start >> 6
    offset = start & 63
    value = words[i, word] >> np.uint64(offset)
    if offset + width > 64:
        value |= words[i, word + 1] << np.uint64(64 - offset)
    return value & ((_ONE << np.uint64(width)) - _ONE)


@njit(cache=True, nogil=True)
def bucket_entries(words: Any, start: int, width: int, low_bits: int, offsets: Any, entries: Any) -> None:
    """Bucket every row by the top bits of its chunk ``[start, start + width)`` with a stable counting
    sort: ``offsets`` (buckets + 1) receives the CSR offsets and ``entries`` the rows in bucket order, each
    as ``row << low_bits | the chunk's low bits``."""
    n = words.shape[0]
    nbuckets = offsets.shape[0] - 1
    shift = np.uint64(low_bits)
    low_mask = (_ONE << shift) - _ONE
    counts = np.zeros(nbuckets + 1, dtype=np.int64)
    for i in range(n):
        counts[np.int64(chunk_key(words, i, start, width) >> shift) + 1] += 1
    for b in range(nbuckets):
        counts[b + 1] += counts[b]
    for b in range(nbuckets + 1):
        offsets[b] = counts[b]
    for i in range(n):
        key = chunk_key(words, i, start, width)
        bucket = np.int64(key >> shift)
        entries[counts[bucket]] = (np.uint64(i) << shift) | (key & low_mask)
        counts[bucket] += 1


@njit(cache=True)
def _bucket_bounds(
    qkeys: Any, low_bits: Any, dirs: Any, dir_base: Any, masks: Any, mask_lo: Any, mask_hi: Any,
    entries: Any, n: int, los: Any, his: Any,
) -> None:  # fmt: skip
    """Phase 1: the entry range of every bucket to visit (clamped to the rows), prefetched."""
    for c in range(qkeys.shape[0]):
        prefix = qkeys[c] >> np.uint64(low_bits[c])
        base = dir_base[c]
        last = dir_base[c + 1] - base - 1
        lane = c * n
        for m in range(mask_lo[c], mask_hi[c]):
            bucket = np.int64(prefix ^ np.uint64(masks[m]))
            lo = np.int64(0)
            hi = np.int64(0)
            if bucket < last:
                lo = np.int64(dirs[base + bucket])
                hi = np.int64(dirs[base + bucket + 1])
                if hi > n:
                    hi = np.int64(n)
            los[m] = lo
            his[m] = hi
            if lo < hi:
                _prefetch(entries, lane + lo)
                _prefetch(entries, lane + hi - 1)


@njit(cache=True)
def _candidates(
    qkeys: Any, low_bits: Any, radius: Any, mask_pop: Any, mask_lo: Any, mask_hi: Any, entries: Any,
    los: Any, his: Any, hashes: Any, cand_row: Any, cand_chunk: Any,
) -> int:  # fmt: skip
    """Phase 2: the rows whose chunk is within the chunk's radius (the masks flip the bucket bits, the
    entry's low bits take the rest of the budget), their hashes prefetched. Returns how many there are;
    only as many as the buffers hold are stored."""
    n = hashes.shape[0]
    capacity = cand_row.shape[0]
    ncand = 0
    for c in range(qkeys.shape[0]):
        shift = np.uint64(low_bits[c])
        low_mask = (_ONE << shift) - _ONE
        qlow = qkeys[c] & low_mask
        lane = c * n
        for m in range(mask_lo[c], mask_hi[c]):
            budget = radius[c] - mask_pop[m]
            for pos in range(los[m], his[m]):
                entry = np.uint64(entries[lane + pos])
                row = np.int64(entry >> shift)
                if popcount((entry & low_mask) ^ qlow) > budget or row >= n:
                    continue
                if ncand < capacity:
                    _prefetch(hashes, row)
                    cand_row[ncand] = row
                    cand_chunk[ncand] = c
                ncand += 1
    return ncand


@njit(cache=True)
def _reached_before(
    hashes: Any, row: int, chunk: int, qkeys: Any, starts: Any, widths: Any, radius: Any
) -> bool:
    """Whether a chunk before ``chunk`` also reaches ``row`` (and so reports it)."""
    for e in range(chunk):
        if radius[e] >= 0 and popcount(chunk_key(hashes, row, starts[e], widths[e]) ^ qkeys[e]) <= radius[e]:
            return True
    return False


@njit(cache=True, nogil=True)
def mih_search(
    queries: Any, threshold: int, starts: Any, widths: Any, low_bits: Any, radius: Any, dirs: Any,
    dir_base: Any, entries: Any, masks: Any, mask_pop: Any, mask_lo: Any, mask_hi: Any, hashes: Any,
    out_query: Any, out_row: Any, out_dist: Any,
) -> tuple[int, int, int]:  # fmt: skip
    """Every stored row within ``threshold`` of each query, each reported once per query. Returns
    (queries done, results written, results the next query needs): the kernel stops before a query
    whose results do not fit, for the caller to resume with larger buffers.

    Chunk ``c`` is probed for the rows whose chunk differs from the query's in at most ``radius[c]`` bits
    (``-1``: not probed). A row is reported only from the first chunk that reaches it, which keeps the
    output free of duplicates without a set. Each query runs in three phases so that its random reads
    are issued together and served in parallel: bucket bounds, candidates, verification.
    """
    n = hashes.shape[0]
    capacity = out_row.shape[0]
    count = 0
    qkeys = np.empty(starts.shape[0], dtype=np.uint64)
    los = np.empty(masks.shape[0], dtype=np.int64)
    his = np.empty(masks.shape[0], dtype=np.int64)
    cand_row = np.empty(_FIRST_CANDIDATES, dtype=np.int64)
    cand_chunk = np.empty(_FIRST_CANDIDATES, dtype=np.int64)
    for q in range(queries.shape[0]):
        first = count
        for c in range(starts.shape[0]):
            qkeys[c] = chunk_key(queries, q, starts[c], widths[c])
        _bucket_bounds(qkeys, low_bits, dirs, dir_base, masks, mask_lo, mask_hi, entries, n, los, his)
        ncand = _candidates(
            qkeys,
            low_bits,
            radius,
            mask_pop,
            mask_lo,
            mask_hi,
            entries,
            los,
            his,
            hashes,
            cand_row,
            cand_chunk,
        )
        if ncand > cand_row.shape[0]:
            cand_row = np.empty(2 * ncand, dtype=np.int64)
            cand_chunk = np.empty(2 * ncand, dtype=np.int64)
            _candidates(
                qkeys,
                low_bits,
                radius,
                mask_pop,
                mask_lo,
                mask_hi,
                entries,
                los,
                his,
                hashes,
                cand_row,
                cand_chunk,
            )
        for k in range(ncand):
            row = cand_row[k]
            d = distance(queries, q, hashes, row)
            if d > threshold or _reached_before(hashes, row, cand_chunk[k], qkeys, starts, widths, radius):
                continue
            if count < capacity:
                out_query[count] = q
                out_row[count] = row
                out_dist[count] = d
            count += 1
        if count > capacity:
            return q, first, count - first
    return queries.shape[0], count, 0


#: Queries compared with each block of rows in one pass of a scan.
_SCAN_GROUP = 16
_SCAN_BLOCK = 4096


@njit(cache=True, nogil=True)
def scan_search(
    queries: Any, threshold: int, hashes: Any, out_query: Any, out_row: Any, out_dist: Any
) -> tuple[int, int, int]:
    """Brute force: every stored row within ``threshold`` of each query; returns as :func:`mih_search`.
    Rows are read in blocks that stay in the cache while a group of queries is compared with them."""
    capacity = out_row.shape[0]
    nq = queries.shape[0]
    count = 0
    for g in range(0, nq, _SCAN_GROUP):
        first = count
        for lo in range(0, hashes.shape[0], _SCAN_BLOCK):
            hi = min(lo + _SCAN_BLOCK, hashes.shape[0])
            for q in range(g, min(g + _SCAN_GROUP, nq)):
                for row in range(lo, hi):
                    d = distance(queries, q, hashes, row)
                    if d <= threshold:
                        if count < capacity:
                            out_query[count] = q
                            out_row[count] = row
                            out_dist[count] = d
                        count += 1
        if count > capacity:
            return g, first, count - first
    return nq, count, 0
