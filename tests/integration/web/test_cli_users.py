"""``vigil users`` and ``vigil tokens``: a token printed once, listed by prefix only, revoked."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from vigil.auth.authenticate import Authenticator
from vigil.cli.main import app
from vigil.config import Settings
from vigil.db.session import make_engine, make_session_factory

pytestmark = pytest.mark.slow


def test_add_list_issue_revoke(db_env: Settings) -> None:
    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", "acme", "--role", "member"])
    assert added.exit_code == 0, added.output
    token = added.stdout.strip().splitlines()[-1]
    assert token.startswith("vigil_")
    auth = Authenticator(make_session_factory(make_engine(db_env)), 0)
    principal = auth.authenticate(token)
    assert principal is not None and principal.name == "acme"
    listed = runner.invoke(app, ["users", "list"])
    assert "acme" in listed.stdout and "member" in listed.stdout and token not in listed.stdout
    tokens = runner.invoke(app, ["tokens", "list", "acme"])
    assert token[:12] in tokens.stdout and token not in tokens.stdout
    revoked = runner.invoke(app, ["tokens", "revoke", str(principal.token_id)])
    assert revoked.exit_code == 0 and "revoked" in revoked.stdout
    assert auth.authenticate(token) is None
    assert runner.invoke(app, ["users", "add", "acme", "--role", "isp"]).exit_code == 1
    assert runner.invoke(app, ["users", "add", "x", "--role", "boss"]).exit_code != 0
    assert runner.invoke(app, ["tokens", "revoke", "999"]).exit_code == 1


def test_the_last_admin_is_never_disabled(db_env: Settings) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["users", "add", "root", "--role", "admin"]).exit_code == 0
    refused = runner.invoke(app, ["users", "disable", "root"])
    assert refused.exit_code == 1 and "last active admin" in refused.output
    assert runner.invoke(app, ["users", "add", "ops", "--role", "admin"]).exit_code == 0
    assert runner.invoke(app, ["users", "disable", "root"]).exit_code == 0
