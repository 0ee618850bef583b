"""Live updates: adds matchable at once, tombstones, compaction (also while others write), threads."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest

from tests.unit.index.oracle import brute, queries_near, uniform
from vigil.index import PdqIndex
from vigil.index.pdq import PdqTable


def test_added_hashes_match_at_once_and_ids_continue() -> None:
    rng = np.random.default_rng(1)
    index = PdqIndex.build(uniform(rng, 1000))
    new = uniform(rng, 10_000)
    started = time.perf_counter()
    index.add(new)
    assert index.query(new[9_999], 0) == [(10_999, 0)]
    assert time.perf_counter() - started < 1.0
    assert len(index) == 11_000
    index.add(new[:1], [5])
    assert index.query(new[0], 0) == [(5, 0), (1000, 0)]
    index.add(new[:1])  # default ids continue after the largest seen
    assert index.query(new[0], 0)[-1] == (11_000, 0)


def test_remove_tombstones_every_row_of_an_id() -> None:
    rng = np.random.default_rng(2)
    stored = uniform(rng, 50)
    index = PdqIndex.build(stored, [1, 2] * 25)
    index.add(stored[:3], [3, 3, 1])
    assert index.remove([1]) == 26
    assert index.remove([1, 99]) == 0
    assert all(m.id != 1 for q in stored for m in index.query(q, 64))
    assert len(index) == 27
    index.add(stored[:1], [1])  # an id may come back
    assert index.query(stored[0], 0) == [(1, 0), (3, 0)]


def test_compaction_keeps_writes_made_while_it_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(3)
    stored = uniform(rng, 300)
    index = PdqIndex.build(stored[:200], range(200), strategy="mih")
    index.auto_compact = False
    index.add(stored[200:250], range(200, 250))
    index.remove([0, 210])
    entered, release = threading.Event(), threading.Event()
    block = PdqIndex._block

    def slow_block(self: PdqIndex, hashes: Any, *, main: bool) -> PdqTable:
        if main:
            entered.set()
            assert release.wait(10)
        return block(self, hashes, main=main)

    monkeypatch.setattr(PdqIndex, "_block", slow_block)
    thread = index.compact_in_background()
    assert entered.wait(10)
    # While the new main structure is being built: more adds and removes, old rows and new.
    index.add(stored[250:], range(250, 300))
    index.remove([1, 220, 260])
    assert index.query(stored[260], 0) == [] and index.query(stored[270], 0) == [(270, 0)]
    release.set()
    thread.join(10)
    assert not thread.is_alive() and index.compaction_error is None
    alive = [i not in (0, 1, 210, 220, 260) for i in range(300)]
    assert len(index) == sum(alive)
    info = index.info()
    assert info["main_rows"] == 248 and info["delta_rows"] == 50 and info["removed"] == 3
    for q in queries_near(rng, stored, 30, max_flips=40):
        assert index.query(q, 40) == brute(stored, range(300), alive, q, 40)


def test_auto_compaction_in_the_background() -> None:
    rng = np.random.default_rng(4)
    index = PdqIndex.build(uniform(rng, 500))
    index.delta_limit = 100
    new = uniform(rng, 150)
    index.add(new)
    index.wait_for_compaction(30)
    assert index.info()["delta_rows"] == 0 and index.info()["main_rows"] == 650
    assert index.query(new[3], 0) == [(503, 0)]


def test_queries_while_other_threads_add_remove_and_compact() -> None:
    rng = np.random.default_rng(5)
    stored = uniform(rng, 2000)
    index = PdqIndex.build(stored[:1000], range(1000))
    index.delta_limit = 150  # background compactions keep starting while the readers run
    added = [0]  # batches of 50 known to be added
    removed: set[int] = set()
    errors: list[BaseException] = []
    done = threading.Event()

    def writer() -> None:
        for b in range(20):
            lo = 1000 + 50 * b
            index.add(stored[lo : lo + 50], range(lo, lo + 50))
            added[0] = b + 1
            index.remove([b])  # ids 0..19 go away
            removed.add(b)
        done.set()

    def reader(seed: int) -> None:
        r = np.random.default_rng(seed)
        try:
            while not done.is_set():
                batches = added[0]
                gone = set(removed)
                row = int(r.integers(0, 1000 + 50 * batches))
                ids = [m.id for m in index.query(stored[row], 0)]
                if row in gone:
                    assert ids == []
                else:
                    assert ids == [row]
                if batches:
                    many = index.query_many(stored[1000 : 1000 + 50 * batches : 7], 0)
                    assert all(len(m) == 1 for m in many)
        except BaseException as exc:
            errors.append(exc)
            done.set()

    threads = [threading.Thread(target=reader, args=(s,)) for s in range(3)]
    threads.append(threading.Thread(target=writer))
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    index.wait_for_compaction(30)
    assert not errors, errors[0]
    assert index.compaction_error is None
    assert len(index) == 2000 - 20
    assert index.query(stored[1999], 0) == [(1999, 0)]
