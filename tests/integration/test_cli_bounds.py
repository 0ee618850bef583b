"""Every integer option of every command is bounded (issue 20, part 3, at the CLI edge): a number beyond
what the database stores is a usage error (exit 2) with a clear message, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import typer

from vigil.cli.main import app
from vigil.db.bounds import DB_BIGINT_MAX


def _int_params(command: Any, name: str) -> Iterator[tuple[str, Any]]:
    if hasattr(command, "list_commands"):
        for sub in command.list_commands(None):
            yield from _int_params(command.get_command(None, sub), f"{name} {sub}")
        return
    for param in command.params:
        if param.type_descriptor.annotation is int:
            yield f"{name} {param.name}", param


def test_every_integer_option_is_bounded() -> None:
    params = list(_int_params(typer.main.get_command(app), "vigil"))
    assert len(params) >= 15  # the walk reaches the lazily loaded groups
    unbounded = [name for name, p in params if p.min is None or p.max is None or p.max > DB_BIGINT_MAX]
    assert not unbounded, unbounded


@pytest.mark.parametrize(
    "args",
    [
        ["lists", "export", "demo", "--format", "csv", "--version", str(2**64)],
        ["lists", "export", "demo", "--format", "csv", "--version", "-1"],
        ["tokens", "revoke", str(10**30)],
        ["blocklist", "export", "--format", "rpz", "--since", str(2**64)],
        ["blocklist", "export", "--format", "rpz", "--serial", str(10**30)],
        ["keywords", "export", "--since", "-1"],
        ["hash", "--jobs", str(10**30), "."],
    ],
    ids=lambda a: " ".join(a[:2]) + " " + a[-2 if a[-1] == "." else -1][:12],
)
def test_out_of_range_option_is_a_usage_error(args: list[str]) -> None:
    env = os.environ | {"COLUMNS": "250"}  # the error box must not wrap the message
    res = subprocess.run(
        [sys.executable, "-m", "vigil", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    assert "Invalid value for" in res.stderr, res.stderr
    assert (
        "should be less than or equal to" in res.stderr or "should be greater than or equal to" in res.stderr
    )
