"""A kill -9 in the middle of an import leaves the database as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hashlists.helpers import counts, vics_media, write_vics
from vigil.config import Settings
from vigil.formats.vics import VICS
from vigil.hashlists.service import HashDatabase

pytestmark = pytest.mark.slow

#: Imports in chunks of 100 and, once the first chunks are written (uncommitted), says so and waits to die.
IMPORTER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from vigil.config import Settings
    from vigil.db.session import make_engine, make_session_factory
    from vigil.formats.vics import VICS
    from vigil.hashlists.service import HashDatabase

    def progress(done: int) -> None:
        if done >= 300:
            print("written", done, flush=True)
            time.sleep(600)

    service = HashDatabase(make_session_factory(make_engine(Settings())), "test:killed")
    service.import_file(
        Path(sys.argv[1]), VICS, "Killed", list_name="killed", chunk_size=100, progress=progress
    )
    print("finished", flush=True)
    """
)


def test_kill_during_import(db_env: Settings, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    hashdb = HashDatabase(sessions, "test")
    hashdb.import_file(write_vics(tmp_path / "before.json", [vics_media("kept")]), VICS, "Earlier")
    before = counts(sessions)
    path = write_vics(tmp_path / "big.json", [vics_media(f"k{i}") for i in range(1000)])
    process = subprocess.Popen(
        [sys.executable, "-c", IMPORTER, str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ.copy(),
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("written"), (line, process.stderr.read() if process.stderr else "")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    assert counts(sessions) == before

    # The database is usable and the same file imports completely afterwards.
    summary = hashdb.import_file(path, VICS, "Killed", list_name="killed")
    assert (summary.added, summary.changed) == (1000, True)
