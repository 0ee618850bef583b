from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from vigil.scanning import similarity
from vigil.scanning.pipeline import Match, ScanItem
from vigil.scanning.triage import UnknownImage, cluster, item_status, triage
from vigil.signals.hexbits import hamming
from vigil.signals.values import Signals


def brute_neighbours(images: Sequence[UnknownImage], threshold: int) -> list[list[int]]:
    def close(a: UnknownImage, b: UnknownImage) -> bool:
        return min(hamming(q, b.pdq) for q in a.dihedral) <= threshold

    return [[j for j, other in enumerate(images) if close(image, other)] for image in images]


def flip(h: str, bits: int) -> str:
    value = int(h, 16) ^ ((1 << bits) - 1)
    return f"{value:064x}"


A = "f" * 32 + "0" * 32
B = "0f" * 32
C = "a5" * 32


def img(key: int, pdq: str, quality: int = 100, near: int | None = None) -> UnknownImage:
    return UnknownImage((key, 0), pdq, (pdq,), quality, near)


def test_cluster_groups_transitively() -> None:
    images = [img(0, A), img(1, flip(A, 20)), img(2, B), img(3, flip(A, 40)), img(4, C)]
    labels = cluster(images, brute_neighbours, 31)
    assert labels[0] == labels[1] == labels[3]  # 3 joins through 1 (distance 20 from 1)
    assert len({labels[0], labels[2], labels[4]}) == 3


def test_dihedral_variants_join_clusters() -> None:
    rotated = UnknownImage((1, 0), B, (B, A), 100, None)  # its second variant equals A
    labels = cluster([img(0, A), rotated], brute_neighbours, 0)
    assert labels[0] == labels[1]


def test_ranking_near_known_then_clusters_then_rest() -> None:
    images = [
        img(0, C, quality=90),
        img(1, A),
        img(2, flip(A, 3)),
        img(3, B, near=40),
        img(4, flip(C, 60), quality=99),
        img(5, flip(B, 60), near=35),
    ]
    result = triage({("1", "series-x"): 2}, images, brute_neighbours, 31)
    ranked = sorted(result.rank_of, key=lambda k: result.rank_of[k])
    assert ranked == [(5, 0), (3, 0), (1, 0), (2, 0), (4, 0), (0, 0)]
    assert result.cluster_of == {(1, 0): 1, (2, 0): 1}
    assert result.cluster_sizes == {1: 2}
    assert result.reason_of[(5, 0)] == "near a known series (distance 35)"
    assert result.known_groups == {("1", "series-x"): 2}


def test_item_status() -> None:
    def image(quality: int) -> Signals:
        return Signals(values={"pdq": A}, quality={"pdq": quality})

    assert item_status(ScanItem(0, "a", signals=image(100))) == "unknown-image"
    assert item_status(ScanItem(0, "a", signals=image(10))) == "low-quality-image"
    assert item_status(ScanItem(0, "a", signals=image(100), matches=[Match("pdq", 1, 3)])) == "known"
    assert item_status(ScanItem(0, "a", error="x")) == "error"
    assert item_status(ScanItem(0, "a", mime="application/zip")) == "archive"
    assert item_status(ScanItem(0, "a", skipped=True)) == "skipped"
    assert item_status(ScanItem(0, "a", mime="text/plain")) == "other"


@pytest.mark.slow
def test_direct_neighbours_agree_with_the_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small scans compare all pairs with numpy; large ones go through PdqIndex: the same answer."""
    rng = random.Random(5)
    images: list[UnknownImage] = []
    for n in range(300):
        base = rng.getrandbits(256) if n % 3 == 0 else int(images[-1].pdq, 16) ^ (1 << rng.randrange(256))
        hexes = tuple(f"{v:064x}" for v in [base, *(rng.getrandbits(256) for _ in range(7))])
        images.append(UnknownImage((n, 0), hexes[0], hexes, 90, None))
    for threshold in (0, 3, 31, 64):
        direct = similarity.direct_neighbours(images, threshold)
        assert direct == similarity.pdq_neighbours(images, threshold)  # 300 <= DIRECT_MAX: direct
        with monkeypatch.context() as m:
            m.setattr(similarity, "DIRECT_MAX", 0)
            assert similarity.pdq_neighbours(images, threshold) == direct, threshold
        assert direct == brute_neighbours(images, threshold)
        assert all(i in near for i, near in enumerate(direct))
