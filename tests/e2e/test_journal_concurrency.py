"""Writers in other processes never make the API fail: 4 processes append to the audit journal while
`vigil serve --workers 2` answers 1,000 journalled requests, on SQLite and on PostgreSQL. No response
is >= 500, `vigil audit verify` finds the chain intact, and the journal holds exactly the committed
appends and one entry per answered request."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import REPO
from tests.db_fixtures import db_env, db_settings, sessions  # noqa: F401
from tests.served_vigil import vigil_serve
from vigil.audit.models import AuditEntry
from vigil.auth.service import UserService
from vigil.config import Settings

APPENDERS = 4
REQUESTS = 1000
CLIENT_THREADS = 8
#: Guards against a hung process, not a measurement: the test never asserts on time.
START_GUARD_SECONDS = 90.0
VIGIL = Path(sys.executable).with_name("vigil")


def _stop(process: subprocess.Popen[str]) -> None:
    """End a process this test started, and the uvicorn workers it started (its process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def env(db_env: Settings) -> dict[str, str]:  # noqa: F811
    return os.environ | {"VIGIL_API_RATE_PER_SECOND": "0", "VIGIL_INDEX_BUILD_SUBPROCESS": "false"}


@pytest.fixture
def api(env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """`vigil serve --workers 2` (two API processes, each building its app from the environment)."""
    with vigil_serve(env, tmp_path / "serve.log", "--workers", "2", timeout=START_GUARD_SECONDS) as base:
        yield base
    errors = [line for line in (tmp_path / "serve.log").read_text().splitlines() if "Traceback" in line]
    assert errors == [], (tmp_path / "serve.log").read_text()


@dataclass
class Appenders:
    processes: list[subprocess.Popen[str]]
    folder: Path

    def start(self) -> None:
        """Let them append; each has committed an append when this returns, so they overlap whatever
        follows by construction."""
        self._expect("loaded")
        (self.folder / "go").touch()
        self._expect("ready")

    def finish(self) -> list[dict[str, Any]]:
        """Stop them; what each reports: ``appended`` (committed appends) and ``errors``."""
        (self.folder / "stop").touch()
        reports = []
        for process in self.processes:
            out, _ = process.communicate(timeout=120)
            reports.append(json.loads(out.strip().splitlines()[-1]))
        return reports

    def _expect(self, line: str) -> None:
        for process in self.processes:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == line


@pytest.fixture
def appenders(env: dict[str, str], tmp_path: Path) -> Iterator[Appenders]:
    """Four appending processes, started (and loading) while the API starts; idle until ``start``."""
    folder = tmp_path / "appenders"
    folder.mkdir()
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.journal_appender", f"appender:{i}", str(folder)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        for i in range(APPENDERS)
    ]
    group = Appenders(processes, folder)
    try:
        yield group
    finally:
        (folder / "stop").touch()
        for process in processes:
            _stop(process)


def _journal_by_actor(sessions: sessionmaker[Session]) -> Counter[str]:  # noqa: F811
    with sessions() as session:
        rows = session.execute(select(AuditEntry.actor, func.count()).group_by(AuditEntry.actor)).all()
    return Counter({actor: count for actor, count in rows})


def test_appends_from_other_processes_never_fail_the_api(
    sessions: sessionmaker[Session],  # noqa: F811
    env: dict[str, str],
    appenders: Appenders,
    api: str,
) -> None:
    users = UserService(sessions, "test")
    analyst, admin = users.add_user("ana", "analyst"), users.add_user("adm", "admin")
    # One journalled read the issue saw fail (the analyst queue) and one of the journal itself.
    calls = [
        ("/api/v1/reports/queue", analyst.secret) if i % 2 else ("/api/v1/audit?limit=5", admin.secret)
        for i in range(REQUESTS)
    ]
    before = _journal_by_actor(sessions)
    appenders.start()
    try:
        # No keep-alive: every request is a new connection, which either worker may accept.
        limits = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=api, timeout=120, limits=limits) as client:

            def call(path_token: tuple[str, str]) -> int:
                path, token = path_token
                return client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code

            with ThreadPoolExecutor(CLIENT_THREADS) as pool:
                statuses = Counter(pool.map(call, calls))
    finally:
        reports = appenders.finish()
    assert statuses == Counter({200: REQUESTS})
    assert [r["errors"] for r in reports] == [[]] * APPENDERS

    verify = subprocess.run(
        [str(VIGIL), "audit", "verify"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    total = sum(before.values()) + REQUESTS + sum(r["appended"] for r in reports)
    assert (verify.returncode, verify.stdout.strip()) == (0, f"audit journal intact: {total} entries")
    after = _journal_by_actor(sessions)
    expected = before + Counter({"api:ana": REQUESTS // 2, "api:adm": REQUESTS // 2})
    expected.update({f"appender:{i}": r["appended"] for i, r in enumerate(reports)})
    assert after == expected
