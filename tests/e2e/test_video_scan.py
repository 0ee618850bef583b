"""End to end through the ``vigil`` command: ``vigil scan`` of a folder holding benign generated videos,
one inside a zip, one larger than the image cap (decoded from its file), and corrupt ones; the report's
three formats say what each video is, and show frames of the unknown ones, blurred."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.archivefiles import zip_bytes
from tests.videofiles import clip
from vigil.cli.hashing import options_from
from vigil.config import Settings
from vigil.index import ExactIndex
from vigil.scanning.matching import KnownLists
from vigil.scanning.pipeline import ScanOptions
from vigil.scanning.runners.local import ScanRequest, run_scan


def _vigil(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vigil", *map(str, args)],
        capture_output=True, text=True, timeout=300, check=False, env={**os.environ, **(env or {})},
    )  # fmt: skip


@pytest.mark.slow
def test_scan_hashes_videos_in_folders_and_archives(tmp_path: Path) -> None:
    seized = tmp_path / "seized"
    seized.mkdir()
    big = clip(frames=40, fps=10, size=(320, 240))
    small = clip(frames=20, fps=10, seed=4)
    (seized / "big.mp4").write_bytes(big)
    (seized / "set.zip").write_bytes(zip_bytes({"in/small.mp4": small, "in/cut.mp4": small[:900]}))
    (seized / "broken.mkv").write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00not a video" * 50)
    # The small video is known by its MD5: listed, never shown.
    ExactIndex.build([hashlib.md5(small).hexdigest()], ids=[5]).save(tmp_path / "md5.idx")
    report = tmp_path / "report"
    # The image cap below the big video's size: it must be decoded from its file, not from memory.
    args = ("--report", report, "--index", tmp_path / "md5.idx", "-j", "1")
    done = _vigil("scan", seized, *args, env={"VIGIL_MAX_IMAGE_BYTES": "20000"})
    assert done.returncode == 0, done.stderr
    assert len(big) > 20000

    def rel(path: str) -> str:
        return path[len(str(seized)) + 1 :]

    items = {rel(i["path"]): i for i in json.loads((report / "report.json").read_text())["items"]}
    assert items["big.mp4"]["video"] == {"frames": 40, "seconds": 4.0, "hashed": 4}
    assert items["big.mp4"]["error"] is None and len(items["big.mp4"]["vpdq"].splitlines()) == 4
    inner = items["set.zip!in/small.mp4"]
    assert inner["video"] == {"frames": 20, "seconds": 2.0, "hashed": 2} and inner["vpdq"]
    assert inner["status"] == "known" and inner["matches"][0]["signal_type"] == "md5"
    for name in ("set.zip!in/cut.mp4", "broken.mkv"):
        assert "video" in items[name]["error"] and items[name]["md5"] and "video" not in items[name]

    rows = {rel(r["path"]): r for r in csv.DictReader((report / "summary.csv").open())}
    assert (rows["big.mp4"]["video_seconds"], rows["big.mp4"]["video_frames"]) == ("4.0", "40")
    assert rows["big.mp4"]["vpdq"] == items["big.mp4"]["vpdq"] and rows["broken.mkv"]["video_frames"] == ""

    page = (report / "report.html").read_text()
    videos = page.split("<h2>Videos</h2>")[1].split("<h2>")[0]
    assert videos.count("<tr>") == 3  # header, big.mp4, small.mp4
    # Frames of the unknown video only: the known one is a row without pictures.
    assert videos.count("class='stills'") == 1 and page.count("data:image/jpeg;base64,") == 1
    assert "frames of video 1" in videos and "frames of video 2" not in videos
    assert "0:04.0" in videos and "0:02.0" in videos
    assert "broken.mkv" in page.split("<h2>Problems</h2>")[1]


@pytest.mark.slow
def test_video_strips_made_again_are_the_kept_ones(tmp_path: Path) -> None:
    """A strip not kept during the scan (cap reached) is made again from the evidence, the same."""
    tree = tmp_path / "t"
    tree.mkdir()
    (tree / "a.mp4").write_bytes(clip(frames=30, fps=10))
    (tree / "z.zip").write_bytes(zip_bytes({"b.mp4": clip(frames=20, fps=10, seed=2)}))
    pages = []
    for label, cap in (("kept", 64 << 20), ("remade", 0)):
        hashing = options_from(Settings(), exact=False, dihedral=True, videos=True)
        request = ScanRequest(
            inputs=[str(tree)], report_dir=tmp_path / label, jobs=1, preview_bytes=cap,
            options=ScanOptions(hashing=hashing),
        )  # fmt: skip
        run_scan(request, KnownLists())
        pages.append((tmp_path / label / "report.html").read_text())
    assert pages[0].count("class='stills'") == 2
    assert pages[0] == pages[1]
