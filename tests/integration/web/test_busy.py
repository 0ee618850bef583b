"""A journal lock held past the bounded wait: the API answers 503 with Retry-After, never 500, and
journals nothing for the call it refused."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.web.conftest import api_settings
from vigil.audit import journal
from vigil.audit.models import AuditEntry
from vigil.auth.service import UserService
from vigil.config import Settings
from vigil.db import session as db_session
from vigil.web.app import create_app


def _entries(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        return session.execute(select(func.count()).select_from(AuditEntry)).scalar_one()


def test_busy_journal_is_503_not_500(
    db_settings: Settings, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    token = UserService(sessions, "test").add_user("op", "admin").secret
    auth = {"Authorization": f"Bearer {token}"}
    # The API's engine waits 0.2 s for a lock instead of 30.
    monkeypatch.setattr(db_session, "LOCK_TIMEOUT_MS", 200)
    with TestClient(create_app(api_settings(db_settings)), raise_server_exceptions=False) as client:
        before = _entries(sessions)
        with sessions() as holder, holder.begin():
            # Another process in the middle of a long transaction that journals.
            journal.append(holder, "test:holder", "thing.change", "thing/1")
            busy = client.get("/api/v1/audit", headers=auth)
            assert busy.status_code == 503, busy.text
            assert busy.headers["content-type"] == "application/problem+json"
            assert int(busy.headers["retry-after"]) >= 1
            assert busy.json()["status"] == 503 and "busy" in busy.json()["detail"]
            holder.rollback()
        assert _entries(sessions) == before
        assert client.get("/api/v1/audit", headers=auth).status_code == 200
        assert _entries(sessions) == before + 1
