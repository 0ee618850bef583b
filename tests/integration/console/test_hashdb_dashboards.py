"""The console's dashboards and hash-database pages over HTTP (TestClient on the real app): charts with
their numbers, lookups counted by the API appearing per member, search by hash and by file, an item's
page, a vote recorded under the signed-in user (journalled), conflicts side by side; forms need the
session's CSRF token; a member's token opens nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.console.helpers import field, make_staff, sign_in
from tests.integration.dashboards.seeding import seed_blocklist, seed_cases, seed_hashdb
from tests.integration.hashlists.helpers import fake_hashes
from vigil.audit.models import AuditEntry
from vigil.auth.service import UserService
from vigil.config import Settings
from vigil.web.app import create_app

pytestmark = pytest.mark.slow


def _client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings), base_url="http://127.0.0.1", raise_server_exceptions=False)


@pytest.mark.parametrize(
    "db_settings", ["sqlite"], indirect=True
)  # the queries run on both in their own tests
def test_dashboards_and_hash_database_pages(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    seed_hashdb(sessions, tmp_path)
    seed_cases(sessions)
    seed_blocklist(sessions)
    make_staff(sessions, "ana", "analyst")
    member = UserService(sessions, "test").add_user("shop", "member").secret
    settings = db_settings.model_copy(
        update={"console_dashboard_cache_seconds": 0, "lookup_count_flush_seconds": 0}
    )
    a = fake_hashes("p0")
    with _client(settings) as client:
        # A member's answered lookups through the API are counted (flushed when asked: here, at once).
        api = {"Authorization": f"Bearer {member}"}
        assert client.app.state.vigil.matcher.wait_ready(60)  # type: ignore[attr-defined]
        for _ in range(3):
            lookup = client.get(f"/api/v1/lookup?signal_type=md5&signal={a['md5']}", headers=api)
            assert lookup.status_code == 200
        client.app.state.vigil.lookups.flush()  # type: ignore[attr-defined]
        assert client.get("/console/dashboards", headers=api, follow_redirects=False).status_code == 303

        sign_in(client, "ana", {})
        page = client.get("/console/dashboards")
        assert page.status_code == 200, page.text[:500]
        text = page.text
        assert text.count("<svg") == 8 and "<script>" not in text
        assert 'href="/console/dashboards" aria-current="page"' in text
        # 11 identified in 2023 against a goal of 11 (10 + 10 %); 11 in 2024 against 12.1.
        assert "<td>2023</td><td>11</td><td>11</td><td>+10 %</td><td>yes</td>" in text
        assert "<td>2024</td><td>11</td><td>12</td><td>+0 %</td><td>no</td>" in text
        assert "slow.example" in text and "<td>shop</td><td>3</td>" in text
        assert "<td>VID unit</td><td>5</td>" in text and "<td>urls</td><td>3</td>" in text
        french = client.get("/console/dashboards", headers={"Accept-Language": "fr"}).text
        assert "Tableaux de bord des objectifs" in french and "objectif : +10 % sur l" in french

        found = client.get("/console/media", params={"type": "md5", "q": a["md5"].upper()})
        assert found.status_code == 200
        media_id = int(re.search(r'href="/console/media/(\d+)"', found.text).group(1))  # type: ignore[union-attr]
        bad = client.get("/console/media", params={"type": "md5", "q": "xyz"})
        assert bad.status_code == 422 and 'role="alert"' in bad.text
        missing = client.get("/console/media", params={"type": "sha256", "q": "0" * 64})
        assert "No known item matches." in missing.text

        csrf = field(found.text, "csrf")
        upload = client.post(
            "/console/media/lookup", data={"csrf": csrf}, files={"file": ("p0.txt", b"p0", "text/plain")}
        )
        # The seed's hashes are those of the text "p0": the upload is that item.
        assert upload.status_code == 200 and f'href="/console/media/{media_id}"' in upload.text
        assert a["sha256"] in upload.text

        item = client.get(f"/console/media/{media_id}")
        assert item.status_code == 200 and "Series A" in item.text and 'data-jurisdiction="us"' in item.text
        form = {"category": "vics-us:3", "jurisdiction": "", "contributor": "Hotline GB", "csrf": csrf}
        assert (
            client.post(f"/console/media/{media_id}/vote", data=form | {"csrf": "forged"}).status_code == 403
        )
        voted = client.post(f"/console/media/{media_id}/vote", data=form, follow_redirects=False)
        assert voted.status_code == 303
        after = client.get(f"/console/media/{media_id}").text
        assert "<td>ana</td>" in after
        wrong = client.post(f"/console/media/{media_id}/vote", data=form | {"category": "vics-us:Q"})
        assert wrong.status_code == 422 and "not a category" in wrong.text
        assert client.get("/console/media/999999999").status_code == 404

        conflicts = client.get("/console/media/conflicts")
        assert conflicts.status_code == 200 and f'href="/console/media/{media_id}"' in conflicts.text
        assert 'class="side"' in conflicts.text and "Hotline GB / ana" in conflicts.text
    with sessions() as session:
        actions = [
            (action, actor) for action, actor in session.execute(select(AuditEntry.action, AuditEntry.actor))
        ]
    assert ("hashlists.vote", "console:ana") in actions


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_series_pages_and_who_may_identify(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    """Analysts read series and victims but record no identification; investigators do (journalled, once)."""
    db = seed_hashdb(sessions, tmp_path)
    victim = db.add_victim("Series A", "victim open", "VID unit", country="NL")
    make_staff(sessions, "ana", "analyst")
    make_staff(sessions, "ivy", "investigator")
    with _client(db_settings) as ana, _client(db_settings) as ivy:
        sign_in(ana, "ana", {})
        listing = ana.get("/console/series")
        series_id = int(re.search(r'href="/console/series/(\d+)"', listing.text).group(1))  # type: ignore[union-attr]
        assert "<td>33</td><td>32</td>" in listing.text  # 33 victims, 32 identified
        page = ana.get(f"/console/series/{series_id}")
        assert page.status_code == 200 and "victim open" in page.text
        assert "/identify" not in page.text and page.text.count('href="/console/media/') == 5
        csrf = field(page.text, "csrf")
        form = {"on": "2026-01-02", "agency": "VID unit", "csrf": csrf}
        url = f"/console/series/{series_id}/victims/{victim}/identify"
        assert ana.post(url, data=form).status_code == 403

        sign_in(ivy, "ivy", {})
        page = ivy.get(f"/console/series/{series_id}")
        assert f'action="{url}"' in page.text
        form["csrf"] = field(page.text, "csrf")
        assert ivy.post(url, data=form | {"on": "2999-01-01"}).status_code == 422
        assert ivy.post(url, data=form | {"agency": "Nobody"}).status_code == 422
        assert ivy.post(url, data=form, follow_redirects=False).status_code == 303
        assert "on 2026-01-02 by VID unit" in ivy.get(f"/console/series/{series_id}").text
        assert ivy.post(url, data=form).status_code == 409
        assert ivy.post(f"/console/series/{series_id}/victims/999999/identify", data=form).status_code == 404
    with sessions() as session:
        actions = [
            (action, actor) for action, actor in session.execute(select(AuditEntry.action, AuditEntry.actor))
        ]
    assert ("victims.identify", "console:ivy") in actions
