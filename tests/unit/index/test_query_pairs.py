"""query_pairs: every (query, id, distance) within the threshold, one per stored row, over the main
segment and the delta, without removed rows."""

from __future__ import annotations

import numpy as np
import pytest

from tests.unit.index.oracle import clustered, distances, queries_near
from vigil.index import ExactIndex, PdqIndex


def brute_pairs(
    stored: np.ndarray, ids: list[int], alive: list[bool], queries: np.ndarray, t: int
) -> list[tuple[int, int, int]]:
    out: list[tuple[int, int, int]] = []
    for q in range(queries.shape[0]):
        for row, d in enumerate(distances(stored, queries[q]).tolist()):
            if alive[row] and d <= t:
                out.append((q, ids[row], d))
    return sorted(out)


def as_list(hits: tuple[np.ndarray, np.ndarray, np.ndarray]) -> list[tuple[int, int, int]]:
    return sorted(zip(*(a.tolist() for a in hits), strict=True))


@pytest.mark.parametrize("strategy", ["mih", "scan"])
@pytest.mark.parametrize("threshold", [0, 20, 31, 50])
def test_pairs_of_a_live_pdq_index(strategy: str, threshold: int) -> None:
    rng = np.random.default_rng(threshold)
    stored = clustered(rng, 600, centers=3, max_flips=40)
    ids = [int(i) for i in rng.integers(0, 150, size=600)]  # ids repeat: one pair per row all the same
    index = PdqIndex.build(stored[:500], ids[:500], strategy=strategy)  # type: ignore[arg-type]
    index.auto_compact = False
    index.add(stored[500:], ids[500:])
    gone = {ids[3], ids[550]}
    index.remove(sorted(gone))
    alive = [i not in gone for i in ids]
    queries = queries_near(rng, stored, 40, 40)
    queries[1], queries[3] = stored[10], stored[520]  # exact copies, in the main segment and the delta
    want = brute_pairs(stored, ids, alive, queries, threshold)
    assert as_list(index.query_pairs(queries, threshold)) == want
    assert want, "some query should hit"
    index.compact()
    assert as_list(index.query_pairs(queries, threshold)) == want
    many = np.concatenate([queries] * 5)  # enough for several threads: query numbers must stay global
    assert as_list(index.query_pairs(many, threshold, threads=3)) == as_list(
        index.query_pairs(many, threshold, threads=1)
    )
    assert len(as_list(index.query_pairs(many, threshold, threads=3))) == 5 * len(want)


def test_pairs_of_an_empty_index_and_of_digests() -> None:
    assert as_list(PdqIndex.build(np.zeros((0, 32), dtype=np.uint8)).query_pairs(["0" * 64])) == []
    digests = ["a" * 32, "b" * 32, "a" * 32]
    index = ExactIndex.build(digests, [7, 8, 9], signal="md5")
    assert as_list(index.query_pairs(["a" * 32, "c" * 32])) == [(0, 7, 0), (0, 9, 0)]
    with pytest.raises(ValueError, match="threshold"):
        index.query_pairs(["a" * 32], 999)
