"""The audit journal: append-only, hash-chained; verification finds edits, deletions and truncation."""

from __future__ import annotations

import sys

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from vigil.audit import journal
from vigil.audit.models import AuditEntry, AuditHead
from vigil.cli.main import EXIT_BUSY, app, run
from vigil.config import Settings
from vigil.db import session as db_session


def _write(sessions: sessionmaker[Session], n: int) -> None:
    with sessions() as session, session.begin():
        for i in range(n):
            journal.append(session, "test:user", "thing.change", f"thing/{i}", {"n": i, "text": "é"})


def _tamper(conn: Connection, sql: str) -> None:
    """Run ``sql`` as someone who bypasses the append-only triggers (a DBA with direct access)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only"))
        conn.execute(text(sql))
        conn.execute(text("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only"))
    else:
        conn.execute(text("DROP TRIGGER audit_entries_no_update"))
        conn.execute(text("DROP TRIGGER audit_entries_no_delete"))
        conn.execute(text(sql))


@pytest.mark.slow
def test_intact_journal_verifies(sessions: sessionmaker[Session]) -> None:
    _write(sessions, 5)
    with sessions() as session:
        result = journal.verify(session)
    assert (result.ok, result.entries) == (True, 5)


def test_append_only_at_the_database(sessions: sessionmaker[Session]) -> None:
    _write(sessions, 2)
    for sql in ("UPDATE audit_entries SET actor = 'x'", "DELETE FROM audit_entries WHERE seq = 1"):
        with sessions() as session, pytest.raises(DatabaseError, match="append-only"):
            session.execute(text(sql))
            session.commit()


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("UPDATE audit_entries SET actor = 'someone else' WHERE seq = 2", "entry 2: altered"),
        ("UPDATE audit_entries SET details = '{}' WHERE seq = 3", "entry 3: altered"),
        ("DELETE FROM audit_entries WHERE seq = 2", "entries 2..2 are missing"),
        (
            "DELETE FROM audit_entries WHERE seq >= 4",
            "the journal ends at entry 3 but its head names entry 4",
        ),
    ],
)
def test_tampering_is_detected(sessions: sessionmaker[Session], sql: str, expected: str) -> None:
    _write(sessions, 4)
    with sessions() as session, session.begin():
        _tamper(session.connection(), sql)
    with sessions() as session:
        result = journal.verify(session)
    assert not result.ok
    assert any(expected in problem for problem in result.problems), result.problems


def test_rewritten_hash_breaks_the_next_link(sessions: sessionmaker[Session]) -> None:
    _write(sessions, 3)
    with sessions() as session, session.begin():
        entry = session.get(AuditEntry, 2)
        assert entry is not None
        forged = journal.entry_hash(
            2, entry.at, "forger", entry.action, entry.subject, entry.details, entry.prev_hash
        )
        _tamper(
            session.connection(),
            f"UPDATE audit_entries SET actor = 'forger', entry_hash = '{forged}' WHERE seq = 2",
        )
    with sessions() as session:
        problems = journal.verify(session).problems
    assert problems == ["entry 3: does not follow the entry before it"]


def test_cli_verify(db_env: Settings, sessions: sessionmaker[Session]) -> None:
    _write(sessions, 3)
    runner = CliRunner()
    result = runner.invoke(app, ["audit", "verify"])
    assert (result.exit_code, "intact: 3 entries" in result.output) == (0, True)
    with sessions() as session, session.begin():
        _tamper(session.connection(), "DELETE FROM audit_entries WHERE seq = 1")
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "entries 1..1 are missing" in result.output


def test_append_follows_a_head_another_session_moved(sessions: sessionmaker[Session]) -> None:
    """A transaction that read the head before another process appended still chains after that
    append (on SQLite a head read outside the write lock once produced duplicate sequence numbers)."""
    _write(sessions, 1)
    with sessions() as slow, slow.begin():
        seen = slow.get(AuditHead, 1)
        assert seen is not None and seen.seq == 1
        _write(sessions, 2)  # another process, committed meanwhile
        entry = journal.append(slow, "test:slow", "thing.change", "thing/slow")
        assert entry.seq == 4
    with sessions() as session:
        result = journal.verify(session)
    assert (result.ok, result.entries) == (True, 4)


def test_cli_reports_a_busy_database_without_a_traceback(
    db_env: Settings,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The command's engine waits 0.2 s for a lock instead of 30.
    monkeypatch.setattr(db_session, "LOCK_TIMEOUT_MS", 200)
    monkeypatch.setattr(sys, "argv", ["vigil", "users", "add", "someone", "--role", "analyst"])
    with sessions() as holder, holder.begin():
        journal.append(holder, "test:holder", "thing.change", "thing/1")  # holds the journal
        with pytest.raises(SystemExit) as exit_:
            run()
        holder.rollback()
    assert exit_.value.code == EXIT_BUSY
    err = capsys.readouterr().err
    assert "database is busy" in err and "Traceback" not in err
    with sessions() as session:
        assert journal.verify(session).entries == 0  # neither the holder's entry nor the command's
