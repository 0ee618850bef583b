"""The contract every index implements (vigil.index.base.Index), run against each implementation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from tests.unit.index.oracle import uniform
from vigil.index import ExactIndex, Index, Match, PdqIndex
from vigil.index.live import LiveIndex

Factory = Callable[..., LiveIndex[object]]
CASES = {
    "pdq": (32, lambda h, ids=None: PdqIndex.build(h, ids)),
    "pdq-mih": (32, lambda h, ids=None: PdqIndex.build(h, ids, strategy="mih")),
    "md5": (16, lambda h, ids=None: ExactIndex.build(h, ids, signal="md5")),
    "sha1": (20, lambda h, ids=None: ExactIndex.build(h, ids, signal="sha1")),
    "sha256": (32, lambda h, ids=None: ExactIndex.build(h, ids, signal="sha256")),
}


@pytest.fixture(params=sorted(CASES))
def case(request: pytest.FixtureRequest) -> tuple[int, Factory]:
    return CASES[request.param]  # type: ignore[return-value]


def test_is_an_index(case: tuple[int, Factory]) -> None:
    width, build = case
    assert isinstance(build(uniform(np.random.default_rng(0), 3, width)), Index)


def test_finds_stored_hashes_in_every_input_form(case: tuple[int, Factory]) -> None:
    width, build = case
    stored = uniform(np.random.default_rng(1), 200, width)
    index = build([bytes(h).hex().upper() for h in stored], np.arange(200) + 10)
    assert len(index) == 200
    assert index.query(stored[17], 0) == [Match(27, 0)]
    assert index.query(bytes(stored[17]).hex())[0] == Match(27, 0)
    assert index.query(bytes(stored[17]))[0] == Match(27, 0)
    answers = index.query_many([bytes(h).hex() for h in stored[::-1]], 0)
    assert [a[0].id for a in answers] == list(range(209, 9, -1))
    assert index.query_many(np.zeros((0, width), dtype=np.uint8)) == []


def test_duplicates_and_shared_ids(case: tuple[int, Factory]) -> None:
    width, build = case
    h = uniform(np.random.default_rng(2), 1, width)
    index = build(np.repeat(h, 4, axis=0), [5, 3, 5, 9])
    assert index.query(h[0], 0) == [Match(3, 0), Match(5, 0), Match(9, 0)]  # each id once, by id


def test_add_remove_len(case: tuple[int, Factory]) -> None:
    width, build = case
    stored = uniform(np.random.default_rng(3), 20, width)
    index = build(stored[:10])
    index.add(stored[10:], list(range(100, 110)))
    assert len(index) == 20 and index.query(stored[15], 0) == [Match(105, 0)]
    assert index.remove([105, 3, 12345]) == 2
    assert len(index) == 18 and index.query(stored[15], 0) == [] and index.query(stored[3], 0) == []
    index.compact()
    assert len(index) == 18 and index.query(stored[16], 0) == [Match(106, 0)]


def test_snapshot_round_trip(case: tuple[int, Factory], tmp_path: Path) -> None:
    width, build = case
    stored = uniform(np.random.default_rng(4), 50, width)
    index = build(stored)
    index.remove([7])
    index.save(tmp_path / "i.vidx")
    loaded = type(index).load(tmp_path / "i.vidx")
    assert loaded.signal == index.signal and len(loaded) == 49
    assert loaded.query_many(stored, 0) == index.query_many(stored, 0)


def test_bad_input_is_refused(case: tuple[int, Factory]) -> None:
    width, build = case
    index = build(uniform(np.random.default_rng(5), 5, width))
    for bad in ("00" * (width - 1), "zz" * width, "00 " * width, "0 " * width):
        with pytest.raises(ValueError, match="hex digits"):
            index.query(bad)
    with pytest.raises(ValueError, match="threshold"):
        index.query("00" * width, -1)
    with pytest.raises(ValueError, match="uint8 array"):
        index.add(np.zeros((2, width + 1), dtype=np.uint8))
    with pytest.raises(ValueError, match="ids"):
        index.add(np.zeros((2, width), dtype=np.uint8), [1])
    with pytest.raises(TypeError):
        index.add("00" * width)
