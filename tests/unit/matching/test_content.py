"""match_signals: the one rule behind Matcher.match_content and the scan's KnownLists.match."""

from __future__ import annotations

import hashlib
import random

from vigil.index import ExactIndex, PdqIndex
from vigil.matching.content import Found, IndexSet, match_signals
from vigil.signals.hexbits import hamming
from vigil.signals.values import Signals


def flipped(h: str, bits: int, seed: int = 0) -> str:
    value = int(h, 16)
    for bit in random.Random(seed).sample(range(256), bits):
        value ^= 1 << bit
    return f"{value:064x}"


def md5(n: int) -> str:
    return hashlib.md5(str(n).encode(), usedforsecurity=False).hexdigest()


def sha256(n: int) -> str:
    return hashlib.sha256(str(n).encode()).hexdigest()


RNG = random.Random(7)
PDQS = [f"{RNG.getrandbits(256):064x}" for _ in range(200)]


def source(ids: range) -> IndexSet:
    return {
        "pdq": PdqIndex.build([PDQS[i] for i in ids], list(ids)),
        "md5": ExactIndex.build([md5(i) for i in ids], list(ids), signal="md5"),
        "sha256": ExactIndex.build([sha256(i) for i in ids], list(ids), signal="sha256"),
    }


def brute(item: Signals, sources: list[range], radius: int) -> list[Found]:
    """The rule written out over every entry of every source."""
    exact = [Found(s, i, 0, "md5") for s, ids in enumerate(sources) for i in ids if item.get("md5") == md5(i)]
    taken = {(f.source, f.id) for f in exact}
    near = []
    for s, ids in enumerate(sources):
        for i in ids:
            d = min((hamming(q, PDQS[i]) for q in item.queries("pdq")), default=radius + 1)
            if d <= radius and (s, i) not in taken:
                near.append(Found(s, i, d, "pdq"))
    return exact + sorted(near, key=lambda f: (f.distance, f.source, f.id))


def test_one_match_per_entry_the_strongest_digest_first() -> None:
    lists = [source(range(100))]
    both = Signals(values={"md5": md5(3), "sha256": sha256(3), "pdq": flipped(PDQS[3], 2)})
    assert match_signals(lists, [both]) == [[Found(0, 3, 0, "sha256")]]
    # Nearest first, each entry at its smallest distance over the variants.
    near = Signals(values={"pdq": flipped(PDQS[5], 20)}, variants={"pdq": (flipped(PDQS[5], 9), PDQS[6])})
    assert match_signals(lists, [near]) == [[Found(0, 6, 0, "pdq"), Found(0, 5, 9, "pdq")]]
    assert match_signals(lists, [near], dihedral=False) == [[Found(0, 5, 20, "pdq")]]
    # The radius: the default threshold (31) unless given.
    far = Signals(values={"pdq": flipped(PDQS[8], 40)})
    assert match_signals(lists, [far]) == [[]]
    assert match_signals(lists, [far], 48) == [[Found(0, 8, 40, "pdq")]]


def test_each_source_answers_for_itself() -> None:
    lists = [source(range(0, 50)), source(range(40, 100)), {}]
    item = Signals(values={"md5": md5(45), "pdq": PDQS[45]})
    assert match_signals(lists, [item]) == [[Found(0, 45, 0, "md5"), Found(1, 45, 0, "md5")]]
    assert match_signals([], [item]) == [[]] and match_signals(lists, []) == []


def test_a_batch_answers_as_its_items_one_by_one() -> None:
    lists = [source(range(0, 120)), source(range(80, 200))]
    rng = random.Random(11)
    items = []
    for _ in range(60):
        n = rng.randrange(200)
        values = {}
        if rng.random() < 0.5:
            values["md5"] = md5(n) if rng.random() < 0.7 else md5(1000 + n)
        if rng.random() < 0.8:
            values["pdq"] = flipped(PDQS[n], rng.randrange(60), n)
        variants = (
            {"pdq": (values["pdq"], flipped(PDQS[rng.randrange(200)], 30, n))} if "pdq" in values else {}
        )
        items.append(Signals(values=values, variants=variants if rng.random() < 0.5 else {}))
    batch = match_signals(lists, items, 48)
    assert batch == [match_signals(lists, [item], 48)[0] for item in items]
    assert batch == [brute(item, [range(0, 120), range(80, 200)], 48) for item in items]
    assert sum(map(len, batch)) > 30  # the batch did find things
