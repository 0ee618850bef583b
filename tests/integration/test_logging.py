"""Logging of the long-running processes, end to end: ``vigil serve`` and ``vigil hotline worker`` as
subprocesses with ``VIGIL_LOG_FORMAT=json`` write nothing but parseable JSON lines to stderr."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.db_fixtures import db_settings  # noqa: F401
from vigil.config import Settings

pytestmark = pytest.mark.slow

#: Seconds a process may take to start: a loaded 2-core machine imports the web stack slowly.
START_TIMEOUT = 120.0

Lines = list[dict[str, Any]]


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    return {**env, "VIGIL_DATA_DIR": str(settings.data_dir), **extra}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _json_lines(text: str) -> Lines:
    """Every line of ``text`` as JSON (failing on the first that is not), blank lines aside."""
    out = []
    for line in text.splitlines():
        if line.strip():
            try:
                out.append(json.loads(line))
            except ValueError:
                pytest.fail(f"not a JSON line: {line!r}\n--- the whole stream:\n{text}")
    return out


@contextmanager
def _running(args: list[str], env: dict[str, str], stderr: Path) -> Iterator[subprocess.Popen[bytes]]:
    with stderr.open("wb") as err:
        proc = subprocess.Popen(
            [sys.executable, "-m", "vigil", *args], env=env, stdout=subprocess.DEVNULL, stderr=err
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def _wait_for(what: str, ready: Callable[[], bool], proc: subprocess.Popen[bytes], stderr: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while not ready():
        if proc.poll() is not None:
            pytest.fail(f"the process ended ({proc.returncode}) before {what}:\n{stderr.read_text()}")
        assert time.monotonic() < deadline, f"no {what} within {START_TIMEOUT} s:\n{stderr.read_text()}"
        time.sleep(0.2)


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_serve_logs_json_lines(db_settings: Settings, tmp_path: Path) -> None:  # noqa: F811
    port = _free_port()
    stderr = tmp_path / "serve.err"
    env = _env(db_settings, VIGIL_LOG_FORMAT="json", VIGIL_LOG_LEVEL="info")
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            return httpx.get(f"{base}/api/v1/health/live", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    with _running(["serve", "--port", str(port)], env, stderr) as proc:
        _wait_for("answer on /api/v1/health/live", answers, proc, stderr)
        assert httpx.get(f"{base}/api/v1/lists", timeout=5).status_code == 401
    lines = _json_lines(stderr.read_text())
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys(), line
    loggers = {line["logger"] for line in lines}
    assert "vigil.cli.serve" in loggers and "uvicorn.error" in loggers, loggers
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    assert {"method": "GET", "path": "/api/v1/lists", "status": 401}.items() <= next(
        line for line in access if line.get("path") == "/api/v1/lists"
    ).items()


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_serve_log_level_hides_info(db_settings: Settings, tmp_path: Path) -> None:  # noqa: F811
    """At WARNING neither the start-up nor the access log is written; the server still answers."""
    port = _free_port()
    stderr = tmp_path / "serve.err"
    env = _env(db_settings, VIGIL_LOG_FORMAT="json", VIGIL_LOG_LEVEL="warning")

    def answers() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/api/v1/health/live", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    with _running(["serve", "--port", str(port)], env, stderr) as proc:
        _wait_for("answer on /api/v1/health/live", answers, proc, stderr)
    lines = _json_lines(stderr.read_text())
    assert [line for line in lines if line["level"] in ("DEBUG", "INFO")] == []


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_hotline_worker_logs_json_lines(db_settings: Settings, tmp_path: Path) -> None:  # noqa: F811
    stderr = tmp_path / "worker.err"
    env = _env(db_settings, VIGIL_LOG_FORMAT="JSON", VIGIL_LOG_LEVEL="debug")

    def started() -> bool:
        return any("huey" in line for line in stderr.read_text().splitlines())

    with _running(["hotline", "worker", "--workers", "1"], env, stderr) as proc:
        _wait_for("log line from the queue consumer", started, proc, stderr)
    lines = _json_lines(stderr.read_text())
    assert any(line["logger"].startswith("huey") and line["level"] == "INFO" for line in lines), lines
