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


def test_a_shipped_video_index_matches_by_the_scan_rule() -> None:
    from tests.unit.scanning.test_video_matching import LISTED, _value
    from vigil.index.vpdq import VpdqIndex
    from vigil.video.matching import Rule

    rule = Rule(distance=10, query_percent=50)
    index = VpdqIndex.from_values([_value(LISTED)], [7], rule=rule)
    known = KnownLists({"vpdq": index}, {7: EntryInfo("videos", "vics-us:1", entry_id=70)}, "videos")
    shipped = ship(known)
    assert shipped is not None
    remote = unship(pickle.loads(pickle.dumps(shipped)))
    # 3 of 5 frames a few bits off (60 %: enough for this rule, not pytx's 80 %), 2 frames 20 bits off
    # (within pytx's distance, not this rule's 10).
    query = [flipped(h, 3) for h in LISTED[:3]] + [flipped(h, 20) for h in LISTED[3:]]

    def scanned(lists: KnownLists) -> ScanItem:
        [item] = [ScanItem(0, "v.mp4", signals=Signals(values={"vpdq": _value(query)}))]
        lists.match([item], 31, 48)
        return item

    want, got = scanned(known), scanned(remote)
    assert got.to_json() == want.to_json()
    [match] = got.matches
    assert (match.entry_id, match.distance, match.query_ranges) == (70, 40, [[0.0, 2.0]])
