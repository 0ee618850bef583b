"""Videos through the lookup API: a listed generated clip's vPDQ (imported from a CSV) is found by value
(``GET /lookup``, ``POST /lookup/batch``, HMA ``GET /m/lookup``) and by content (``POST /lookup/content``,
HMA ``POST /m/lookup`` with ``video``) from a trimmed, re-encoded copy, with the matched time ranges; an
unrelated clip is not. Benign generated clips only."""

from __future__ import annotations

import hashlib

import pytest

from tests.integration.web.conftest import Api
from tests.videofiles import clip
from tests.videotrim import trimmed
from vigil.auth.roles import Role
from vigil.formats.csv import CSV
from vigil.hashlists.service import HashDatabase
from vigil.signals.content import HashOptions, VideoOptions, hash_bytes

pytestmark = pytest.mark.slow

VIDEO = HashOptions(video=VideoOptions())


@pytest.fixture(scope="module")
def clips() -> tuple[bytes, bytes, bytes]:
    listed = clip(60, 10, (320, 240), seed=3)  # six seconds, hashed once a second
    return listed, trimmed(listed, 20, (240, 180)), clip(60, 10, (320, 240), seed=9)


def _vpdq(data: bytes) -> str:
    value = hash_bytes("v.mp4", data, VIDEO).signals.values["vpdq"]
    return value


def test_a_trimmed_copy_is_found_with_time_ranges(api: Api, clips: tuple[bytes, bytes, bytes]) -> None:
    listed, copy, other = clips
    value = _vpdq(listed)
    csv = api.settings.data_dir / "videos.csv"
    csv.write_text(f'md5,vpdq,category,scheme\n{hashlib.md5(listed).hexdigest()},"{value}",1,vics-us\n')
    HashDatabase(api.ctx.sessions, "test").import_file(csv, CSV, "Demo hotline", list_name="demo")
    assert api.post(Role.analyst, "/api/v1/lists/demo/publish").status_code == 200
    api.ctx.matcher.refresh()

    # By value, in Meta's text form on one line.
    query = _vpdq(copy).replace("\n", ";")
    got = api.get(Role.member, "/api/v1/lookup", params={"signal_type": "vpdq", "signal": query})
    assert got.status_code == 200, got.text
    [match] = got.json()["matches"]
    assert (match["list"], match["signal"], match["distance"]) == ("demo", "vpdq", 0)
    video = match["video"]
    assert video["query_percent"] == 100.0 and video["compared_matched"] == 4
    assert [(r["start"], r["end"]) for r in video["query_ranges"]] == [(0.0, 3.0)]
    assert [(r["start"], r["end"], r["first_frame"], r["last_frame"]) for r in video["compared_ranges"]] == [
        (2.0, 5.0, 20, 50)
    ]
    batch = api.post(
        Role.member, "/api/v1/lookup/batch", json={"signals": [{"signal_type": "vpdq", "signal": query}]}
    )
    assert batch.json()["results"][0]["matches"] == [match]

    # By content: the upload is hashed (its MD5 differs) and matched by its vPDQ.
    files = {"file": ("copy.avi", copy, "video/x-msvideo")}
    body = api.post(Role.member, "/api/v1/lookup/content", files=files).json()
    assert body["signals"]["vpdq"] and [m["entry_id"] for m in body["matches"]] == [match["entry_id"]]
    assert body["matches"][0]["video"]["compared_ranges"] == video["compared_ranges"]
    unrelated = api.post(Role.member, "/api/v1/lookup/content", files={"file": ("o.mp4", other)}).json()
    assert unrelated["signals"]["vpdq"] and unrelated["matches"] == []

    # HMA: the same answers in HMA's shapes, with the ranges beside the distance.
    hma = api.get(Role.member, "/m/lookup", params={"signal_type": "vpdq", "signal": query}).json()
    assert [(m["bank_content_id"], m["distance"]) for m in hma["demo"]] == [(match["entry_id"], "0")]
    assert hma["demo"][0]["video"]["query_ranges"] == video["query_ranges"]
    uploaded = api.post(Role.member, "/m/lookup", files={"video": ("copy.avi", copy)}).json()
    assert uploaded["video_md5"] == {} and [m["bank_content_id"] for m in uploaded["vpdq"]["demo"]] == [
        match["entry_id"]
    ]


def test_video_signals_have_their_own_bound(api: Api) -> None:
    long = "f" * 201
    assert (
        api.get(Role.member, "/api/v1/lookup", params={"signal_type": "md5", "signal": long}).status_code
        == 422
    )
    too_long = api.get(Role.member, "/api/v1/lookup", params={"signal_type": "vpdq", "signal": "x" * 5000})
    assert too_long.status_code == 400 and "vPDQ" in too_long.json()["detail"]
    batch = {"signals": [{"signal_type": "vpdq", "signal": "x" * (256 * 1024 + 1)}]}
    assert api.post(Role.member, "/api/v1/lookup/batch", json=batch).status_code == 422
