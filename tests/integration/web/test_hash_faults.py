"""``POST /api/v1/hash`` on corrupt images: digests kept, a per-file error, never a 500 (issue 20)."""

from __future__ import annotations

import hashlib

from tests.imagefiles import corrupt_images, jpeg_claiming
from tests.integration.web.conftest import Api
from vigil.auth.roles import Role


def test_corrupt_uploads_keep_their_digests(api: Api) -> None:
    for name, data in corrupt_images().items():
        r = api.post(Role.member, "/api/v1/hash", files={"file": (name, data)})
        assert r.status_code == 200, (name, r.text)
        body = r.json()
        assert body["size"] == len(data)
        assert body["md5"] == hashlib.md5(data).hexdigest()
        assert body["sha1"] == hashlib.sha1(data).hexdigest()
        assert body["sha256"] == hashlib.sha256(data).hexdigest()
        assert body["pdq"] is None
        assert body["error"].startswith("corrupt or truncated image: "), (name, body)


def test_jpeg_claiming_more_than_it_holds_is_flagged(api: Api) -> None:
    data = jpeg_claiming(9000, 9000)
    r = api.post(Role.member, "/api/v1/hash", files={"file": ("upload", data)})
    assert r.status_code == 200
    body = r.json()
    assert body["error"].startswith("truncated image: ") and "9000x9000" in body["error"]
    assert body["pdq_quality"] == 0 and body["sha256"] == hashlib.sha256(data).hexdigest()
