"""Videos in the hash database, on SQLite and PostgreSQL: a VICS file's video entries (a vPDQ as the
VPDQ alternative hash; an NSRL-style entry known as a video by its file name) are items of kind video
with their vPDQ; a malformed vPDQ rejects its record and nothing of it is stored; a published list's
VICS export carries the vPDQ, and importing that export again changes nothing. The console's item page
shows the kind and a summary of the vPDQ."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.console.helpers import make_staff, sign_in
from tests.integration.hashlists.helpers import counts, fake_hashes, vics_media, write_vics
from vigil.config import Settings
from vigil.formats.vics import VICS
from vigil.hashlists.records.media import media_record
from vigil.hashlists.service import HashDatabase
from vigil.web.app import create_app

pytestmark = pytest.mark.slow

VPDQ = (
    "0,100,6c6cf76cd593f76cf57cd5d3ff6cd55dd19388932a2c2aa80893226408990893,0.000\n"
    "10,90,8752df53d5e1d5e3ffd7fd7ff57ef55e68ad20a9201e221c202c20282a422a81,1.000\n"
    "20,80,7b89d724d5347cdbff5bd534d534df79d52428cb2adb022481a42a8b2adb22a0,2.000"
)


def _video_file(path: Path) -> Path:
    alt = [{"HashName": "VPDQ", "HashValue": VPDQ.replace("\n", ";")}]
    nsrl = [{"FileName": "eggBreak.mpg", "FilePath": "game/video"}]
    bad = [{"HashName": "VPDQ", "HashValue": "0,100,not-a-hash,0.000"}]
    return write_vics(
        path,
        [
            vics_media("clip", 0, MimeType="video/mp4", AlternativeHashes=alt),
            vics_media("nsrl", 0, MediaFiles=nsrl),
            vics_media("broken", 0, MimeType="video/mp4", AlternativeHashes=bad),
        ],
    )


def test_video_entries_import_export_and_import_again(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    db = HashDatabase(sessions, "test")
    db.add_contributor("Hotline", "hotline", "NL")
    summary = db.import_file(_video_file(tmp_path / "videos.json"), VICS, "Hotline", list_name="videos")
    assert (summary.added, summary.rejected) == (2, 1)
    ((where, reason),) = summary.rejection_examples
    assert where == "record 3" and "AlternativeHashes 'VPDQ': not a vPDQ hash" in reason
    with sessions() as session:
        clip = media_record(session, fake_hashes("clip")["md5"])
        nsrl = media_record(session, fake_hashes("nsrl")["sha1"])
        with pytest.raises(LookupError):  # the rejected record left nothing behind
            media_record(session, fake_hashes("broken")["md5"])
    assert (clip.kind, clip.mime_type, [(t, v) for t, v, _ in clip.signals]) == (
        "video",
        "video/mp4",
        [("vpdq", VPDQ)],
    )
    assert (nsrl.kind, nsrl.mime_type, nsrl.signals) == ("video", "video/mpeg", [])

    db.publish("videos")
    out = io.BytesIO()
    assert db.export("videos", VICS, out).written == 2
    exported = {m["MD5"].lower(): m for m in json.loads(out.getvalue())["value"]}
    assert exported[fake_hashes("clip")["md5"]]["AlternativeHashes"] == [
        {"MD5": fake_hashes("clip")["md5"].upper(), "HashName": "VPDQ", "HashValue": VPDQ}
    ]
    before = counts(sessions)
    (tmp_path / "export.json").write_bytes(out.getvalue())
    again = db.import_file(tmp_path / "export.json", VICS, "Hotline")
    assert (again.changed, again.skipped, again.rejected) == (False, 2, 0)
    assert counts(sessions) == before


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)  # the reads run on both above
def test_console_item_page_shows_a_video(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    db = HashDatabase(sessions, "test")
    db.add_contributor("Hotline", "hotline", "NL")
    db.import_file(_video_file(tmp_path / "videos.json"), VICS, "Hotline")
    make_staff(sessions, "ana", "analyst")
    with sessions() as session:
        media_id = media_record(session, fake_hashes("clip")["md5"]).id
    app = create_app(db_settings)
    with TestClient(app, base_url="http://127.0.0.1", raise_server_exceptions=False) as client:
        sign_in(client, "ana", {})
        page = client.get(f"/console/media/{media_id}")
        assert page.status_code == 200, page.text[:300]
        assert '<dd id="kind">video</dd>' in page.text
        assert "<summary>3 frames over 2.000 s, mean quality 90</summary>" in page.text
