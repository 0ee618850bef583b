"""HMA-compatible routes answer in hasher-matcher-actioner's shapes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.integration.web.conftest import Api
from vigil.auth.roles import Role

pytestmark = pytest.mark.slow


def test_raw_lookup_shapes(api: Api) -> None:
    pdq = api.rows[0]["pdq"]
    plain = api.get(Role.member, "/m/raw_lookup", params={"signal_type": "pdq", "signal": pdq}).json()
    assert list(plain) == ["matches"] and len(plain["matches"]) == 1 and isinstance(plain["matches"][0], int)
    params = {"signal_type": "pdq", "signal": pdq, "include_distance": "true"}
    rich = api.get(Role.member, "/m/raw_lookup", params=params).json()
    assert rich == {"matches": [{"bank_content_id": plain["matches"][0], "distance": "0"}]}


def test_lookup_groups_by_bank(api: Api) -> None:
    row = api.rows[1]
    r = api.get(Role.member, "/m/lookup", params={"signal_type": "video_md5", "signal": row["md5"]})
    body = r.json()
    assert list(body) == ["demo"] and body["demo"][0]["distance"] == "0"
    assert set(body["demo"][0]) == {"bank_content_id", "distance"}
    none = api.get(
        Role.member, "/m/lookup", params={"signal_type": "pdq", "signal": "0" * 64, "banks": "demo"}
    )
    assert none.json() == {}


def test_errors_carry_hma_message(api: Api) -> None:
    r = api.get(Role.member, "/m/lookup", params={"signal_type": "nope", "signal": "00"})
    assert r.status_code == 400 and r.json()["message"] == "No such SignalType 'nope'"
    r = api.get(Role.member, "/m/lookup", params={"url": "http://127.0.0.1/x.jpg"})
    assert r.status_code == 400 and "url" in r.json()["message"]


def test_hash_and_lookup_uploads(api: Api, demo_listing: Path) -> None:
    data = sorted((demo_listing.parent / "images").glob("*.jpg"))[2].read_bytes()
    hashed = api.post(Role.member, "/h/hash", files={"photo": ("a.jpg", data, "image/jpeg")})
    assert hashed.json() == {"pdq": api.rows[2]["pdq"]}
    video = api.post(Role.member, "/h/hash", files={"video": ("v.mp4", b"not really a video", "video/mp4")})
    assert list(video.json()) == ["video_md5"]
    looked = api.post(Role.member, "/m/lookup", files={"photo": ("a.jpg", data, "image/jpeg")}).json()
    assert list(looked) == ["pdq"] and looked["pdq"]["demo"][0]["distance"] == "0"
    both = {"photo": ("a.jpg", data, "image/jpeg"), "video": ("v.mp4", b"x", "video/mp4")}
    assert api.post(Role.member, "/h/hash", files=both).status_code == 400


def test_videos_get_vpdq_in_pytx_form(api: Api) -> None:
    """A generated clip: HMA's video hashers give video_md5 and vpdq (pytx's JSON list form, which
    lookups accept back); Vigil's own /hash gives Meta's text form, at the interval asked for."""
    from tests.videofiles import clip
    from vigil.video.signal import VPDQ

    data = clip(30, 10)
    files = {"video": ("v.mp4", data, "video/mp4")}
    hashed = api.post(Role.member, "/h/hash", files=files).json()
    assert list(hashed) == ["video_md5", "vpdq"]
    assert hashed["video_md5"] == hashlib.md5(data).hexdigest()
    frames = json.loads(hashed["vpdq"])
    assert len(frames) == 3 and frames[1].split(",")[2] == "1.000"
    only_md5 = api.post(Role.member, "/h/hash", files=files, params={"types": "video_md5"}).json()
    assert list(only_md5) == ["video_md5"]
    own = api.post(Role.member, "/api/v1/hash", files={"file": ("v.mp4", data)}).json()
    assert own["error"] is None and own["pdq"] is None
    # pytx's form has no frame numbers: the same frames, numbered from 0 when read back.
    strip = [line.split(",", 1)[1] for line in own["vpdq"].split("\n")]
    assert [line.split(",", 1)[1] for line in VPDQ.normalize(hashed["vpdq"]).split("\n")] == strip
    assert [line.split(",")[0] for line in own["vpdq"].split("\n")] == ["0", "10", "20"]
    every = api.post(
        Role.member, "/api/v1/hash", files={"file": ("v.mp4", data)}, params={"seconds_per_hash": 0}
    )
    assert len(every.json()["vpdq"].split("\n")) == 30
    # A lookup type: the upload is matched by its MD5 and its vPDQ (nothing is listed here).
    looked = api.post(Role.member, "/m/lookup", files=files)
    assert looked.status_code == 200 and looked.json() == {"video_md5": {}, "vpdq": {}}
    # One pytx item alone ("hex,quality,timestamp") is not a vPDQ value.
    refused = api.get(Role.member, "/m/lookup", params={"signal_type": "vpdq", "signal": frames[0]})
    assert refused.status_code == 400
    cut = api.post(Role.member, "/api/v1/hash", files={"file": ("v.mp4", data[:300])}).json()
    assert cut["vpdq"] is None and cut["sha256"] and "video" in cut["error"]
