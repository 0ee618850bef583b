"""A benchmark's database, migrated and filled once, then reused by later runs from the bench cache."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import Engine


def seeded_database(folder: Path, fill: Callable[[Engine], str]) -> Path:
    """``folder`` as the data folder of a migrated SQLite database that ``fill`` has filled (and then
    analysed); built again from nothing when an earlier build did not finish. ``fill`` returns what it made,
    for the log line."""
    from vigil.config import Settings
    from vigil.db import migrate
    from vigil.db.session import make_engine

    if (folder / "ready").exists():
        return folder
    if folder.exists():
        for path in sorted(folder.rglob("*"), reverse=True):
            path.unlink() if path.is_file() else path.rmdir()
    folder.mkdir(parents=True)
    settings = Settings(data_dir=folder)
    migrate.upgrade(settings)
    engine = make_engine(settings)
    start = time.perf_counter()
    try:
        made = fill(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    print(f"built {made} in {time.perf_counter() - start:.0f} s", flush=True)
    (folder / "ready").write_text("ok\n")
    return folder
