"""Blocklist and keyword downloads for ISPs (ETag/304, since, signatures, roles) and the stop page,
which must leave no trace of its visitors: no audit entry, no access-log line, no log record."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.web.conftest import api_settings
from vigil.audit.models import AuditEntry
from vigil.auth.roles import Role
from vigil.auth.service import UserService
from vigil.blocklists.export.json import diff_from_json, version_from_json
from vigil.blocklists.keyword_diff import apply_keyword_diff, keyword_diff_from_json
from vigil.blocklists.keyword_service import KeywordService
from vigil.blocklists.keywords import HelpResource, keywords_from_json
from vigil.blocklists.rpz_reader import read_rpz
from vigil.blocklists.service import BlocklistService
from vigil.blocklists.versions import apply_diff
from vigil.config import Settings
from vigil.signing import SignatureError, public_key_from_pem, verify
from vigil.web.app import create_app
from vigil.web.stop_page import QuietPathsFilter

pytestmark = pytest.mark.slow

NOT_ISP = [Role.admin, Role.analyst, Role.investigator, Role.member, Role.peer]
HELP = HelpResource(name="Example Helpline", url="https://help.example/", language="en")


@dataclass
class Site:
    client: TestClient
    tokens: dict[Role, str]
    urls: BlocklistService
    keywords: KeywordService
    sessions: sessionmaker[Session]
    settings: Settings

    def get(
        self,
        path: str,
        role: Role | None = Role.isp,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, str | int] | None = None,
    ) -> httpx.Response:
        sent = dict(headers or {})
        if role is not None:
            sent["Authorization"] = f"Bearer {self.tokens[role]}"
        response: httpx.Response = self.client.get(path, headers=sent, params=params)
        return response

    def journal_size(self) -> int:
        with self.sessions() as session:
            return session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def _publish_two_versions(urls: BlocklistService, keywords: KeywordService) -> None:
    for target in ("blocked.example", "*.dedicated.example"):
        urls.add(target, by="alice", reason="made-up")
        urls.confirm(target, by="bob")
    urls.publish()
    urls.add("http://urlhost.example/page", by="alice")
    urls.confirm("http://urlhost.example/page", by="bob")
    urls.remove("blocked.example", by="carol")
    urls.publish()
    for term in ("blue widget", "red gadget"):
        keywords.add(term, by="alice", warning="Made-up warning.", help=HELP)
        keywords.confirm(term, by="bob")
        keywords.publish()


@pytest.fixture
def site(db_settings: Settings, sessions: sessionmaker[Session]) -> Iterator[Site]:
    users = UserService(sessions, "test")
    tokens = {role: users.add_user(f"t-{role.value}", role.value).secret for role in Role}
    urls, keywords = BlocklistService(sessions, "test"), KeywordService(sessions, "test")
    _publish_two_versions(urls, keywords)
    settings = api_settings(db_settings, blocklist_stop_page_host="stop.vigil.test.")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Site(client, tokens, urls, keywords, sessions, settings)


def test_isp_downloads_a_signed_zone_with_an_etag(site: Site) -> None:
    key = site.client.get("/.well-known/vigil-blocklist-key")  # public: no token
    assert key.status_code == 200
    public = public_key_from_pem(key.content)
    response = site.get("/api/v1/blocklists/main.rpz")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/dns")
    assert response.headers["x-vigil-serial"] == "2"
    assert (
        verify(response.content, response.headers["x-vigil-signature"], public)
        == key.headers["x-vigil-key-id"]
    )
    signature = site.get("/api/v1/blocklists/main.rpz.sig")
    assert signature.status_code == 200 and signature.text.strip() == response.headers["x-vigil-signature"]
    with pytest.raises(SignatureError):
        verify(response.content.replace(b"dedicated", b"dedicatee"), signature.text, public)
    zone = read_rpz(response.text)
    assert (zone.origin, zone.serial) == ("main.rpz.vigil.", 2)
    assert zone.lookup("x.dedicated.example") is not None and zone.lookup("blocked.example") is None


def test_if_none_match_gets_304_until_a_new_version(site: Site) -> None:
    first = site.get("/api/v1/blocklists/main.hosts")
    etag = first.headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        again = site.get("/api/v1/blocklists/main.hosts", headers={"If-None-Match": header})
        assert again.status_code == 304, header
        assert again.content == b"" and again.headers["etag"] == etag
    assert site.get("/api/v1/blocklists/main.hosts", headers={"If-None-Match": '"other"'}).status_code == 200
    assert site.get("/api/v1/blocklists/main.json").headers["etag"] != etag
    site.urls.add("new.example", by="alice")
    site.urls.confirm("new.example", by="bob")
    site.urls.publish()
    changed = site.get("/api/v1/blocklists/main.hosts", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "0.0.0.0 new.example" in changed.text
    assert changed.headers["etag"] != etag


def test_since_n_round_trips_to_the_latest_version(site: Site) -> None:
    latest = version_from_json(site.get("/api/v1/blocklists/main.json").content)
    assert latest == site.urls.version() and latest.serial == 2
    diff = site.get("/api/v1/blocklists/main.json", params={"since": 1})
    assert diff.status_code == 200
    assert apply_diff(site.urls.version(serial=1), diff_from_json(diff.content)) == latest
    ixfr = site.get("/api/v1/blocklists/main.rpz", params={"since": 1})
    assert "blocked.example.main.rpz.vigil. 300 IN CNAME stop.vigil.test." in ixfr.text.splitlines()
    assert ixfr.headers["etag"] != site.get("/api/v1/blocklists/main.rpz").headers["etag"]
    up_to_date = site.get("/api/v1/blocklists/main.rpz", params={"since": 2})
    assert (up_to_date.status_code, up_to_date.headers["x-vigil-serial"]) == (204, "2")
    assert site.get("/api/v1/blocklists/main.hosts", params={"since": 1}).status_code == 400
    assert site.get("/api/v1/blocklists/main.json", params={"since": 9}).status_code == 400
    assert site.get("/api/v1/blocklists/main.csv").status_code == 400
    assert site.get("/api/v1/blocklists/nothing.rpz").status_code == 404


def test_keywords_since_and_signature(site: Site) -> None:
    key = public_key_from_pem(site.client.get("/.well-known/vigil-blocklist-key").content)
    full = site.get("/api/v1/keywords")
    assert full.status_code == 200 and full.headers["x-vigil-serial"] == "2"
    latest = keywords_from_json(full.content)
    assert [k.term for k in latest.keywords] == ["blue widget", "red gadget"]
    verify(full.content, full.headers["x-vigil-signature"], key)
    verify(full.content, site.get("/api/v1/keywords.sig").text, key)
    assert site.get("/api/v1/keywords", headers={"If-None-Match": full.headers["etag"]}).status_code == 304
    diff = site.get("/api/v1/keywords", params={"since": 1})
    assert apply_keyword_diff(site.keywords.version(serial=1), keyword_diff_from_json(diff.content)) == latest
    assert site.get("/api/v1/keywords", params={"since": 2}).status_code == 204
    assert site.get("/api/v1/keywords", params={"list": "nothing"}).status_code == 404


@pytest.mark.parametrize(
    "path", ["/api/v1/blocklists/main.rpz", "/api/v1/blocklists/main.rpz.sig", "/api/v1/keywords"]
)
def test_only_the_isp_role_downloads(site: Site, path: str) -> None:
    for role in NOT_ISP:
        response = site.get(path, role=role)
        assert response.status_code == 403, role
        assert response.headers["content-type"] == "application/problem+json"
    assert site.get(path, role=None).status_code == 401


def test_downloads_are_journaled(site: Site) -> None:
    before = site.journal_size()
    site.get("/api/v1/blocklists/main.rpz")
    assert site.journal_size() == before + 1


def test_stop_page_in_the_visitors_language(site: Site) -> None:
    english = site.client.get("/stop")
    assert english.status_code == 200 and english.headers["content-type"].startswith("text/html")
    assert "This page has been blocked" in english.text
    german = site.client.get("/stop", headers={"Accept-Language": "de-CH, en;q=0.5"})
    assert "Diese Seite wurde gesperrt" in german.text and german.headers["content-language"] == "de"
    assert "Cette page a été bloquée" in site.client.get("/stop", params={"lang": "fr"}).text
    assert "set-cookie" not in english.headers
    assert english.headers["referrer-policy"] == "no-referrer"


def test_stop_page_leaves_no_trace(site: Site, caplog: pytest.LogCaptureFixture) -> None:
    limited = site.settings.model_copy(update={"api_rate_per_second": 50.0})
    before = site.journal_size()
    with TestClient(create_app(limited)) as client, caplog.at_level(logging.DEBUG):
        for _ in range(3):
            assert client.get("/stop", headers={"Accept-Language": "de"}).status_code == 200
        limiter = client.app.state.vigil.limiter  # type: ignore[attr-defined]
        assert limiter._buckets == {}  # not even the rate limiter remembers the address
        assert client.get("/api/v1/health/live").status_code == 200
        assert limiter._buckets != {}  # (where other public routes do)
    assert site.journal_size() == before
    server_records = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    assert server_records == []


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_stop_page_is_not_in_a_real_servers_access_log(site: Site) -> None:
    """uvicorn as ``vigil serve`` runs it (its own logging configuration, access log on)."""
    app = create_app(site.settings)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, access_log=True, log_level="info")
    )
    collect = _Collect()
    access = logging.getLogger("uvicorn.access")
    assert any(isinstance(f, QuietPathsFilter) for f in access.filters)  # survives uvicorn's dictConfig
    access.addHandler(collect)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/stop?lang=de").status_code == 200
        assert httpx.get(f"{base}/stop").status_code == 200
        assert httpx.get(f"{base}/api/v1/health/live").status_code == 200
        time.sleep(0.2)
    finally:
        server.should_exit = True
        thread.join(10)
        access.removeHandler(collect)
    assert any("/api/v1/health/live" in line for line in collect.lines), collect.lines
    assert not any("/stop" in line for line in collect.lines), collect.lines
