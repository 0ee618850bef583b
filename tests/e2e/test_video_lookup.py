"""Acceptance of issue 16's lookup side, through public interfaces only: a generated benign clip's vPDQ
(``vigil hash``) imported from a CSV (``vigil lists import``), published, indexed by ``vigil index
build --list``; then a real ``vigil serve`` finds a trimmed, re-encoded copy of the clip by value
(``GET /api/v1/lookup?signal_type=vpdq``) and by upload (``POST /api/v1/lookup/content``), naming the
matched time ranges, finds a letterboxed copy by upload, and does not match an unrelated generated
clip."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.served_vigil import vigil_serve
from tests.videofiles import clip, publish_video_list, reencode
from tests.videotrim import trimmed

CONTRIBUTOR = "Test hotline"


def vigil(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "vigil", *map(str, args)],
        check=False, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, f"vigil {args}: {done.stdout}\n{done.stderr}"
    return done


def hashed(env: dict[str, str], path: Path) -> dict[str, str]:
    row: dict[str, str] = json.loads(vigil(env, "hash", "--format", "jsonl", path).stdout)
    return row


@pytest.mark.slow
def test_a_trimmed_copy_of_a_listed_video_is_found_by_value_and_by_upload(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env |= {"VIGIL_DATA_DIR": str(tmp_path / "data"), "VIGIL_API_RATE_PER_SECOND": "0"}
    listed = clip(60, 10, (320, 240), seed=3)
    files = {"listed.mp4": listed, "copy.avi": trimmed(listed, 20, (240, 180))}
    files["other.mp4"] = clip(60, 10, (320, 240), seed=9)
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    known = hashed(env, tmp_path / "listed.mp4")
    copy = hashed(env, tmp_path / "copy.avi")
    other = hashed(env, tmp_path / "other.mp4")
    assert known["vpdq"] and copy["vpdq"] and copy["md5"] != known["md5"]

    rows = [["md5", "vpdq", "category", "scheme"], [known["md5"], known["vpdq"], "1", "vics-us"]]
    publish_video_list(vigil, env, tmp_path, rows, CONTRIBUTOR)
    built = vigil(env, "index", "build", "--list", "videos", "--signal", "vpdq", "-o", tmp_path / "v.vidx")
    assert "1 vpdq" in built.stderr
    queried = vigil(env, "index", "query", tmp_path / "v.vidx", copy["vpdq"].replace("\n", ";"))
    assert [m["distance"] for m in json.loads(queried.stdout)["matches"]] == [0]
    member = vigil(env, "users", "add", "platform", "--role", "member").stdout.strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {member}"}

    with vigil_serve(env, tmp_path / "serve.log", health="/api/v1/health/ready") as base:
        params = {"signal_type": "vpdq", "signal": copy["vpdq"].replace("\n", ";")}
        by_value = httpx.get(f"{base}/api/v1/lookup", params=params, headers=auth, timeout=60)
        assert by_value.status_code == 200, by_value.text
        [match] = by_value.json()["matches"]
        assert (match["list"], match["signal"], match["distance"], match["category"]) == (
            "videos",
            "vpdq",
            0,
            "1",
        )
        video = match["video"]
        # Seconds 0 to 3 of the copy are seconds 2 to 5 (frames 20 to 50) of the listed clip.
        assert [(r["start"], r["end"]) for r in video["query_ranges"]] == [(0.0, 3.0)]
        assert [
            (r["start"], r["end"], r["first_frame"], r["last_frame"]) for r in video["compared_ranges"]
        ] == [(2.0, 5.0, 20, 50)]

        upload = {"file": ("copy.avi", files["copy.avi"], "video/x-msvideo")}
        by_upload = httpx.post(f"{base}/api/v1/lookup/content", files=upload, headers=auth, timeout=60)
        assert by_upload.status_code == 200, by_upload.text
        body = by_upload.json()
        assert body["signals"]["vpdq"] == copy["vpdq"]
        assert [(m["entry_id"], m["video"]["compared_ranges"]) for m in body["matches"]] == [
            (match["entry_id"], video["compared_ranges"])
        ]

        # Black bars added above and below: found by the frames inside them, the stored vPDQ unchanged.
        boxed = {"file": ("boxed.avi", reencode(listed, (320, 240), bars=(40, 0)), "video/x-msvideo")}
        by_box = httpx.post(f"{base}/api/v1/lookup/content", files=boxed, headers=auth, timeout=60)
        assert by_box.status_code == 200, by_box.text
        assert [(m["entry_id"], m["distance"]) for m in by_box.json()["matches"]] == [(match["entry_id"], 0)]

        unrelated = {"file": ("other.mp4", files["other.mp4"], "video/mp4")}
        nothing = httpx.post(f"{base}/api/v1/lookup/content", files=unrelated, headers=auth, timeout=60)
        assert nothing.status_code == 200 and nothing.json()["matches"] == []
        params = {"signal_type": "vpdq", "signal": other["vpdq"].replace("\n", ";")}
        assert httpx.get(f"{base}/api/v1/lookup", params=params, headers=auth).json()["matches"] == []
