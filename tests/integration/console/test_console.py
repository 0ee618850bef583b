"""The console over HTTP on a real app (TestClient): sign-in with TOTP, back-off and the journal, CSRF,
idle sessions, members without a console, the case lock between two analysts, assessment to notice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.console.helpers import PASSWORD, field, make_staff, sign_in
from tests.integration.console.seeding import attach, console_hotline, triage_case
from tests.integration.hotline.parts import Inbox, hotline_settings, smtp_server, write_directory
from tests.integration.hotline.servers import http_site
from vigil.audit.models import AuditEntry
from vigil.auth.console_models import ConsoleSession
from vigil.auth.service import UserService
from vigil.config import Settings
from vigil.db.base import utcnow
from vigil.hotline.case_locks import CaseLock
from vigil.hotline.models import Case, Evidence
from vigil.web.app import create_app


@pytest.fixture
def app_settings(db_settings: Settings, tmp_path: Path) -> Iterator[tuple[Settings, Inbox]]:
    with smtp_server() as inbox:
        yield hotline_settings(db_settings, inbox.port, write_directory(tmp_path / "dir.toml")), inbox


def _client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings), base_url="http://127.0.0.1", raise_server_exceptions=False)


def _actions(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())


def test_sign_in_totp_backoff_and_journal(
    app_settings: tuple[Settings, Inbox], sessions: sessionmaker[Session]
) -> None:
    settings, _ = app_settings
    make_staff(sessions, "ana", "analyst")
    UserService(sessions, "test").add_user("mem", "member")
    secrets: dict[str, str] = {}
    with _client(settings) as client:
        assert client.get("/console/queue", follow_redirects=False).status_code == 303
        done = sign_in(client, "ana", secrets)
        assert done.status_code == 200 and "Cases awaiting assessment" in done.text
        cookie = done.history[0].headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
        assert "Secure" not in cookie  # plain http on loopback
        assert done.headers["content-security-policy"].startswith("default-src 'self'")
        assert "<script>" not in done.text and " style=" not in done.text

        # Wrong passwords: two free, then the wait; the right one waits too while it lasts.
        client.cookies.clear()
        for expected in (401, 401, 401):
            page = client.get("/console/sign-in")
            bad = {"name": "ana", "password": "wrong password!", "csrf": field(page.text, "csrf")}
            assert client.post("/console/sign-in", data=bad).status_code == expected
        page = client.get("/console/sign-in")
        good = {"name": "ana", "password": PASSWORD, "csrf": field(page.text, "csrf")}
        assert client.post("/console/sign-in", data=good).status_code == 429
        # Members have no console, whatever their password.
        page = client.get("/console/sign-in")
        member = {"name": "mem", "password": PASSWORD, "csrf": field(page.text, "csrf")}
        assert client.post("/console/sign-in", data=member).status_code == 401
        # A sign-in form not from this console (no cookie) is refused.
        client.cookies.clear()
        assert client.post("/console/sign-in", data=good | {"csrf": "forged"}).status_code == 400
    actions = _actions(sessions)
    assert "console.signin" in actions and "console.totp.enrol" in actions
    assert actions.count("console.signin.failed") == 5


def test_csrf_idle_session_and_case_lock(
    app_settings: tuple[Settings, Inbox], sessions: sessionmaker[Session]
) -> None:
    settings, _ = app_settings
    make_staff(sessions, "ana", "analyst")
    make_staff(sessions, "bob", "analyst")
    secrets: dict[str, str] = {}
    hotline = console_hotline(settings, sessions)
    app = create_app(settings)
    attach(app, hotline)
    with (
        http_site() as site,
        TestClient(app, base_url="http://127.0.0.1") as first,
        TestClient(app, base_url="http://127.0.0.1") as second,
    ):
        sign_in(first, "ana", secrets)
        sign_in(second, "bob", secrets)
        case_id = triage_case(hotline, site, 11)
        queue = first.get("/console/queue")
        assert f'href="/console/cases/{case_id}"' in queue.text and "partner" in queue.text
        page = first.get(f"/console/cases/{case_id}")
        assert page.status_code == 200 and "Locked to you" in page.text
        seen = second.get(f"/console/cases/{case_id}")
        assert (
            "open by ana" in seen.text
            and 'action="/console/cases/' + str(case_id) + '/assess"' not in seen.text
        )
        # Bob posts anyway: refused, the case stays as it was.
        token = field(seen.text, "csrf")
        refused = second.post(f"/console/cases/{case_id}/reject", data={"csrf": token, "reason": "x"})
        assert refused.status_code == 409
        # Without the session's CSRF token nothing happens either.
        forged = first.post(f"/console/cases/{case_id}/reject", data={"csrf": "nope"})
        assert forged.status_code == 403
        with sessions() as session:
            assert session.get(Case, case_id).state == "triage"  # type: ignore[union-attr]
            # The lock lapses: Bob may take the case when Ana's lock is old.
            session.execute(update(CaseLock).values(until=utcnow() - timedelta(seconds=1)))
            session.commit()
        taken = second.get(f"/console/cases/{case_id}")
        assert "Locked to you" in taken.text
        # An idle session ends: Ana is sent to the sign-in page.
        with sessions() as session:
            session.execute(update(ConsoleSession).values(last_seen_at=utcnow() - timedelta(hours=2)))
            session.commit()
        expired = first.get("/console/queue", follow_redirects=False)
        assert expired.status_code == 303 and expired.headers["location"].startswith("/console/sign-in")
    with sessions() as session:
        assert session.execute(select(Evidence)).scalars().first() is not None
