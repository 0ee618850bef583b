"""The known lists as remote workers get them: plain arrays that survive pickling (as an object
store's copy does) and match exactly as the lists they came from."""

from __future__ import annotations

import pickle

import numpy as np

from vigil.index import ExactIndex, PdqIndex
from vigil.scanning.matching import EntryInfo, KnownLists
from vigil.scanning.pipeline import ScanItem
from vigil.scanning.shipped import ShippedEntries, ship, unship
from vigil.signals.values import Signals

RNG = np.random.default_rng(18)


def random_pdq() -> str:
    return bytes(RNG.integers(0, 256, 32, dtype=np.uint8)).hex()


def flipped(h: str, bits: int) -> str:
    return f"{int(h, 16) ^ ((1 << bits) - 1):064x}"


def items(hashes: list[str], md5: str) -> list[ScanItem]:
    out = [ScanItem(i, f"f{i}", signals=Signals(1, {"pdq": h}, {"pdq": 100})) for i, h in enumerate(hashes)]
    out.append(ScanItem(len(out), "digest", signals=Signals(1, {"md5": md5})))
    return out


def test_shipped_lists_match_like_the_originals() -> None:
    known_hashes = [random_pdq() for _ in range(200)]
    md5 = "0" * 31 + "1"
    known = KnownLists(
        {"pdq": PdqIndex.build(known_hashes, ids=range(100, 300)), "md5": ExactIndex.build([md5], ids=[7])},
        {101: EntryInfo(list_name="l", category="cat", series="s")},
        "l",
    )
    queries = [flipped(known_hashes[1], 5), flipped(known_hashes[2], 40), random_pdq()]
    shipped = ship(known)
    assert shipped is not None
    remote = unship(pickle.loads(pickle.dumps(shipped)))
    assert remote is not known
    want, got = items(queries, md5), items(queries, md5)
    known.match(want, 31, 48)
    remote.match(got, 31, 48)
    assert [i.to_json() for i in got] == [i.to_json() for i in want]
    assert got[0].matches[0].category == "cat" and got[1].near and got[-1].matches[0].entry_id == 7
    # One build per process and value: the next task reuses it.
    assert unship(shipped) is unship(shipped)


def test_nothing_to_ship_without_indexes() -> None:
    assert ship(KnownLists()) is None


def test_shipped_entries_of_a_list() -> None:
    entries = ShippedEntries(
        np.array([5, 6], dtype=np.int64), np.array([0, -1], dtype=np.int16), ("vics:1",), "list"
    )
    assert entries[0] == EntryInfo(list_name="list", category="vics:1", entry_id=5)
    assert entries[1].category is None and len(entries) == 2 and list(entries) == [0, 1]
    assert 2 not in entries
