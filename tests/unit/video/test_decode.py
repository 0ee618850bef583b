"""Opening videos under caps: generated benign clips decode; every cap refuses, header first where the
header tells; corrupt, truncated and hostile input gives a clear error or keeps what decoded, quickly."""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest

from tests.videofiles import clip, y4m_header
from vigil.video.decode import NotAVideoError, VideoDecodeError, open_video
from vigil.video.frames import InvalidSamplingError, Sampling
from vigil.video.limits import VideoLimits
from vigil.video.magic import looks_like_video


def opened(data: bytes | str | Path, limits: VideoLimits) -> None:
    with open_video(data, limits):
        pass


def frames_of(data: bytes | str, limits: VideoLimits | None = None) -> tuple[int, str | None, int]:
    with open_video(data, limits or VideoLimits()) as video:
        count = sum(1 for _ in video.frames())
        return count, video.problem(), video.announced_frames


@pytest.fixture(scope="module")
def mp4() -> bytes:
    # moov first (faststart): a cut file still opens, and announces its frame count.
    return clip(30, 10, container_options={"movflags": "faststart"})


def test_a_generated_clip_decodes_every_frame_in_order(mp4: bytes, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4)
    for source in (mp4, str(path), path):
        with open_video(source, VideoLimits()) as video:
            assert (video.width, video.height, video.frame_rate) == (160, 120, 10.0)
            numbers = [f.number for f in video.frames()]
            assert numbers == list(range(30))
            assert video.problem() is None


@pytest.mark.parametrize(
    ("codec", "container"), [("mpeg4", "avi"), ("libvpx", "webm"), ("mjpeg", "matroska")]
)
def test_other_codecs_and_containers(codec: str, container: str) -> None:
    data = clip(12, 6, codec=codec, container=container)
    assert looks_like_video(data[:64])
    count, problem, _ = frames_of(data)
    assert (count, problem) == (12, None)


def test_frame_cap() -> None:
    data = clip(30, 10)
    with pytest.raises(VideoDecodeError, match="more than 10"):
        frames_of(data, VideoLimits(max_frames=10))
    assert frames_of(data, VideoLimits(max_frames=30))[0] == 30


def test_duration_cap_from_the_header() -> None:
    with pytest.raises(VideoDecodeError, match=r"lasts 3 s, more than 2 s"):
        opened(clip(30, 10), VideoLimits(max_seconds=2))


def test_pixel_cap_on_the_stream_header() -> None:
    with pytest.raises(VideoDecodeError, match=r"160x120, more than 19199 pixels"):
        opened(clip(3, 10), VideoLimits(max_pixels=160 * 120 - 1))


def test_a_huge_dimension_header_is_refused_before_decoding() -> None:
    # A few hundred bytes announcing 16000x16000 frames (768 MB of pixels each).
    start = time.monotonic()
    with pytest.raises(VideoDecodeError, match=r"16000x16000, more than 33177600 pixels"):
        opened(y4m_header(16000, 16000), VideoLimits())
    # Dimensions FFmpeg itself refuses to allocate are an error too.
    with pytest.raises(VideoDecodeError):
        opened(y4m_header(60000, 60000), VideoLimits())
    assert time.monotonic() - start < 2


def test_byte_cap(mp4: bytes, tmp_path: Path) -> None:
    path = tmp_path / "clip.mp4"
    path.write_bytes(mp4)
    with pytest.raises(VideoDecodeError, match=f"{len(mp4)} bytes, more than 1000"):
        opened(path, VideoLimits(max_bytes=1000))


def test_not_a_video() -> None:
    for data in (b"", b"hello world\n" * 100, os.urandom(4096)):
        with pytest.raises(NotAVideoError, match="cannot open video"):
            frames_of(data)


def test_a_truncated_video_keeps_the_frames_decoded(mp4: bytes) -> None:
    count, problem, announced = frames_of(mp4[: len(mp4) * 2 // 3])
    assert announced == 30
    assert 0 < count < 30
    assert problem is not None and f"truncated: decoded {count} of 30 frames" in problem


def test_a_video_cut_in_its_header_is_refused(mp4: bytes) -> None:
    with pytest.raises(VideoDecodeError, match="no video stream"):
        frames_of(mp4[:300])


def test_garbled_packets_are_skipped_and_reported(mp4: bytes) -> None:
    bad = bytearray(mp4)
    middle = len(bad) // 2
    bad[middle : middle + 3000] = b"\xff" * 3000
    count, problem, _ = frames_of(bytes(bad))
    assert 0 < count < 30
    assert problem is not None and problem.startswith("corrupt video: ")


def test_random_damage_never_hangs(mp4: bytes) -> None:
    """Bytes flipped all over a clip: each copy decodes or fails with VideoDecodeError, quickly."""
    start = time.monotonic()
    rng = __import__("random").Random(7)
    for _ in range(20):
        bad = bytearray(mp4)
        for _ in range(40):
            bad[rng.randrange(64, len(bad))] = rng.randrange(256)
        with contextlib.suppress(VideoDecodeError):
            frames_of(bytes(bad))
    assert time.monotonic() - start < 20


def test_magic_bytes() -> None:
    assert looks_like_video(clip(2, 10)[:64])
    assert looks_like_video(b"\x1a\x45\xdf\xa3" + b"\0" * 20)
    assert looks_like_video(b"RIFF\0\0\0\0AVI LIST")
    assert looks_like_video(b"\0\0\0\x18ftypqt  \0\0\0\0")
    for image_brand in (b"heic", b"avif", b"mif1"):
        assert not looks_like_video(b"\0\0\0\x18ftyp" + image_brand + b"\0\0\0\0")
    assert not looks_like_video(b"\x89PNG\r\n\x1a\n")
    assert not looks_like_video(b"RIFF\0\0\0\0WEBPVP8 ")
    assert not looks_like_video(b"")


def test_sampling_is_metas_rule() -> None:
    assert Sampling.of(30.0, 1.0).every == 30
    assert Sampling.of(29.97, 1.0).every == 29
    assert Sampling.of(30.0, 0).every == 1
    assert Sampling.of(0.5, 1.0).every == 1  # under one frame a second: every frame
    assert Sampling.of(25.0, 2.5).every == 62
    every = Sampling.of(30.0, 1.0)
    assert [n for n in range(100) if every.picks(n)] == [0, 30, 60, 90]
    assert Sampling.of(30.0, 0).timestamp(1) == pytest.approx(0.0333333, abs=1e-6)
    assert f"{Sampling.of(29.97, 0).timestamp(1000):.3f}" == "33.367"
    for bad in (-1.0, float("nan"), float("inf")):
        with pytest.raises(InvalidSamplingError):
            Sampling.of(30.0, bad)
    with pytest.raises(InvalidSamplingError):
        Sampling.of(0.0, 1.0)
