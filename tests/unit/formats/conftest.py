"""Helpers for the format tests: read a byte string with a format and split records from rejections."""

from __future__ import annotations

import io

from vigil.formats.base import Diagnostics, HashRecord, HashSetFormat, Rejected


def read_all(fmt: HashSetFormat, data: bytes) -> tuple[list[HashRecord], list[Rejected], Diagnostics]:
    diagnostics = Diagnostics()
    out = list(fmt.read(io.BytesIO(data), diagnostics))
    records = [r for r in out if isinstance(r, HashRecord)]
    rejected = [r for r in out if isinstance(r, Rejected)]
    return records, rejected, diagnostics


def write_all(fmt: HashSetFormat, records: list[HashRecord]) -> tuple[bytes, int, Diagnostics]:
    diagnostics = Diagnostics()
    out = io.BytesIO()
    written = fmt.write(records, out, diagnostics)
    return out.getvalue(), written, diagnostics
