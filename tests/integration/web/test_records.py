"""Media, series and victims for staff; each read journalled (user, route, ids) before it happens."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.web.conftest import Api
from vigil.auth.roles import Role

pytestmark = pytest.mark.slow


def _journal(api: Api) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    after = 0
    while True:
        page = api.get(Role.admin, "/api/v1/audit", params={"after": after, "limit": 1000}).json()
        entries.extend(page["entries"])
        if page["next_after"] is None:
            return entries
        after = page["next_after"]


def test_media_record_and_its_journal_entry(api: Api) -> None:
    row = api.rows[0]
    r = api.get(Role.investigator, f"/api/v1/media/{row['sha256']}")
    assert r.status_code == 200
    media = r.json()
    assert (media["md5"], media["sha1"]) == (row["md5"], row["sha1"])
    assert {s["signal_type"] for s in media["signals"]} == {"pdq"} and media["kind"] == "image"
    assert media["lists"] == (["demo", "internal"] if row["category"] == "1" else ["demo"])
    assert len(media["victims"]) == 1
    assert media["accepted"] == [f"vics-us:{row['category']}"]
    entry = next(e for e in reversed(_journal(api)) if e["action"] == "api.read.media.show")
    assert entry["actor"] == "api:t-investigator"
    assert entry["details"]["route"] == "/api/v1/media/{digest}"
    assert entry["details"]["ids"] == {"digest": row["sha256"]}
    assert api.get(Role.analyst, "/api/v1/media/" + "0" * 64).status_code == 404


def test_series_victims_and_identification(api: Api) -> None:
    series = api.get(Role.analyst, "/api/v1/series").json()
    assert [(s["name"], s["victims"], s["identified"]) for s in series] == [("Demo series", 1, 0)]
    detail = api.get(Role.analyst, f"/api/v1/series/{series[0]['id']}").json()
    victim = detail["victim_records"][0]
    assert victim["label"] == "V-0001" and victim["media"] == 1
    assert api.get(Role.investigator, f"/api/v1/victims/{victim['id']}").json() == victim
    body = {"on": "2026-03-04", "agency": "Demo hotline"}
    r = api.post(Role.investigator, f"/api/v1/victims/{victim['id']}/identify", json=body)
    assert r.status_code == 200 and r.json()["identified"] is True
    assert r.json()["identifying_agency"] == "Demo hotline"
    again = api.post(Role.investigator, f"/api/v1/victims/{victim['id']}/identify", json=body)
    assert again.status_code == 409
    figures = api.get(Role.analyst, "/api/v1/victims/figures").json()
    assert figures["identified"] == 1 and figures["years"][0]["year"] == 2026
    actions = [e["action"] for e in _journal(api)]
    assert "victims.identify" in actions and "api.change.victims.identify" in actions
    assert api.get(Role.analyst, "/api/v1/series/999").status_code == 404


def test_journal_pages_and_verifies(api: Api) -> None:
    page = api.get(Role.admin, "/api/v1/audit", params={"limit": 2}).json()
    assert len(page["entries"]) == 2 and page["next_after"] == page["entries"][-1]["seq"]
    verify = api.get(Role.admin, "/api/v1/audit/verify").json()
    assert verify["ok"] is True and verify["entries"] > 2
