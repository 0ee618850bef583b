"""Acceptance of issue 16's scan side, through the ``vigil`` command only: a generated benign clip's vPDQ
imported from a CSV (``vigil lists import``) and published; then ``vigil scan --list`` of a folder and a
zip holding a trimmed, re-encoded copy of the clip and an unrelated clip. The copy is known, with the
time ranges it matched in the JSON and HTML reports and no frame of it shown; the unrelated clip is not.
The scan matches videos by the configured rule: a ``VIGIL_VPDQ_*`` setting changes the verdict."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.archivefiles import zip_bytes
from tests.e2e.test_video_lookup import CONTRIBUTOR, hashed, vigil
from tests.videofiles import clip, publish_video_list
from tests.videotrim import trimmed


def _scan(env: dict[str, str], seized: Path, report: Path) -> dict[str, dict[str, Any]]:
    vigil(env, "scan", seized, "--report", report, "--list", "videos", "-j", "1")
    items = json.loads((report / "report.json").read_text())["items"]
    return {i["path"][len(str(seized)) + 1 :]: i for i in items}


@pytest.mark.slow
def test_a_scan_finds_a_trimmed_copy_of_a_listed_video_by_the_configured_rule(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env |= {"VIGIL_DATA_DIR": str(tmp_path / "data")}
    listed = clip(60, 10, (320, 240), seed=3)
    copy = trimmed(listed, 20, (240, 180))
    seized = tmp_path / "seized"
    seized.mkdir()
    (seized / "copy.avi").write_bytes(copy)
    (seized / "other.mp4").write_bytes(clip(60, 10, (320, 240), seed=9))
    (seized / "set.zip").write_bytes(zip_bytes({"in/copy.avi": copy}))
    (tmp_path / "listed.mp4").write_bytes(listed)
    known = hashed(env, tmp_path / "listed.mp4")

    rows = [["vpdq", "category", "scheme"], [known["vpdq"], "1", "vics-us"]]
    publish_video_list(vigil, env, tmp_path, rows, CONTRIBUTOR)

    items = _scan(env, seized, tmp_path / "report")
    for path in ("copy.avi", "set.zip!in/copy.avi"):
        item = items[path]
        assert item["status"] == "known", item
        [match] = item["matches"]
        # The copy's 4 hashed frames (seconds 0 to 3) are seconds 2 to 5 of the listed clip: all matched.
        assert (match["signal_type"], match["distance"], match["list_name"], match["category"]) == (
            "vpdq", 0, "videos", "vics-us:1",
        )  # fmt: skip
        assert match["query_ranges"] == [[0.0, 3.0]]
    other = items["other.mp4"]
    assert other["status"] == "other" and other["matches"] == [] and other["near"] == []
    page = (tmp_path / "report" / "report.html").read_text()
    videos = page.split("<h2>Videos</h2>")[1].split("<h2>")[0]
    assert videos.count("0:00.0–0:03.0") == 2
    # Frames of the unrelated clip only: the known copies are rows without pictures.
    assert videos.count("class='stills'") == 1 and page.count("data:image/jpeg;base64,") == 1

    # The copy holds two thirds of the listed clip's frames: a rule that wants 90 % of them is not met.
    env["VIGIL_VPDQ_COMPARED_MATCH_PERCENT"] = "90"
    strict = _scan(env, seized, tmp_path / "strict")
    assert [strict[p]["status"] for p in ("copy.avi", "set.zip!in/copy.avi", "other.mp4")] == ["other"] * 3
    page = (tmp_path / "strict" / "report.html").read_text()
    assert page.count("class='stills'") == 3
    # Resuming that scan under the default rule would mix two verdicts: refused.
    del env["VIGIL_VPDQ_COMPARED_MATCH_PERCENT"]
    args = ("scan", seized, "--report", tmp_path / "strict", "--list", "videos", "-j", "1", "--resume")
    resumed = subprocess.run(
        [sys.executable, "-m", "vigil", *map(str, args)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert resumed.returncode == 1 and "other inputs or settings" in resumed.stderr
