"""Import semantics: one item per shared hash, side-by-side opinions, provenance, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hashlists.helpers import counts, fake_hashes, fake_pdq, vics_media, write_vics
from vigil.formats.base import FormatError
from vigil.formats.csv import CSV
from vigil.formats.md5sum import MD5SUM
from vigil.formats.pytx import PYTX
from vigil.formats.vics import VICS
from vigil.hashlists.contributors import ContributorError
from vigil.hashlists.models import (
    Classification,
    HashListMember,
    Media,
    MediaSeries,
    MediaSignal,
    Provenance,
    Series,
)
from vigil.hashlists.service import HashDatabase


@pytest.mark.slow
def test_conflicting_categories_are_kept_side_by_side(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    a = write_vics(tmp_path / "a.json", [vics_media("x", 1)])
    b = write_vics(tmp_path / "b.json", [vics_media("x", 2)])
    hashdb.import_file(a, VICS, "Hotline A", kind="hotline", country="US")
    summary = hashdb.import_file(b, VICS, "Police B", kind="law_enforcement", country="CA")
    assert (summary.added, summary.merged) == (0, 1)
    with sessions() as session:
        assert len(session.execute(select(Media)).scalars().all()) == 1
        votes = session.execute(select(Classification).order_by(Classification.id)).scalars().all()
        assert [v.raw_code for v in votes] == ["1", "2"]
        assert votes[0].contributor_id != votes[1].contributor_id


def test_records_sharing_a_hash_are_one_item(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    h = fake_hashes("y")
    md5_only = tmp_path / "md5.txt"
    md5_only.write_text(f"MD5\n{h['md5']}\n")
    assert hashdb.import_file(md5_only, MD5SUM, "Force X").added == 1
    csv_file = tmp_path / "full.csv"
    csv_file.write_text(
        f"sha256,md5,sha1,pdq,category,scheme\n{h['sha256']},{h['md5']},{h['sha1']},,1,vics-us\n"
    )
    summary = hashdb.import_file(csv_file, CSV, "Force X")
    assert (summary.added, summary.merged) == (0, 1)
    sha1_only = tmp_path / "sha1.txt"
    sha1_only.write_text(f"{h['sha1'].upper()}  some file.jpg\n")
    summary = hashdb.import_file(sha1_only, MD5SUM, "Force Y")
    assert (summary.added, summary.merged, summary.skipped) == (0, 0, 1)
    with sessions() as session:
        (media,) = session.execute(select(Media)).scalars().all()
        assert (media.md5, media.sha1, media.sha256) == (h["md5"], h["sha1"], h["sha256"])


def test_contradicting_hashes_are_rejected(hashdb: HashDatabase, tmp_path: Path) -> None:
    a, b = fake_hashes("a"), fake_hashes("b")
    first = tmp_path / "first.csv"
    first.write_text(f"md5,sha1\n{a['md5']},{a['sha1']}\n{b['md5']},{b['sha1']}\n")
    hashdb.import_file(first, CSV, "Force X")
    second = tmp_path / "second.csv"
    # same MD5 as a, other SHA-1; and a record joining a's MD5 with b's SHA-1
    second.write_text(f"md5,sha1\n{a['md5']},{fake_hashes('c')['sha1']}\n{a['md5']},{b['sha1']}\nzz,\n")
    summary = hashdb.import_file(second, CSV, "Force X")
    assert (summary.rejected, summary.changed) == (3, False)
    reasons = dict(summary.rejection_reasons)
    assert reasons["its SHA-1 differs from the known item with the same MD5"] == 1
    assert reasons["its MD5 and SHA-1 belong to two different known items"] == 1
    assert any("not a MD5" in reason for reason in reasons)
    assert summary.rejection_examples[0][0] == "line 2"


def test_provenance_on_every_row(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write_vics(
        tmp_path / "p.json",
        [vics_media("p1", 1, Series="Series P", PhotoDNA="AAAA"), vics_media("p2", 2)],
    )
    summary = hashdb.import_file(path, VICS, "Hotline P", list_name="plist")
    with sessions() as session:
        provenance = session.get(Provenance, summary.provenance_id)
        assert provenance is not None
        assert (provenance.source, provenance.format, provenance.actor) == ("p.json", "vics", "test:analyst")
        assert provenance.digest is not None and len(provenance.digest) == 64
        assert provenance.summary is not None and provenance.summary["added"] == 2
        for model in (Media, Classification, MediaSignal, Series, MediaSeries, HashListMember):
            rows = session.execute(select(model.provenance_id)).scalars().all()
            assert rows, model
            assert set(rows) == {provenance.id}, model


def test_malformed_file_imports_nothing(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    good = [vics_media(f"m{i}") for i in range(2500)]
    path = write_vics(tmp_path / "broken.json", good)
    path.write_bytes(path.read_bytes()[:-40])  # cut off: the first chunks parse, then the JSON ends
    before = counts(sessions)
    with pytest.raises(FormatError, match="invalid JSON"):
        hashdb.import_file(path, VICS, "New contributor", kind="hotline", list_name="new list")
    assert counts(sessions) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty file"),
        (b"[1, 2]", "top level is not an object"),
        (b'{"value": 3}', "'value' is not an array"),
        (b'{"@odata.context": "x"}', "no 'value' array"),
        (b"\xff\xfe\x00\xd8", "not UTF-8 or UTF-16"),
    ],
)
def test_not_vics(hashdb: HashDatabase, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(FormatError, match=message):
        hashdb.import_file(path, VICS, "X")


def test_csv_without_hash_column_is_refused(hashdb: HashDatabase, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("name,size\na,1\n")
    with pytest.raises(FormatError, match="names no hash column"):
        hashdb.import_file(path, CSV, "X")


def test_existing_contributor_is_not_silently_changed(hashdb: HashDatabase, tmp_path: Path) -> None:
    path = write_vics(tmp_path / "a.json", [vics_media("a")])
    hashdb.import_file(path, VICS, "Agency", kind="law_enforcement", country="DE")
    with pytest.raises(ContributorError, match="exists as law_enforcement/DE"):
        hashdb.import_file(path, VICS, "Agency", kind="hotline")


def test_tolerant_fields(hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    media: list[Any] = [
        vics_media("t1", 3, MediaSize="1234", VictimIdentified="true", DateUpdated="/Date(1700000000000)/"),
        vics_media("t2", None, MediaSize="big", IsPrecategorized="false"),
        {"MD5": "not-hex", "Category": 1},
        {"Category": 1, "odata.id": "Media(1)"},
        "a string",
    ]
    summary = hashdb.import_file(write_vics(tmp_path / "t.json", media), VICS, "X")
    assert (summary.added, summary.rejected) == (2, 3)
    assert any(w.startswith("MediaSize is not a number") for w in summary.warnings)
    with sessions() as session:
        vote = session.execute(select(Classification)).scalar_one()
        assert (vote.raw_code, vote.victim_identified) == ("3", True)
        assert vote.classified_at.isoformat() == "2023-11-14T22:13:20+00:00"
        sizes = sorted(m.size or 0 for m in session.execute(select(Media)).scalars())
        assert sizes == [0, 1234]


def test_photodna_placeholder_is_dropped(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    media = [vics_media(f"c{i}", 1, PhotoDNA="SAME-CONSTANT") for i in range(5)]
    media.append(vics_media("unique", 1, PhotoDNA="REAL-VALUE"))
    path = write_vics(tmp_path / "cellebrite.json", media)
    summary = hashdb.import_file(path, VICS, "X")
    assert any("PhotoDNA value repeated on" in w for w in summary.warnings)
    with sessions() as session:
        values = session.execute(select(MediaSignal.value)).scalars().all()
        assert values == ["REAL-VALUE"]
    again = hashdb.import_file(path, VICS, "X")
    assert not again.changed


def test_pytx_signals_without_hashes(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    pdq = fake_pdq("bank")
    path = tmp_path / "bank.txt"
    path.write_text(
        f"pdq {pdq}\n{fake_pdq('bare')}\nvideo_md5 {fake_hashes('v')['md5']}\nraw_text hello world\n"
    )
    summary = hashdb.import_file(path, PYTX, "HMA bank", list_name="bank")
    assert summary.added == 4
    assert not hashdb.import_file(path, PYTX, "HMA bank", list_name="bank").changed
    with sessions() as session:
        signals = dict(session.execute(select(MediaSignal.signal_type, MediaSignal.value)).all())
        assert signals["pdq"] in {pdq, fake_pdq("bare")}
        assert signals["raw_text"] == "hello world"


def test_scheme_column_and_unknown_scheme(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    h1, h2 = fake_hashes("s1"), fake_hashes("s2")
    path = tmp_path / "caid.csv"
    path.write_text(f"md5,category,scheme\n{h1['md5']},a,uk-caid\n{h2['md5']},1,no-such-scheme\n")
    summary = hashdb.import_file(path, CSV, "UK force", country="GB")
    assert (summary.added, summary.rejected) == (1, 1)
    assert summary.rejection_reasons["unknown classification scheme 'no-such-scheme'"] == 1
    with sessions() as session:
        vote = session.execute(select(Classification)).scalar_one()
        assert vote.raw_code == "a" and vote.category_id is not None


def test_vics_json_with_odd_layout(hashdb: HashDatabase, tmp_path: Path) -> None:
    doc = {"value": [vics_media("odd")], "odata.count": 1}
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(doc, indent=3))
    summary = hashdb.import_file(path, VICS, "X")
    assert summary.added == 1
    assert summary.warnings == ["no @odata.context or odata.metadata: read as VICS 2.0"]


def test_duplicates_across_chunks(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    h = fake_hashes("dup")
    media = [
        {"MD5": h["md5"], "Category": 1},
        vics_media("other1"),
        vics_media("other2"),
        {"SHA1": h["sha1"], "MediaSize": 7},  # next chunk: unknown SHA-1, so a second item for now
        {"MD5": h["md5"], "SHA1": h["sha1"]},  # joins both: refused rather than merging two items
        {"MD5": h["md5"], "Category": 1},  # the same as record 1
    ]
    seen: list[int] = []
    summary = hashdb.import_file(
        write_vics(tmp_path / "d.json", media), VICS, "X", chunk_size=3, progress=seen.append
    )
    assert seen == [3, 6]
    assert (summary.added, summary.merged, summary.skipped, summary.rejected) == (4, 0, 1, 1)
    with sessions() as session:
        assert len(session.execute(select(Media)).scalars().all()) == 4
