"""The console's hash-list, blocklist and keyword pages over HTTP (TestClient on the real app): an import
previewed (nothing written) then made, a list published, two versions compared, exports in every
format; a URL entry proposed by one analyst, refused to the same analyst's confirmation and confirmed by
a second, published with its signatures; an appeal; a keyword with its warning. Investigators read but
get no forms and are refused on the server; forms need the session's CSRF token; all is journalled."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.console.helpers import field, make_staff, sign_in
from tests.integration.dashboards.seeding import seed_hashdb
from tests.integration.hashlists.helpers import counts, fake_hashes, vics_media, write_vics
from vigil.audit.models import AuditEntry
from vigil.auth.service import UserService
from vigil.config import Settings
from vigil.hashlists.selection import SelectionRules
from vigil.signing import public_key_from_pem, verify
from vigil.web.app import create_app

pytestmark = pytest.mark.slow


def _client(settings: Settings) -> TestClient:
    return TestClient(create_app(settings), base_url="http://127.0.0.1", raise_server_exceptions=False)


def _actions(sessions: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sessions() as session:
        return [
            (action, actor) for action, actor in session.execute(select(AuditEntry.action, AuditEntry.actor))
        ]


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_hash_list_pages(db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    db = seed_hashdb(sessions, tmp_path)
    db.create_list("industry", "Hotline GB", SelectionRules(categories=("vics-us:1",)), ("industry",))
    make_staff(sessions, "ana", "analyst")
    make_staff(sessions, "ivy", "investigator")
    new_file = write_vics(tmp_path / "new.json", [vics_media("n1"), vics_media("p1"), {"MD5": "zz"}])
    with _client(db_settings) as ana, _client(db_settings) as ivy:
        sign_in(ana, "ana", {})
        index = ana.get("/console/lists")
        assert index.status_code == 200 and 'href="/console/lists/industry"' in index.text
        assert "vics-us:1" in index.text and "industry" in index.text
        page = ana.get("/console/lists/industry")
        csrf = field(page.text, "csrf")
        assert "Never published." in page.text and 'id="publish-form"' in page.text
        assert ana.post("/console/lists/industry/publish", data={"csrf": "forged"}).status_code == 403
        published = ana.post("/console/lists/industry/publish", data={"csrf": csrf})
        assert published.status_code == 200 and "Version 1 published." in published.text
        assert ana.get("/console/lists/nothing-here").status_code == 404

        # The dry run says what the import would do and writes nothing.
        before = counts(sessions)
        form = {"csrf": csrf, "format": "vics", "contributor": "Hotline GB", "scheme": "vics-us", "list": ""}
        files = {"file": ("new.json", new_file.read_bytes(), "application/json")}
        preview = ana.post("/console/imports", data=form | {"action": "preview"}, files=files)
        assert preview.status_code == 200, preview.text[:500]
        assert 'data-dry-run="yes"' in preview.text
        assert '<dd id="sum-added">1</dd>' in preview.text and '<dd id="sum-rejected">1</dd>' in preview.text
        assert '<dd id="sum-merged">1</dd>' in preview.text  # p1: Hotline GB's first opinion on it
        assert counts(sessions) == before
        kept = re.search(r'action="(/console/imports/[A-Za-z0-9_-]{32})"', preview.text)
        assert kept is not None
        with _client(db_settings) as bob:  # only the analyst who previewed it imports the kept file
            make_staff(sessions, "bob", "analyst")
            sign_in(bob, "bob", {})
            bob_csrf = field(bob.get("/console/imports").text, "csrf")
            assert bob.post(kept.group(1), data={"csrf": bob_csrf}).status_code == 404
        done = ana.post(kept.group(1), data={"csrf": csrf})
        assert 'data-dry-run="no"' in done.text and '<dd id="sum-added">1</dd>' in done.text
        assert counts(sessions) != before
        assert ana.post(kept.group(1), data={"csrf": csrf}).status_code == 404  # imported once, then gone
        assert not any((db_settings.data_dir / "console-imports").iterdir())
        at_once = ana.post("/console/imports", data=form | {"action": "import"}, files=files)
        assert "this file was imported before" in at_once.text
        unknown = ana.post(
            "/console/imports", data=form | {"contributor": "Nobody", "action": "import"}, files=files
        )
        assert unknown.status_code == 422 and "nothing was imported" in unknown.text

        second = ana.post("/console/lists/industry/publish", data={"csrf": csrf})
        assert "Version 2 published." in second.text
        again = ana.post("/console/lists/industry/publish", data={"csrf": csrf})
        assert "no new version" in again.text
        diff = ana.get("/console/lists/industry/diff", params={"old": 1, "new": 2})
        assert diff.status_code == 200 and "1 added, 0 changed, 0 removed" in diff.text
        assert fake_hashes("n1")["md5"] in diff.text
        assert ana.get("/console/lists/industry/diff", params={"old": 2, "new": 1}).status_code == 422

        for fmt in ("vics", "csv", "md5sum", "pytx"):
            export = ana.get("/console/lists/industry/export", params={"format": fmt, "version": 2})
            assert export.status_code == 200, (fmt, export.text[:300])
            assert (
                export.headers["x-vigil-list-version"] == "2"
                and "attachment" in export.headers["content-disposition"]
            )
        md5s = ana.get("/console/lists/industry/export", params={"format": "md5sum", "version": 1}).text
        assert fake_hashes("p0")["md5"] in md5s and fake_hashes("n1")["md5"] not in md5s
        assert ana.get("/console/lists/industry/export", params={"format": "nope"}).status_code == 422

        sign_in(ivy, "ivy", {})
        seen = ivy.get("/console/lists/industry")
        assert seen.status_code == 200 and 'id="publish-form"' not in seen.text
        assert "/console/imports" not in ivy.get("/console/lists").text
        ivy_csrf = field(seen.text, "csrf")
        assert ivy.post("/console/lists/industry/publish", data={"csrf": ivy_csrf}).status_code == 403
        assert ivy.get("/console/imports").status_code == 403
        assert ivy.get("/console/lists/industry/export", params={"format": "csv"}).status_code == 200
    actions = _actions(sessions)
    for action in ("hashlists.publish", "hashlists.import", "hashlists.export"):
        assert (action, "console:ana") in actions
    assert ("hashlists.export", "console:ivy") in actions


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_blocklist_and_keyword_pages(db_settings: Settings, sessions: sessionmaker[Session]) -> None:
    make_staff(sessions, "ana", "analyst")
    make_staff(sessions, "bob", "analyst")
    make_staff(sessions, "ivy", "investigator")
    with _client(db_settings) as ana, _client(db_settings) as bob, _client(db_settings) as ivy:
        sign_in(ana, "ana", {})
        page = ana.get("/console/blocklists")
        assert page.status_code == 200 and "Two-analyst rule" in page.text
        french = ana.get("/console/blocklists", headers={"Accept-Language": "fr"}).text
        assert "Règle des deux analystes" in french and "Listes de blocage" in french
        csrf = field(page.text, "csrf")
        propose = {"csrf": csrf, "target": "bad.example", "category": "csam", "reason": "case 7"}
        assert ana.post("/console/blocklists/main/propose", data=propose).status_code == 200
        mine = ana.get("/console/blocklists").text
        assert "awaiting a second analyst" in mine and "You proposed it" in mine
        assert 'action="/console/blocklists/main/confirm"' not in mine
        # The service refuses the proposer even when the form is forged.
        refused = ana.post("/console/blocklists/main/confirm", data={"csrf": csrf, "target": "bad.example"})
        assert refused.status_code == 409 and "a second, different analyst must confirm" in refused.text
        bad = ana.post("/console/blocklists/main/propose", data=propose | {"target": "not a domain"})
        assert bad.status_code == 422 and 'role="alert"' in bad.text

        sign_in(bob, "bob", {})
        theirs = bob.get("/console/blocklists").text
        bob_csrf = field(theirs, "csrf")
        assert 'action="/console/blocklists/main/confirm"' in theirs
        confirm = bob.post(
            "/console/blocklists/main/confirm", data={"csrf": bob_csrf, "target": "bad.example"}
        )
        assert confirm.status_code == 200 and 'data-state="confirmed"' in confirm.text
        published = bob.post("/console/blocklists/main/publish", data={"csrf": bob_csrf})
        assert published.status_code == 200
        signatures = dict(re.findall(r'<dt>(\w+)</dt><dd class="url signature">([^<]+)<', published.text))
        assert sorted(signatures) == ["hosts", "json", "proxy", "rpz"]  # of version 1
        key = public_key_from_pem(bob.get("/.well-known/vigil-blocklist-key").content)

        expire = {"csrf": csrf, "target": "bad.example", "at": "2999-01-01 00:00"}
        expiring = ana.post("/console/blocklists/main/expire", data=expire)
        assert expiring.status_code == 200 and "2999-01-01 00:00 UTC" in expiring.text
        wrong = ana.post("/console/blocklists/main/expire", data=expire | {"at": "soon"})
        assert wrong.status_code == 422 and "is not a date and time" in wrong.text

        appeal = {"csrf": csrf, "target": "bad.example", "appellant": "owner@bad.example", "statement": "no"}
        assert ana.post("/console/blocklists/main/appeal", data=appeal).status_code == 200
        text = ana.get("/console/blocklists").text
        appeal_id = int(re.search(r'id="appeal-(\d+)" data-status="open"', text).group(1))  # type: ignore[union-attr]
        decided = bob.post(
            f"/console/blocklists/main/appeals/{appeal_id}",
            data={"csrf": bob_csrf, "decision": "reject", "resolution": "the material is there"},
        )
        assert decided.status_code == 200 and 'data-status="rejected"' in decided.text

        keyword = {
            "csrf": csrf,
            "term": "benign test phrase",
            "language": "en",
            "match": "phrase",
            "warning": "Searching for this is illegal.",
            "help_name": "Stop It Now",
            "help_url": "https://help.example/",
        }
        assert ana.post("/console/keywords/search-terms/propose", data=keyword).status_code == 200
        kw = ana.get("/console/keywords").text
        assert "Searching for this is illegal." in kw and "You proposed it" in kw
        refused = ana.post(
            "/console/keywords/search-terms/confirm", data={"csrf": csrf, "term": "benign test phrase"}
        )
        assert refused.status_code == 409
        assert (
            ana.post(
                "/console/keywords/search-terms/propose", data=keyword | {"help_url": "http://x"}
            ).status_code
            == 422
        )
        ok = bob.post(
            "/console/keywords/search-terms/confirm", data={"csrf": bob_csrf, "term": "benign test phrase"}
        )
        assert ok.status_code == 200 and 'data-state="confirmed"' in ok.text
        kw_published = bob.post("/console/keywords/search-terms/publish", data={"csrf": bob_csrf}).text
        (kw_signature,) = re.findall(r'class="url signature">([^<]+)<', kw_published)
        # An expiry set on a listed term; a date the page cannot read is refused and changes nothing.
        term = {"csrf": bob_csrf, "term": "benign test phrase"}
        expiring = bob.post("/console/keywords/search-terms/expire", data=term | {"at": "2999-01-01 00:00"})
        assert expiring.status_code == 200 and "2999-01-01" in expiring.text
        refused = bob.post("/console/keywords/search-terms/expire", data=term | {"at": "next week"})
        assert refused.status_code == 422 and "is not a date and time" in refused.text

        sign_in(ivy, "ivy", {})
        seen = ivy.get("/console/blocklists").text
        assert "bad.example" in seen and '<form method="post" action="/console/blocklists/main' not in seen
        ivy_csrf = field(seen, "csrf")
        assert ivy.post("/console/blocklists/main/publish", data={"csrf": ivy_csrf}).status_code == 403
        assert (
            ivy.post("/console/keywords/search-terms/propose", data=keyword | {"csrf": ivy_csrf}).status_code
            == 403
        )
        assert 'id="keyword-form"' not in ivy.get("/console/keywords").text
    # The signatures on the pages are those the API serves to ISPs and search engines, and they verify.
    token = UserService(sessions, "test").add_user("engine", "isp").secret
    with _client(db_settings) as client:
        api = {"Authorization": f"Bearer {token}"}
        served = client.get("/api/v1/keywords", headers=api)
        assert served.headers["x-vigil-signature"] == kw_signature
        verify(served.content, kw_signature, key)
        for fmt, signature in signatures.items():
            download = client.get(f"/api/v1/blocklists/main.{fmt}", headers=api)
            assert download.headers["x-vigil-signature"] == signature, fmt
            verify(download.content, signature, key)
    actions = _actions(sessions)
    for action, actor in (
        ("blocklists.add", "console:ana"),
        ("blocklists.confirm", "console:bob"),
        ("blocklists.publish", "console:bob"),
        ("blocklists.expire", "console:ana"),
        ("blocklists.appeal", "console:ana"),
        ("blocklists.appeal.rejected", "console:bob"),
        ("keywords.add", "console:ana"),
        ("keywords.confirm", "console:bob"),
        ("keywords.publish", "console:bob"),
        ("keywords.expire", "console:bob"),
    ):
        assert (action, actor) in actions
