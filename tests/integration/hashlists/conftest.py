"""Database fixtures for this folder (each test runs on SQLite and on PostgreSQL), and the hash database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.db_fixtures import db_env, db_settings, sessions  # noqa: F401
from vigil.hashlists.service import HashDatabase


@pytest.fixture
def hashdb(sessions: sessionmaker[Session]) -> HashDatabase:  # noqa: F811 - the fixture imported above
    return HashDatabase(sessions, "test:analyst")


@pytest.fixture(scope="session")
def vics_conformance(shared_dir: Path) -> Path:
    return shared_dir / "conformance" / "vics"
