"""The console's lists and blocklists pages in Chromium against a real server. An analyst previews an
import (nothing written), imports, publishes a version, compares it with the one before and downloads
an export; on the URL blocklist she proposes an entry that she cannot confirm, a second analyst
confirms and publishes it and its signatures show; an appeal is recorded and decided; a keyword with
its warning goes the same way. An investigator sees the pages without a single form that changes
anything. Every page passes axe-core (no serious or critical violation), is usable by keyboard, loads
nothing from another host and trips no CSP rule; screenshots for docs/console.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.browser import Watch, check_page, chromium
from tests.browser.test_console_browser import _sign_in
from tests.integration.console.helpers import make_staff
from tests.integration.dashboards.seeding import seed_hashdb
from tests.integration.hashlists.helpers import counts, fake_hashes, vics_media, write_vics
from tests.integration.hotline.servers import served
from vigil.audit.models import AuditEntry
from vigil.config import Settings
from vigil.hashlists.selection import SelectionRules
from vigil.web.app import create_app

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_lists_and_blocklists_in_chromium(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    db = seed_hashdb(sessions, tmp_path)
    db.create_list("industry", "Hotline GB", SelectionRules(categories=("vics-us:1",)), ("industry",))
    db.publish("industry")
    make_staff(sessions, "ana", "analyst")
    make_staff(sessions, "bob", "analyst")
    make_staff(sessions, "ivy", "investigator")
    upload = write_vics(tmp_path / "new-set.json", [vics_media("n1"), vics_media("n2"), {"MD5": "zz"}])
    with chromium() as browser, served(create_app(db_settings)) as base:
        ana = browser.new_context(base_url=base, accept_downloads=True).new_page()
        watch = Watch(ana, base)
        _sign_in(ana, base, "ana")

        # Hash lists: import previewed, imported, published, compared, exported.
        ana.click('nav a[href="/console/lists"]')
        ana.wait_for_selector("#lists")
        check_page(ana, "lists")
        ana.click('a[href="/console/imports"]')
        ana.set_input_files("#i-file", str(upload))
        ana.select_option("#i-contributor", "Hotline GB")
        before = counts(sessions)
        ana.click('button[value="preview"]')
        ana.wait_for_selector('#import-summary[data-dry-run="yes"]')
        assert ana.inner_text("#sum-added") == "2" and ana.inner_text("#sum-rejected") == "1"
        assert counts(sessions) == before
        check_page(ana, "list-import")
        ana.click("#import-kept button")  # the previewed file, kept on the server
        ana.wait_for_selector('#import-summary[data-dry-run="no"]')
        assert ana.inner_text("#sum-added") == "2" and counts(sessions) != before

        ana.goto(f"{base}/console/lists/industry")
        ana.click("#publish-form button")
        ana.wait_for_selector("#notice")
        assert "Version 2 published." in ana.inner_text("#notice")
        assert ana.locator("#version-table tbody tr").count() == 2
        check_page(ana, "list")
        ana.click("#diff-form button")
        ana.wait_for_selector("#diff")
        assert "2 added, 0 changed, 0 removed" in ana.inner_text("#diff-counts")
        assert fake_hashes("n2")["md5"] in ana.inner_text("#diff")
        check_page(ana, "list-diff")
        ana.go_back()
        ana.select_option("#x-format", "md5sum")
        with ana.expect_download() as download:
            ana.click("#export-form button")
        exported = Path(download.value.path()).read_text(encoding="utf-8")
        assert fake_hashes("n1")["md5"] in exported and download.value.suggested_filename == "industry-v2.md5"

        # The URL blocklist: ana proposes, cannot confirm; bob confirms and publishes.
        ana.click('nav a[href="/console/blocklists"]')
        ana.fill("#p-target", "bad.example")
        ana.fill("#p-reason", "case 7")
        ana.click("#propose-form button")
        row = ana.locator('tr[data-target="bad.example"]')
        row.wait_for()
        assert row.get_attribute("data-state") == "awaiting confirmation"
        assert row.locator("form.confirm").count() == 0 and row.locator(".mine").count() == 1
        check_page(ana, "blocklists-awaiting")

        bob = browser.new_context(base_url=base).new_page()
        bob_watch = Watch(bob, base)
        _sign_in(bob, base, "bob")
        bob.click('nav a[href="/console/blocklists"]')
        bob.click('tr[data-target="bad.example"] form.confirm button')
        bob.wait_for_selector('tr[data-target="bad.example"][data-state="confirmed"]')
        bob.click("#publish-form button")
        bob.wait_for_selector("#version-1 .signature")
        assert bob.locator("#version-1 .signature").count() == 4
        assert bob.inner_text("#version-1 .signature >> nth=0").startswith("vigil-ed25519 ")

        ana.reload()
        ana.fill("#a-appellant", "owner@bad.example")
        ana.fill("#a-statement", "We removed it.")
        ana.click("#appeal-form button")
        ana.wait_for_selector('tr[data-status="open"]')
        bob.reload()
        bob.check('tr[data-status="open"] input[value="reject"]')
        bob.fill('tr[data-status="open"] input[name="resolution"]', "still there on re-check")
        bob.click('tr[data-status="open"] form.resolve button')
        bob.wait_for_selector('tr[data-status="rejected"]')
        check_page(bob, "blocklists")

        # The keyword list: a term with its warning and help, confirmed by the other analyst.
        ana.click('a[href="/console/keywords"]')
        ana.fill("#k-term", "benign test phrase")
        ana.fill("#k-warning", "Searching for this is illegal. Help is available.")
        ana.fill("#k-help-name", "Helpline")
        ana.fill("#k-help-url", "https://help.example/")
        ana.click("#keyword-form button")
        term = ana.locator('tr[data-term="benign test phrase"]')
        term.wait_for()
        assert term.get_attribute("data-state") == "awaiting" and term.locator("form.confirm").count() == 0
        bob.goto(f"{base}/console/keywords")
        bob.click('tr[data-term="benign test phrase"] form.confirm button')
        bob.wait_for_selector('tr[data-term="benign test phrase"][data-state="confirmed"]')
        bob.click("#publish-form button")
        bob.wait_for_selector("#version-1 .signature")
        assert "Help is available." in bob.inner_text("#term-table")
        check_page(bob, "keywords")

        # An investigator reads, with nothing to change.
        ivy = browser.new_context(base_url=base).new_page()
        ivy_watch = Watch(ivy, base)
        _sign_in(ivy, base, "ivy")
        for path in ("/console/blocklists", "/console/keywords", "/console/lists/industry"):
            ivy.goto(f"{base}{path}")
            ivy.wait_for_selector("#version-table")
            assert ivy.locator("main form[method=post]").count() == 0, path
        ivy.goto(f"{base}/console/blocklists")
        assert "bad.example" in ivy.inner_text("#entry-table")
        check_page(ivy, "blocklists-investigator")
        for w in (watch, bob_watch, ivy_watch):
            assert w.foreign == [] and w.csp == []
    with sessions() as session:
        actions = {
            (action, actor) for action, actor in session.execute(select(AuditEntry.action, AuditEntry.actor))
        }
    for action, actor in (
        ("hashlists.import", "console:ana"),
        ("hashlists.publish", "console:ana"),
        ("hashlists.export", "console:ana"),
        ("blocklists.add", "console:ana"),
        ("blocklists.confirm", "console:bob"),
        ("blocklists.publish", "console:bob"),
        ("blocklists.appeal", "console:ana"),
        ("blocklists.appeal.rejected", "console:bob"),
        ("keywords.confirm", "console:bob"),
    ):
        assert (action, actor) in actions
