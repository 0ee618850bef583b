"""TOTP secrets at rest: sealed with the evidence key when enrolled, sealed at the next sign-in when
stored before sealing existed, sealed by migration 0010 when the key is at hand; a changed key is a
clear refusal (503), not a crash."""

from __future__ import annotations

import base64
import secrets as random
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.console.helpers import PASSWORD, field, make_staff, sign_in
from vigil.auth import totp
from vigil.auth.console_models import ConsoleCredential
from vigil.auth.models import User
from vigil.auth.secret_seal import SecretSeal, is_sealed
from vigil.config import Settings
from vigil.db import migrate
from vigil.hotline.evidence import load_key
from vigil.web.app import create_app


def _stored(sessions: sessionmaker[Session], name: str) -> tuple[int, str | None]:
    with sessions() as session:
        user_id = session.execute(select(User.id).where(User.name == name)).scalar_one()
        # The column alone: the test also reads a database migrated down, where later columns are absent.
        secret = session.execute(
            select(ConsoleCredential.totp_secret).where(ConsoleCredential.user_id == user_id)
        ).one()
        return user_id, secret[0]


def _set_stored(sessions: sessionmaker[Session], user_id: int, value: str) -> None:
    with sessions() as session:
        session.execute(
            update(ConsoleCredential)
            .where(ConsoleCredential.user_id == user_id)
            .values(totp_secret=value, totp_last_step=None)
        )
        session.commit()


def _second_step(client: TestClient, name: str) -> str:
    page = client.get("/console/sign-in")
    step = client.post(
        "/console/sign-in", data={"name": name, "password": PASSWORD, "csrf": field(page.text, "csrf")}
    )
    assert step.status_code == 200
    return str(step.text)


def test_secrets_are_sealed_and_legacy_ones_sealed_at_sign_in(
    db_settings: Settings, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "ana", "analyst")
    kept: dict[str, str] = {}
    with TestClient(create_app(db_settings), base_url="http://127.0.0.1") as client:
        assert sign_in(client, "ana", kept).status_code == 200
        user_id, stored = _stored(sessions, "ana")
        assert stored is not None and is_sealed(stored) and kept["ana"] not in stored
        seal = SecretSeal(load_key(db_settings))
        assert seal.open(stored, f"user:{user_id}") == kept["ana"]

        # A secret stored in clear (before sealing) still signs in, and is sealed by it (the step
        # memory is reset too, so that the helper's code may be used again).
        _set_stored(sessions, user_id, kept["ana"])
        client.cookies.clear()
        text = _second_step(client, "ana")
        code = totp.code_at(kept["ana"], datetime.now(UTC) + timedelta(seconds=30))
        done = client.post("/console/second-factor", data={"code": code, "csrf": field(text, "csrf")})
        assert done.status_code == 200 and "Cases awaiting assessment" in done.text
        _, stored = _stored(sessions, "ana")
        assert (
            stored is not None and is_sealed(stored) and seal.open(stored, f"user:{user_id}") == kept["ana"]
        )

    # Another key (the evidence key replaced without care): a clear refusal, nothing changed.
    other = base64.b64encode(random.token_bytes(32)).decode()
    changed = db_settings.model_copy(update={"hotline_evidence_key": SecretStr(other)})
    with TestClient(
        create_app(changed), base_url="http://127.0.0.1", raise_server_exceptions=False
    ) as client:
        text = _second_step(client, "ana")
        refused = client.post("/console/second-factor", data={"code": "123456", "csrf": field(text, "csrf")})
        assert refused.status_code == 503 and "evidence key" in refused.text
    assert _stored(sessions, "ana")[1] == stored


@pytest.mark.slow
def test_migration_seals_stored_secrets(db_settings: Settings, sessions: sessionmaker[Session]) -> None:
    make_staff(sessions, "ana", "analyst")
    make_staff(sessions, "bob", "analyst")
    migrate.downgrade(db_settings, "0009")
    ana, _ = _stored(sessions, "ana")
    _set_stored(sessions, ana, "JBSWY3DPEHPK3PXP")
    seal = SecretSeal(load_key(db_settings))  # the key file exists: the migration uses it
    migrate.upgrade(db_settings)
    _, stored = _stored(sessions, "ana")
    assert stored is not None and is_sealed(stored) and seal.open(stored, f"user:{ana}") == "JBSWY3DPEHPK3PXP"
    assert _stored(sessions, "bob")[1] is None  # nothing enrolled: nothing to seal
