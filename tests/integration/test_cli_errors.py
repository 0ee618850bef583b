"""``vigil`` as a subprocess: a domain error is one ``error:`` line and the exit code of its category, a
refused setting too; never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.db_fixtures import db_env, db_settings  # noqa: F401
from vigil.config import Settings


def _vigil(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vigil", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=os.environ | {"COLUMNS": "250"} | env,
    )


def test_domain_errors_exit_with_their_categorys_code(db_env: Settings) -> None:  # noqa: F811
    assert _vigil("users", "add", "acme", "--role", "isp").returncode == 0
    again = _vigil("users", "add", "acme", "--role", "isp")  # Conflict
    assert (again.returncode, again.stderr, again.stdout) == (1, "error: user 'acme' exists\n", "")
    missing = _vigil("tokens", "list", "nobody")  # NotFound
    assert missing.returncode == 1 and missing.stderr.startswith("error: ") and "nobody" in missing.stderr
    bad = _vigil("hotline", "report", "javascript:alert(1)")  # Invalid
    assert bad.returncode == 2 and bad.stderr.startswith("error: ") and bad.stderr.count("\n") == 1
    assert "Traceback" not in again.stderr + missing.stderr + bad.stderr


def test_a_refused_setting_is_a_one_line_error(db_env: Settings) -> None:  # noqa: F811
    res = _vigil("users", "list", VIGIL_MAX_IMAGE_PIXELS="-1")
    assert res.returncode == 2
    assert res.stderr.startswith("error: invalid settings: VIGIL_MAX_IMAGE_PIXELS: ")
    assert "Traceback" not in res.stderr
