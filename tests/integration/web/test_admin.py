"""Users and tokens over the API: shown once, stored hashed, revoked at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.integration.web.conftest import Api
from vigil.auth.models import ApiToken
from vigil.auth.roles import Role
from vigil.auth.tokens import token_digest

pytestmark = pytest.mark.slow


def test_add_user_token_works_once_stored_hashed_then_revoked(api: Api) -> None:
    r = api.post(Role.admin, "/api/v1/users", json={"name": "acme-platform", "role": "member"})
    assert r.status_code == 201
    issued = r.json()
    secret = issued["secret"]
    assert secret.startswith("vigil_") and issued["token"]["prefix"] == secret[:12]
    with api.ctx.sessions() as session:
        stored = session.execute(select(ApiToken).where(ApiToken.id == issued["token"]["id"])).scalar_one()
    assert stored.token_hash == token_digest(secret) and secret not in stored.token_hash
    me = api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).json()
    assert me == {
        "user_id": issued["user"]["id"],
        "name": "acme-platform",
        "role": "member",
        "token_id": stored.id,
    }
    assert issued["token"]["last_used_at"] is None
    listed = api.get(Role.admin, f"/api/v1/users/{issued['user']['id']}/tokens").json()
    assert "secret" not in listed[0] and listed[0]["prefix"] == secret[:12]
    assert listed[0]["last_used_at"] is not None  # the /me call above
    revoked = api.client.delete(f"/api/v1/tokens/{stored.id}", headers=api.headers(Role.admin))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    duplicate = api.post(Role.admin, "/api/v1/users", json={"name": "acme-platform", "role": "isp"})
    assert duplicate.status_code == 409


def test_disabled_user_is_locked_out(api: Api) -> None:
    user = api.get(Role.admin, "/api/v1/users").json()
    member = next(u for u in user if u["name"] == "t-member")
    r = api.client.patch(
        f"/api/v1/users/{member['id']}", json={"active": False}, headers=api.headers(Role.admin)
    )
    assert r.status_code == 200 and r.json()["active"] is False
    assert api.get(Role.member, "/api/v1/me").status_code == 401
    issued = api.post(Role.admin, f"/api/v1/users/{member['id']}/tokens").json()
    assert (
        api.client.get("/api/v1/me", headers={"Authorization": f"Bearer {issued['secret']}"}).status_code
        == 401
    )
    me = api.get(Role.admin, "/api/v1/me").json()
    myself = api.client.patch(
        f"/api/v1/users/{me['user_id']}", json={"active": False}, headers=api.headers(Role.admin)
    )
    assert myself.status_code == 409


def test_roles_and_bad_tokens(api: Api) -> None:
    assert {r["name"] for r in api.get(Role.admin, "/api/v1/roles").json()} == {r.value for r in Role}
    for header in ("Bearer vigil_nope", "Bearer " + "x" * 500, "Basic abc", "Bearer"):
        r = api.client.get("/api/v1/me", headers={"Authorization": header})
        assert r.status_code == 401, header
