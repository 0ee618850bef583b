"""``POST /api/v1/lookup/content`` with ``VIGIL_PDQ_REGIONS``: a cropped copy of a listed benign picture
is found through the list's ``pdq_regions`` index (the values imported as python-threatexchange lines)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy.orm import Session, sessionmaker

from tests.db_fixtures import db_env, db_settings, sessions  # noqa: F401
from tests.integration.web.conftest import Api, api_settings, seed
from vigil.auth.roles import Role
from vigil.config import Settings
from vigil.formats.pytx import PYTX
from vigil.hashlists.service import HashDatabase
from vigil.signals.content import HashOptions, hash_bytes
from vigil.web.app import create_app

pytestmark = pytest.mark.slow


@pytest.fixture
def regions_api(
    db_settings: Settings,  # noqa: F811
    sessions: sessionmaker[Session],  # noqa: F811
    demo_listing: Path,
) -> Iterator[Api]:
    tokens = seed(sessions, db_settings.data_dir, demo_listing)
    settings = api_settings(db_settings, pdq_regions=True)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        ctx = app.state.vigil
        assert ctx.matcher.wait_ready(30)
        yield Api(client, ctx, settings, tokens, [])


def _jpeg(image: Image.Image, quality: int = 85) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


def test_cropped_copy_found_by_regions(regions_api: Api, demo_listing: Path) -> None:
    api = regions_api
    images = sorted((demo_listing.parent / "images").glob("*.jpg"))
    listed = images[2]
    value = hash_bytes(listed.name, listed.read_bytes(), HashOptions(regions=True)).signals.values[
        "pdq_regions"
    ]
    lines = api.settings.data_dir / "regions.txt"
    lines.write_text(f"pdq_regions {value}\n", encoding="utf-8")
    HashDatabase(api.ctx.sessions, "test").import_file(lines, PYTX, "Demo hotline", list_name="demo")
    assert api.post(Role.analyst, "/api/v1/lists/demo/publish").status_code == 200
    api.ctx.matcher.refresh()

    with Image.open(listed) as picture:
        w, h = picture.size
        cropped = _jpeg(picture.crop((w // 10, h // 10, w - w // 10, h - h // 10)))
    files = {"file": ("x.jpg", cropped, "image/jpeg")}
    body = api.post(Role.member, "/api/v1/lookup/content", files=files).json()
    assert body["signals"]["pdq_regions"]
    # by value, the stored value finds its own entry (the one the import made)
    params = {"signal_type": "pdq_regions", "signal": value}
    exact = api.get(Role.member, "/api/v1/lookup", params=params).json()["matches"]
    assert [m["distance"] for m in exact] == [0]
    # the crop matches that entry, and nothing else: PDQ alone misses it
    assert [(m["list"], m["entry_id"]) for m in body["matches"]] == [("demo", exact[0]["entry_id"])]
    assert 0 < body["matches"][0]["distance"] <= 24
