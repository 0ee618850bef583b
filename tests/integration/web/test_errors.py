"""Problem details, size limits, rate limits, readiness, and no stack trace to a client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.web.conftest import Api, api_settings, seed
from vigil.auth.roles import Role
from vigil.config import Settings
from vigil.web.app import create_app

pytestmark = pytest.mark.slow


def _client(db_settings: Settings, **overrides: object) -> TestClient:
    return TestClient(create_app(api_settings(db_settings, **overrides)), raise_server_exceptions=False)


def test_body_limits(db_settings: Settings, sessions: sessionmaker[Session], demo_listing: Path) -> None:
    tokens = seed(sessions, db_settings.data_dir, demo_listing)
    auth = {"Authorization": f"Bearer {tokens[Role.member]}"}
    with _client(db_settings, api_max_body_bytes=2000, api_max_upload_bytes=5000) as client:
        big = {"signals": [{"signal_type": "md5", "signal": "0" * 32}] * 100}
        r = client.post("/api/v1/lookup/batch", json=big, headers=auth)
        assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"

        def chunks() -> Iterator[bytes]:
            yield b'{"signals": ['
            for _ in range(200):
                yield b'{"signal_type": "md5", "signal": "00000000000000000000000000000000"},'
            yield b"]}"

        streamed = client.post(
            "/api/v1/lookup/batch", content=chunks(), headers=auth | {"Content-Type": "application/json"}
        )
        assert streamed.status_code == 413
        upload = client.post("/api/v1/hash", files={"file": ("a.bin", b"x" * 6000)}, headers=auth)
        assert upload.status_code == 413
        small = client.post("/api/v1/hash", files={"file": ("a.bin", b"x" * 100)}, headers=auth)
        assert small.status_code == 200 and small.json()["size"] == 100


def test_rate_limit_per_token(
    db_settings: Settings, sessions: sessionmaker[Session], demo_listing: Path
) -> None:
    tokens = seed(sessions, db_settings.data_dir, demo_listing)
    with _client(db_settings, api_rate_per_second=0.01, api_rate_burst=3) as client:
        member = {"Authorization": f"Bearer {tokens[Role.member]}"}
        statuses = [client.get("/api/v1/me", headers=member).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = client.get("/api/v1/me", headers=member)
        assert limited.headers["content-type"] == "application/problem+json"
        assert int(limited.headers["retry-after"]) >= 1
        other = {"Authorization": f"Bearer {tokens[Role.isp]}"}
        assert client.get("/api/v1/me", headers=other).status_code == 200


def test_not_ready_until_the_index_is_loaded(
    db_settings: Settings, sessions: sessionmaker[Session], demo_listing: Path
) -> None:
    tokens = seed(sessions, db_settings.data_dir, demo_listing)
    client = _client(db_settings)  # no lifespan: the matcher never starts
    ready = client.get("/api/v1/health/ready")
    assert ready.status_code == 503 and ready.json()["index"] is False and ready.json()["database"] is True
    auth = {"Authorization": f"Bearer {tokens[Role.member]}"}
    r = client.get("/api/v1/lookup", params={"signal_type": "md5", "signal": "0" * 32}, headers=auth)
    assert r.status_code == 503 and r.headers["retry-after"] == "5"


def test_internal_errors_show_no_trace(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals /etc/passwd")

    monkeypatch.setattr(api.ctx.matcher, "lookup", broken)
    r = api.get(Role.member, "/api/v1/lookup", params={"signal_type": "md5", "signal": "0" * 32})
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert "secret" not in r.text and "Traceback" not in r.text and "reference" in r.json()["detail"]


def test_validation_errors_are_problems_without_echo(api: Api) -> None:
    r = api.get(Role.member, "/api/v1/lookup", params={"signal_type": "pdq", "signal": "s3cr3t" * 50})
    assert r.status_code == 422 and "s3cr3t" not in r.text
    assert r.json()["errors"][0]["loc"] == ["query", "signal"]
    assert api.client.get("/no/such/route").headers["content-type"] == "application/problem+json"
    assert api.client.put("/api/v1/health/live").status_code == 405
