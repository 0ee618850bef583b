"""``vigil serve`` as a real process on a free loopback port, for end-to-end tests of the deployed API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.integration.hotline.servers import free_port


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """End a process started in its own session, and the uvicorn workers it started (its group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@contextmanager
def vigil_serve(
    env: dict[str, str],
    log: Path,
    *args: str,
    health: str = "/api/v1/health/live",
    timeout: float = 120.0,
) -> Iterator[str]:
    """Start ``vigil serve [ARGS]`` with ``env``, its output in ``log``; yield its base URL once
    ``health`` answers 200; stop it (and its workers) afterwards."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "vigil", "serve", "--port", str(port), "--no-access-log", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + timeout
            while True:
                assert process.poll() is None, f"vigil serve ended:\n{log.read_text(errors='replace')}"
                try:
                    if httpx.get(f"{base}{health}", timeout=5).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, f"vigil serve did not start:\n{log.read_text()}"
                time.sleep(0.2)
            yield base
        finally:
            stop_group(process)
