"""The hash database's search by file in the console, with a video (TestClient on the real app): the
upload is hashed under the video limits and a trimmed, re-encoded copy of a listed generated clip finds
the clip's item, with the matched time ranges on both timelines; an unrelated clip finds nothing, and a
video past the limits says why. No frame of any video is on the page. Benign generated clips only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.console.helpers import field, make_staff, sign_in
from tests.videofiles import clip
from tests.videotrim import trimmed
from vigil.config import Settings
from vigil.formats.csv import CSV
from vigil.hashlists.service import HashDatabase
from vigil.signals.content import HashOptions, VideoOptions, hash_bytes
from vigil.web.app import create_app

pytestmark = pytest.mark.slow


def _hits(page: str) -> list[list[str]]:
    table = page.split('<table id="hits">')[1].split("</table>", maxsplit=1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], re.S)
    return [[re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)] for r in rows]


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)  # the searches run on both elsewhere
def test_a_video_upload_finds_the_listed_clip_with_its_time_ranges(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    listed = clip(60, 10, (320, 240), seed=3)  # six seconds, hashed once a second
    copy, other = trimmed(listed, 20, (240, 180)), clip(60, 10, (320, 240), seed=9)
    value = hash_bytes("v.mp4", listed, HashOptions(video=VideoOptions())).signals.values["vpdq"]
    (tmp_path / "videos.csv").write_text(f'vpdq,category,scheme\n"{value}",1,vics-us\n')
    db = HashDatabase(sessions, "test")
    db.import_file(tmp_path / "videos.csv", CSV, "Demo hotline", list_name="demo")
    db.publish("demo")
    make_staff(sessions, "ana", "analyst")
    settings = db_settings.model_copy(update={"video_max_seconds": 5.0})
    app = create_app(settings)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        assert app.state.vigil.matcher.wait_ready(60)
        sign_in(client, "ana", {})
        csrf = field(client.get("/console/media").text, "csrf")

        def upload(name: str, data: bytes) -> str:
            got = client.post("/console/media/lookup", data={"csrf": csrf}, files={"file": (name, data)})
            assert got.status_code == 200, got.text[:500]
            text: str = got.text
            assert "<img" not in text and "<video" not in text and "base64" not in text
            return text

        page = upload("copy.avi", copy)
        [hit] = _hits(page)
        assert hit[3:6] == ["vpdq", "0", "demo"]
        # The copy's seconds 0 to 3 are the clip's 2 to 5: every frame of the copy, 4 of the clip's 6.
        assert hit[6] == "0:00.0–0:03.0 (100 %) ↔ 0:02.0–0:05.0 (67 %)"
        signals = page.split('id="upload-signals"')[1].split("</table>")[0]
        assert "<td>vpdq</td>" in signals and "(4 frames)" in signals

        assert _hits(upload("other.mp4", other)) == [["No known item matches."]]
        # Six seconds: past the limit of this console, refused with the reason, nothing matched.
        refused = upload("listed.mp4", listed)
        assert "No image or video signal: video lasts 6 s, more than 5 s (the cap)" in refused
        assert _hits(refused) == [["No known item matches."]]
