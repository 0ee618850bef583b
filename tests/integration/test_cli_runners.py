"""``--runner`` and ``--ray-address`` refused as usage errors, through the real command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def vigil(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "vigil", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_unknown_runner_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("benign\n")
    commands: list[list[str | Path]] = [["hash", tmp_path], ["scan", tmp_path, "--report", tmp_path / "r"]]
    for command in commands:
        res = vigil(*command, "--runner", "dask")
        assert res.returncode == 2 and "unknown runner 'dask' (known: local, ray)" in res.stderr
        assert res.stdout == ""


def test_an_address_needs_a_distributed_runner(tmp_path: Path) -> None:
    res = vigil("hash", tmp_path, "--ray-address", "127.0.0.1:1")
    assert res.returncode == 2 and "--runner-address needs a distributed runner" in res.stderr
