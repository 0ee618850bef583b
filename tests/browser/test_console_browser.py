"""The console in Chromium against a real server: sign in with TOTP, queue → case → reveal → assess →
notice sent (to a loopback SMTP server) → figures; a second analyst finds the case locked; a forged
form, an idle session and a member's API token get nothing. Every page passes axe-core (no serious or
critical violation), is usable by keyboard, loads nothing from another host and trips no CSP rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.browser import Watch, check_page, chromium
from tests.integration.console.helpers import PASSWORD, make_staff
from tests.integration.console.seeding import attach, console_hotline, triage_case
from tests.integration.hotline.parts import hotline_settings, smtp_server, write_directory
from tests.integration.hotline.servers import http_site, served
from vigil.audit.models import AuditEntry
from vigil.auth import totp
from vigil.auth.console_models import ConsoleSession
from vigil.auth.service import UserService
from vigil.config import Settings
from vigil.db.base import utcnow
from vigil.hotline.desk import CaseDesk
from vigil.hotline.models import Case
from vigil.web.app import create_app


def _sign_in(page: Any, base: str, name: str, step: int = 0) -> None:
    page.goto(f"{base}/console")
    assert page.url.startswith(f"{base}/console/sign-in")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/second-factor**")
    secret = page.inner_text("#totp-secret")
    page.fill("#code", totp.code_at(secret, datetime.now(UTC) + timedelta(seconds=30 * step)))
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/queue")


def _journal(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        return list(session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_analyst_day_in_chromium(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    make_staff(sessions, "ana", "analyst")
    make_staff(sessions, "bob", "analyst")
    member_token = UserService(sessions, "test").add_user("mem", "member").secret
    with smtp_server() as inbox, http_site() as site, chromium() as browser:
        settings = hotline_settings(db_settings, inbox.port, write_directory(tmp_path / "dir.toml"))
        hotline = console_hotline(settings, sessions)
        app = create_app(settings)
        attach(app, hotline)
        first = triage_case(hotline, site, 21)
        second = triage_case(hotline, site, 22, host="bad.example")
        with served(app) as base:
            ana = browser.new_context(base_url=base).new_page()
            watch = Watch(ana, base)
            ana.goto(f"{base}/console/sign-in")
            check_page(ana, "sign-in")
            _sign_in(ana, base, "ana")
            check_page(ana, "queue")
            assert ana.locator(f'a[href="/console/cases/{first}"]').count() == 1

            ana.click(f'a[href="/console/cases/{first}"]')
            ana.wait_for_url(f"**/console/cases/{first}")
            figure = ana.locator("figure.preview").first
            assert "blur" in figure.locator("img").evaluate("e => getComputedStyle(e).filter")
            assert "grayscale" in figure.locator("img").evaluate("e => getComputedStyle(e).filter")
            check_page(ana, "case")
            ana.click("button.reveal")
            ana.wait_for_selector("figure.preview.revealed")
            assert "hotline.evidence.reveal" in _journal(sessions)

            # Keyboard shortcut 1 chooses the first (most severe) category, which 'us' holds illegal.
            ana.locator("h1").click()
            ana.keyboard.press("1")
            assert ana.locator('input[name="category"][data-key="1"]').is_checked()
            ana.click("#assess-form button[type=submit]")
            ana.wait_for_url(f"**/console/cases/{first}")
            with sessions() as session:
                assert session.get(Case, first).state == "notified"  # type: ignore[union-attr]
            assert any(f"VIGIL-{first}" in m.subject for m in inbox.to("abuse@good.example"))

            ana.goto(f"{base}/console/figures")
            assert "overall" in ana.inner_text("#figures")
            check_page(ana, "figures")
            ana.goto(f"{base}/console/preferences")
            check_page(ana, "preferences")

            # Ana opens the second case; Bob finds it locked to her and cannot act on it.
            ana.goto(f"{base}/console/cases/{second}")
            bob = browser.new_context(base_url=base).new_page()
            bob_watch = Watch(bob, base)
            _sign_in(bob, base, "bob", step=1)
            bob.goto(f"{base}/console/cases/{second}")
            assert "open by ana" in bob.inner_text("p.locked")
            assert bob.locator("#assess-form").count() == 0
            check_page(bob, "case-locked")

            # A form without the session's CSRF token is refused, whoever's cookie comes with it.
            forged = bob.request.post(
                f"{base}/console/cases/{second}/reject", form={"csrf": "forged", "reason": "x"}
            )
            assert forged.status == 403
            # A member's API token opens no console page (a context of its own: no staff cookie).
            member = browser.new_context().request.get(
                f"{base}/console/queue", headers={"Authorization": f"Bearer {member_token}"}, max_redirects=0
            )
            assert member.status == 303 and "/console/sign-in" in member.headers["location"]
            # An idle session is over: the next page is the sign-in page.
            with sessions() as session:
                session.execute(update(ConsoleSession).values(last_seen_at=utcnow() - timedelta(hours=3)))
                session.commit()
            ana.goto(f"{base}/console/queue")
            assert ana.url.startswith(f"{base}/console/sign-in")

            api = ana.context.new_page()
            api_watch = Watch(api, base)
            api.goto(f"{base}/api/docs")
            api.wait_for_selector(".swagger-ui .info", timeout=20_000)
            for w in (watch, bob_watch, api_watch):
                assert w.foreign == [] and w.csp == []
    with sessions() as session:
        assert session.get(Case, second).state == "triage"  # type: ignore[union-attr]


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_grid_by_keyboard_in_chromium(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    make_staff(sessions, "ana", "analyst")
    with smtp_server() as inbox, http_site() as site, chromium() as browser:
        settings = hotline_settings(db_settings, inbox.port, write_directory(tmp_path / "dir.toml"))
        hotline = console_hotline(settings, sessions)
        app = create_app(settings)
        attach(app, hotline)
        first = triage_case(hotline, site, 31)
        second = triage_case(hotline, site, 32, host="bad.example")
        taken = triage_case(hotline, site, 33, host="far.example")
        CaseDesk(hotline, "bob").open(taken)  # Bob has this one open: its tile takes no decision
        with served(app) as base:
            ana = browser.new_context(base_url=base).new_page()
            watch = Watch(ana, base)
            _sign_in(ana, base, "ana")
            ana.goto(f"{base}/console/grid")
            assert ana.locator("li.tile").count() == 3
            img = ana.locator(f"#tile-{first} figure.preview img")
            assert "blur" in img.evaluate("e => getComputedStyle(e).filter")
            assert ana.locator(f"#tile-{taken} input").count() == 0
            check_page(ana, "grid")

            # J to the first case, 1 (most severe category, illegal under 'us') moves on to the next,
            # 0 marks that one not illegal; the case Bob holds is skipped by the keys.
            ana.locator("h1").click()
            ana.keyboard.press("j")
            ana.keyboard.press("1")
            ana.keyboard.press("0")
            assert ana.locator(f'#tile-{first} input[data-key="1"]').is_checked()
            assert ana.locator(f'#tile-{second} input[data-key="0"]').is_checked()
            ana.click("#grid-form > p > button[type=submit]")
            ana.wait_for_selector("#grid-result")
            assert "Assessed: 1. Rejected as not illegal: 1." in ana.inner_text("#grid-result")
            with sessions() as session:
                assert session.get(Case, first).state == "notified"  # type: ignore[union-attr]
                assert session.get(Case, second).state == "rejected"  # type: ignore[union-attr]
                assert session.get(Case, taken).state == "triage"  # type: ignore[union-attr]
            assert any(f"VIGIL-{first}" in m.subject for m in inbox.to("abuse@good.example"))
            assert ana.locator("li.tile").count() == 1
            assert watch.foreign == [] and watch.csp == []
