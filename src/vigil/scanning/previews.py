"""Previews of a scan's unknown images, kept beside the checkpoint while the scan runs.

Workers make a preview from the decode they hash (signals/preview.py), so the report need not decode the
evidence a second time. The store is only a cache: a preview is a function of the content alone, so one
the store lacks (over its size cap, or lost with a killed scan) is made again, identical, at report
time. Records are appended in walk order; a resumed scan cuts the store back to the entries its
checkpoint holds, so a torn record is never read. The report's writer deletes the store when done.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Final

from vigil.scanning.triage import ItemKey

MAGIC: Final = b"VIGIL-PREVIEWS-1\n"
#: Per record: entry ordinal, item position within the entry, preview length; then the JPEG.
_HEAD: Final = struct.Struct("<QII")
#: Default cap: about 60,000 previews of 4 KiB; beyond it previews are made again at report time.
DEFAULT_MAX_BYTES: Final = 256 * 1024 * 1024


class PreviewStore:
    def __init__(self, path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self._out: IO[bytes] | None = None
        self._size = 0
        self._index: dict[ItemKey, tuple[int, int]] | None = None

    def start(self, next_ordinal: int | None) -> None:
        """Open for appending. ``next_ordinal``: resume, keeping the records of earlier entries only;
        None: start empty."""
        keep = len(MAGIC)
        if next_ordinal is not None and self.path.exists():
            keep = max(keep, self._valid_prefix(next_ordinal))
        mode = "r+b" if keep > len(MAGIC) else "wb"
        out = self.path.open(mode)
        if mode == "wb":
            out.write(MAGIC)
        else:
            out.truncate(keep)
            out.seek(keep)
        self._out, self._size = out, keep

    def _valid_prefix(self, next_ordinal: int) -> int:
        """Bytes of the file made of whole records of entries before ``next_ordinal``."""
        end = len(MAGIC)
        with self.path.open("rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                return end
            while head := f.read(_HEAD.size):
                if len(head) < _HEAD.size:
                    break
                ordinal, _, length = _HEAD.unpack(head)
                if ordinal >= next_ordinal or len(f.read(length)) < length:
                    break
                end += _HEAD.size + length
        return end

    def add(self, ordinal: int, previews: Sequence[tuple[int, bytes]]) -> None:
        """Previews of one entry's items, as (position, JPEG); those over the cap are dropped."""
        assert self._out is not None, "start() first"
        for position, data in previews:
            size = _HEAD.size + len(data)
            if self._size + size > self.max_bytes:
                continue
            self._out.write(_HEAD.pack(ordinal, position, len(data)))
            self._out.write(data)
            self._size += size

    def sync(self) -> None:
        if self._out is not None:
            self._out.flush()
            os.fsync(self._out.fileno())

    def close(self) -> None:
        if self._out is not None:
            self._out.close()
            self._out = None

    def get(self, key: ItemKey) -> bytes | None:
        if self._index is None:
            self._index = self._read_index()
        where = self._index.get(key)
        if where is None:
            return None
        with self.path.open("rb") as f:
            f.seek(where[0])
            data = f.read(where[1])
        return data if len(data) == where[1] else None

    def _read_index(self) -> dict[ItemKey, tuple[int, int]]:
        index: dict[ItemKey, tuple[int, int]] = {}
        if not self.path.exists():
            return index
        with self.path.open("rb") as f:
            if f.read(len(MAGIC)) != MAGIC:
                return index
            offset = len(MAGIC)
            while len(head := f.read(_HEAD.size)) == _HEAD.size:
                ordinal, position, length = _HEAD.unpack(head)
                offset += _HEAD.size
                index[(ordinal, position)] = (offset, length)
                f.seek(length, os.SEEK_CUR)
                offset += length
        return index

    def delete(self) -> None:
        self.close()
        self._index = None
        self.path.unlink(missing_ok=True)
