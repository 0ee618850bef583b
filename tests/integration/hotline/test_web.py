"""The hotline over HTTP: the public form (no JavaScript, CSRF, rate limit), partner reports, the triage
queue, assessments and holds by role, figures; and a forward between two Vigil instances on loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hotline.parts import (
    T0,
    hotline_settings,
    make_hotline,
    seed_known,
    smtp_server,
    write_directory,
    write_images,
)
from tests.integration.hotline.servers import ConnectGuard, Page, StubResolver, http_site, served
from vigil import signing
from vigil.auth.roles import Role
from vigil.auth.service import UserService
from vigil.config import Settings
from vigil.db.migrate import alembic_config
from vigil.db.session import engine_for_url, make_session_factory
from vigil.hotline.clock import ManualClock
from vigil.hotline.models import Case, Forward, Report
from vigil.hotline.notices import load_signing_key
from vigil.hotline.recheck import run_due
from vigil.hotline.service import HotlineService
from vigil.web.app import create_app

pytestmark = pytest.mark.slow


@pytest.fixture
def web(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> Iterator[tuple[TestClient, dict[Role, str]]]:
    with smtp_server() as inbox:
        settings = hotline_settings(
            db_settings, inbox.port, write_directory(tmp_path / "dir.toml"), hotline_report_rate_per_minute=4
        )
        users = UserService(sessions, "test")
        tokens = {role: users.add_user(f"w-{role.value}", role.value).secret for role in Role}
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            client.headers["Accept"] = "text/html"  # a browser; other clients get problem documents
            yield client, tokens


def _auth(tokens: dict[Role, str], role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens[role]}"}


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_public_form(web: tuple[TestClient, dict[Role, str]], sessions: sessionmaker[Session]) -> None:
    client, _ = web
    page = client.get("/report")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "<script" not in page.text.lower() and "Content-Security-Policy" in page.headers
    token = _csrf(page.text)
    sent = client.post("/report", data={"url": "pics.example/x.jpg", "description": "a <b>", "csrf": token})
    assert sent.status_code == 200 and "Report received" in sent.text
    with sessions() as session:
        report = session.execute(select(Report)).scalar_one()
        assert (report.source, report.reporter_contact) == ("public", None)
        assert session.get(Case, report.case_id).url == "http://pics.example/x.jpg"  # type: ignore[union-attr]

    # The same token again: the cookie was spent. A forged page without the cookie fails too, and a
    # client that is not a browser gets a problem document.
    assert client.post("/report", data={"url": "pics.example/y.jpg", "csrf": token}).status_code == 400
    client.cookies.clear()
    plain = client.post(
        "/report", data={"url": "pics.example/y.jpg", "csrf": token}, headers={"Accept": "*/*"}
    )
    assert (plain.status_code, plain.headers["content-type"]) == (400, "application/problem+json")
    again = client.get("/report")
    bad = client.post("/report", data={"url": "javascript:alert(1)", "csrf": _csrf(again.text)})
    assert bad.status_code == 422 and "javascript:alert(1)" in bad.text and "<script" not in bad.text.lower()
    # Four posts a minute from one address (refused ones count): the fifth waits.
    fifth = client.post(
        "/report", data={"url": "pics.example/z.jpg", "csrf": _csrf(client.get("/report").text)}
    )
    assert fifth.status_code == 429


def test_reports_api_and_triage(web: tuple[TestClient, dict[Role, str]]) -> None:
    client, tokens = web
    body = {
        "url": "HTTPS://Pics.Example:443/a.jpg#frag",
        "description": "from a crawler",
        "external_ref": "x-1",
    }
    first = client.post("/api/v1/reports", json=body, headers=_auth(tokens, Role.member))
    assert first.status_code == 201, first.text
    assert first.json()["url"] == "https://pics.example/a.jpg" and first.json()["duplicate"] is False
    second = client.post(
        "/api/v1/reports", json={"url": "https://pics.example/a.jpg"}, headers=_auth(tokens, Role.analyst)
    )
    assert (second.json()["case_id"], second.json()["duplicate"]) == (first.json()["case_id"], True)
    assert client.post("/api/v1/reports", json=body).status_code == 401
    assert client.post("/api/v1/reports", json=body, headers=_auth(tokens, Role.isp)).status_code == 403
    assert (
        client.post(
            "/api/v1/reports", json={"url": "ftp://x"}, headers=_auth(tokens, Role.member)
        ).status_code
        == 422
    )

    case_id = first.json()["case_id"]
    for role, status in ((Role.member, 403), (Role.peer, 403), (Role.isp, 403), (Role.analyst, 200)):
        assert client.get("/api/v1/reports/queue", headers=_auth(tokens, role)).status_code == status
    assert client.get(f"/api/v1/cases/{case_id}", headers=_auth(tokens, Role.member)).status_code == 403
    detail = client.get(f"/api/v1/cases/{case_id}", headers=_auth(tokens, Role.investigator)).json()
    assert detail["state"] == "new" and [e["kind"] for e in detail["events"]] == ["state", "report", "report"]
    missing = client.get("/api/v1/cases/999999", headers=_auth(tokens, Role.investigator))
    assert (missing.status_code, missing.json()["detail"]) == (404, "no case 999999")

    until = (T0 + timedelta(days=400)).isoformat()
    hold = {"agency": "Police US", "until": until, "reason": "investigation"}
    assert (
        client.post(
            f"/api/v1/cases/{case_id}/holds", json=hold, headers=_auth(tokens, Role.analyst)
        ).status_code
        == 403
    )
    placed = client.post(
        f"/api/v1/cases/{case_id}/holds", json=hold, headers=_auth(tokens, Role.investigator)
    )
    assert placed.status_code == 201, placed.text
    lifted = client.delete(
        f"/api/v1/holds/{placed.json()['hold_id']}", headers=_auth(tokens, Role.investigator)
    )
    assert lifted.status_code == 204
    wrong = client.post(
        f"/api/v1/cases/{case_id}/assessment", json={"category": "Z"}, headers=_auth(tokens, Role.analyst)
    )
    assert wrong.status_code == 409
    assert (
        client.get("/api/v1/stats/takedown", headers=_auth(tokens, Role.analyst)).json()["overall"]["cases"]
        == 0
    )


PARTNER_DIRECTORY = """
[[partner]]
country = "US"
name = "Hotline US"
endpoint = "http://127.0.0.1:9/unused"
public_key = \"\"\"{key}\"\"\"
"""


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_forward_between_two_instances(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path, connect_guard: ConnectGuard
) -> None:
    images = write_images(tmp_path / "img", [81])
    seed_known(sessions, tmp_path, images)
    # Instance B, the Dutch partner: its own database, a peer token for us, our public key trusted.
    url_b = f"sqlite:///{tmp_path / 'b' / 'vigil.sqlite3'}"
    (tmp_path / "b").mkdir()
    command.upgrade(alembic_config(url_b), "head")
    engine_b = engine_for_url(url_b)
    sessions_b = make_session_factory(engine_b)
    peer_token = UserService(sessions_b, "test").add_user("hotline-us", "peer").secret
    with smtp_server() as inbox, http_site() as site:
        settings_a = hotline_settings(db_settings, inbox.port, tmp_path / "dir-a.toml")
        our_key = signing.public_key_to_pem(load_signing_key(settings_a).public_key()).decode()
        dir_b = tmp_path / "dir-b.toml"
        dir_b.write_text(PARTNER_DIRECTORY.format(key=our_key), encoding="utf-8")
        settings_b = Settings(
            data_dir=tmp_path / "b",
            database_url=url_b,
            hotline_directory=dir_b,
            hotline_country="NL",
            api_rate_per_second=0,
            index_poll_seconds=0,
            api_token_cache_seconds=0,
        )
        with served(create_app(settings_b)) as base_b:
            write_directory(tmp_path / "dir-a.toml", partner=f"{base_b}/api/v1/reports", token=peer_token)
            hl = make_hotline(
                settings_a, sessions, ManualClock(T0), StubResolver({"far.example": ["127.0.0.1"]})
            )
            url = site.put("far.example", "/d.jpg", Page(body=images[0].read_bytes()))
            case_id = HotlineService(hl, "test").submit(url).case_id
            run_due(hl)
            # An unsigned report with the same peer token is refused.
            import httpx

            unsigned = httpx.post(
                f"{base_b}/api/v1/reports",
                json={"url": url},
                headers={"Authorization": f"Bearer {peer_token}"},
            )
            assert unsigned.status_code == 401
    with sessions() as session:
        forward = session.execute(select(Forward).where(Forward.case_id == case_id)).scalar_one()
        assert forward.sent_at == T0 and forward.response_status == 201 and forward.remote_ref is not None
    with sessions_b() as session:
        report = session.execute(select(Report)).scalar_one()
        case_b: Any = session.get(Case, report.case_id)
        assert (report.source, report.submitted_by, report.external_ref) == (
            "forward",
            "hotline-us",
            f"VIGIL-{case_id}",
        )
        assert (case_b.url, str(case_b.id)) == (url, forward.remote_ref)
    engine_b.dispose()
