"""Letterbox bars: found on generated frames and clips, and a letterboxed copy's query form (the frames
inside its bars) matching the original's stored vPDQ where its own frames do not."""

from __future__ import annotations

import numpy as np
import pytest

from tests.videofiles import clip, reencode, scene
from vigil.index.vpdq import VpdqIndex
from vigil.matching.content import match_signals
from vigil.signals.content import HashOptions, VideoOptions, hash_bytes
from vigil.video.bars import FRAMES, BarFinder, Bars, frame_bars, video_bars
from vigil.video.matching import compare
from vigil.video.signal import VPDQ, frames_to_text
from vigil.video.vpdq import hash_video


def boxed(rgb: np.ndarray, rows: int, cols: int, level: int = 0) -> np.ndarray:
    return np.pad(rgb, ((rows, rows), (cols, cols), (0, 0)), constant_values=level)


def test_bars_added_to_a_frame_are_found_to_the_line() -> None:
    picture = scene(3, 320, 240, seed=5)
    assert frame_bars(boxed(picture, 30, 0)) == Bars(top=30, bottom=30)
    assert frame_bars(boxed(picture, 0, 40)) == Bars(left=40, right=40)
    # Dark grey and slightly noisy bars, as a compressed copy has them.
    rng = np.random.default_rng(1)
    noisy = boxed(picture, 24, 0, level=12).astype(np.int16) + rng.integers(-3, 4, (288, 320, 3))
    assert frame_bars(np.clip(noisy, 0, 255).astype(np.uint8)) == Bars(top=24, bottom=24)


def test_a_frame_without_bars_has_none_and_a_striped_dark_band_is_no_bar() -> None:
    # The generated scene's top eighth is black stripes on a gradient: dark, but not flat.
    found = frame_bars(scene(3, 320, 240, seed=5))
    assert found == Bars() and not found


def test_a_frame_with_no_picture_says_nothing() -> None:
    assert frame_bars(np.zeros((240, 320, 3), dtype=np.uint8)) is None
    # Bars leaving less than half the height: a dark frame with a line of text, not a picture.
    assert frame_bars(boxed(scene(0, 320, 40), 100, 0)) is None


def test_a_video_has_the_bars_common_to_its_frames() -> None:
    assert video_bars([Bars(30, 30), Bars(32, 30), Bars(30, 31)], 300, 320) == Bars(30, 30)
    # A dark edge of the picture on one frame is not a bar on the others.
    assert video_bars([Bars(30, 30), Bars(90, 30), Bars(0, 30)], 300, 320) == Bars(0, 30)
    # Lines an encoder pads with (under 2 % of the side) are not bars.
    assert video_bars([Bars(2, 2, 3, 3)] * 3, 300, 320) is None
    assert video_bars([], 300, 320) is None


def test_the_finder_decides_on_frames_showing_a_picture() -> None:
    finder = BarFinder()
    dark = np.zeros((300, 320, 3), dtype=np.uint8)
    assert finder.offer(dark) is False  # a fade in: no vote
    for number in range(FRAMES):
        assert not finder.done
        assert finder.offer(boxed(scene(number, 320, 240, seed=2), 30, 0)) is True
    assert finder.done and finder.bars == Bars(30, 30) and finder.size == (300, 320)
    # A stream that changes size before deciding has no bars.
    changing = BarFinder()
    changing.offer(boxed(scene(0, 320, 240), 30, 0))
    changing.offer(boxed(scene(1, 160, 120), 15, 0))
    assert changing.done and changing.bars is None


@pytest.fixture(scope="module")
def listed() -> bytes:
    return clip(60, 10, (320, 240), seed=3)


def test_a_letterboxed_copy_matches_by_its_frames_inside_the_bars(listed: bytes) -> None:
    original = hash_video(listed, letterbox=True)
    assert original.bars is None and original.cropped is None
    copy = hash_video(reencode(listed, (320, 240), bars=(40, 0)), letterbox=True)
    assert copy.bars == Bars(40, 40)
    assert copy.cropped is not None
    assert compare(copy.frames, original.frames) is None
    found = compare(copy.cropped, original.frames)
    assert found is not None and found.query_percent == 100.0
    # The copy's stored hashes are its own frames', as Meta's are: the bars change nothing there.
    assert hash_video(reencode(listed, (320, 240), bars=(40, 0))).frames.hashes.tolist() == (
        copy.frames.hashes.tolist()
    )
    pillar = hash_video(reencode(listed, (240, 180), bars=(0, 60)), letterbox=True)
    # Within the lines the encoder's ringing brightens next to the picture.
    assert pillar.bars is not None and pillar.cropped is not None
    assert (pillar.bars.top, pillar.bars.bottom) == (0, 0)
    assert 56 <= pillar.bars.left <= 60 and 56 <= pillar.bars.right <= 60
    assert compare(pillar.cropped, original.frames) is not None


def test_lookups_search_with_both_forms_and_match_by_either(listed: bytes) -> None:
    video = VideoOptions()
    stored = hash_bytes("listed.mp4", listed, HashOptions(video=video)).signals
    copy = reencode(listed, (320, 240), bars=(40, 0))
    plain = hash_bytes("copy.avi", copy, HashOptions(video=video)).signals
    asked = hash_bytes("copy.avi", copy, HashOptions(video=video, dihedral=True)).signals
    # Without variants (HMA's lookup, ``vigil hash``) the value alone; the value is the same either way.
    assert plain.variants == {} and asked.values[VPDQ.name] == plain.values[VPDQ.name]
    value, inside = asked.variants[VPDQ.name]
    assert value == asked.values[VPDQ.name] and inside != value

    other = clip(60, 10, (320, 240), seed=9)
    index = VpdqIndex.from_values(
        [
            stored.values[VPDQ.name],
            hash_bytes("o.mp4", other, HashOptions(video=video)).signals.values["vpdq"],
        ]
    )
    [without] = match_signals([{VPDQ.name: index}], [plain], dihedral=False)
    assert without == []
    [found] = match_signals([{VPDQ.name: index}], [asked], dihedral=True)
    assert [(f.id, f.signal, f.distance) for f in found] == [(0, VPDQ.name, 0)]
    assert frames_to_text(hash_video(listed).frames) == stored.values[VPDQ.name]
