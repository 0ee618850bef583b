"""Members taken off a list by their signals, in an import's transaction (``import_file(withdraw=…)``),
on SQLite and PostgreSQL. Hashes are made up (benign)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from vigil.formats.csv import CSV
from vigil.hashlists.lists import get_list
from vigil.hashlists.models import HashListMember, Media
from vigil.hashlists.service import HashDatabase
from vigil.hashlists.withdrawal import Withdrawal

MD5 = ["a" * 32, "b" * 32, "c" * 32]
PDQ = ["d" * 64, "e" * 64, "f" * 64]


def _members(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as db:
        members = select(HashListMember.media_id).where(HashListMember.list_id == get_list(db, "x").id)
        return {m for m in db.execute(select(Media.md5).where(Media.id.in_(members))).scalars() if m}


def _csv(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("md5,pdq\n" + "".join(f"{m},{p}\n" for m, p in rows))
    return path


def test_withdraw_by_any_signal_unless_still_held(
    hashdb: HashDatabase, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    hashdb.import_file(
        _csv(tmp_path / "a.csv", list(zip(MD5, PDQ, strict=True))), CSV, "P", kind="ngo", list_name="x"
    )
    assert _members(sessions) == set(MD5)
    empty = _csv(tmp_path / "empty.csv", [])
    # By MD5 (upper case: compared canonically), and by PDQ; the third item is named by the source
    # through its PDQ still, so it stays although its MD5 was withdrawn.
    withdraw = Withdrawal([("md5", MD5[0].upper()), ("pdq", PDQ[1]), ("md5", MD5[2])], {("pdq", PDQ[2])})
    summary = hashdb.import_file(empty, CSV, "P", list_name="x", withdraw=withdraw)
    assert (summary.changed, summary.withdrawn) == (True, 2)
    assert summary.as_dict()["withdrawn"] == 2
    assert _members(sessions) == {MD5[2]}
    with sessions() as db:
        assert db.execute(select(func.count()).select_from(Media)).scalar_one() == 3  # media stay
    # Withdrawing what is no member (and a malformed value) changes nothing: rolled back, unchanged.
    again = hashdb.import_file(
        empty, CSV, "P", list_name="x", withdraw=Withdrawal([("md5", MD5[0]), ("md5", "zz")])
    )
    assert (again.changed, again.withdrawn) == (False, 0)
    # Added and withdrawn in one import: the withdrawal comes first, so a re-added item stays.
    both = hashdb.import_file(
        _csv(tmp_path / "b.csv", [(MD5[0], PDQ[0])]),
        CSV,
        "P",
        list_name="x",
        withdraw=Withdrawal([("md5", MD5[2])]),
    )
    assert (both.withdrawn, both.records) == (1, 1)
    assert _members(sessions) == {MD5[0]}
