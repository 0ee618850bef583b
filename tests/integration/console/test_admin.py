"""Administration: the domain rules (not yourself, not the last admin; a reset authenticator is enrolled
again; a token's last use and a user's last sign-in are noted) and the admin pages over HTTP (users,
roles, tokens shown once, revocation, the journal filtered, paged and verified); other staff get 403
and no link."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.console.helpers import field, make_staff, sign_in
from vigil.audit import journal
from vigil.audit.models import AuditEntry
from vigil.auth.authenticate import Authenticator
from vigil.auth.console import ConsoleAuth
from vigil.auth.models import ApiToken
from vigil.auth.service import LastAdminError, SelfChangeError, UserService
from vigil.config import Settings
from vigil.db.base import utcnow
from vigil.web.app import create_app

ADMIN_PAGES = (
    "/console/admin/users",
    "/console/admin/users/1",
    "/console/admin/journal",
)


def _client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings), base_url="http://127.0.0.1", raise_server_exceptions=False)


def _actions(sessions: sessionmaker[Session]) -> list[tuple[str, str, str]]:
    with sessions() as session:
        query = select(AuditEntry.actor, AuditEntry.action, AuditEntry.subject).order_by(AuditEntry.seq)
        return [(actor, action, subject) for actor, action, subject in session.execute(query)]


def test_admins_cannot_remove_themselves_or_the_last_admin(sessions: sessionmaker[Session]) -> None:
    first = UserService(sessions, "test").add_user("root", "admin").user
    other = UserService(sessions, "test").add_user("ops", "admin").user
    as_root = UserService(sessions, "console:root", user_id=first.id)
    with pytest.raises(SelfChangeError):
        as_root.set_active(first.id, False)
    with pytest.raises(SelfChangeError):
        as_root.set_role(first.id, "analyst")
    assert as_root.set_role(other.id, "investigator").role.value == "investigator"
    # Now root is the only admin: nobody may take that away, whoever asks.
    with pytest.raises(LastAdminError):
        UserService(sessions, "cli").set_active(first.id, False)
    with pytest.raises(LastAdminError):
        UserService(sessions, "cli").set_role("root", "member")
    assert as_root.set_role(other.id, "admin").role.value == "admin"
    assert not as_root.set_active(other.id, False).active
    assert as_root.set_role(other.id, "admin").role.value == "admin"  # unchanged, nothing journalled
    journalled = [(a, s) for _, a, s in _actions(sessions) if a in ("users.role", "users.disable")]
    assert journalled == [
        ("users.role", f"user/{other.id}"),
        ("users.role", f"user/{other.id}"),
        ("users.disable", f"user/{other.id}"),
    ]
    with sessions() as session:
        details = session.execute(
            select(AuditEntry.details).where(AuditEntry.action == "users.role").order_by(AuditEntry.seq)
        ).scalars()
        assert next(iter(details)) == '{"from":"admin","name":"ops","to":"investigator"}'


def test_accounts_show_sign_in_and_second_factor_and_reset(
    db_settings: Settings, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "ana", "analyst")
    UserService(sessions, "test").add_user("shop", "member")
    before = {a.name: a for a in UserService(sessions, "test").accounts()}
    assert before["ana"].password_set and not before["ana"].second_factor
    assert before["ana"].last_signin_at is None and not before["shop"].password_set
    secrets: dict[str, str] = {}
    with _client(db_settings) as client:
        assert sign_in(client, "ana", secrets).status_code == 200
        assert client.get("/console/queue").status_code == 200
        after = {a.name: a for a in UserService(sessions, "test").accounts()}
        assert after["ana"].second_factor and after["ana"].last_signin_at is not None
        ConsoleAuth(sessions).reset_totp("ana", "console:root")
        # Her session ended; the next sign-in asks her to enrol a new authenticator.
        assert client.get("/console/queue", follow_redirects=False).status_code == 303
        assert not {a.name: a for a in UserService(sessions, "test").accounts()}["ana"].second_factor
        page = client.get("/console/sign-in")
        form = {"name": "ana", "password": "correct horse battery", "csrf": field(page.text, "csrf")}
        step = client.post("/console/sign-in", data=form)
        new_secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', step.text)
        assert new_secret and new_secret.group(1) != secrets["ana"]
    assert ("console:root", "console.totp.reset", f"user/{after['ana'].id}") in _actions(sessions)


def test_token_last_use_is_noted_once_a_minute(sessions: sessionmaker[Session]) -> None:
    issued = UserService(sessions, "test").add_user("shop", "member")
    assert issued.token.last_used_at is None
    auth = Authenticator(sessions, ttl_seconds=0)
    assert auth.authenticate(issued.secret) is not None
    first = UserService(sessions, "test").tokens("shop")[0].last_used_at
    assert first is not None
    assert auth.authenticate(issued.secret) is not None
    assert UserService(sessions, "test").tokens("shop")[0].last_used_at == first
    with sessions() as session, session.begin():
        session.execute(update(ApiToken).values(last_used_at=utcnow() - timedelta(minutes=5)))
    assert auth.authenticate(issued.secret) is not None
    later = UserService(sessions, "test").tokens("shop")[0].last_used_at
    assert later is not None and later > first - timedelta(seconds=1)


@pytest.mark.slow
@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)  # the rules run on both above
def test_admin_pages(db_settings: Settings, sessions: sessionmaker[Session]) -> None:
    make_staff(sessions, "root", "admin")
    make_staff(sessions, "ana", "analyst")
    make_staff(sessions, "ivy", "investigator")
    shop = UserService(sessions, "test").add_user("shop", "member").user
    with sessions() as session, session.begin():  # more than one page of the journal
        for i in range(60):
            journal.append(session, "test", "thing.change", f"thing/{i}")
    secrets: dict[str, str] = {}
    with _client(db_settings) as admin, _client(db_settings) as ana, _client(db_settings) as ivy:
        for client, name in ((ana, "ana"), (ivy, "ivy")):
            sign_in(client, name, secrets)
            queue = client.get("/console/queue").text
            assert "/console/admin/" not in queue
            for path in ADMIN_PAGES:
                assert client.get(path).status_code == 403, path
            forged = client.post(
                f"/console/admin/users/{shop.id}/tokens", data={"csrf": field(queue, "csrf")}
            )
            assert forged.status_code == 403
        sign_in(admin, "root", secrets)
        users = admin.get("/console/admin/users")
        assert users.status_code == 200
        assert 'href="/console/admin/users" aria-current="page"' in users.text
        assert 'href="/console/admin/journal"' in users.text
        row = re.search(r'<tr id="user-\d+">\s*<td><a[^>]*>ana</a>.*?</tr>', users.text, re.S)
        assert row and "enrolled" in row.group(0) and "UTC" in row.group(0)
        csrf = field(users.text, "csrf")
        root_id = int(re.search(r'<tr id="user-(\d+)">\s*<td><a[^>]*>root<', users.text).group(1))  # type: ignore[union-attr]
        mine = admin.post(f"/console/admin/users/{root_id}/active", data={"csrf": csrf, "active": "false"})
        assert mine.status_code == 409 and "cannot disable themselves" in mine.text

        # A token for the member: shown once, works, its use shows, revoked it stops.
        made = admin.post(f"/console/admin/users/{shop.id}/tokens", data={"csrf": csrf})
        assert made.status_code == 201
        secret = re.search(r'id="token-secret">(vigil_[A-Za-z0-9_-]+)<', made.text)
        assert secret and made.headers["cache-control"] == "no-store"
        token = secret.group(1)
        again = admin.get(f"/console/admin/users/{shop.id}")
        assert token not in again.text and token[:12] in again.text
        assert admin.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        token_id = max(t.id for t in UserService(sessions, "test").tokens(shop.id))
        used = re.search(
            rf'<tr id="token-{token_id}">.*?</tr>', admin.get(f"/console/admin/users/{shop.id}").text, re.S
        )
        assert used and used.group(0).count("UTC") == 2  # created and last used
        revoked = admin.post(f"/console/admin/users/{shop.id}/tokens/{token_id}/revoke", data={"csrf": csrf})
        assert revoked.status_code == 200 and "The token was revoked." in revoked.text
        assert admin.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert (
            admin.post(
                f"/console/admin/users/{root_id}/tokens/{token_id}/revoke", data={"csrf": csrf}
            ).status_code
            == 404
        )

        # Roles, disabling, second factor.
        ana_id = UserService(sessions, "test").user("ana").id
        role = admin.post(f"/console/admin/users/{ana_id}/role", data={"csrf": csrf, "role": "investigator"})
        assert role.status_code == 200 and "The role was changed." in role.text
        assert (
            admin.post(f"/console/admin/users/{ana_id}/role", data={"csrf": csrf, "role": "boss"}).status_code
            == 422
        )
        assert ana.get("/console/series").status_code == 200  # still signed in, now as an investigator
        reset = admin.post(f"/console/admin/users/{ana_id}/reset-totp", data={"csrf": csrf})
        assert "sets up a new one at their next sign-in" in reset.text
        assert ana.get("/console/queue", follow_redirects=False).status_code == 303
        disabled = admin.post(f"/console/admin/users/{ana_id}/active", data={"csrf": csrf, "active": "false"})
        assert disabled.status_code == 200 and "no (disabled)" in disabled.text
        french = admin.get("/console/admin/users", headers={"Accept-Language": "fr"}).text
        assert "Utilisateurs" in french

        # The journal: filtered, paged, verified.
        mine = admin.get("/console/admin/journal", params={"actor": "console:root"})
        assert mine.status_code == 200
        actions = re.findall(r"<td>console:root</td><td>([a-z.]+)</td>", mine.text)
        assert actions[:4] == ["users.disable", "console.totp.reset", "users.role", "tokens.revoke"]
        by_object = admin.get(
            "/console/admin/journal", params={"subject": f"user/{ana_id}", "action": "users.role"}
        )
        assert by_object.text.count("<td>users.role</td>") == 1
        assert admin.get("/console/admin/journal", params={"since": "yesterday"}).status_code == 422
        first = admin.get("/console/admin/journal")
        older = re.search(r'href="(/console/admin/journal\?before=\d+)"', first.text)
        assert older, "more than one page of entries"
        second = admin.get(older.group(1).replace("&amp;", "&"))
        seqs_first = [int(s) for s in re.findall(r"<tr><td>(\d+)</td>", first.text)]
        seqs_second = [int(s) for s in re.findall(r"<tr><td>(\d+)</td>", second.text)]
        assert len(seqs_first) == 50 and seqs_second and max(seqs_second) == min(seqs_first) - 1
        verified = admin.post("/console/admin/journal/verify", data={"csrf": csrf, "actor": "console:root"})
        assert verified.status_code == 200 and "The chain is intact" in verified.text
        assert 'name="actor" value="console:root"' in verified.text  # the filter is kept
        assert "<td>test</td>" not in verified.text
    actions = [a for _, a, _ in _actions(sessions)]
    assert actions[-1] == "audit.verify" and "tokens.issue" in actions and "users.role" in actions
