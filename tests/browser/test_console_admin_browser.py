"""Administration and the second part of series and victims in Chromium against a real server: an admin
makes a member's API token (shown once: gone on the next visit), revokes it, resets a staff member's
second factor, filters the audit journal and verifies its chain; an analyst and an investigator see no
administration link and get 403; an investigator writes a note on a victim, sees the series' captured
media blurred and reveals one, and reads the victim-identification figures. Every page passes axe-core
(no serious or critical violation), is usable by keyboard, loads nothing from another host and trips no
CSP rule; screenshots for docs/console.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.browser import Watch, check_page, chromium
from tests.browser.test_console_browser import _sign_in
from tests.integration.console.helpers import make_staff
from tests.integration.console.seeding import attach, console_hotline, triage_case
from tests.integration.dashboards.seeding import seed_hashdb
from tests.integration.hotline.parts import hotline_settings, smtp_server, write_directory
from tests.integration.hotline.servers import http_site, served
from vigil.audit.models import AuditEntry
from vigil.auth.service import UserService
from vigil.config import Settings
from vigil.hashlists.models import MediaSeries, Series
from vigil.hotline.models import Case
from vigil.web.app import create_app

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_administration_and_victims_in_chromium(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    db = seed_hashdb(sessions, tmp_path)
    victim = db.add_victim("Series A", "victim open", "VID unit", country="NL")
    make_staff(sessions, "root", "admin")
    make_staff(sessions, "ana", "analyst")
    make_staff(sessions, "ivy", "investigator")
    shop = UserService(sessions, "test").add_user("shop", "member").user
    with smtp_server() as inbox, http_site() as site, chromium() as browser:
        settings = hotline_settings(db_settings, inbox.port, write_directory(tmp_path / "dir.toml"))
        hotline = console_hotline(settings, sessions)
        case_id = triage_case(hotline, site, 31)
        with sessions() as session, session.begin():
            series_id = session.execute(select(Series.id).where(Series.name == "Series A")).scalar_one()
            media_id = min(
                session.execute(
                    select(MediaSeries.media_id).where(MediaSeries.series_id == series_id)
                ).scalars()
            )
            # As the hotline records a case whose content matched a known item of the series.
            session.execute(update(Case).where(Case.id == case_id).values(media_id=media_id))
        app = create_app(settings)
        attach(app, hotline)
        with served(app) as base:
            watches = []
            for name in ("ana", "ivy"):
                other = browser.new_context(base_url=base).new_page()
                watches.append(Watch(other, base))
                _sign_in(other, base, name)
                assert other.locator('a[href^="/console/admin/"]').count() == 0
                for path in (
                    "/console/admin/users",
                    f"/console/admin/users/{shop.id}",
                    "/console/admin/journal",
                ):
                    assert other.goto(f"{base}{path}").status == 403, (name, path)
                if name == "ivy":
                    ivy = other

            root = browser.new_context(base_url=base).new_page()
            watches.append(Watch(root, base))
            _sign_in(root, base, "root")
            root.click('nav a[href="/console/admin/users"]')
            root.wait_for_selector("#users")
            assert "enrolled" in root.inner_text("#users")
            check_page(root, "admin-users")

            root.click(f"#user-{shop.id} td:first-child a")
            root.wait_for_selector("#tokens")
            root.click('form[action$="/tokens"] button[type=submit]')
            root.wait_for_selector("#token-secret")
            secret = root.inner_text("#token-secret")
            assert secret.startswith("vigil_")
            check_page(root, "admin-token")
            root.goto(f"{base}/console/admin/users/{shop.id}")
            assert secret not in root.content()
            assert root.locator('#tokens form[action$="/revoke"]').count() == 2  # the first and the new one
            root.locator('#tokens form[action$="/revoke"] button').last.click()
            root.wait_for_selector("#done")
            assert root.locator('#tokens form[action$="/revoke"]').count() == 1

            root.goto(f"{base}/console/admin/users")
            ana_id = UserService(sessions, "test").user("ana").id
            root.click(f'form[action="/console/admin/users/{ana_id}/reset-totp"] button')
            root.wait_for_selector("#done")
            assert "not enrolled" in root.inner_text(f"#user-{ana_id}")

            root.click('nav a[href="/console/admin/journal"]')
            root.fill("#f-actor", "console:root")
            root.click("form.filters button[type=submit]")
            root.wait_for_url("**/console/admin/journal?actor=console%3Aroot**")
            actions = root.locator("#journal tbody tr td:nth-child(4)").all_inner_texts()
            assert actions[:3] == ["console.totp.reset", "tokens.revoke", "tokens.issue"]
            root.click('form[action="/console/admin/journal/verify"] button')
            root.wait_for_selector("#verification")
            assert "The chain is intact" in root.inner_text("#verification")
            check_page(root, "journal")

            ivy.goto(f"{base}/console/series/{series_id}")
            ivy.wait_for_selector("#series-media")
            figure = ivy.locator("#series-media figure.preview")
            assert figure.count() == 1 and "blurred" in (figure.get_attribute("class") or "")
            ivy.select_option("#note-victim", str(victim))
            ivy.fill("#note-text", "Seen again in a new upload")
            ivy.click("#note-form button[type=submit]")
            ivy.wait_for_selector("#notes td >> text=Seen again in a new upload")
            ivy.click("#series-media button.reveal")
            ivy.wait_for_selector("#series-media figure.preview.revealed")
            check_page(ivy, "series-notes")
            ivy.click('nav a[href="/console/victims"]')
            ivy.wait_for_selector("#years")
            assert ivy.locator("svg.chart").count() == 1
            check_page(ivy, "victim-figures")
            for w in watches:
                assert w.foreign == [] and w.csp == []
    with sessions() as session:
        actions = set(session.execute(select(AuditEntry.action)).scalars())
    assert {"tokens.issue", "tokens.revoke", "console.totp.reset", "audit.verify", "victims.note"} <= actions
    assert "hotline.evidence.reveal" in actions
