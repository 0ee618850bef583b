"""Signing staff in to the console the way a browser does (form, cookie, TOTP code)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.orm import Session, sessionmaker

from vigil.auth import totp
from vigil.auth.console import ConsoleAuth
from vigil.auth.service import UserService

PASSWORD = "correct horse battery"


def make_staff(sessions: sessionmaker[Session], name: str, role: str) -> None:
    UserService(sessions, "test").add_user(name, role)
    ConsoleAuth(sessions).set_password(name, PASSWORD, "test")


def field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no field {name}"
    return found.group(1)


def sign_in(client: httpx.Client, name: str, secrets: dict[str, str]) -> httpx.Response:
    """Sign in (enrolling the authenticator the first time; its key is kept in ``secrets``)."""
    page = client.get("/console/sign-in")
    form = {"name": name, "password": PASSWORD, "csrf": field(page.text, "csrf"), "next": "/console/queue"}
    step = client.post("/console/sign-in", data=form)
    assert step.status_code == 200 and "Second factor" in step.text, step.text[:300]
    found = re.search(r'id="totp-secret">([A-Z2-7]+)<', step.text)
    if found:
        secrets[name] = found.group(1)
    # A code of the next step: the previous sign-in may have used this one (each code works once).
    when = datetime.now(UTC) + timedelta(seconds=30 * len([k for k in secrets if k.startswith(name)]))
    code = totp.code_at(secrets[name], when)
    secrets[f"{name}#{code}"] = code
    return client.post(
        "/console/second-factor",
        data={"code": code, "csrf": field(step.text, "csrf"), "next": "/console/queue"},
    )
