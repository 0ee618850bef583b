"""Byte-order marks and UTF-16: what Windows forensic tools write, turned into plain UTF-8 streams.

Older VICS producers wrote UTF-16 with a BOM and some exporters still write UTF-8 with one; parsers
downstream (ijson, csv) then only ever see UTF-8 without a BOM.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Callable, Iterator
from typing import BinaryIO, Final

from vigil.formats.base import FormatError, HashRecord, Rejected

CHUNK: Final = 1 << 16

_BOMS: Final = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """(encoding, length of its BOM) from the first bytes of a file."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            return encoding, len(bom)
    # Without a BOM, UTF-16 text of ASCII-range characters has every other byte zero.
    if len(head) >= 2 and head[0] == 0 and head[1] != 0:
        return "utf-16-be", 0
    if len(head) >= 2 and head[0] != 0 and head[1] == 0:
        return "utf-16-le", 0
    return "utf-8", 0


class _Utf8Reader(io.RawIOBase):
    """UTF-8 bytes of a stream in another encoding (or of UTF-8 after a BOM), decoded as it is read."""

    def __init__(self, raw: BinaryIO, first: bytes, encoding: str) -> None:
        self._raw = raw
        self._first: bytes | None = first
        self._decoder = None if encoding == "utf-8" else codecs.getincrementaldecoder(encoding)("strict")
        self._pending = b""
        self._eof = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        while not self._pending and not self._eof:
            if self._first is not None:
                # The sniffed bytes plus a full chunk: readers peek at the head of the file.
                chunk, self._first = self._first + self._raw.read(CHUNK), None
            else:
                chunk = self._raw.read(CHUNK)
            if not chunk:
                self._eof = True
            if self._decoder is None:
                self._pending = chunk
            else:
                self._pending = self._decoder.decode(chunk, final=self._eof).encode("utf-8")

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        self._fill()
        n = min(len(buffer), len(self._pending))
        buffer[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n


def utf8_stream(stream: BinaryIO) -> io.BufferedReader:
    """``stream`` as UTF-8 without a byte-order mark, whatever of UTF-8/UTF-16 it was written in."""
    head = stream.read(4)
    encoding, bom = sniff_encoding(head)
    return io.BufferedReader(_Utf8Reader(stream, head[bom:], encoding), CHUNK)


def text_stream(stream: BinaryIO, errors: str = "strict") -> io.TextIOWrapper:
    """Text lines of ``stream`` (newlines kept as written, for the csv module)."""
    return io.TextIOWrapper(utf8_stream(stream), encoding="utf-8", errors=errors, newline="")


class BoundedLines:
    """Lines of a text stream, none longer than ``limit`` characters (a longer one is a FormatError).

    Iterating a text file reads a line whole, however long: a file without line ends would be read into
    memory entirely; a bounded ``readline`` stops at the bound. ``since_mark`` counts the characters
    handed out since the caller's last ``mark()``: a CSV row may span several lines.
    """

    def __init__(self, text: io.TextIOWrapper, limit: int) -> None:
        self._text = text
        self._limit = limit
        self.number = 0
        self.since_mark = 0

    def __iter__(self) -> BoundedLines:
        return self

    def __next__(self) -> str:
        line = self._text.readline(self._limit + 2)  # room for the line end, "\r\n" at most
        if not line:
            raise StopIteration
        self.number += 1
        self.since_mark += len(line)
        # The end of the last line is not part of the record; ends of earlier lines are (CSV quotes).
        if self.since_mark - (len(line) - len(line.rstrip("\r\n"))) > self._limit:
            raise FormatError(
                f"line {self.number}: more than {self._limit:,} characters in one record "
                "(VIGIL_IMPORT_MAX_RECORD_BYTES)"
            )
        return line

    def mark(self) -> None:
        self.since_mark = 0


#: What a line format makes of one line: a record, a rejection, or None when the line is no record at
#: all (a header, a comment).
LineParser = Callable[[int, str], HashRecord | Rejected | None]


def read_lines(
    stream: BinaryIO, max_line: int, parse: LineParser, none_found: str, errors: str = "strict"
) -> Iterator[HashRecord | Rejected]:
    """The records of a file of one record a line: ``parse`` gets each line's number and stripped text,
    blank lines left out. A file with lines but not one record among them is not of the format: it
    raises FormatError(``none_found``), as does a file that is not text."""
    records = lines = 0
    try:
        text = BoundedLines(text_stream(stream, errors=errors), max_line)
        for number, raw in enumerate(text, start=1):
            text.mark()
            line = raw.strip()
            found = parse(number, line) if line else None
            if found is None:
                continue
            lines += 1
            records += isinstance(found, HashRecord)
            yield found
    except UnicodeDecodeError as exc:
        raise FormatError(f"not a text file: {exc}") from exc
    if lines and not records:
        raise FormatError(none_found)
