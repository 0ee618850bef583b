"""Database fixtures for this folder (each test runs on SQLite and on PostgreSQL), services on a clock
that moves only when told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.db_fixtures import db_env, db_settings, sessions  # noqa: F401
from vigil.blocklists.keyword_service import KeywordService
from vigil.blocklists.service import BlocklistService

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def urls(sessions: sessionmaker[Session], clock: Clock) -> BlocklistService:  # noqa: F811
    return BlocklistService(sessions, "test:cli", clock)


@pytest.fixture
def keywords(sessions: sessionmaker[Session], clock: Clock) -> KeywordService:  # noqa: F811
    return KeywordService(sessions, "test:cli", clock)
