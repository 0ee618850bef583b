"""Assessment per item in Chromium against a real server: sign in → a reported page's case → its items
classified with the selects → more items classified by keyboard in the grid by item → the case assessed
at its most severe item's category → notice sent; a page whose items are all not illegal rejected. And
the wellbeing rules of the review pages: videos never autoplay and start muted, and a gentle break
reminder appears after the configured time. Every page passes axe-core (no serious or critical
violation), is usable by keyboard, loads nothing from another host and trips no CSP rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.browser.browser import Watch, check_page, chromium
from tests.integration.console.helpers import PASSWORD, make_staff
from tests.integration.console.seeding import attach, console_hotline, jpeg, page_items, triage_page
from tests.integration.hotline.parts import hotline_settings, smtp_server, write_directory
from tests.integration.hotline.servers import Page, http_site, served
from vigil.auth import totp
from vigil.config import Settings
from vigil.hotline.models import ITEM_NOT_ILLEGAL, Case, ItemAssessment
from vigil.hotline.service import HotlineService
from vigil.web.app import create_app

pytestmark = pytest.mark.slow


def _sign_in(page: Any, base: str, name: str) -> None:
    page.goto(f"{base}/console")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/console/second-factor**")
    secret = page.inner_text("#totp-secret")
    page.fill("#code", totp.code_at(secret, datetime.now(UTC) + timedelta(seconds=0)))
    page.click("main button[type=submit]")
    page.wait_for_url("**/console/queue")


def _assessed(sessions: sessionmaker[Session], case_id: int) -> dict[int, str]:
    with sessions() as session:
        rows = session.execute(
            select(ItemAssessment.item_id, ItemAssessment.category).where(ItemAssessment.case_id == case_id)
        ).all()
    return {item: category for item, category in rows}


def _state(sessions: sessionmaker[Session], case_id: int) -> str:
    with sessions() as session:
        return session.get(Case, case_id).state  # type: ignore[union-attr]


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_items_assessed_in_chromium(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    make_staff(sessions, "ana", "analyst")
    with smtp_server() as inbox, http_site() as site, chromium() as browser:
        settings = hotline_settings(db_settings, inbox.port, write_directory(tmp_path / "dir.toml"))
        hotline = console_hotline(settings, sessions)
        app = create_app(settings)
        attach(app, hotline)
        first = triage_page(hotline, site, [81, 82])
        second = triage_page(hotline, site, [83, 84], host="bad.example")
        a, b = page_items(hotline, first)
        c, d = page_items(hotline, second)
        with served(app) as base:
            ana = browser.new_context(base_url=base).new_page()
            watch = Watch(ana, base)
            _sign_in(ana, base, "ana")

            # The case page: one select per item, previews blurred; the case form has no worst yet.
            ana.goto(f"{base}/console/cases/{first}")
            assert "blur" in ana.locator("figure.preview img").first.evaluate(
                "e => getComputedStyle(e).filter"
            )
            assert ana.locator("#items-worst").count() == 0
            check_page(ana, "case-items")
            ana.select_option(f"#item-{a}", "2")
            ana.select_option(f"#item-{b}", ITEM_NOT_ILLEGAL)
            ana.click("#items-form button[type=submit]")
            ana.wait_for_selector("#items-worst")
            assert _assessed(sessions, first) == {a: "2", b: ITEM_NOT_ILLEGAL}
            assert ana.locator("#cat-2").is_checked()  # the case form starts at the worst item's category

            # The grid by item, by keyboard: J to the first item, 1 (illegal under 'us'); X leaves the
            # second as it is; 0 and 0 mark the other page's two items not illegal.
            ana.goto(f"{base}/console/grid/items")
            assert ana.locator("li.tile").count() == 4
            assert ana.locator(f'#item-tile-{a} input[value="2"]').is_checked()  # as assessed before
            check_page(ana, "grid-items")
            ana.locator("h1").click()
            for key in ("j", "1", "x", "0", "0"):
                ana.keyboard.press(key)
            assert ana.locator(f'#item-tile-{a} input[data-key="1"]').is_checked()
            assert ana.locator(f'#item-tile-{b} input[data-key="x"]').is_checked()
            assert ana.locator(f'#item-tile-{c} input[data-key="0"]').is_checked()
            assert ana.locator(f'#item-tile-{d} input[data-key="0"]').is_checked()
            ana.click("#grid-form > p > button[type=submit]")
            ana.wait_for_selector("#grid-result")
            assert "Items assessed: 3, in 2 cases." in ana.inner_text("#grid-result")
            assert _assessed(sessions, first) == {a: "1", b: ITEM_NOT_ILLEGAL}
            assert _assessed(sessions, second) == {c: ITEM_NOT_ILLEGAL, d: ITEM_NOT_ILLEGAL}

            # The case takes its most severe item's category (chosen for the analyst, who submits).
            ana.click(f'#grid-result a[href="/console/cases/{first}"]')
            ana.wait_for_url(f"**/console/cases/{first}")
            assert "1" in ana.inner_text("#items-worst")
            assert ana.locator("#cat-1").is_checked()
            assert ana.locator("#reject-reason").count() == 0  # an illegal item: no rejection offered
            ana.click("#assess-form button[type=submit]")
            ana.wait_for_url(f"**/console/cases/{first}")
            assert _state(sessions, first) == "notified"
            assert any(f"VIGIL-{first}" in m.subject for m in inbox.to("abuse@good.example"))

            # A page whose items are all not illegal: the page says so, and the case is rejected.
            ana.goto(f"{base}/console/cases/{second}")
            assert ana.locator("#items-clear").count() == 1
            ana.click("#reject-reason ~ button[type=submit]")
            ana.wait_for_url(f"**/console/cases/{second}")
            assert _state(sessions, second) == "rejected"
            assert watch.foreign == [] and watch.csp == []


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_videos_stay_still_and_a_break_is_suggested_in_chromium(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path, shared_dir: Path
) -> None:
    make_staff(sessions, "ana", "analyst")
    # A benign sample clip of the vPDQ conformance material (a test pattern).
    clip = (shared_dir / "conformance" / "vpdq" / "videos" / "test-padded-dimensions.mp4").read_bytes()
    with smtp_server() as inbox, http_site() as site, chromium() as browser:
        settings = hotline_settings(
            db_settings, inbox.port, write_directory(tmp_path / "dir.toml"), console_break_minutes=0.04
        )
        hotline = console_hotline(settings, sessions)
        app = create_app(settings)
        attach(app, hotline)
        video = site.put("good.example", "/clip.mp4", Page(body=clip, headers={"Content-Type": "video/mp4"}))
        picture = site.put(
            "good.example", "/still.jpg", Page(body=jpeg(85), headers={"Content-Type": "image/jpeg"})
        )
        html = f'<!doctype html><html><body><video src="{video}"></video><img src="{picture}" alt="">'
        url = site.put(
            "good.example", "/watch.html", Page(body=html.encode(), headers={"Content-Type": "text/html"})
        )
        case_id = HotlineService(hotline, "test").submit(url).case_id
        assert HotlineService(hotline, "system").process(case_id) == "triage"
        with served(app) as base:
            ana = browser.new_context(base_url=base).new_page()
            watch = Watch(ana, base)
            _sign_in(ana, base, "ana")
            for path in (f"/console/cases/{case_id}", "/console/grid/items"):
                ana.goto(f"{base}{path}")
                player = ana.locator("figure.preview video")
                assert player.count() == 1, path
                ana.wait_for_timeout(1000)  # time enough for a video that would start by itself
                still = player.evaluate(
                    "v => [v.autoplay, v.hasAttribute('autoplay'), v.muted, v.paused, v.currentTime,"
                    " v.preload]"
                )
                assert still == [False, False, True, True, 0, "none"], (path, still)
                # Played by hand, it plays (the clip is playable here) and without sound.
                played = player.evaluate(
                    "async v => { await v.play(); const s = [v.paused, v.muted]; v.pause(); return s; }"
                )
                assert played == [False, True], (path, played)

            # The reminder: after the configured time (2.4 s here) a note, not a dialog; Later hides it.
            ana.goto(f"{base}/console/cases/{case_id}")
            reminder = ana.locator("#break-reminder")
            reminder.wait_for(state="visible", timeout=15_000)
            assert reminder.get_attribute("role") == "status"
            assert ana.locator("[role=dialog], dialog[open]").count() == 0
            ana.click("#break-later")
            assert reminder.is_hidden()
            # Taking the break restarts the clock: the next case page shows no reminder at first.
            ana.reload()
            reminder.wait_for(state="visible", timeout=15_000)
            ana.click("#break-reminder button[type=submit]")
            ana.wait_for_url("**/console/break")
            check_page(ana, "break")
            ana.goto(f"{base}/console/cases/{case_id}")
            assert reminder.is_hidden()
            reminder.wait_for(state="visible", timeout=15_000)
            assert watch.foreign == [] and watch.csp == []
