"""The matcher: snapshots built once and mapped, reused across processes, swapped on a new version."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from vigil.config import Settings
from vigil.formats.csv import CSV
from vigil.hashlists.service import HashDatabase
from vigil.matching import Matcher

pytestmark = pytest.mark.slow


def _pdq(seed: int) -> str:
    return hashlib.sha256(f"pdq-{seed}".encode()).hexdigest()


def _listing(path: Path, seeds: range) -> Path:
    lines = ["md5,pdq,category,scheme"]
    lines += [f"{hashlib.md5(str(i).encode()).hexdigest()},{_pdq(i)},{1 + i % 4},vics-us" for i in seeds]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_build_load_reuse_and_swap(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    db = HashDatabase(sessions, "test")
    db.add_contributor("Lab", "hotline", "NL")
    db.create_list("a", "Lab")
    db.import_file(_listing(tmp_path / "a.csv", range(50)), CSV, "Lab", list_name="a")
    db.publish("a")
    folder = tmp_path / "index"
    first = Matcher(sessions, folder, poll_seconds=0)
    assert "a" in first.refresh()  # with the baseline list every import keeps current
    snap = first.lists()["a"]
    assert len(snap.indexes["pdq"]) == 50 and len(snap.indexes["md5"]) == 50
    hits = first.lookup("pdq", [_pdq(7)], 10)[0]
    assert [(h.list, h.distance, h.category) for h in hits] == [("a", 0, "vics-us:4")]
    assert first.refresh() == []  # nothing changed: same state, nothing rebuilt
    assert first.lists()["a"] is snap

    built = {p.name: p.stat().st_mtime_ns for p in (folder / snap.version.key).iterdir()}
    second = Matcher(sessions, folder, poll_seconds=0)  # another API process: maps the same files
    second.refresh()
    assert {p.name: p.stat().st_mtime_ns for p in (folder / snap.version.key).iterdir()} == built

    db.import_file(_listing(tmp_path / "b.csv", range(50, 60)), CSV, "Lab", list_name="a")
    db.publish("a")
    assert first.refresh() == ["a"]
    assert first.lists()["a"].version.version == 2
    assert first.lookup("pdq", [_pdq(55)])[0][0].version == 2
    assert snap.version.version == 1 and len(snap.indexes["pdq"]) == 50  # the old one still answers
    for n in (3, 4):
        db.import_file(_listing(tmp_path / f"c{n}.csv", range(60 + n, 61 + n)), CSV, "Lab", list_name="a")
        db.publish("a")
        first.refresh()
    mine = f"{snap.version.list_id}-"
    kept = sorted(p.name.split("-")[1] for p in folder.iterdir() if p.name.startswith(mine))
    assert kept == ["v3", "v4"]


def test_background_start_and_not_ready(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    matcher = Matcher(sessions, tmp_path / "index", poll_seconds=0.05)
    try:
        from vigil.matching import MatcherNotReadyError

        try:
            matcher.lookup("md5", ["0" * 32])
            raise AssertionError("expected MatcherNotReadyError")
        except MatcherNotReadyError:
            pass
        matcher.start()
        assert matcher.wait_ready(10)
        assert matcher.lookup("md5", ["0" * 32]) == [[]]
        assert matcher.status()["ready"] is True
    finally:
        matcher.stop()


def test_build_in_a_child_process(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    db = HashDatabase(sessions, "test")
    db.add_contributor("Lab", "hotline", "NL")
    db.create_list("a", "Lab")
    db.import_file(_listing(tmp_path / "a.csv", range(20)), CSV, "Lab", list_name="a")
    db.publish("a")
    matcher = Matcher(sessions, tmp_path / "index", poll_seconds=0, build_url=db_settings.sqlalchemy_url)
    matcher.refresh()
    assert [h.entry_id > 0 for h in matcher.lookup("pdq", [_pdq(3)])[0]] == [True]


def _flip_bit(hex_hash: str, bit: int) -> str:
    value = int(hex_hash, 16) ^ (1 << bit)
    return f"{value:064x}"


def test_match_content_digests_then_pdq_once_per_entry(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    from vigil.signals.values import Signals

    db = HashDatabase(sessions, "test")
    db.add_contributor("Lab", "hotline", "NL")
    db.create_list("a", "Lab")
    db.import_file(_listing(tmp_path / "a.csv", range(20)), CSV, "Lab", list_name="a")
    db.publish("a")
    matcher = Matcher(sessions, tmp_path / "index", poll_seconds=0)
    matcher.current()  # no poll thread: loads now
    md5 = hashlib.md5(b"3").hexdigest()
    # The same entry by its MD5 and, 2 bits away, by its PDQ: one match, the digest's.
    both = matcher.match_content(Signals(values={"md5": md5, "pdq": _flip_bit(_flip_bit(_pdq(3), 0), 9)}))
    assert [(m.list, m.distance, m.signal) for m in both] == [("a", 0, "md5")]
    near = Signals(values={"pdq": _flip_bit(_pdq(5), 4)})
    assert [(m.distance, m.signal) for m in matcher.match_content(near)] == [(1, "pdq")]
    # Dihedral variants are used when asked for (and carried), the single PDQ otherwise.
    near = Signals(values=near.values, variants={"pdq": ("0" * 64, _pdq(6))})
    assert [m.distance for m in matcher.match_content(near, dihedral=True)] == [0]
    assert [m.distance for m in matcher.match_content(near, dihedral=False)] == [1]
    assert matcher.match_content(Signals(values={"md5": "0" * 32})) == []
