"""The console's second part in Chromium against a real server: an analyst reads the dashboards (SVG
drawn by the server, numbers beside), searches the hash database by hash and by file, opens an item,
votes, compares conflicting votes and reads a series without the means to record an identification; an
investigator records one. Every page passes axe-core (no serious or critical violation), is usable by
keyboard, loads nothing from another host and trips no CSP rule; screenshots for docs/console.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.browser import Watch, check_page, chromium
from tests.browser.test_console_browser import _sign_in
from tests.integration.console.helpers import make_staff
from tests.integration.dashboards.seeding import seed_blocklist, seed_cases, seed_hashdb
from tests.integration.hashlists.helpers import fake_hashes
from tests.integration.hotline.servers import served
from vigil.audit.models import AuditEntry
from vigil.config import Settings
from vigil.web.app import create_app

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_dashboards_hash_database_and_series_in_chromium(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    db = seed_hashdb(sessions, tmp_path)
    victim = db.add_victim("Series A", "victim open", "VID unit", country="NL")
    seed_cases(sessions)
    seed_blocklist(sessions)
    make_staff(sessions, "ana", "analyst")
    make_staff(sessions, "ivy", "investigator")
    a = fake_hashes("p0")
    upload = tmp_path / "p1.txt"
    upload.write_bytes(b"p1")  # the seed's hashes are those of these texts: benign stand-ins
    with chromium() as browser, served(create_app(db_settings)) as base:
        ana = browser.new_context(base_url=base).new_page()
        watch = Watch(ana, base)
        _sign_in(ana, base, "ana")

        ana.click('nav a[href="/console/dashboards"]')
        ana.wait_for_url("**/console/dashboards")
        assert ana.locator("svg.chart").count() == 8
        assert ana.locator("#countries tbody tr").count() == 2
        check_page(ana, "dashboards")

        ana.click('nav a[href="/console/media"]')
        ana.select_option("#s-type", "md5")
        ana.fill("#s-q", a["md5"])
        ana.click('form[action="/console/media"] button[type=submit]')
        ana.wait_for_selector("#hits")
        check_page(ana, "media-search")
        ana.set_input_files("#s-file", str(upload))
        ana.click('form[action="/console/media/lookup"] button[type=submit]')
        ana.wait_for_selector("#upload-signals")
        assert fake_hashes("p1")["sha256"] in ana.inner_text("#upload-signals")
        assert ana.locator("#hits tbody a").count() == 1

        ana.goto(f"{base}/console/media?type=md5&q={a['md5']}")
        ana.click("#hits tbody a")
        ana.wait_for_selector("#vote-form")
        assert "Series A" in ana.inner_text("#series")
        ana.select_option("#v-category", "vics-us:3")
        ana.select_option("#v-contributor", "Hotline GB")
        ana.click("#vote-form button[type=submit]")
        ana.wait_for_selector("table.votes")
        assert "ana" in ana.inner_text('table.votes[data-jurisdiction="us"]')
        check_page(ana, "media")

        ana.goto(f"{base}/console/media/conflicts")
        assert ana.locator("section.conflict").count() == 1
        assert ana.locator("section.conflict .side").count() == 3  # categories 1, 2 and ana's 3
        check_page(ana, "conflicts")

        ana.click('nav a[href="/console/series"]')
        ana.click("#series-list a")
        ana.wait_for_selector("#victims")
        assert ana.locator("form.identify").count() == 0  # analysts do not record identifications
        check_page(ana, "series")

        ivy = browser.new_context(base_url=base).new_page()
        ivy_watch = Watch(ivy, base)
        _sign_in(ivy, base, "ivy")
        ivy.click('nav a[href="/console/series"]')
        ivy.click("#series-list a")
        ivy.wait_for_selector("form.identify")
        check_page(ivy, "series-investigator")
        ivy.fill(f"#on-{victim}", "2026-01-02")
        ivy.select_option(f"#agency-{victim}", "VID unit")
        ivy.click(f"#victim-{victim} button[type=submit]")
        ivy.wait_for_selector(f"#victim-{victim}")
        assert "by VID unit" in ivy.inner_text(f"#victim-{victim}")
        for w in (watch, ivy_watch):
            assert w.foreign == [] and w.csp == []
    with sessions() as session:
        actions = set(session.execute(select(AuditEntry.action)).scalars())
    assert {"hashlists.vote", "victims.identify"} <= actions
