"""The reference multi-index-hashing query lists of Meta's PDQ (haystack and needles): every needle's
matches equal brute force, at every threshold the reference tools use and beyond."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.unit.index.oracle import brute
from vigil.index import PdqIndex

#: The team's shared folder lies beside the repository, in a developer's tree and in CI's clone alike.
CONFORMANCE = Path(__file__).resolve().parents[3].parent / "shared" / "conformance" / "pdq"


def _hashes(name: str) -> list[str]:
    path = CONFORMANCE / name
    if not path.is_file():
        pytest.skip(f"{path} not found (the shared folder lies beside the repository)")
    return [line.split(",")[0].strip() for line in path.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("strategy", ["auto", "mih"])
@pytest.mark.parametrize("threshold", [0, 8, 16, 31, 32, 48, 63, 64])
def test_needles_in_haystack(strategy: str, threshold: int) -> None:
    haystack, needles = _hashes("haystack.txt"), _hashes("needles.txt")
    assert len(haystack) == 1350 and len(needles) == 100
    index = PdqIndex.build(haystack, strategy=strategy)  # type: ignore[arg-type]
    stored = np.frombuffer(bytes.fromhex("".join(haystack)), dtype=np.uint8).reshape(-1, 32)
    queries = np.frombuffer(bytes.fromhex("".join(needles)), dtype=np.uint8).reshape(-1, 32)
    ids = list(range(len(haystack)))
    alive = [True] * len(haystack)
    expected = [brute(stored, ids, alive, q, threshold) for q in queries]
    assert index.query_many(needles, threshold) == expected
    if threshold == 31:
        assert sum(map(len, expected)) > 0  # the lists are built to match
