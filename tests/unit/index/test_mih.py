"""The chunking and probing plan: exact by pigeonhole for every threshold, sensible sizes."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.unit.index.oracle import uniform
from vigil.index import mih


@pytest.mark.parametrize("n", [0, 1, 2, 100, 5_000, 1_000_000, 10_000_000, 100_000_000])
def test_layout_for_size(n: int) -> None:
    layout = mih.Layout.for_size(n)
    assert mih.MIN_CHUNKS <= layout.chunks <= mih.MAX_CHUNKS
    assert sum(layout.widths) == 256
    assert max(layout.widths) - min(layout.widths) <= 1
    assert layout.fits(n)
    # The directories stay around a few bytes a row (never gigabytes for a small index).
    assert int(layout.dir_base()[-1]) <= 4 * layout.chunks * max(n, 64)


def test_ten_million_hashes_use_eleven_chunks_of_23_or_24_bits() -> None:
    layout = mih.Layout.for_size(10_000_000)
    assert layout.chunks == 11
    assert set(layout.widths) == {23, 24}


@given(
    threshold=st.integers(0, 256),
    n=st.integers(0, 50_000_000),
    chunks=st.one_of(st.none(), st.integers(mih.MIN_CHUNKS, mih.MAX_CHUNKS)),
)
def test_radii_satisfy_pigeonhole(threshold: int, n: int, chunks: int | None) -> None:
    """sum(r + 1) > threshold: a hash within the threshold is within r_c of the query in some chunk."""
    layout = mih.Layout.for_size(n, chunks)
    radii = mih.radii(layout, threshold, n)
    assert sum(r + 1 for r in radii) == threshold + 1
    assert max(radii) - min(radii) <= 1


def test_plan_probes_at_31_and_scans_when_probing_costs_more() -> None:
    n = 10_000_000
    layout = mih.Layout.for_size(n)
    at31 = mih.plan(layout, 31, n)
    assert not at31.scan
    assert sorted(at31.radius.tolist()) == [1] + [2] * 10
    assert mih.plan(layout, 64, n).scan
    assert not mih.plan(layout, 64, n, force=True).scan
    tiny = mih.Layout.for_size(10)
    assert mih.plan(tiny, 31, 10).scan  # ten rows: comparing them all is cheaper
    with pytest.raises(ValueError, match="threshold"):
        mih.plan(layout, -1, n)


def test_masks_cover_the_ball_exactly_once() -> None:
    probe = mih.plan(mih.Layout((16,) * 8, (12,) * 8), 23, 1000, force=True)
    for c in range(8):
        masks = probe.masks[probe.mask_lo[c] : probe.mask_hi[c]]
        radius = int(probe.radius[c])
        assert len(set(masks.tolist())) == masks.shape[0] == sum(math.comb(12, j) for j in range(radius + 1))
        pops = [bin(int(m)).count("1") for m in masks]
        assert pops == probe.mask_pop[probe.mask_lo[c] : probe.mask_hi[c]].tolist()


@pytest.mark.parametrize(
    "bad", [((8,) * 7, (4,) * 7), ((40,) * 8, (8,) * 8), ((16,) * 8, (0,) * 8), ((33,) * 8, (9,) * 8)]
)
def test_invalid_layouts_are_refused(bad: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
    with pytest.raises(ValueError):
        mih.Layout(*bad)


@pytest.mark.slow
def test_buckets_hold_every_row_once_per_chunk() -> None:
    rng = np.random.default_rng(3)
    words = uniform(rng, 3000).view("<u8")
    layout = mih.Layout.for_size(3000, chunks=11)
    buckets = mih.build(words, layout)
    base = layout.dir_base()
    for c, low in enumerate(layout.low_bits):
        offsets = buckets.dirs[base[c] : base[c + 1]]
        assert offsets[0] == 0 and offsets[-1] == 3000 and np.all(np.diff(offsets.astype(np.int64)) >= 0)
        rows = buckets.entries[c] >> np.uint32(low)
        assert sorted(rows.tolist()) == list(range(3000))
        # Each row sits in the bucket of its chunk's top bits, with its low bits beside it.
        # Bit b of a hash is bit b % 8 of its byte b // 8 (the little-endian words' order).
        bits = np.unpackbits(words.view(np.uint8), axis=1, bitorder="little")[:, layout.starts[c] :]
        keys = (
            bits[:, : layout.widths[c]].astype(np.uint64) << np.arange(layout.widths[c], dtype=np.uint64)
        ).sum(axis=1, dtype=np.uint64)
        sizes: np.ndarray = np.diff(offsets.astype(np.int64))
        bucket_of_pos = np.repeat(np.arange(offsets.shape[0] - 1), sizes)
        assert np.array_equal(keys[rows] >> np.uint64(low), bucket_of_pos.astype(np.uint64))
        low_mask = np.uint32((1 << low) - 1)
        assert np.array_equal(
            (buckets.entries[c] & low_mask).astype(np.uint64), keys[rows] & np.uint64(low_mask)
        )
