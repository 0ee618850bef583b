"""The vpdq signal as an indexed type: VpdqIndex through the index protocol (values in, VideoHit out),
snapshots through load_index, and the one matching rule (match_signals) over it. Generated frame
hashes only (random bit patterns)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.unit.video.frames import flipped, random_hex
from vigil.index import VpdqIndex, load_index
from vigil.index.vpdq import ImmutableIndexError, IndexQualityError, hit_distance
from vigil.matching.content import match_signals
from vigil.signals import registry
from vigil.signals.values import Signals
from vigil.video.matching import Rule, VideoMatch
from vigil.video.signal import VPDQ


def text(frames: list[tuple[int, int, str, float]]) -> str:
    return "\n".join(f"{n},{q},{h},{t:.3f}" for n, q, h, t in frames)


def clip(rng: np.random.Generator, n: int) -> list[tuple[int, int, str, float]]:
    return [(k, 90, random_hex(rng), float(k)) for k in range(n)]


@pytest.fixture(scope="module")
def corpus() -> tuple[list[tuple[int, int, str, float]], list[str]]:
    rng = np.random.default_rng(16)
    known = clip(rng, 20)
    other = clip(rng, 12)
    return known, [text(known), text(other), text(known[:5])]


def test_the_registry_builds_it(corpus: tuple[list[tuple[int, int, str, float]], list[str]]) -> None:
    _, values = corpus
    index = registry.indexed_types()[VPDQ.name].build_index(values, [7, 8, 7])
    assert isinstance(index, VpdqIndex)
    assert index.signal == "vpdq" and len(index) == 3
    assert VPDQ.name in registry.indexed_types() and VPDQ.name not in registry.exact_types()


def test_query_many_answers_each_id_once_with_ranges(
    corpus: tuple[list[tuple[int, int, str, float]], list[str]],
) -> None:
    known, values = corpus
    rng = np.random.default_rng(1)
    # Frames 4..13 of the known video, a few bits flipped: a trimmed, re-encoded copy.
    trimmed = [(k - 4, 80, flipped(rng, h, 6), t - 4.0) for k, _, h, t in known[4:14]]
    index = VpdqIndex.from_values(values, [7, 8, 7])
    [hits] = index.query_many([text(trimmed)])
    # Id 7 holds the whole video and its first five frames: answered once, at the whole video.
    assert [(h.id, h.distance) for h in hits] == [(7, 0)]
    video = hits[0].video
    assert video.query_percent == 100.0 and video.compared_frames == 20
    assert [(r.start, r.end, r.frames) for r in video.query_ranges] == [(0.0, 9.0, 10)]
    assert [(r.start, r.end, r.first_frame, r.last_frame) for r in video.compared_ranges] == [
        (4.0, 13.0, 4, 13)
    ]
    # A tighter frame distance than the flips: nothing.
    assert index.query_many([text(trimmed)], 3) == [[]]


def test_distance_is_the_share_of_query_frames_unmatched(
    corpus: tuple[list[tuple[int, int, str, float]], list[str]],
) -> None:
    known, values = corpus
    rng = np.random.default_rng(2)
    # 9 frames of the known video and 1 new one: 90 % of the query matched.
    query = [*known[:9], (9, 90, random_hex(rng), 9.0)]
    index = VpdqIndex.from_values(values)
    [hits] = index.query_many([text(query)])
    assert [(h.id, h.distance) for h in hits] == [(0, 10)]  # id 2: 5 of 10 frames, under 80 %
    assert hit_distance(hits[0].video) == 10
    # The rule of the index decides: at 95 % the query matches nothing.
    index.rule = Rule(query_percent=95.0)
    assert index.query_many([text(query)]) == [[]]


def test_snapshot_through_load_index(
    corpus: tuple[list[tuple[int, int, str, float]], list[str]], tmp_path: Path
) -> None:
    known, values = corpus
    built = VpdqIndex.from_values(values, [1, 2, 3])
    built.save(tmp_path / "vpdq.vidx")
    loaded = load_index(tmp_path / "vpdq.vidx")
    assert isinstance(loaded, VpdqIndex)
    assert [h.id for h in loaded.query_many([text(known)])[0]] == [1]
    with pytest.raises(ImmutableIndexError):
        loaded.add([values[0]], [4])
    loaded.rule = Rule(quality=60)
    with pytest.raises(IndexQualityError):
        loaded.query_many([text(known)])


def test_match_signals_carries_the_video_detail(
    corpus: tuple[list[tuple[int, int, str, float]], list[str]],
) -> None:
    known, values = corpus
    index = VpdqIndex.from_values(values, [10, 11, 12])
    item = Signals(values={"vpdq": VPDQ.normalize(text(known[2:12]))})
    [found] = match_signals([{"vpdq": index}], [item])
    assert [(f.id, f.distance, f.signal) for f in found] == [(10, 0, "vpdq")]
    detail = found[0].detail
    assert isinstance(detail, VideoMatch) and detail.compared_ranges[0].start == 2.0
    # A signal of no frames in common matches nothing.
    assert match_signals(
        [{"vpdq": index}], [Signals(values={"vpdq": text(clip(np.random.default_rng(9), 4))})]
    ) == [[]]
