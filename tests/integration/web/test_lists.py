"""Hash lists over the API: who sees which, versions, paged and resumable deltas, every export format."""

from __future__ import annotations

import pytest

from tests.integration.web.conftest import INTERNAL, Api
from vigil.auth.roles import Role
from vigil.formats.csv import CSV
from vigil.hashlists.service import HashDatabase
from vigil.plugins import build_registry

pytestmark = pytest.mark.slow


def test_isp_sees_only_lists_meant_for_it(api: Api) -> None:
    staff = api.get(Role.analyst, "/api/v1/lists").json()
    isp = api.get(Role.isp, "/api/v1/lists").json()
    assert {x["name"] for x in staff} >= {"demo", INTERNAL}
    assert [x["name"] for x in isp] == ["demo"]
    assert isp[0]["rules"] is None and isp[0]["recipients"] is None
    assert isp[0]["latest_entries"] == len(api.rows)
    assert api.get(Role.isp, f"/api/v1/lists/{INTERNAL}/versions").status_code == 404
    assert api.get(Role.peer, f"/api/v1/lists/{INTERNAL}/export", params={"format": "csv"}).status_code == 404


def test_versions(api: Api) -> None:
    versions = api.get(Role.isp, "/api/v1/lists/demo/versions").json()
    assert [(v["version"], v["entries"], v["added"]) for v in versions] == [(1, len(api.rows), len(api.rows))]
    assert len(versions[0]["digest"]) == 64
    assert api.get(Role.isp, "/api/v1/lists/nope/versions").status_code == 404


def test_delta_pages_resume_and_agree_with_the_service(api: Api) -> None:
    db = HashDatabase(api.ctx.sessions, "test")
    extra = api.settings.data_dir / "extra.csv"
    extra.write_text("md5,category,scheme\n" + "cd" * 16 + ",3,vics-us\n", encoding="utf-8")
    db.import_file(extra, CSV, "Demo hotline", list_name="demo")
    db.publish("demo")
    for since in (0, 1):
        items, cursor, pages = [], 0, 0
        while True:
            params: dict[str, int] = {"since": since, "until": 2, "cursor": cursor, "limit": 3}
            page = api.get(Role.isp, "/api/v1/lists/demo/delta", params=params).json()
            assert page["until"] == 2
            items.extend(page["items"])
            pages += 1
            if page["next_cursor"] is None:
                break
            cursor = page["next_cursor"]
        expected = db.delta("demo", since, 2)
        assert [(i["key"], i["record"]["md5"] if i["record"] else None) for i in items] == [
            (key, record.md5 if record else None) for key, record in expected
        ]
        assert pages == max(1, -(-len(expected) // 3))
    bad = api.get(Role.isp, "/api/v1/lists/demo/delta", params={"since": 5})
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"


def test_export_in_every_registered_format(api: Api) -> None:
    formats = build_registry().formats
    assert len(formats) >= 4
    for name in formats:
        r = api.get(Role.isp, "/api/v1/lists/demo/export", params={"format": name})
        assert r.status_code == 200, (name, r.text[:200])
        assert r.headers["x-vigil-list-version"] == "1"
        assert int(r.headers["x-vigil-entries"]) == len(api.rows), name
        assert "attachment" in r.headers["content-disposition"]
        assert r.content
    csv_text = api.get(Role.peer, "/api/v1/lists/demo/export", params={"format": "csv"}).text
    assert all(row["md5"] in csv_text for row in api.rows)
    assert api.get(Role.isp, "/api/v1/lists/demo/export", params={"format": "nope"}).status_code == 400
    assert (
        api.get(Role.isp, "/api/v1/lists/demo/export", params={"format": "csv", "version": 9}).status_code
        == 404
    )


def test_publish_unchanged_makes_no_version(api: Api) -> None:
    r = api.post(Role.analyst, "/api/v1/lists/demo/publish")
    assert r.status_code == 200
    assert r.json()["new_version"] is False and r.json()["version"] == 1
    assert api.post(Role.analyst, "/api/v1/lists/nope/publish").status_code == 404
