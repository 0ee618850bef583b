"""vPDQ hashing of generated benign clips, the ``vpdq`` signal type's text form, and videos through
``hash_file``/``hash_bytes``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tests.videofiles import clip, reencode, scene
from vigil.signals import registry
from vigil.signals.base import InvalidSignalError
from vigil.signals.content import HashOptions, VideoOptions, hash_bytes, hash_file
from vigil.signals.hexbits import hamming
from vigil.signals.pdq import pdq_from_rgb
from vigil.signals.pdq_fast import pdq_from_rgb_sampled
from vigil.video.limits import VideoLimits
from vigil.video.matching import compare
from vigil.video.signal import VPDQ, frames_from_text, frames_to_text
from vigil.video.vpdq import hash_video

VIDEO = HashOptions(video=VideoOptions())


@pytest.fixture(scope="module")
def mp4() -> bytes:
    return clip(30, 10, (320, 240))


def test_one_frame_a_second_by_default(mp4: bytes) -> None:
    found = hash_video(mp4)
    assert found.decoded == 30
    assert found.frames.frame_numbers.tolist() == [0, 10, 20]
    assert found.frames.timestamps.tolist() == [0.0, 1.0, 2.0]
    assert all(q >= 50 for q in found.frames.qualities)
    assert found.problem is None


def test_every_frame_and_other_intervals(mp4: bytes) -> None:
    assert hash_video(mp4, seconds_per_hash=0).frames.frame_numbers.tolist() == list(range(30))
    assert hash_video(mp4, seconds_per_hash=0.5).frames.frame_numbers.tolist() == list(range(0, 30, 5))
    assert hash_video(mp4, seconds_per_hash=60).frames.frame_numbers.tolist() == [0]


def test_frames_hash_as_pdq_of_their_pixels() -> None:
    """The sampled buffer path against Meta's code over all pixels, on generated frames of several
    sizes (odd ones included)."""
    for width, height in ((320, 240), (641, 359), (1280, 720), (64, 64), (40, 30)):
        for number in (0, 7):
            rgb = scene(number, width, height, seed=width)
            fast, _ = pdq_from_rgb_sampled(rgb)
            exact = pdq_from_rgb(rgb)
            assert hamming(fast.hex, exact.hex) <= 4, (width, height)
            assert abs(fast.quality - exact.quality) <= 2


def test_a_reencoded_copy_matches_and_another_clip_does_not(mp4: bytes) -> None:
    original = hash_video(mp4, seconds_per_hash=0).frames
    copy = hash_video(reencode(mp4, (240, 180)), seconds_per_hash=0).frames
    other = hash_video(clip(30, 10, (320, 240), seed=5), seconds_per_hash=0).frames
    found = compare(copy, original)
    assert found is not None and found.query_percent >= 80
    assert compare(other, original) is None


def test_text_form_round_trip(mp4: bytes) -> None:
    frames = hash_video(mp4).frames
    text = frames_to_text(frames)
    lines = text.split("\n")
    assert len(lines) == 3
    number, _, hex_hash, stamp = lines[1].split(",")
    assert (number, stamp, len(hex_hash)) == ("10", "1.000", 64)
    assert VPDQ.normalize(text) == text
    assert VPDQ.normalize(" ; ".join(lines).upper()) == text
    again = frames_from_text(text)
    assert np.array_equal(again.hashes, frames.hashes)
    assert again.frame_numbers.tolist() == [0, 10, 20]
    assert VPDQ.distance(text, text) == 0


def test_pytx_serialisation_is_read() -> None:
    h = "e271017837246aaccddea259648fb7d62f435c89d9e99b2497763e216c8d055c"
    text = VPDQ.normalize(json.dumps([f"{h},100,0.0", f"{h[::-1]},80,1.0"]))
    assert text == f"0,100,{h},0.000\n1,80,{h[::-1]},1.000"


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("", "no frames"),
        ("0,100,abc,0.0", "64 hex digits"),
        ("0,100," + "a" * 64, "expected 'frame,quality,hex,timestamp'"),
        ("x,100," + "a" * 64 + ",0", "must be numbers"),
        (f"1,100,{'a' * 64},0.0\n0,100,{'b' * 64},1.0", "frame numbers must increase"),
        (f"0,101,{'a' * 64},0.0", "qualities must be integers from 0 to 100"),
        (f"0,100,{'a' * 64},1.0\n1,100,{'b' * 64},0.5", "time order"),
        (f"0,100,{'a' * 64},-1", "not negative"),
        ("[1, 2]", "JSON list"),
        ("[nope", "not JSON"),
    ],
)
def test_invalid_values_say_why(value: str, why: str) -> None:
    with pytest.raises(InvalidSignalError, match=why):
        VPDQ.normalize(value)


def test_the_registry_has_it() -> None:
    kind = registry.signal_type("vpdq")
    assert kind is VPDQ
    assert kind.content_kinds == ("video",)


def test_videos_through_hash_bytes_and_hash_file(mp4: bytes, tmp_path: Path) -> None:
    in_memory = hash_bytes("clip.mp4", mp4, VIDEO)
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4)
    on_disk = hash_file(str(path), VIDEO)
    for result in (in_memory, on_disk):
        assert result.error is None
        assert result.signals.size == len(mp4)
        assert result.signals.get("md5") is not None
        assert result.signals.get("pdq") is None
        assert frames_from_text(result.signals.values["vpdq"]).frame_numbers.tolist() == [0, 10, 20]
        assert 50 <= (result.signals.quality_of("vpdq") or 0) <= 100
    assert in_memory.signals == on_disk.signals
    # Larger than the image byte cap: decoded from the file, not kept in memory.
    small = HashOptions(limits=HashOptions().limits.__class__(max_bytes=1000), video=VideoOptions())
    assert hash_file(str(path), small).signals == on_disk.signals


def test_without_video_options_videos_get_digests_only(mp4: bytes) -> None:
    result = hash_bytes("clip.mp4", mp4)
    assert result.error is None
    assert result.signals.get("vpdq") is None
    assert result.signals.get("sha256") is not None


def test_a_bad_video_keeps_its_digests(mp4: bytes) -> None:
    cut = hash_bytes("cut.mp4", mp4[:400], VIDEO)
    assert cut.signals.get("sha256") is not None
    assert cut.signals.get("vpdq") is None
    assert cut.error is not None and "video" in cut.error
    capped = hash_bytes("clip.mp4", mp4, HashOptions(video=VideoOptions(VideoLimits(max_frames=5))))
    assert capped.error == "video has 30 frames, more than 5 (the cap)"
    assert capped.signals.get("vpdq") is None
