"""Brute-force answers and benign test data (random bit patterns, never images) for the index tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from vigil.index import Match

U8 = npt.NDArray[np.uint8]


def distances(stored: U8, query: U8) -> npt.NDArray[np.int64]:
    """Hamming distance from ``query`` (nbytes,) to every row of ``stored`` (n, nbytes)."""
    if stored.shape[0] == 0:
        return np.zeros(0, dtype=np.int64)
    counts: npt.NDArray[np.int64] = np.unpackbits(stored ^ query, axis=1).sum(axis=1, dtype=np.int64)
    return counts


def brute(stored: U8, ids: Sequence[int], alive: Sequence[bool], query: U8, threshold: int) -> list[Match]:
    """Every live id within ``threshold`` of ``query``, at its smallest distance, sorted (distance, id)."""
    best: dict[int, int] = {}
    for ident, dist, ok in zip(ids, distances(stored, query).tolist(), alive, strict=True):
        if ok and dist <= threshold:
            best[ident] = min(dist, best.get(ident, dist))
    return sorted((Match(i, d) for i, d in best.items()), key=lambda m: (m.distance, m.id))


def flip(rng: np.random.Generator, h: U8, k: int) -> U8:
    """``h`` with exactly ``k`` distinct bits flipped."""
    bits = np.unpackbits(h)
    where = rng.choice(bits.shape[0], size=k, replace=False)
    bits[where] ^= 1
    return np.packbits(bits)


def uniform(rng: np.random.Generator, n: int, nbytes: int = 32) -> U8:
    return rng.integers(0, 256, size=(n, nbytes), dtype=np.uint8)


def clustered(rng: np.random.Generator, n: int, centers: int, max_flips: int) -> U8:
    """Skewed data as real PDQ sets are: near-duplicate clusters around a few centres (one of them
    near-blank, like flat images), with many rows sharing whole chunks of bits with their centre."""
    centres = uniform(rng, centers)
    centres[0] = 0  # near-blank
    if centers > 1:
        centres[1] = np.frombuffer(bytes.fromhex("f0" * 32), dtype=np.uint8)
    out = np.empty((n, 32), dtype=np.uint8)
    for i in range(n):
        c = centres[rng.integers(0, centers)]
        if rng.random() < 0.3:
            # Only a few bytes redrawn: the rest of the chunks stay exactly the centre's.
            row = c.copy()
            where = rng.choice(32, size=int(rng.integers(1, 6)), replace=False)
            row[where] = rng.integers(0, 256, size=where.shape[0], dtype=np.uint8)
            out[i] = row
        else:
            out[i] = flip(rng, c, int(rng.integers(0, max_flips + 1)))
    return out


def queries_near(rng: np.random.Generator, stored: U8, count: int, max_flips: int) -> U8:
    """Queries: half near stored rows (0..max_flips bits away), half uniform random."""
    out = uniform(rng, count)
    if stored.shape[0]:
        for i in range(0, count, 2):
            out[i] = flip(rng, stored[rng.integers(0, stored.shape[0])], int(rng.integers(0, max_flips + 1)))
    return out
