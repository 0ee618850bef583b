"""VICS reading (both versions, both shapes, producers' quirks) and writing."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.unit.formats.conftest import read_all, write_all
from vigil.formats.base import FormatError, HashRecord
from vigil.formats.vics import VICS, VicsFormat
from vigil.formats.vics_fields import parse_date

MD5 = "0cef8332881a74ac9ae0e6f4c4323569"
SHA1 = "2ec7cd699f82e0435b15b9ebf0999805155f8f90"


def test_conformance_counts(shared_dir: Path) -> None:
    folder = shared_dir / "conformance" / "vics"
    records, rejected, diagnostics = read_all(VICS, (folder / "NSRL-CAID-GIF.json").read_bytes())
    assert (len(records), len(rejected), len(diagnostics)) == (462, 0, 0)
    assert {r.category for r in records} == {"8"}
    assert any(r.size == 0 or r.size for r in records)
    records, _, _ = read_all(VICS, (folder / "example-VIC-data.json").read_bytes())
    assert [r.md5 for r in records] == [
        "adebf3fa3c9be7f73825e1cb9e2dea09",
        "192db5cecd7ac2a2fd02f903a27a5fcd",
    ]


def test_version_1_flat_list_with_annotations() -> None:
    doc = {
        "odata.metadata": "http://github.com/ICMEC/ProjectVic/DataModels/1.1.xml#Media",
        "value": [
            {
                "odata.id": f'Media("{MD5}")',
                "MediaFiles@odata.navigationLinkUrl": f"/Media({MD5})/MediaFiles",
                "MediaFiles": [{"Media@odata.navigationLinkUrl": "/x", "MD5": MD5, "FileName": "a b.mpg"}],
                "MD5": MD5.upper(),
                "SHA1": SHA1.upper(),
                "Category": "2",
                "MediaSize": "38733828",
            }
        ],
    }
    (record,), rejected, _ = read_all(VICS, json.dumps(doc).encode())
    assert (record.md5, record.sha1, record.category, record.size) == (MD5, SHA1, "2", 38733828)
    assert rejected == []


def test_case_export_streams_media_out_of_cases() -> None:
    doc = {
        "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Cases",
        "value": [
            {
                "CaseID": "{A}",
                "media": [{"MD5": MD5, "Category": 1}, None, {"MD5": "f" * 32}],
                "CaseNumber": "7",
            },
            {"CaseID": "{B}", "Media": []},
        ],
    }
    records, rejected, _ = read_all(VICS, json.dumps(doc).encode())
    assert [r.md5 for r in records] == [MD5, "f" * 32]
    assert rejected == []


def test_quirks() -> None:
    media = [
        {"MD5": MD5, "IsPrecategorized": "false", "VictimIdentified": "True", "DateUpdated": "/Date(0)/"},
        {"MD5": MD5, "Category": None, "DateUpdated": "2023-06-07T02:31:49.8300Z", "PhotoDNA": " X "},
        {"MD5": MD5, "Category": 1.0, "DateUpdated": "2020-01-01T10:00:00+02:00", "MimeType": "image/gif"},
        {"MD5": MD5, "Category": True, "DateUpdated": "yesterday", "VictimIdentified": "perhaps"},
        {
            "MD5": MD5,
            "AlternativeHashes": [
                {"HashName": "SHA-256", "HashValue": "A" * 64},
                {"HashName": "PDQ", "HashValue": "zz"},
            ],
        },
        {"SHA1": SHA1, "MediaSize": -5},
        {"MD5": 12},
        {"MD5": "xyz"},
        {},
    ]
    records, rejected, diagnostics = read_all(VICS, json.dumps({"value": media}).encode("utf-8"))
    assert records[0].victim_identified is True
    assert records[0].classified_at == datetime(1970, 1, 1, tzinfo=UTC)
    assert records[1].category is None and records[1].signals == [("photodna", "X")]
    assert records[1].classified_at == datetime(2023, 6, 7, 2, 31, 49, 830000, tzinfo=UTC)
    assert (records[2].category, records[2].mime_type) == ("1", "image/gif")
    assert records[2].classified_at == datetime(2020, 1, 1, 8, tzinfo=UTC)
    assert records[3].category is None and records[3].classified_at is None
    assert records[4].sha256 == "a" * 64
    assert (records[5].sha1, records[5].size) == (SHA1, None)
    assert [r.reason for r in rejected] == [
        "MD5 is not a string",
        "not a MD5: expected 32 hex digits, got 'xyz'",
        "no MD5, SHA-1 or SHA-256",
    ]
    messages = " | ".join(diagnostics.messages)
    for expected in (
        "Category is not a number",
        "DateUpdated is not a date",
        "VictimIdentified is not a boolean",
        "MediaSize is not a number",
        "AlternativeHashes 'PDQ': invalid value",
    ):
        assert expected in messages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/Date(1700000000000+0100)/", datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)),
        ("/Date(-86400000)/", datetime(1969, 12, 31, tzinfo=UTC)),
        ("2023-06-07T02:31:49.123456789Z", datetime(2023, 6, 7, 2, 31, 49, 123456, tzinfo=UTC)),
        ("2023-06-07T02:31:49", datetime(2023, 6, 7, 2, 31, 49, tzinfo=UTC)),
        ("", None),
        ("/Date(abc)/", None),
    ],
)
def test_dates(text: str, expected: datetime | None) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"   ", "empty file"),
        (b'"just a string"', "not an object"),
        (b'{"value": [[1]]}', "holds arrays"),
        (b'{"value": {"a": 1}}', "not an array"),
        (b'{"value": [{"MD5": "' + MD5.encode() + b'"}', "invalid JSON after record 1"),
        (b'{"value": [}', "invalid JSON"),
    ],
)
def test_malformed(data: bytes, message: str) -> None:
    with pytest.raises(FormatError, match=message):
        read_all(VICS, data)


def test_write_then_read() -> None:
    records = [
        HashRecord(
            md5=MD5,
            sha1=SHA1,
            sha256="b" * 64,
            size=10,
            category="1",
            scheme="vics-us",
            signals=[("pdq", "c" * 64), ("photodna", "P1"), ("photodna", "P2")],
            series="S",
            mime_type="image/png",
        ),
        HashRecord(md5="d" * 32, category="A", scheme="uk-caid"),
        HashRecord(sha256="e" * 64),
    ]
    data, written, diagnostics = write_all(VICS, records)
    assert written == 2
    assert len(diagnostics) == 2  # one without MD5, one category without a VICS number
    doc = json.loads(data)
    assert doc["@odata.context"].endswith("/Default/$metadata#Media")
    first = doc["value"][0]
    assert (first["MD5"], first["Category"], first["IsPrecategorized"], first["PhotoDNA"]) == (
        MD5.upper(),
        1,
        True,
        "P1",
    )
    back, rejected, _ = read_all(VICS, data)
    assert rejected == []
    assert (back[0].md5, back[0].sha1, back[0].sha256, back[0].size, back[0].category) == (
        MD5,
        SHA1,
        "b" * 64,
        10,
        "1",
    )
    assert sorted(back[0].signals) == sorted(records[0].signals)
    assert back[1].category is None


def test_profiles() -> None:
    data, _, _ = write_all(VicsFormat("us"), [])
    assert json.loads(data) == {
        "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media",
        "value": [],
    }
    with pytest.raises(ValueError, match="unknown VICS profile"):
        VicsFormat("mars")


@pytest.mark.usefixtures("with_sha512")
def test_a_plugin_digest_travels_as_an_alternative_hash() -> None:
    sha512 = hashlib.sha512(b"benign").hexdigest()
    data, written, _ = write_all(VICS, [HashRecord(md5=MD5, signals=[("sha512", sha512)])])
    assert written == 1
    alternatives = json.loads(data)["value"][0]["AlternativeHashes"]
    assert {"HashName": "sha512", "HashValue": sha512} in [
        {k: a[k] for k in ("HashName", "HashValue")} for a in alternatives
    ]
    records, rejected, _ = read_all(VICS, data)
    assert records[0].signals == [("sha512", sha512)] and rejected == []
    # Read as the registered type: its value is checked and made canonical.
    upper = data.replace(sha512.encode(), sha512.upper().encode())
    assert read_all(VICS, upper)[0][0].signals == [("sha512", sha512)]
    bad = data.replace(sha512.encode(), b"abc")
    records, _, diagnostics = read_all(VICS, bad)
    assert records[0].signals == [] and "AlternativeHashes 'sha512': invalid value" in diagnostics.messages[0]
