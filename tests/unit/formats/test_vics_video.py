"""VICS video entries: a vPDQ under the ``VPDQ`` AlternativeHashes name (Vigil's extension), a video's
kind from its MimeType or its file's name, and a malformed vPDQ rejecting its record."""

from __future__ import annotations

import json
from collections.abc import Mapping

from tests.unit.formats.conftest import read_all, write_all
from vigil.formats.base import HashRecord
from vigil.formats.vics import VICS

MD5 = "0cef8332881a74ac9ae0e6f4c4323569"
SHA1 = "2ec7cd699f82e0435b15b9ebf0999805155f8f90"
#: Meta's text form: two frames (frame, quality, PDQ hex, seconds).
VPDQ = (
    "0,100,6c6cf76cd593f76cf57cd5d3ff6cd55dd19388932a2c2aa80893226408990893,0.000\n"
    "10,90,8752df53d5e1d5e3ffd7fd7ff57ef55e68ad20a9201e221c202c20282a422a81,1.000"
)


def _doc(*media: Mapping[str, object], version: str = "2.0") -> bytes:
    if version == "2.0":
        head = {
            "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media"
        }
    else:
        head = {"odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.2.xml#Media"}
    return json.dumps({**head, "value": list(media)}).encode()


def test_video_entry_with_vpdq_is_read() -> None:
    media = {
        "MD5": MD5.upper(),
        "SHA1": SHA1.upper(),
        "MimeType": "video/mp4",
        "Category": 0,
        "AlternativeHashes": [{"MD5": MD5.upper(), "HashName": "VPDQ", "HashValue": VPDQ.replace("\n", " ")}],
    }
    (record,), rejected, _ = read_all(VICS, _doc(media))
    assert not rejected
    assert (record.md5, record.sha1, record.mime_type) == (MD5, SHA1, "video/mp4")
    assert record.signals == [("vpdq", VPDQ)]  # canonical: one frame a line


def test_export_then_import_round_trips_a_video() -> None:
    original = HashRecord(md5=MD5, sha1=SHA1, mime_type="video/mpeg", category="0", signals=[("vpdq", VPDQ)])
    data, written, _ = write_all(VICS, [original])
    assert written == 1
    (media,) = json.loads(data)["value"]
    assert media["AlternativeHashes"] == [{"MD5": MD5.upper(), "HashName": "VPDQ", "HashValue": VPDQ}]
    (again,), rejected, _ = read_all(VICS, data)
    assert not rejected
    assert (again.md5, again.sha1, again.mime_type, again.signals) == (
        MD5,
        SHA1,
        "video/mpeg",
        [("vpdq", VPDQ)],
    )


def test_malformed_vpdq_rejects_its_record_only() -> None:
    bad = {"MD5": MD5, "AlternativeHashes": [{"HashName": "vPDQ", "HashValue": "0,100,zz-not-hex,0.000"}]}
    good = {"MD5": "1" * 32, "MimeType": "video/mp4"}
    records, rejected, _ = read_all(VICS, _doc(bad, good))
    assert [r.md5 for r in records] == ["1" * 32]
    (reason,) = rejected
    assert reason.where == "record 1" and "AlternativeHashes 'vPDQ'" in reason.reason
    assert "not a vPDQ hash" in reason.reason


def test_a_video_file_name_gives_the_kind_when_no_mime_type_is_sent() -> None:
    """NSRL and VICS 1.x files name no MimeType; the MediaFile's name says it is a video."""
    video = {"MD5": MD5, "MediaFiles": [{"MD5": MD5, "FileName": "eggBreak.MPG", "FilePath": "game/video"}]}
    image = {"MD5": "2" * 32, "MediaFiles": [{"FileName": "cover.gif"}]}
    named = {"MD5": "3" * 32, "MimeType": "video/webm", "MediaFiles": [{"FileName": "x.avi"}]}
    records, _, _ = read_all(VICS, _doc(video, image, named, version="1.2"))
    assert [r.mime_type for r in records] == ["video/mpeg", None, "video/webm"]
