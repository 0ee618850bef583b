"""Meta's sample vPDQ hashes (``shared/conformance/vpdq/sample-hashes``, every frame of benign clips: a
chair, test patterns): the index gives the percentages of the port of python-threatexchange's rule, the
variants of one clip match each other and different clips do not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.unit.video import pytx_rule
from tests.unit.video.frames import to_frames
from tests.unit.video.pytx_rule import Frame
from vigil.index.vpdq import VpdqIndex
from vigil.video.matching import Rule


@pytest.fixture(scope="module")
def samples(shared_dir: Path) -> dict[str, list[Frame]]:
    folder = shared_dir / "conformance" / "vpdq" / "sample-hashes"
    found = {p.stem: pytx_rule.read_sample(p) for p in sorted(folder.glob("*.txt"))}
    assert len(found) >= 20, f"sample hashes missing in {folder}"
    return found


@pytest.fixture(scope="module")
def index(samples: dict[str, list[Frame]]) -> tuple[VpdqIndex, list[str]]:
    names = sorted(samples)
    return VpdqIndex.build((k, to_frames(samples[n])) for k, n in enumerate(names)), names


def kept_words(frames: list[Frame]) -> np.ndarray:
    """The port's kept frames as (n, 4) uint64 words."""
    kept = pytx_rule.prepare(frames, 50)
    return np.frombuffer(b"".join(bytes.fromhex(f[2]) for f in kept), dtype="<u8").reshape(-1, 4)


def all_percentages(
    samples: dict[str, list[Frame]], names: list[str]
) -> dict[tuple[str, str], tuple[float, float]]:
    """The rule for every ordered pair of ``names`` at once, from one matrix of closeness between all
    their kept frames (numpy popcounts after the port's own filtering): the port's plain-Python loops
    take seconds per pair. Checked against the port itself in :func:`test_the_fast_oracle_is_the_port`."""
    words = [kept_words(samples[n]) for n in names]
    bounds = np.concatenate([[0], np.cumsum([w.shape[0] for w in words])])
    every = np.concatenate(words)
    close = np.zeros((every.shape[0], every.shape[0]), dtype=np.bool_)
    for lo in range(0, every.shape[0], 256):
        part = every[lo : lo + 256]
        dist = sum(np.bitwise_count(part[:, w, None] ^ every[None, :, w]) for w in range(4))
        close[lo : lo + 256] = dist <= 31
    out = {}
    for a, qa in enumerate(names):
        for b, ob in enumerate(names):
            block = close[bounds[a] : bounds[a + 1], bounds[b] : bounds[b + 1]]
            out[qa, ob] = (
                int(block.any(axis=1).sum()) * 100 / block.shape[0],
                int(block.any(axis=0).sum()) * 100 / block.shape[1],
            )
    return out


@pytest.fixture(scope="module")
def oracle(samples: dict[str, list[Frame]]) -> dict[tuple[str, str], tuple[float, float]]:
    return all_percentages(samples, [n for n in sorted(samples) if not n.endswith("-128x128")])


def test_the_fast_oracle_is_the_port(
    samples: dict[str, list[Frame]], oracle: dict[tuple[str, str], tuple[float, float]]
) -> None:
    for pair in [
        ("chair-22-sd-grey-bar", "chair-orig-22-sd-bar"),
        ("pattern-longer-no-bar", "pattern-hd-no-bar"),
    ]:
        assert oracle[pair] == pytx_rule.percentages(samples[pair[0]], samples[pair[1]])


@pytest.mark.parametrize(
    ("query", "other", "matches"),
    [
        ("chair-22-sd-grey-bar", "chair-orig-22-sd-bar", True),
        ("chair-22-with-small-logo-bar", "chair-orig-22-sd-bar", True),
        ("chair-orig-22-sd-bar", "chair-22-sd-sepia-bar", True),
        ("pattern-longer-no-bar", "pattern-hd-no-bar", True),
        ("pattern-sd-with-small-logo-bar", "pattern-sd-grey-bar", True),
        ("chair-22-with-large-logo-bar", "chair-orig-22-sd-bar", False),  # the logo hides most of it
        ("pattern-hd-no-bar", "chair-orig-22-sd-bar", False),
        ("chair-22-sd-grey-bar", "pattern-sd-grey-bar", False),
        ("doorknob-hd-no-bar", "chair-orig-22-hd-no-bar", False),
    ],
)
def test_named_pairs_as_pytx(
    samples: dict[str, list[Frame]],
    index: tuple[VpdqIndex, list[str]],
    oracle: dict[tuple[str, str], tuple[float, float]],
    query: str,
    other: str,
    matches: bool,
) -> None:
    idx, names = index
    assert Rule().accepts(*oracle[query, other]) is matches
    found = [m for m in idx.query(to_frames(samples[query])) if m.id == names.index(other)]
    assert bool(found) is matches
    if found:
        assert (found[0].query_percent, found[0].compared_percent) == oracle[query, other]


@pytest.mark.slow
def test_every_pair_as_the_rule(
    samples: dict[str, list[Frame]],
    index: tuple[VpdqIndex, list[str]],
    oracle: dict[tuple[str, str], tuple[float, float]],
) -> None:
    """Full-size samples (the 128x128 ones are the same clips): each one's percentages against every other."""
    idx, names = index
    full = [n for n in names if not n.endswith("-128x128")]
    for name in full:
        found = {m.id: m for m in idx.query(to_frames(samples[name]), Rule(query_percent=0.0))}
        assert found[names.index(name)].query_percent == 100.0
        for other in full:
            want = oracle[name, other]
            got = found.get(names.index(other))
            if got is None:
                assert want[0] == 0.0, (name, other)
            else:
                assert (got.query_percent, got.compared_percent) == want, (name, other)
