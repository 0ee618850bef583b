"""An API over a database seeded with the benign demo list, one user per role, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy.orm import Session, sessionmaker

from tests.db_fixtures import db_env, db_settings, sessions  # noqa: F401
from vigil.auth.roles import Role
from vigil.auth.service import UserService
from vigil.config import Settings
from vigil.demo import seed as demo
from vigil.hashlists.selection import SelectionRules
from vigil.hashlists.service import HashDatabase
from vigil.web.app import create_app
from vigil.web.context import AppContext

#: A second list meant for nobody outside: members, ISPs and peers must never see it.
INTERNAL = "internal"


@pytest.fixture(scope="session")
def demo_listing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo list's hash file, made once (generating and hashing the images is the slow part)."""
    folder = tmp_path_factory.mktemp("demo-listing")
    return demo.hash_listing(demo.write_images(folder / "images", 8), folder / "demo-list.csv")


@dataclass
class Api:
    client: TestClient
    ctx: AppContext
    settings: Settings
    tokens: dict[Role, str]
    rows: list[dict[str, str]]

    def headers(self, role: Role | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}

    def get(self, role: Role | None, path: str, **kwargs: Any) -> Response:
        response: Response = self.client.get(path, headers=self.headers(role), **kwargs)
        return response

    def post(self, role: Role | None, path: str, **kwargs: Any) -> Response:
        response: Response = self.client.post(path, headers=self.headers(role), **kwargs)
        return response


def api_settings(db_settings: Settings, **overrides: Any) -> Settings:  # noqa: F811
    values: dict[str, Any] = {
        "data_dir": db_settings.data_dir,
        "database_url": db_settings.database_url,
        "api_rate_per_second": 0,
        "index_poll_seconds": 0,
        "api_token_cache_seconds": 0,
        "index_build_subprocess": False,  # a spawned process per test costs seconds; test_matcher covers it
        "federation_instance": "test-instance",  # the feed answers 503 without one
    }
    return Settings(**(values | overrides))


def seed(sessions: sessionmaker[Session], data_dir: Path, listing: Path) -> dict[Role, str]:  # noqa: F811
    demo.seed(sessions, data_dir, users=False, listing=listing)
    db = HashDatabase(sessions, "test")
    db.create_list(INTERNAL, demo.CONTRIBUTOR, SelectionRules(categories=("vics-us:1",)), (), "staff only")
    db.publish(INTERNAL)
    users = UserService(sessions, "test")
    return {role: users.add_user(f"t-{role.value}", role.value).secret for role in Role}


@pytest.fixture
def api(
    db_settings: Settings,  # noqa: F811
    sessions: sessionmaker[Session],  # noqa: F811
    demo_listing: Path,
) -> Iterator[Api]:
    tokens = seed(sessions, db_settings.data_dir, demo_listing)
    with demo_listing.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    settings = api_settings(db_settings)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        ctx = app.state.vigil
        assert ctx.matcher.wait_ready(30)
        yield Api(client, ctx, settings, tokens, rows)
