"""Lookups: single, batch, by content; lists, thresholds, audiences; the index swapped on publish."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from tests.integration.web.conftest import INTERNAL, Api
from vigil.auth.roles import Role
from vigil.formats.csv import CSV
from vigil.hashlists.service import HashDatabase

pytestmark = pytest.mark.slow


def _flip_bits(hex_hash: str, bits: int) -> str:
    value = int(hex_hash, 16) ^ ((1 << bits) - 1)
    return f"{value:064x}"


def test_md5_lookup_names_list_entry_and_category(api: Api) -> None:
    row = api.rows[2]
    r = api.get(Role.member, "/api/v1/lookup", params={"signal_type": "md5", "signal": row["md5"].upper()})
    assert r.status_code == 200
    body = r.json()
    assert body["signal"] == row["md5"]
    assert [(m["list"], m["distance"], m["category"], m["scheme"]) for m in body["matches"]] == [
        ("demo", 0, row["category"], "vics-us")
    ]
    assert isinstance(body["matches"][0]["entry_id"], int)


def test_pdq_lookup_within_threshold_only(api: Api) -> None:
    pdq = api.rows[0]["pdq"]
    near = _flip_bits(pdq, 10)
    r = api.get(Role.member, "/api/v1/lookup", params={"signal_type": "pdq", "signal": near})
    assert [m["distance"] for m in r.json()["matches"]] == [10]
    r = api.get(Role.member, "/api/v1/lookup", params={"signal_type": "pdq", "signal": near, "threshold": 9})
    assert r.json()["matches"] == []


def test_staff_see_internal_lists_members_do_not(api: Api) -> None:
    row = next(r for r in api.rows if r["category"] == "1")
    params = {"signal_type": "sha256", "signal": row["sha256"]}
    staff = {m["list"] for m in api.get(Role.analyst, "/api/v1/lookup", params=params).json()["matches"]}
    member = {m["list"] for m in api.get(Role.member, "/api/v1/lookup", params=params).json()["matches"]}
    assert staff == {"demo", INTERNAL}
    assert member == {"demo"}
    hidden = api.get(Role.member, "/api/v1/lookup", params=params | {"lists": INTERNAL})
    unknown = api.get(Role.member, "/api/v1/lookup", params=params | {"lists": "no-such-list"})
    assert hidden.status_code == unknown.status_code == 404
    only = api.get(Role.analyst, "/api/v1/lookup", params=params | {"lists": INTERNAL}).json()["matches"]
    assert {m["list"] for m in only} == {INTERNAL}


def test_bad_signals_are_400_problems(api: Api) -> None:
    for params in ({"signal_type": "pdq", "signal": "xyz"}, {"signal_type": "md5", "signal": "00"}):
        r = api.get(Role.member, "/api/v1/lookup", params=params)
        assert r.status_code == 400
        assert r.headers["content-type"] == "application/problem+json"
    r = api.get(Role.member, "/api/v1/lookup", params={"signal_type": "photodna", "signal": "00"})
    assert r.status_code == 422


def test_batch_keeps_order_and_caps_size(api: Api) -> None:
    signals = [{"signal_type": "md5", "signal": r["md5"]} for r in api.rows[:3]]
    signals.insert(1, {"signal_type": "pdq", "signal": api.rows[5]["pdq"]})
    signals.append({"signal_type": "sha1", "signal": "0" * 40})
    r = api.post(Role.member, "/api/v1/lookup/batch", json={"signals": signals})
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x["signal"] for x in results] == [s["signal"] for s in signals]
    assert [len(x["matches"]) for x in results] == [1, 1, 1, 1, 0]
    too_many = {"signals": [{"signal_type": "md5", "signal": "0" * 32}] * 1001}
    assert api.post(Role.member, "/api/v1/lookup/batch", json=too_many).status_code == 422


def test_content_lookup_finds_a_mirrored_copy(api: Api, demo_listing: Path) -> None:
    original = Image.open(sorted((demo_listing.parent / "images").glob("*.jpg"))[3])
    mirrored = io.BytesIO()
    original.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(mirrored, format="PNG")
    files = {"file": ("x.png", mirrored.getvalue(), "image/png")}
    r = api.post(Role.member, "/api/v1/lookup/content", files=files)
    assert r.status_code == 200
    body = r.json()
    assert body["signals"]["pdq"] and body["signals"]["md5"] != api.rows[3]["md5"]
    best = body["matches"][0]
    assert best["list"] == "demo" and best["distance"] <= 31
    same = api.get(Role.member, "/api/v1/lookup", params={"signal_type": "md5", "signal": api.rows[3]["md5"]})
    assert best["entry_id"] == same.json()["matches"][0]["entry_id"]


def test_exact_upload_matches_by_digest(api: Api, demo_listing: Path) -> None:
    data = sorted((demo_listing.parent / "images").glob("*.jpg"))[1].read_bytes()
    r = api.post(Role.analyst, "/api/v1/lookup/content", files={"file": ("a.jpg", data, "image/jpeg")})
    assert r.status_code == 200
    assert r.json()["matches"][0]["distance"] == 0
    assert r.json()["signals"]["sha256"] == api.rows[1]["sha256"]


def test_new_version_is_matchable_without_restart(api: Api) -> None:
    before = api.ctx.matcher.lists()["demo"]
    params = {"signal_type": "md5", "signal": api.rows[0]["md5"]}
    assert api.get(Role.member, "/api/v1/lookup", params=params).json()["matches"]
    db = HashDatabase(api.ctx.sessions, "test")
    extra = api.settings.data_dir / "extra.csv"
    extra.write_text("md5,category,scheme\n" + "ab" * 16 + ",2,vics-us\n", encoding="utf-8")
    db.import_file(extra, CSV, "Demo hotline", list_name="demo")
    r = api.post(Role.analyst, "/api/v1/lists/demo/publish")
    assert r.status_code == 200 and r.json()["version"] == 2
    api.ctx.matcher.refresh()
    after = api.ctx.matcher.lists()["demo"]
    assert after.version.version == 2 and after is not before
    found = api.get(Role.member, "/api/v1/lookup", params={"signal_type": "md5", "signal": "ab" * 16}).json()
    assert [(m["list"], m["version"], m["category"]) for m in found["matches"]] == [("demo", 2, "2")]
