"""Invitation links: an admin makes one (console or `vigil users invite`), the staff user sets a password
and enrols TOTP through it, once; expired, replaced, spent and burnt links open nothing; all journalled."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.console.helpers import field, make_staff, sign_in
from vigil.audit.models import AuditEntry
from vigil.auth import totp
from vigil.auth.console import ConsoleAuth
from vigil.auth.invitations import MAX_FAILED_CODES, InvalidInvitationError, InvitationError, Invitations
from vigil.auth.secret_seal import SecretSeal
from vigil.auth.service import UserService
from vigil.config import Settings
from vigil.hotline.evidence import load_key
from vigil.web.app import create_app

NEW_PASSWORD = "a new and long password"


def _client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings), base_url="http://127.0.0.1", raise_server_exceptions=False)


def _actions(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())


def _accept(client: TestClient, path: str, code: str | None = None, **extra: str) -> tuple[str, int]:
    page = client.get(path)
    assert page.status_code == 200, page.text[:300]
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page.text)
    assert secret
    form = {
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
        "code": code or totp.code_at(secret.group(1), datetime.now(UTC)),
        "csrf": field(page.text, "csrf"),
        **extra,
    }
    done = client.post(path, data=form)
    return secret.group(1), done.status_code


def test_admin_invites_and_the_link_works_once(
    db_settings: Settings, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "adm", "admin")
    make_staff(sessions, "ana", "analyst")
    UserService(sessions, "test").add_user("newbie", "investigator")
    UserService(sessions, "test").add_user("mem", "member")
    secrets: dict[str, str] = {}
    with _client(db_settings) as admin, _client(db_settings) as analyst, _client(db_settings) as guest:
        sign_in(admin, "adm", secrets)
        listing = admin.get("/console/admin/invitations")
        assert listing.status_code == 200 and ">newbie<" in listing.text and ">mem<" not in listing.text
        sign_in(analyst, "ana", secrets)
        assert analyst.get("/console/admin/invitations").status_code == 403
        refused = admin.post("/console/admin/invitations", data={"name": "mem", "csrf": "forged"})
        assert refused.status_code == 403
        member = admin.post(
            "/console/admin/invitations", data={"name": "mem", "csrf": field(listing.text, "csrf")}
        )
        assert member.status_code == 422 and "staff only" in member.text
        made = admin.post(
            "/console/admin/invitations",
            data={"name": "newbie", "hours": "24", "csrf": field(listing.text, "csrf")},
        )
        found = re.search(
            r'id="invitation-link">http://127\.0\.0\.1(/console/invite/[A-Za-z0-9_-]+)<', made.text
        )
        assert made.status_code == 200 and found, made.text[:500]
        path = found.group(1)

        # Mismatched passwords and a wrong code are refused; the link still works afterwards.
        page = guest.get(path)
        assert "Welcome, newbie" in page.text
        mismatch = guest.post(
            path,
            data={
                "password": NEW_PASSWORD,
                "password_again": NEW_PASSWORD + "!",
                "code": "000000",
                "csrf": field(page.text, "csrf"),
            },
        )
        assert mismatch.status_code == 422 and "passwords differ" in mismatch.text
        _, wrong = _accept(guest, path, code="000000")
        assert wrong == 422
        _, forged = _accept(guest, path, csrf="forged")
        assert forged == 400
        secret, status = _accept(guest, path)
        assert status == 200
        # Spent: the link opens nothing now.
        assert guest.get(path).status_code == 404
        # The new password and authenticator sign in (no enrolment step: already enrolled).
        guest.cookies.clear()
        form = guest.get("/console/sign-in")
        step = guest.post(
            "/console/sign-in",
            data={"name": "newbie", "password": NEW_PASSWORD, "csrf": field(form.text, "csrf")},
        )
        assert step.status_code == 200 and 'id="totp-secret"' not in step.text
        code = totp.code_at(secret, datetime.now(UTC) + timedelta(seconds=30))
        done = guest.post("/console/second-factor", data={"code": code, "csrf": field(step.text, "csrf")})
        assert done.status_code == 200 and "newbie (investigator)" in done.text
    actions = _actions(sessions)
    assert actions.count("console.invite") == 1
    assert actions.count("console.invite.failed") == 1
    assert actions.count("console.invite.accept") == 1


def test_expired_replaced_and_burnt_links(db_settings: Settings, sessions: sessionmaker[Session]) -> None:
    UserService(sessions, "test").add_user("newbie", "analyst")
    earlier = datetime.now(UTC) - timedelta(hours=2)
    old = Invitations(ConsoleAuth(sessions, clock=lambda: earlier)).invite(
        "newbie", "test", timedelta(hours=1)
    )
    invitations = Invitations(ConsoleAuth(sessions, seal=SecretSeal(load_key(db_settings))))
    with pytest.raises(InvalidInvitationError):
        invitations.open(old.token)
    first = invitations.invite("newbie", "test")
    second = invitations.invite("newbie", "test")
    with pytest.raises(InvalidInvitationError):
        invitations.open(first.token)
    invitations.open(second.token)
    with pytest.raises(InvitationError, match="at least 12"):
        invitations.accept(second.token, "short", "123456")
    for _ in range(MAX_FAILED_CODES - 1):
        with pytest.raises(InvitationError, match="not accepted"):
            invitations.accept(second.token, NEW_PASSWORD, "000000")
    with pytest.raises(InvalidInvitationError):
        invitations.accept(second.token, NEW_PASSWORD, "000000")
    with pytest.raises(InvalidInvitationError):
        invitations.open(second.token)
    assert "console.invite.failed" in _actions(sessions)


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_users_invite_cli(db_env: Settings, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    UserService(sessions, "test").add_user("newbie", "admin")
    UserService(sessions, "test").add_user("mem", "member")

    def vigil(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "vigil", "users", "invite", *args],
            check=False,
            capture_output=True,
            text=True,
            timeout=120,
        )

    done = vigil("newbie", "--hours", "2", "--base-url", "https://console.example.org/")
    assert done.returncode == 0, done.stderr
    link = done.stdout.strip()
    assert re.fullmatch(r"https://console\.example\.org/console/invite/[A-Za-z0-9_-]{40,}", link)
    seal = SecretSeal(load_key(db_env))
    page = Invitations(ConsoleAuth(sessions, seal=seal)).open(link.rsplit("/", 1)[1])
    assert page.name == "newbie"
    refused = vigil("mem")
    assert refused.returncode == 2 and "staff only" in refused.stderr and "Traceback" not in refused.stderr
    assert vigil("nobody").returncode == 1
