"""Bounds on what an imported file may hold, checked while it is read.

A hash-set file comes from outside and may be hostile: a 200 KB file of arrays nested 100,000 deep, a
10 MB "category", a line without an end. Two kinds of bound apply:

- the shape of the file (nesting depth, bytes and JSON values of one record, number of records): past
  one of these the file is not a hash set and nothing of it is imported (FormatError, raised as soon as
  the bound is crossed, before the parser holds more than a record's worth of memory);
- the length of each value Vigil keeps (category, scheme, MIME type, series, signal type and value, and
  any string of a record): a longer value rejects that record, with a reason, and the rest imports.

Every bound is documented in docs/limits.md with the setting that changes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO, Final

from vigil.fields import field_names, pick
from vigil.formats.base import FormatError
from vigil.signals import registry

if TYPE_CHECKING:
    from vigil.config import Settings
    from vigil.formats.base import HashRecord

#: Widths of the database columns the record fields go to (a longer value cannot be stored as it is).
CATEGORY_CHARS: Final = 32
SCHEME_CHARS: Final = 64
MIME_TYPE_CHARS: Final = 255
SERIES_CHARS: Final = 200
SIGNAL_TYPE_CHARS: Final = 32
#: Characters of a value quoted in a message (the rest is left out and its length said instead).
QUOTED_CHARS: Final = 80


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """The tunable bounds of one import (``VIGIL_IMPORT_*`` settings); defaults fit every real file seen."""

    #: Records of one file; real lists hold millions.
    max_records: int = 100_000_000
    #: Bytes of one record: a JSON Media object, a CSV row, a line (characters, for text lines).
    max_record_bytes: int = 16 * 1024 * 1024
    #: Nesting of JSON arrays and objects, counted from the top of the file (a VICS case export uses 7).
    max_depth: int = 32
    #: JSON values (scalars, arrays, objects) in one record; a VICS Media with Exifs holds a few dozen.
    max_record_values: int = 100_000
    #: Characters of any one string of a record (a JSON string, a CSV field).
    max_string_chars: int = 1024 * 1024
    #: Characters of a signal's value (PhotoDNA, other opaque signals).
    max_signal_chars: int = 65_536
    #: Characters of a video signal's value (vPDQ: about 85 per frame, so some 12,000 frames, over three
    #: hours hashed once a second): a value grows with its video, unlike any picture's.
    max_video_signal_chars: int = 1024 * 1024


DEFAULT_LIMITS: Final = ReadLimits()


def limits_of(settings: Settings) -> ReadLimits:
    """The bounds the ``VIGIL_IMPORT_*`` settings give (the CLI's and the console's imports)."""
    return ReadLimits(**pick(settings, *field_names(ReadLimits), prefix="import_"))


#: The largest file size stored (a signed 64-bit column).
MAX_FILE_SIZE: Final = 2**63 - 1


def quote(text: str, limit: int = QUOTED_CHARS) -> str:
    """``repr`` of ``text`` for a message, cut to ``limit`` characters: imported values may be huge."""
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text):,} characters)"


def too_long(what: str, limit: int) -> str:
    """The reason a record is rejected for a value longer than ``limit`` (one reason per field)."""
    return f"{what} longer than {limit:,} characters"


def field_problem(record: HashRecord, limits: ReadLimits) -> str | None:
    """Why ``record`` cannot be stored: a field longer than its maximum, or a file size no database
    column holds (a BIGINT: SQLite and PostgreSQL alike); None when every field fits."""
    if record.size is not None and not 0 <= record.size <= MAX_FILE_SIZE:
        # The value stays out of the reason: reasons are counted, one line each, however many records.
        return f"size out of range (0 to {MAX_FILE_SIZE:,})"
    for what, value, limit in (
        ("category", record.category, CATEGORY_CHARS),
        ("scheme", record.scheme, SCHEME_CHARS),
        ("MIME type", record.mime_type, MIME_TYPE_CHARS),
        ("series", record.series, SERIES_CHARS),
    ):
        if value is not None and len(value) > limit:
            return too_long(what, limit)
    for kind, value in record.signals:
        if len(kind) > SIGNAL_TYPE_CHARS:
            return too_long("signal type", SIGNAL_TYPE_CHARS)
        limit = limits.max_video_signal_chars if kind in registry.video_types() else limits.max_signal_chars
        if len(value) > limit:
            return too_long(f"{kind} value", limit)
    return None


class RecordTooLargeError(FormatError):
    """A record grew past ``max_record_bytes`` while it was read."""


class RecordBytesGuard:
    """Reads for a parser and stops it once the record being read exceeds ``max_record_bytes``.

    A parser buffers a whole token before it reports it, so a bound checked on parsed values comes too
    late for a 1 GB string: the bytes are counted as they are handed over instead. ``mark`` is moved at
    every record boundary; the count is exact to within one read of the parser (64 KiB).
    """

    __slots__ = ("_limit", "_mark", "_raw", "total", "where")

    def __init__(self, raw: BinaryIO, limit: int) -> None:
        self._raw = raw
        self._limit = limit
        self.total = 0
        self._mark = 0
        self.where = "the start of the file"

    def mark(self, where: str) -> None:
        """A record starts (or ends) here; ``where`` names it in messages."""
        self._mark = self.total
        self.where = where

    def read(self, size: int) -> bytes:
        if self.total - self._mark > self._limit:
            raise RecordTooLargeError(
                f"{self.where}: more than {self._limit:,} bytes in one record (VIGIL_IMPORT_MAX_RECORD_BYTES)"
            )
        data = self._raw.read(size)
        self.total += len(data)
        return data
