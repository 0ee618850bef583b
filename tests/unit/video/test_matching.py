"""The rule's reports and limits: time ranges, thresholds, settings, refused input."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from tests.unit.video.frames import flipped, random_hex, to_frames
from tests.unit.video.pytx_rule import Frame
from vigil.config import Settings
from vigil.errors import Invalid
from vigil.index.vpdq import IndexQualityError, VpdqIndex
from vigil.video.matching import Frames, InvalidFramesError, Rule, TimeRange, compare, kept_frames

RNG_SEED = 11


def scenes(n: int) -> list[str]:
    rng = np.random.default_rng(RNG_SEED)
    return [random_hex(rng) for _ in range(n)]


def test_ranges_on_both_timelines() -> None:
    s = scenes(12)
    rng = np.random.default_rng(1)
    # Indexed video: scenes 0..9 at one a second; a dark frame (quality 0) at 4.5 s, which is not compared
    # and so does not break the run it sits in.
    target: list[Frame] = [(i * 30, 90, s[i], float(i)) for i in range(10)]
    target.insert(5, (135, 0, s[11], 4.5))
    # Query: re-encoded copies (a few bits off) of scenes 2..4, something else, then scenes 7..8.
    query: list[Frame] = [
        (0, 80, flipped(rng, s[2], 6), 10.0),
        (1, 80, flipped(rng, s[3], 6), 11.0),
        (2, 80, flipped(rng, s[4], 6), 12.0),
        (3, 80, s[10], 13.0),
        (4, 80, flipped(rng, s[7], 9), 14.0),
        (5, 80, flipped(rng, s[8], 9), 15.0),
    ]
    [match] = VpdqIndex.build([(42, to_frames(target))]).query(to_frames(query), Rule(query_percent=50))
    assert match.id == 42
    assert (match.query_matched, match.query_frames, match.compared_matched, match.compared_frames) == (
        5,
        6,
        5,
        10,
    )
    assert match.query_percent == 5 * 100 / 6
    assert match.compared_percent == 50.0
    assert match.query_ranges == (TimeRange(10.0, 12.0, 0, 2, 3), TimeRange(14.0, 15.0, 4, 5, 2))
    assert match.compared_ranges == (TimeRange(2.0, 4.0, 60, 120, 3), TimeRange(7.0, 8.0, 210, 240, 2))
    assert compare(to_frames(query), to_frames(target), Rule(query_percent=50)) == dataclasses.replace(
        match, id=0
    )


def test_repeated_frames_count_once() -> None:
    """A still scene hashed every second is one frame: ten repeats and one other frame are two kept
    frames, so matching the still scene alone is 50 %."""
    s = scenes(3)
    target: list[Frame] = [(i, 90, s[0], float(i)) for i in range(10)] + [(10, 90, s[1], 10.0)]
    query: list[Frame] = [(0, 90, s[0], 0.0)]
    [match] = VpdqIndex.build([(1, to_frames(target))]).query(to_frames(query))
    assert (match.query_percent, match.compared_percent) == (100.0, 50.0)
    assert match.compared_ranges == (TimeRange(0.0, 0.0, 0, 0, 1),)


@pytest.mark.parametrize(
    ("rule", "matches"),
    [
        (Rule(), True),  # 80 % of the query: exactly the default threshold
        (Rule(query_percent=80.1), False),
        (Rule(compared_percent=40.0), True),  # 4 of 10 indexed frames
        (Rule(compared_percent=40.1), False),
        (Rule(distance=7), False),  # the copies are 8 bits off
        (Rule(distance=8), True),
    ],
)
def test_thresholds(rule: Rule, matches: bool) -> None:
    s = scenes(15)
    rng = np.random.default_rng(2)
    target: list[Frame] = [(i, 90, s[i], float(i)) for i in range(10)]
    query: list[Frame] = [(i, 90, flipped(rng, s[i], 8), float(i)) for i in range(4)] + [(4, 90, s[14], 4.0)]
    index = VpdqIndex.build([(9, to_frames(target))])
    assert bool(index.query(to_frames(query), rule)) is matches
    assert (compare(to_frames(query), to_frames(target), rule) is not None) is matches


def test_thresholds_come_from_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Rule.from_settings(Settings()) == Rule(50, 31, 80.0, 0.0)
    monkeypatch.setenv("VIGIL_VPDQ_QUERY_MATCH_PERCENT", "90")
    monkeypatch.setenv("VIGIL_VPDQ_COMPARED_MATCH_PERCENT", "10.5")
    monkeypatch.setenv("VIGIL_VPDQ_QUALITY_THRESHOLD", "60")
    monkeypatch.setenv("VIGIL_VPDQ_DISTANCE_THRESHOLD", "20")
    assert Rule.from_settings(Settings()) == Rule(60, 20, 90.0, 10.5)


def test_nothing_to_compare_matches_nothing() -> None:
    s = scenes(2)
    low: list[Frame] = [(0, 49, s[0], 0.0)]
    good: list[Frame] = [(0, 90, s[0], 0.0)]
    index = VpdqIndex.build([(1, to_frames(low)), (2, to_frames(good)), (3, to_frames([]))])
    assert len(index) == 3 and index.frames == 1
    assert index.query(to_frames(low)) == []
    assert index.query(to_frames([])) == []
    assert [m.id for m in index.query(to_frames(good))] == [2]
    assert compare(to_frames(good), to_frames(low)) is None
    assert VpdqIndex.build([]).query(to_frames(good)) == []


def test_kept_frames_keeps_the_first_of_each_hash_in_order() -> None:
    s = scenes(3)
    frames: list[Frame] = [(0, 90, s[1], 0.0), (1, 20, s[0], 1.0), (2, 90, s[0], 2.0), (3, 90, s[1], 3.0)]
    assert kept_frames(to_frames(frames), 50).tolist() == [0, 2]
    assert kept_frames(to_frames(frames), 0).tolist() == [0, 1]


def bad(**change: object) -> Frames:
    good = to_frames([(0, 90, scenes(1)[0], 0.0), (1, 90, scenes(2)[1], 1.0)])
    values = {k: getattr(good, k) for k in good.__slots__} | change
    return Frames(**values)


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        (bad(hashes=np.zeros((2, 31), dtype=np.uint8)), "uint8 array"),
        (bad(hashes=np.zeros((2, 32), dtype=np.int16)), "uint8 array"),
        (bad(qualities=np.array([90], dtype=np.int32)), "one value per frame"),
        (bad(qualities=np.array([90, 101], dtype=np.int32)), "qualities"),
        (bad(qualities=np.array([90.0, 50.0])), "qualities"),
        (bad(frame_numbers=np.array([-1, 2], dtype=np.int32)), "frame numbers"),
        (bad(timestamps=np.array([0.0, np.nan])), "finite"),
        (bad(timestamps=np.array([-1.0, 0.0])), "negative"),
        (bad(timestamps=np.array([2.0, 1.0])), "time order"),
    ],
)
def test_bad_frames_are_refused(frames: Frames, message: str) -> None:
    with pytest.raises(InvalidFramesError, match=message):
        VpdqIndex.build([(1, frames)])
    with pytest.raises(InvalidFramesError, match=message):
        VpdqIndex.build([]).query(frames)


def test_bad_index_input_is_refused() -> None:
    one = to_frames([(0, 90, scenes(1)[0], 0.0)])
    with pytest.raises(InvalidFramesError, match="unique"):
        VpdqIndex.build([(1, one), (1, one)])
    with pytest.raises(InvalidFramesError, match="one entry more"):
        VpdqIndex.from_arrays(one, [0, 1], [1, 2])
    with pytest.raises(InvalidFramesError, match="rise from 0"):
        VpdqIndex.from_arrays(one, [0, 2], [1])
    two = to_frames([(0, 90, scenes(1)[0], 5.0), (0, 90, scenes(2)[1], 1.0)])
    VpdqIndex.from_arrays(two, [0, 1, 2], [1, 2])  # time starts again with each video
    with pytest.raises(InvalidFramesError, match="time order"):
        VpdqIndex.from_arrays(two, [0, 2], [1])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"quality": 101},
        {"distance": -1},
        {"distance": 257},
        {"query_percent": 100.5},
        {"compared_percent": -1},
    ],
)
def test_bad_rules_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(Invalid):
        Rule(**kwargs)  # type: ignore[arg-type]


def test_the_quality_threshold_is_the_index_s() -> None:
    index = VpdqIndex.build([], quality=60)
    assert index.query(to_frames([]), Rule(quality=60)) == []
    with pytest.raises(IndexQualityError, match="rebuild"):
        index.query(to_frames([]), Rule(quality=50))
