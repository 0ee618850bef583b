"""PdqIndex against a brute-force oracle: uniform and skewed data, duplicates, adds, removes, every
threshold from 0 to 64, every search strategy and several chunkings."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.index.oracle import brute, clustered, flip, queries_near, uniform
from vigil.index import PdqIndex

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
Kind = Literal["uniform", "clustered", "duplicates"]


def data(seed: int, n: int, kind: Kind) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if kind == "uniform":
        return uniform(rng, n)
    if kind == "clustered":
        return clustered(rng, n, centers=int(rng.integers(1, 5)), max_flips=40)
    base = uniform(rng, max(1, n // 4))
    return base[rng.integers(0, base.shape[0], size=n)]  # many exact duplicates


@pytest.mark.slow
@FAST
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 300),
    kind=st.sampled_from(["uniform", "clustered", "duplicates"]),
    threshold=st.integers(0, 64),
    chunks=st.sampled_from([None, 8, 11, 13, 16, 32]),
    strategy=st.sampled_from(["mih", "auto", "scan"]),
)
def test_query_equals_brute_force(
    seed: int,
    n: int,
    kind: Kind,
    threshold: int,
    chunks: int | None,
    strategy: Literal["mih", "auto", "scan"],
) -> None:
    stored = data(seed, n, kind)
    rng = np.random.default_rng(seed + 1)
    ids = rng.integers(-(2**40), 2**40, size=n).tolist() if n and rng.random() < 0.5 else list(range(n))
    index = PdqIndex.build(stored, ids, strategy=strategy, chunks=chunks)
    queries = queries_near(rng, stored, 12, max_flips=threshold + 8)
    answers = index.query_many(queries, threshold)
    alive = [True] * n
    for q, got in zip(queries, answers, strict=True):
        assert got == brute(stored, ids, alive, q, threshold)
    assert index.query(queries[0], threshold) == answers[0]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    ops=st.lists(
        st.one_of(
            st.tuples(st.just("add"), st.integers(1, 40)),
            st.tuples(st.just("remove"), st.integers(1, 10)),
            st.tuples(st.just("compact"), st.just(0)),
        ),
        max_size=8,
    ),
    threshold=st.integers(0, 64),
)
def test_adds_and_removes_match_brute_force(seed: int, ops: list[tuple[str, int]], threshold: int) -> None:
    rng = np.random.default_rng(seed)
    stored = clustered(rng, 120, centers=3, max_flips=30)
    ids = list(range(120))
    alive = [True] * 120
    index = PdqIndex.build(stored, ids, strategy="mih", chunks=11)
    index.auto_compact = False
    for op, k in ops:
        if op == "add":
            # New rows near existing ones; some reuse ids (an id may carry several hashes).
            new = np.stack(
                [flip(rng, stored[rng.integers(0, len(stored))], int(rng.integers(0, 20))) for _ in range(k)]
            )
            new_ids = [int(i) for i in rng.integers(0, 200, size=k)]
            index.add(new, new_ids)
            stored = np.concatenate([stored, new])
            ids += new_ids
            alive += [True] * k
        elif op == "remove":
            gone = {int(i) for i in rng.integers(0, 200, size=k)}
            removed = index.remove(sorted(gone))
            hit = [j for j, i in enumerate(ids) if i in gone and alive[j]]
            assert removed == len(hit)
            for j in hit:
                alive[j] = False
        else:
            index.compact()
        assert len(index) == sum(alive)
        queries = queries_near(rng, stored, 6, max_flips=threshold + 5)
        for q, got in zip(queries, index.query_many(queries, threshold), strict=True):
            assert got == brute(stored, ids, alive, q, threshold)


@pytest.mark.parametrize("threshold", range(65))
def test_every_threshold_on_skewed_data(
    threshold: int, skewed: tuple[np.ndarray, PdqIndex, PdqIndex]
) -> None:
    stored, forced, auto = skewed
    rng = np.random.default_rng(threshold)
    queries = queries_near(rng, stored, 16, max_flips=threshold + 4)
    ids = list(range(stored.shape[0]))
    alive = [True] * stored.shape[0]
    expected = [brute(stored, ids, alive, q, threshold) for q in queries]
    assert forced.query_many(queries, threshold) == expected
    assert auto.query_many(queries, threshold) == expected


@pytest.fixture(scope="module")
def skewed() -> tuple[np.ndarray, PdqIndex, PdqIndex]:
    rng = np.random.default_rng(7)
    stored = np.concatenate([clustered(rng, 1500, centers=6, max_flips=48), uniform(rng, 500)])
    return stored, PdqIndex.build(stored, strategy="mih"), PdqIndex.build(stored)


@FAST
@given(seed=st.integers(0, 2**32 - 1), threshold=st.integers(0, 64), variants=st.integers(1, 8))
def test_dihedral_query_merges_to_minimum_distance(seed: int, threshold: int, variants: int) -> None:
    rng = np.random.default_rng(seed)
    stored = clustered(rng, 200, centers=2, max_flips=40)
    ids = [int(i) for i in rng.integers(0, 60, size=200)]
    index = PdqIndex.build(stored, ids, strategy="mih")
    hashes = queries_near(rng, stored, variants, max_flips=40)
    best: dict[int, int] = {}
    for q in hashes:
        for m in brute(stored, ids, [True] * 200, q, threshold):
            best[m.id] = min(m.distance, best.get(m.id, m.distance))
    expected = sorted(best.items(), key=lambda kv: (kv[1], kv[0]))
    assert [(m.id, m.distance) for m in index.query_dihedral(hashes, threshold)] == expected
    hexes = [bytes(h).hex() for h in hashes]
    assert index.query_dihedral(hexes, threshold) == index.query_dihedral(hashes, threshold)


@pytest.mark.parametrize("strategy", ["mih", "scan"])
def test_results_larger_than_the_buffers(strategy: Literal["mih", "scan"]) -> None:
    """Near-blank collisions: thousands of rows match every query; the kernels resume with larger
    buffers instead of dropping or repeating results."""
    rng = np.random.default_rng(8)
    blank = np.zeros((1, 32), dtype=np.uint8)
    stored = np.concatenate([np.repeat(blank, 3000, axis=0), clustered(rng, 500, centers=2, max_flips=6)])
    index = PdqIndex.build(stored, strategy=strategy)
    queries = np.concatenate([blank, uniform(rng, 3), blank, stored[3000:3020]])
    ids = list(range(stored.shape[0]))
    alive = [True] * len(ids)
    answers = index.query_many(queries, 12)
    assert len(answers[0]) >= 3000
    assert answers == [brute(stored, ids, alive, q, 12) for q in queries]
