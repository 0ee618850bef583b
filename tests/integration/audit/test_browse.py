"""The journal read page by page with filters (keyset on seq), and the check that journals itself and
names the first broken entry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.audit.test_journal import _tamper
from vigil.audit import browse, journal
from vigil.audit.models import AuditEntry


def _write(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, session.begin():
        for i in range(25):
            actor = "console:ana" if i % 2 else "api:bob"
            action = "users.role" if i % 5 == 0 else "thing.change"
            journal.append(session, actor, action, f"user/{i % 3}", {"n": i})


def test_pages_newest_first_with_filters(sessions: sessionmaker[Session]) -> None:
    _write(sessions)
    with sessions() as session:
        first = browse.page(session, browse.JournalFilter(), size=10)
        assert [e.seq for e in first.entries] == list(range(25, 15, -1))
        assert first.next_before == 16
        second = browse.page(session, browse.JournalFilter(), before=first.next_before, size=10)
        assert [e.seq for e in second.entries] == list(range(15, 5, -1))
        last = browse.page(session, browse.JournalFilter(), before=second.next_before, size=10)
        assert [e.seq for e in last.entries] == [5, 4, 3, 2, 1] and last.next_before is None

        ana = browse.page(session, browse.JournalFilter(actor="console:ana"), size=5)
        assert [e.seq for e in ana.entries] == [24, 22, 20, 18, 16]  # entry i is seq i + 1
        assert all(e.actor == "console:ana" for e in ana.entries) and ana.next_before == 16
        roles = browse.page(session, browse.JournalFilter(action="users.role", subject="user/0"))
        # i in (0, 5, 10, 15, 20) with i % 3 == 0: 0 and 15.
        assert [(e.seq, e.details) for e in roles.entries] == [(16, '{"n":15}'), (1, '{"n":0}')]
        assert roles.next_before is None

        now = datetime.now(UTC)
        assert len(browse.page(session, browse.JournalFilter(since=now - timedelta(hours=1))).entries) == 25
        assert browse.page(session, browse.JournalFilter(until=now - timedelta(hours=1))).entries == []
        assert browse.page(session, browse.JournalFilter(actor="nobody")).entries == []


def test_check_journals_itself_and_names_the_first_broken_entry(sessions: sessionmaker[Session]) -> None:
    _write(sessions)
    ok = browse.check(sessions, "console:adm")
    assert ok.ok and ok.entries == 25 and ok.first_broken is None
    with sessions() as session:
        last = session.query(AuditEntry).order_by(AuditEntry.seq.desc()).first()
        assert last is not None and (last.action, last.actor, last.subject) == (
            "audit.verify",
            "console:adm",
            "audit",
        )
        assert '"ok":true' in last.details and '"entries":25' in last.details
    with sessions() as session, session.begin():
        _tamper(session.connection(), "UPDATE audit_entries SET actor = 'someone' WHERE seq IN (7, 12)")
    broken = browse.check(sessions, "console:adm")
    assert not broken.ok and broken.first_broken == 7 and broken.entries == 26
    with sessions() as session:
        details = (
            session.execute(text("SELECT details FROM audit_entries ORDER BY seq DESC")).scalars().first()
        )
    assert details is not None and '"first_broken":7' in details and '"ok":false' in details
