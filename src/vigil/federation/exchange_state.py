"""What a python-threatexchange fetch keeps between runs (``data_dir/exchanges/NAME/state.sqlite``): its
source (API and configuration), the API's last checkpoint, and what each record key converted to.

A SQLite file rather than one JSON document: a flush writes the keys that changed since the last one and
the new checkpoint in one transaction, where rewriting a document of every key at each flush of 20,000
records cost the square of an exchange's size (millions of keys at NCMEC's scale). The ``state.json`` of
earlier versions is taken in on first open, then removed.
"""

from __future__ import annotations

import json
import sqlite3
import typing as t
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from pathlib import Path

#: Signals of a key as pytx names them: ``[[signal type, value], ...]``.
Signals = list[list[str]]

_SCHEMA: t.Final = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keys (key TEXT PRIMARY KEY, signals TEXT NOT NULL);
"""
FILE_NAME: t.Final = "state.sqlite"
LEGACY_FILE_NAME: t.Final = "state.json"


class ExchangeState:
    """The state of one exchange's folder. ``exists`` says whether it was ever fetched."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / FILE_NAME

    @property
    def exists(self) -> bool:
        return self.path.is_file() or (self.folder / LEGACY_FILE_NAME).is_file()

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.folder.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, isolation_level=None)) as conn:
            conn.executescript(_SCHEMA)
            self._adopt_legacy(conn)
            yield conn

    def _adopt_legacy(self, conn: sqlite3.Connection) -> None:
        legacy = self.folder / LEGACY_FILE_NAME
        if not legacy.is_file():
            return
        state = json.loads(legacy.read_text(encoding="utf-8"))
        with _transaction(conn):
            _write_meta(conn, state["api"], state.get("config") or {}, state.get("checkpoint"))
            conn.execute("DELETE FROM keys")
            conn.executemany(
                "INSERT INTO keys (key, signals) VALUES (?, ?)",
                ((k, json.dumps(v)) for k, v in state.get("keys", {}).items()),
            )
        legacy.unlink()

    def source(self) -> tuple[str, dict[str, t.Any], dict[str, t.Any] | None]:
        """(API, configuration, checkpoint) of an exchange fetched before."""
        with self._connect() as conn:
            meta = dict(conn.execute("SELECT name, value FROM meta").fetchall())
        return json.loads(meta["api"]), json.loads(meta["config"]), json.loads(meta["checkpoint"])

    def keys(self) -> dict[str, Signals]:
        with self._connect() as conn:
            return {k: json.loads(v) for k, v in conn.execute("SELECT key, signals FROM keys")}

    def save(
        self,
        api: str,
        config: Mapping[str, t.Any],
        checkpoint: dict[str, t.Any] | None,
        changed: Mapping[str, Signals | None],
        *,
        fresh: bool = False,
    ) -> None:
        """The checkpoint and the keys that changed (None: deleted), at once; ``fresh`` first forgets
        every key (a first fetch from another source under the same name)."""
        with self._connect() as conn, _transaction(conn):
            _write_meta(conn, api, config, checkpoint)
            if fresh:
                conn.execute("DELETE FROM keys")
            conn.executemany(
                "DELETE FROM keys WHERE key = ?", ((k,) for k, v in changed.items() if v is None)
            )
            conn.executemany(
                "INSERT OR REPLACE INTO keys (key, signals) VALUES (?, ?)",
                ((k, json.dumps(v)) for k, v in changed.items() if v is not None),
            )


@contextmanager
def _transaction(conn: sqlite3.Connection) -> Iterator[None]:
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def _write_meta(
    conn: sqlite3.Connection, api: str, config: Mapping[str, t.Any], checkpoint: dict[str, t.Any] | None
) -> None:
    conn.executemany(
        "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
        [
            ("api", json.dumps(api)),
            ("config", json.dumps(dict(config))),
            ("checkpoint", json.dumps(checkpoint)),
        ],
    )
