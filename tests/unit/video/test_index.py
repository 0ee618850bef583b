"""VpdqIndex and compare() against the port of python-threatexchange's rule (tests/unit/video/pytx_rule.py)
on generated frame sets: near and far frames, exact repeats, low quality, every threshold kind."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.video import pytx_rule
from tests.unit.video.frames import random_hex, to_frames, video
from tests.unit.video.pytx_rule import Frame
from vigil.index.vpdq import VpdqIndex
from vigil.video.matching import Rule, TimeRange, VideoMatch, compare

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def expected(query: list[Frame], videos: dict[int, list[Frame]], rule: Rule) -> list[VideoMatch]:
    """What the rule answers, video by video, in the index's order."""
    out = []
    q = pytx_rule.prepare(query, rule.quality)
    for ident, frames in videos.items():
        got = pytx_rule.percentages(query, frames, rule.quality, rule.distance)
        o = pytx_rule.prepare(frames, rule.quality)
        if got is None:
            continue
        q_hit = pytx_rule.matched(q, o, rule.distance)
        o_hit = pytx_rule.matched(o, q, rule.distance)
        if not any(q_hit) or not rule.accepts(*got):
            continue
        out.append(
            VideoMatch(
                ident,
                got[0],
                got[1],
                len(q),
                len(o),
                sum(q_hit),
                sum(o_hit),
                tuple(TimeRange(*r) for r in pytx_rule.runs(q, q_hit)),
                tuple(TimeRange(*r) for r in pytx_rule.runs(o, o_hit)),
            )
        )
    out.sort(key=lambda m: (-m.query_percent, -m.compared_percent, m.id))
    return out


def corpus(seed: int, nvideos: int, length: int) -> tuple[list[Frame], dict[int, list[Frame]]]:
    rng = np.random.default_rng(seed)
    scenes = [random_hex(rng) for _ in range(6)]
    videos = {
        1000 + 7 * k: video(rng, scenes[: int(rng.integers(1, 7))], int(rng.integers(0, length + 1)))
        for k in range(nvideos)
    }
    query = video(rng, scenes[int(rng.integers(0, 3)) :], int(rng.integers(1, length + 1)))
    return query, videos


@pytest.mark.slow
@FAST
@given(
    seed=st.integers(0, 2**32 - 1),
    nvideos=st.integers(0, 12),
    distance=st.integers(0, 64),
    quality=st.sampled_from([0, 50, 51, 100]),
    query_percent=st.sampled_from([0.0, 25.0, 80.0, 100.0]),
    compared_percent=st.sampled_from([0.0, 50.0, 100.0]),
    strategy=st.sampled_from(["mih", "auto", "scan"]),
)
def test_index_answers_as_the_rule(
    seed: int,
    nvideos: int,
    distance: int,
    quality: int,
    query_percent: float,
    compared_percent: float,
    strategy: Literal["mih", "auto", "scan"],
) -> None:
    query, videos = corpus(seed, nvideos, 30)
    rule = Rule(quality, distance, query_percent, compared_percent)
    index = VpdqIndex.build(
        ((i, to_frames(f)) for i, f in videos.items()), quality=quality, strategy=strategy
    )
    assert index.query(to_frames(query), rule) == expected(query, videos, rule)


@FAST
@given(seed=st.integers(0, 2**32 - 1), distance=st.integers(0, 64))
def test_compare_answers_as_the_rule(seed: int, distance: int) -> None:
    query, videos = corpus(seed, 1, 40)
    rule = Rule(distance=distance, query_percent=0.0)
    want = expected(query, {0: next(iter(videos.values()))}, rule)
    assert compare(to_frames(query), to_frames(next(iter(videos.values()))), rule) == (
        want[0] if want else None
    )


def test_from_arrays_is_build() -> None:
    query, videos = corpus(7, 20, 30)
    parts = [to_frames(f) for f in videos.values()]
    starts = np.concatenate([[0], np.cumsum([len(p) for p in parts])])
    joined = type(parts[0])(*(np.concatenate([getattr(p, k) for p in parts]) for k in parts[0].__slots__))
    one = VpdqIndex.from_arrays(joined, starts, list(videos), strategy="mih")
    other = VpdqIndex.build(((i, to_frames(f)) for i, f in videos.items()), strategy="mih")
    rule = Rule(query_percent=0.0)
    assert one.frames == other.frames
    assert one.query(to_frames(query), rule) == other.query(to_frames(query), rule)
    assert one.query(to_frames(query), rule) == expected(query, videos, rule)
    assert one.query(to_frames(query), rule), "the corpus should give some match"


def test_a_hash_first_seen_at_low_quality_still_counts() -> None:
    """The index's order (quality, then duplicates) keeps a hash that first occurs below the quality
    threshold; pytx's brute matcher (duplicates first) would lose it. Vigil follows the index."""
    rng = np.random.default_rng(3)
    a, b = random_hex(rng), random_hex(rng)
    target: list[Frame] = [(0, 10, a, 0.0), (1, 90, a, 1.0), (2, 90, b, 2.0)]
    query: list[Frame] = [(0, 90, a, 0.0)]
    assert pytx_rule.percentages(query, target) == (100.0, 50.0)
    assert pytx_rule.percentages(query, target, brute_order=True) == (0.0, 0.0)
    [match] = VpdqIndex.build([(5, to_frames(target))]).query(to_frames(query))
    assert (match.query_percent, match.compared_percent) == (100.0, 50.0)
    assert match.compared_ranges == (TimeRange(1.0, 1.0, 1, 1, 1),)
