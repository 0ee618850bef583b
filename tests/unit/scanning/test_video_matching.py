"""A scan's KnownLists.match of videos: by the video index's own rule, whatever the scan's PDQ radii,
and with the time ranges the match names on the scanned video (frame hashes are random bit patterns)."""

from __future__ import annotations

import numpy as np

from tests.unit.video.frames import flipped, random_hex, to_frames
from tests.unit.video.pytx_rule import Frame
from vigil.index.vpdq import VpdqIndex
from vigil.scanning.matching import EntryInfo, KnownLists
from vigil.scanning.pipeline import ScanItem
from vigil.signals.values import Signals
from vigil.video.matching import Rule
from vigil.video.signal import frames_to_text

RNG = np.random.default_rng(16)
LISTED = [random_hex(RNG) for _ in range(5)]


def _value(hashes: list[str]) -> str:
    frames: list[Frame] = [(n * 10, 100, h, float(n)) for n, h in enumerate(hashes)]
    return frames_to_text(to_frames(frames))


def _scanned(*videos: list[str], rule: Rule | None = None, threshold: int = 31) -> list[ScanItem]:
    index = VpdqIndex.from_values([_value(LISTED)], [7], rule=rule)
    known = KnownLists({"vpdq": index}, {7: EntryInfo("videos", "vics-us:1", entry_id=70)}, "videos")
    items = [
        ScanItem(n, f"v{n}.mp4", signals=Signals(values={"vpdq": _value(v)})) for n, v in enumerate(videos)
    ]
    known.match(items, threshold, 48)
    return items


def test_frames_within_the_near_radius_but_not_the_rule_do_not_match() -> None:
    # Every frame 40 bits from the listed one: inside the scan's "near" radius (48), outside the rule's 31.
    [item] = _scanned([flipped(RNG, h, 40) for h in LISTED])
    assert item.matches == [] and item.near == []


def test_a_video_the_rule_accepts_is_known_with_its_ranges_whatever_the_pdq_threshold() -> None:
    # 4 of the copy's 5 frames are the listed clip's last 4 (a few bits off): 80 %, distance 20.
    copy = [flipped(RNG, h, 3) for h in LISTED[1:]] + [random_hex(RNG)]
    [item] = _scanned(copy, threshold=5)
    [match] = item.matches
    assert (match.signal_type, match.entry_id, match.distance, match.category) == (
        "vpdq",
        70,
        20,
        "vics-us:1",
    )
    assert match.query_ranges == [[0.0, 3.0]] and item.near == []
    # The rule's own thresholds decide: 90 % of the copy's frames is more than it has.
    [strict] = _scanned(copy, rule=Rule(query_percent=90))
    assert strict.matches == [] and strict.near == []
