"""Videos in scans: hashed from the file when larger than the image cap, from archive members in
memory; a corrupt one is an error of its own item; the report renders their facts and match ranges."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.archivefiles import zip_bytes
from tests.videofiles import clip
from vigil.scanning.pipeline import Match, ScanItem, ScanOptions, scan_bytes, scan_found
from vigil.scanning.report.html_report import matched_ranges
from vigil.scanning.walk import Found
from vigil.signals.content import HashOptions, VideoOptions
from vigil.signals.images import ImageLimits
from vigil.video.facts import VideoFacts
from vigil.video.limits import VideoLimits


def options(image_bytes: int = 256 << 20, video_bytes: int = 1 << 30, preview: int = 0) -> ScanOptions:
    video = VideoOptions(VideoLimits(max_bytes=video_bytes))
    limits = ImageLimits(max_bytes=image_bytes)
    return ScanOptions(hashing=HashOptions(limits=limits, dihedral=True, video=video, preview=preview))


@pytest.fixture(scope="module")
def video() -> bytes:
    return clip(frames=30, fps=10)


def test_video_larger_than_the_image_cap_is_decoded_from_its_file(tmp_path: Path, video: bytes) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(video)
    (item,) = scan_found(Found(0, str(path)), options(image_bytes=len(video) // 4))
    assert item.error is None, item.error
    assert item.signals.get("vpdq") and item.signals.values["vpdq"].count("\n") == 2  # 3 s, 1 a second
    assert item.video == VideoFacts(frames=30, seconds=3.0, hashed=3)
    assert item.mime == "video/mp4"


def test_video_caps_apply_and_the_digests_stay(tmp_path: Path, video: bytes) -> None:
    path = tmp_path / "v.mp4"
    path.write_bytes(video)
    (item,) = scan_found(Found(0, str(path)), options(image_bytes=1000, video_bytes=1000))
    assert item.error and "the cap" in item.error
    assert item.signals.get("sha256") and item.signals.get("vpdq") is None and item.video is None


def test_archive_members_and_a_corrupt_video(video: bytes) -> None:
    data = zip_bytes({"clips/a.mp4": video, "clips/bad.mp4": video[: len(video) // 3], "x.txt": b"benign"})
    items = {i.path: i for i in scan_bytes(3, "case.zip", data, options(preview=160))}
    good, bad = items["case.zip!clips/a.mp4"], items["case.zip!clips/bad.mp4"]
    assert good.signals.get("vpdq") and good.video is not None and good.video.frames == 30
    assert good.preview and good.preview[:2] == b"\xff\xd8"  # a JPEG strip of frames
    assert bad.error and "video" in bad.error and bad.signals.get("md5") and bad.video is None
    assert items["case.zip!x.txt"].error is None


def test_without_video_options_a_video_is_a_file(video: bytes) -> None:
    (item,) = scan_bytes(0, "v.mp4", video, ScanOptions())
    assert item.signals.get("vpdq") is None and item.video is None and item.signals.get("md5")


def test_video_facts_and_ranges_survive_the_checkpoint_form() -> None:
    match = Match("vpdq", 4, 5, "list", "cat", "series", query_ranges=[[1.0, 4.5], [10.0, 12.0]])
    item = ScanItem(0, "v.mp4", video=VideoFacts(120, 4.0, 4), matches=[match])
    again = ScanItem.from_json(item.to_json())
    assert again.video == item.video and again.matches == [match]
    plain = ScanItem(1, "a.jpg", matches=[Match("pdq", 1, 3)])
    assert "video" not in plain.to_json() and "query_ranges" not in plain.to_json()["matches"][0]


def test_matched_ranges_render_only_when_a_match_carries_them() -> None:
    ranged = ScanItem(0, "v", matches=[Match("vpdq", 1, 0, query_ranges=[[1.0, 4.5], [65.0, 3725.25]])])
    assert matched_ranges(ranged) == "0:01.0–0:04.5, 1:05.0–1:02:05.2"
    assert matched_ranges(ScanItem(0, "v", matches=[Match("md5", 1, 0)])) == ""
    assert matched_ranges(ScanItem(0, "v")) == ""
