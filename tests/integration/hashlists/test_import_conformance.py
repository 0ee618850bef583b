"""The real VICS files of shared/conformance/vics import with the expected counts and warnings."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hashlists.helpers import counts
from vigil.formats.vics import VICS
from vigil.hashlists.models import Classification, Media
from vigil.hashlists.service import HashDatabase

#: file → Media records (shared/conformance/vics/README.md)
NSRL = {
    "NSRL-CAID-ART.json": 1,
    "NSRL-CAID-MPG.json": 3,
    "NSRL-CAID-MOV.json": 9,
    "NSRL-CAID-PSD.json": 26,
    "NSRL-CAID-AVI.json": 30,
    "NSRL-CAID-TIF.json": 31,
    "NSRL-CAID-WMV.json": 95,
    "NSRL-CAID-GIF.json": 462,
}
CATEGORY_8 = "category '8' is not one of vics-us"


@pytest.mark.slow
def test_every_nsrl_file(
    hashdb: HashDatabase, sessions: sessionmaker[Session], vics_conformance: Path
) -> None:
    total = 0
    for name, records in NSRL.items():
        summary = hashdb.import_file(vics_conformance / name, VICS, "NIST NSRL", kind="other", country="US")
        assert (summary.records, summary.added, summary.rejected) == (records, records, 0), name
        assert len(summary.warnings) == 1 and summary.warnings[0].startswith(CATEGORY_8), summary.warnings
        assert (f"({records} records" in summary.warnings[0]) == (records > 1)
        total += records
    with sessions() as session:
        media = session.execute(select(Media)).scalars().all()
        assert len(media) == total
        assert all(m.md5 and m.sha1 and m.sha256 is None for m in media)
        votes = session.execute(select(Classification)).scalars().all()
        # Out-of-range categories are kept as unknown opinions, not dropped and not forced into 0-4.
        assert len(votes) == total
        assert {(v.raw_code, v.category_id) for v in votes} == {("8", None)}
    gif = next(m for m in media if m.md5 == "840e8b62bc6fd841c93d3af73bda9c40")
    assert gif.size == 229


def test_example_vics_2_0(
    hashdb: HashDatabase, sessions: sessionmaker[Session], vics_conformance: Path
) -> None:
    summary = hashdb.import_file(
        vics_conformance / "example-VIC-data.json", VICS, "VIC", kind="ngo", country="US"
    )
    assert (summary.records, summary.added, summary.rejected, summary.warnings) == (2, 2, 0, [])
    with sessions() as session:
        first = session.execute(
            select(Media).where(Media.md5 == "adebf3fa3c9be7f73825e1cb9e2dea09")
        ).scalar_one()
        assert (first.sha1, first.size) == (None, 2835)
        second = session.execute(
            select(Media).where(Media.md5 == "192db5cecd7ac2a2fd02f903a27a5fcd")
        ).scalar_one()
        assert second.sha1 == "1407c5674dc7da55419c64c5375907991ec6011f"
        vote = session.execute(select(Classification).where(Classification.media_id == first.id)).scalar_one()
        assert vote.raw_code == "0" and vote.category_id is not None
        assert vote.classified_at.isoformat() == "2023-06-07T02:31:49.830000+00:00"


def test_same_file_twice_changes_nothing(
    hashdb: HashDatabase, sessions: sessionmaker[Session], vics_conformance: Path
) -> None:
    path = vics_conformance / "NSRL-CAID-WMV.json"
    first = hashdb.import_file(path, VICS, "NIST NSRL", list_name="nsrl")
    before = counts(sessions)
    again = hashdb.import_file(path, VICS, "NIST NSRL", list_name="nsrl")
    assert first.changed and not again.changed
    assert (again.added, again.merged, again.skipped) == (0, 0, 95)
    assert counts(sessions) == before


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be"])
def test_byte_order_marks_and_utf16(
    hashdb: HashDatabase, vics_conformance: Path, tmp_path: Path, encoding: str
) -> None:
    text = (vics_conformance / "NSRL-CAID-MOV.json").read_text(encoding="utf-8")
    path = tmp_path / "mov.json"
    data = text.encode(encoding)
    if encoding == "utf-16-le":  # a BOM written by hand, as older Windows producers did
        data = codecs.BOM_UTF16_LE + data
    path.write_bytes(data)
    summary = hashdb.import_file(path, VICS, "NIST NSRL")
    assert (summary.records, summary.added) == (9, 9)


def test_case_export_shape(hashdb: HashDatabase, vics_conformance: Path, tmp_path: Path) -> None:
    """The same Media wrapped in a Case export (value[].Media[]) import identically."""
    media = json.loads((vics_conformance / "NSRL-CAID-TIF.json").read_text())["value"]
    doc = {
        "@odata.context": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/UK/$metadata#Cases",
        "value": [
            {"CaseID": "{6F2A}", "CaseNumber": "1", "Media": media[:10], "SourceApplicationName": "test"},
            {"CaseID": "{6F2B}", "Media": media[10:], "TotalMediaFiles": len(media) - 10},
        ],
    }
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(doc, indent="\t").replace("\n", "\r\n"), encoding="utf-8")
    summary = hashdb.import_file(path, VICS, "X-Ways user")
    assert (summary.records, summary.added) == (31, 31)
