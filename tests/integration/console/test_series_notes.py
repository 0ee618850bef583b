"""Series and victims, part two: investigators' notes on victims (journalled; analysts neither see nor
write them), the series' media as blurred previews of what the hotline captured (reveal journalled,
hidden by the preference), and the victim-identification figures page."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.console.helpers import field, make_staff, sign_in
from tests.integration.console.seeding import attach, console_hotline, triage_case
from tests.integration.dashboards.seeding import seed_hashdb
from tests.integration.hotline.parts import hotline_settings, smtp_server, write_directory
from tests.integration.hotline.servers import http_site
from vigil.audit.models import AuditEntry
from vigil.config import Settings
from vigil.hashlists.models import MediaSeries, Series
from vigil.hashlists.records import victims
from vigil.hashlists.victims import VictimNoteError
from vigil.hotline.captures import captures
from vigil.hotline.models import Case, Evidence
from vigil.web.app import create_app

pytestmark = pytest.mark.slow


def test_notes_are_kept_in_order_and_journalled(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    db = seed_hashdb(sessions, tmp_path)
    victim = db.add_victim("Series A", "victim open", "VID unit")
    first = db.add_victim_note(victim, "  seen in a new upload  ")
    db.add_victim_note(victim, "second look")
    with pytest.raises(VictimNoteError):
        db.add_victim_note(victim, "   ")
    with pytest.raises(VictimNoteError):
        db.add_victim_note(victim, "x" * 4001)
    with sessions() as session:
        series_id = session.execute(select(Series.id).where(Series.name == "Series A")).scalar_one()
        notes = victims.series_notes(session, series_id)[victim]
        entries = session.execute(
            select(AuditEntry.actor, AuditEntry.subject, AuditEntry.details).where(
                AuditEntry.action == "victims.note"
            )
        ).all()
    assert [(n.text, n.author) for n in notes] == [("seen in a new upload", "test"), ("second look", "test")]
    assert entries[0] == ("test", f"victim/{victim}", f'{{"length":20,"note":{first}}}')
    assert len(entries) == 2


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_series_page_notes_previews_and_figures(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    db = seed_hashdb(sessions, tmp_path)
    victim = db.add_victim("Series A", "victim open", "VID unit", country="NL")
    make_staff(sessions, "ana", "analyst")
    make_staff(sessions, "ivy", "investigator")
    with smtp_server() as inbox, http_site() as site:
        settings = hotline_settings(db_settings, inbox.port, write_directory(tmp_path / "dir.toml"))
        hotline = console_hotline(settings, sessions)
        case_id = triage_case(hotline, site, 7)
        with sessions() as session, session.begin():
            series_id = session.execute(select(Series.id).where(Series.name == "Series A")).scalar_one()
            media_id = min(
                session.execute(
                    select(MediaSeries.media_id).where(MediaSeries.series_id == series_id)
                ).scalars()
            )
            evidence_id = session.execute(select(Evidence.id).where(Evidence.case_id == case_id)).scalar_one()
            # As the hotline records a case whose content matched a known item.
            session.execute(update(Case).where(Case.id == case_id).values(media_id=media_id))
        with sessions() as session:
            found = captures(session, [media_id, media_id + 1000])
        assert list(found) == [media_id] and found[media_id].evidence_id == evidence_id
        app = create_app(settings)
        attach(app, hotline)
        with (
            TestClient(app, base_url="http://127.0.0.1") as ana,
            TestClient(app, base_url="http://127.0.0.1") as ivy,
        ):
            sign_in(ana, "ana", {})
            page = ana.get(f"/console/series/{series_id}")
            assert page.status_code == 200
            preview = f"/console/cases/{case_id}/evidence/{evidence_id}/preview"
            assert page.text.count('class="preview blurred"') == 1 and f'src="{preview}"' in page.text
            assert page.text.count("No capture of this item.") == 4
            assert "/notes" not in page.text and "Add note" not in page.text
            image = ana.get(preview)
            assert image.status_code == 200 and image.headers["content-type"] == "image/png"
            csrf = field(page.text, "csrf")
            reveal = ana.post(
                f"/console/cases/{case_id}/evidence/{evidence_id}/reveal", headers={"X-CSRF-Token": csrf}
            )
            assert reveal.status_code == 204
            note_url = f"/console/series/{series_id}/notes"
            assert (
                ana.post(note_url, data={"csrf": csrf, "victim": victim, "text": "mine"}).status_code == 403
            )
            ana.post("/console/preferences", data={"csrf": csrf, "hide_previews": "true", "language": ""})
            hidden = ana.get(f"/console/series/{series_id}")
            assert "Preview hidden (your preference)." in hidden.text and preview not in hidden.text

            sign_in(ivy, "ivy", {})
            page = ivy.get(f"/console/series/{series_id}")
            assert f'action="{note_url}"' in page.text and "No notes." in page.text
            csrf = field(page.text, "csrf")
            assert ivy.post(note_url, data={"csrf": csrf, "victim": victim, "text": " "}).status_code == 422
            other = ivy.post(note_url, data={"csrf": csrf, "victim": 999999, "text": "a"})
            assert other.status_code == 404
            added = ivy.post(
                note_url,
                data={"csrf": csrf, "victim": victim, "text": "Known <b>school</b> uniform"},
                follow_redirects=False,
            )
            assert added.status_code == 303 and added.headers["location"].endswith("#notes")
            after = ivy.get(f"/console/series/{series_id}").text
            assert "<td>victim open</td>" in after and "Known &lt;b&gt;school&lt;/b&gt; uniform" in after
            assert "<td>console:ivy</td>" in after

            figures = ivy.get("/console/victims")
            assert figures.status_code == 200 and figures.text.count("<svg") == 1
            assert "<td>2023</td><td>11</td><td>21</td><td>11</td><td>+10 %</td><td>yes</td>" in figures.text
            assert "<td>VID unit</td><td>32</td>" in figures.text
            assert (
                f'<a href="/console/series/{series_id}">Series A</a></td><td>33</td><td>32</td>'
                in figures.text
            )
            french = ivy.get("/console/victims", headers={"Accept-Language": "fr"}).text
            assert "Identification des victimes" in french
    with sessions() as session:
        actions = {(a, b) for a, b in session.execute(select(AuditEntry.action, AuditEntry.actor))}
    assert ("victims.note", "console:ivy") in actions and (
        "hotline.evidence.reveal",
        "console:ana",
    ) in actions
