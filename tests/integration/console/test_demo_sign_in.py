"""``make run``'s console sign-in, end to end: ``vigil demo-seed`` on a fresh SQLite prints the console URL,
the demo analyst's password and TOTP secret (once), and a real ``vigil serve`` signs them in with these
and a code computed from the secret, without any enrolment step."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from tests.integration.console.helpers import field
from tests.served_vigil import vigil_serve
from vigil.auth import totp

pytestmark = pytest.mark.slow

START_TIMEOUT = 120.0


def _vigil(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "vigil", *args],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done


def _printed(text: str, label: str) -> str:
    found = re.search(rf"^\s+{label}:\s+(\S+)$", text, re.MULTILINE)
    assert found, f"no {label} in:\n{text}"
    return found.group(1)


def test_demo_seed_prints_a_console_sign_in_that_works(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env["VIGIL_DATA_DIR"] = str(tmp_path / "data")
    _vigil(env, "db", "upgrade")
    out = _vigil(env, "demo-seed").stdout
    assert _printed(out, "console") == "http://127.0.0.1:8000/console"
    assert _printed(out, "user") == "demo-analyst"
    password = _printed(out, "password")
    secret = _printed(out, "TOTP secret")
    uri = _printed(out, "otpauth URI")
    assert uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    # Shown once: a second run makes nobody and prints no password.
    again = _vigil(env, "demo-seed").stdout
    assert "password:" not in again and secret not in again

    with (
        vigil_serve(env, tmp_path / "serve.log") as base,
        httpx.Client(base_url=base, follow_redirects=True, timeout=30) as client,
    ):
        form = client.get("/console/sign-in")
        step = client.post(
            "/console/sign-in",
            data={"name": "demo-analyst", "password": password, "csrf": field(form.text, "csrf")},
        )
        assert step.status_code == 200 and "Second factor" in step.text
        assert 'id="totp-secret"' not in step.text  # enrolled by the seed: no enrolment shown
        code = totp.code_at(secret, datetime.now(UTC))
        done = client.post(
            "/console/second-factor",
            data={"code": code, "csrf": field(step.text, "csrf"), "next": "/console/queue"},
        )
        assert done.status_code == 200 and "Cases awaiting assessment" in done.text
        assert "demo-analyst (analyst)" in done.text
