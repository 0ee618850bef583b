"""An import's dry run (the real import's figures, nothing written or journalled) and the difference of
two published versions entry by entry (added, changed with its older form, removed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hashlists.helpers import counts, fake_hashes, vics_media, write_vics
from vigil.audit.models import AuditEntry
from vigil.errors import Invalid
from vigil.formats.csv import CSV
from vigil.formats.vics import VICS
from vigil.hashlists.lists import ListError, UnknownHashListError, get_list
from vigil.hashlists.models import HashList
from vigil.hashlists.records.version_diff import version_diff
from vigil.hashlists.selection import SelectionRules
from vigil.hashlists.service import HashDatabase


def _journal(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return int(session.execute(select(func.count()).select_from(AuditEntry)).scalar_one())


def test_dry_run_gives_the_import_figures_and_writes_nothing(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    hashdb.import_file(write_vics(tmp_path / "1.json", [vics_media("a"), vics_media("b")]), VICS, "H")
    # a and b get a new contributor's opinion (merged), c is new, one record is broken
    second = write_vics(
        tmp_path / "2.json",
        [vics_media("a"), vics_media("b", 2), vics_media("c"), {"MediaID": 9, "MD5": "not-hex"}],
    )
    before, journal_before = counts(sessions), _journal(sessions)
    preview = hashdb.import_file(
        second, VICS, "New unit", kind="law_enforcement", list_name="fresh", dry_run=True
    )
    assert preview.dry_run and preview.changed
    assert (preview.records, preview.added, preview.merged, preview.skipped, preview.rejected) == (
        4,
        1,
        2,
        0,
        1,
    )
    assert preview.sha256 is not None and len(preview.sha256) == 64
    assert counts(sessions) == before and _journal(sessions) == journal_before
    with sessions() as session:  # neither the new contributor's list nor the contributor exist
        assert session.execute(select(HashList).where(HashList.name == "fresh")).first() is None

    done = hashdb.import_file(second, VICS, "New unit", kind="law_enforcement", list_name="fresh")
    assert not done.dry_run and done.changed and done.sha256 == preview.sha256
    assert (done.records, done.added, done.merged, done.skipped, done.rejected) == (
        preview.records,
        preview.added,
        preview.merged,
        preview.skipped,
        preview.rejected,
    )
    assert counts(sessions) != before
    again = hashdb.import_file(second, VICS, "New unit", dry_run=True)
    assert again.dry_run and not again.changed and again.skipped == 3


def test_dry_run_of_a_broken_file_raises_like_the_import(hashdb: HashDatabase, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(Invalid):  # FormatError, as the import raises
        hashdb.import_file(broken, VICS, "H", dry_run=True)


def test_version_diff_names_each_change_with_both_forms(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    hashdb.import_file(
        write_vics(tmp_path / "1.json", [vics_media("a"), vics_media("b"), vics_media("gone", 2)]), VICS, "H"
    )
    hashdb.create_list("L", "H", SelectionRules(categories=("vics-us:1", "vics-us:2")))
    assert hashdb.publish("L").version == 1
    # b gains its SHA-256 (changed); c arrives (added); H changes its mind on "gone" (removed)
    csv_file = tmp_path / "b.csv"
    csv_file.write_text(f"md5,sha256\n{fake_hashes('b')['md5']},{fake_hashes('b')['sha256']}\n")
    hashdb.import_file(csv_file, CSV, "Other")
    hashdb.import_file(write_vics(tmp_path / "2.json", [vics_media("c"), vics_media("gone", 0)]), VICS, "H")
    assert hashdb.publish("L").version == 2

    with sessions() as session:
        hash_list = get_list(session, "L")
        diff = version_diff(session, hash_list, 1, 2)
        assert (diff.added, diff.changed, diff.removed, diff.more) == (1, 1, 1, False)
        by_change = {row.change: row for row in diff.rows}
        assert by_change["added"].old is None and by_change["added"].new is not None
        assert by_change["added"].new.md5 == fake_hashes("c")["md5"]
        changed = by_change["changed"]
        assert changed.old is not None and changed.new is not None
        assert changed.old.sha256 is None and changed.new.sha256 == fake_hashes("b")["sha256"]
        removed = by_change["removed"]
        assert removed.new is None and removed.old is not None
        assert removed.old.md5 == fake_hashes("gone")["md5"]

        first = version_diff(session, hash_list, 1, 2, limit=1)
        assert first.total == 3 and len(first.rows) == 1 and first.more
        with pytest.raises(ListError, match="older version"):
            version_diff(session, hash_list, 2, 1)
        with pytest.raises(UnknownHashListError):
            version_diff(session, hash_list, 1, 3)
