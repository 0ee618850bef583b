"""The scan's checkpoint: one JSON line per walked entry, appended in walk order and flushed, so that a
scan killed at any instant resumes where it stopped and ends with the same report.

A line is only complete with its newline; a torn last line (kill -9 mid-write) is cut off on resume.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from vigil.errors import Conflict
from vigil.scanning.pipeline import ScanItem
from vigil.scanning.previews import DEFAULT_MAX_BYTES, PreviewStore

FORMAT = "vigil-scan-checkpoint"
VERSION = 1
SYNC_SECONDS = 2.0


class CheckpointError(Conflict):
    """The folder holds a checkpoint of another scan, or of a newer format."""


class Checkpoint:
    def __init__(self, folder: Path, preview_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.folder = folder
        self.meta_path = folder / "checkpoint.json"
        self.items_path = folder / "checkpoint.jsonl"
        #: Written before the checkpoint lines of the same entries, so that it never lags behind them.
        self.previews = PreviewStore(folder / "previews.bin", preview_bytes)
        self._out: IO[str] | None = None
        self._last_sync = 0.0

    def start(self, params: dict[str, Any], *, resume: bool) -> int:
        """Open for appending; returns the ordinal to continue from (0 for a fresh scan)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        next_ordinal = 0
        if resume and self.meta_path.exists():
            meta = json.loads(self.meta_path.read_text(encoding="utf-8"))
            if meta.get("format") != FORMAT or int(meta.get("version", 0)) > VERSION:
                raise CheckpointError(f"{self.meta_path} is not a checkpoint this version can resume")
            if meta.get("params") != params:
                raise CheckpointError(
                    "the report folder holds a checkpoint of a scan with other inputs or settings; "
                    "use another --report folder or drop --resume"
                )
            next_ordinal = self._repair()
            self.previews.start(next_ordinal)
        else:
            self.previews.start(None)
            tmp = self.meta_path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"format": FORMAT, "version": VERSION, "params": params}), "utf-8")
            os.replace(tmp, self.meta_path)
            self.items_path.write_text("", encoding="utf-8")
        self._out = self.items_path.open("a", encoding="utf-8")
        return next_ordinal

    def _repair(self) -> int:
        """Cut a torn last line; the next ordinal is one past the last complete entry."""
        if not self.items_path.exists():
            self.items_path.write_text("", encoding="utf-8")
            return 0
        data = self.items_path.read_bytes()
        end = data.rfind(b"\n") + 1
        if end != len(data):
            with self.items_path.open("r+b") as f:
                f.truncate(end)
        if end == 0:
            return 0
        start = data.rfind(b"\n", 0, end - 1) + 1
        return int(json.loads(data[start:end])["ordinal"]) + 1

    def append(self, ordinal: int, items: list[ScanItem], previews: Sequence[tuple[int, bytes]] = ()) -> None:
        """One walked entry's items, and previews of some of them as (position among items, JPEG)."""
        assert self._out is not None, "start() first"
        if previews:
            self.previews.add(ordinal, previews)
        line = json.dumps({"ordinal": ordinal, "items": [i.to_json() for i in items]}, ensure_ascii=False)
        self._out.write(line + "\n")
        now = time.monotonic()
        if now - self._last_sync >= SYNC_SECONDS:
            self.sync()
            self._last_sync = now

    def sync(self) -> None:
        self.previews.sync()
        if self._out is not None:
            self._out.flush()
            os.fsync(self._out.fileno())

    def close(self) -> None:
        if self._out is not None:
            self.sync()
            self._out.close()
            self._out = None
        self.previews.close()

    def entries(self) -> Iterator[tuple[int, list[ScanItem]]]:
        """Every recorded entry, streamed from disk."""
        with self.items_path.open(encoding="utf-8") as f:
            for line in f:
                if line.endswith("\n"):
                    record = json.loads(line)
                    yield int(record["ordinal"]), [ScanItem.from_json(i) for i in record["items"]]
