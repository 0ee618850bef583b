"""Plain hash lists: md5sum/sha1sum/sha256sum output, BSD ``MD5 (file) = hash`` lines, bare hashes one per
line, and the X-Ways Forensics hash set (a first line naming the hash type, ``MD5``, then one hash a line).

Without a header the hash type follows from the length (32, 40 or 64 hex digits); ``#`` starts a comment.
Exports write the X-Ways form: ``MD5`` then the MD5 of every entry that has one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import BinaryIO, Final

from vigil.formats.base import Diagnostics, FormatError, HashRecord, Rejected, set_hash
from vigil.formats.encoding import BoundedLines, text_stream
from vigil.formats.limits import DEFAULT_LIMITS, ReadLimits, quote

_BY_LENGTH: Final = {32: "md5", 40: "sha1", 64: "sha256"}
_HEADERS: Final = {"md5": "md5", "sha1": "sha1", "sha-1": "sha1", "sha256": "sha256", "sha-256": "sha256"}
_BSD: Final = re.compile(r"^(MD5|SHA1|SHA256|SHA-1|SHA-256)\s*\((.*)\)\s*=\s*([0-9A-Fa-f]+)$")
_HEX: Final = re.compile(r"^[0-9A-Fa-f]+$")


class Md5sumFormat:
    @property
    def name(self) -> str:
        return "md5sum"

    @property
    def description(self) -> str:
        return "md5sum/sha*sum output, bare hashes, or an X-Ways hash set with an MD5 header line"

    def read(
        self, stream: BinaryIO, diagnostics: Diagnostics, limits: ReadLimits = DEFAULT_LIMITS
    ) -> Iterator[HashRecord | Rejected]:
        fixed: str | None = None
        hashes = lines = 0
        try:
            # File names after the hash may be in any encoding; only the hash matters.
            text = BoundedLines(text_stream(stream, errors="replace"), limits.max_record_bytes)
            for number, raw in enumerate(text, start=1):
                text.mark()
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                if number == 1 and line.lower() in _HEADERS:
                    fixed = _HEADERS[line.lower()]
                    continue
                lines += 1
                where = f"line {number}"
                bsd = _BSD.match(line)
                kind, value = (
                    (_HEADERS[bsd.group(1).lower()], bsd.group(3)) if bsd else (None, line.split()[0])
                )
                value = value.lstrip("\\")  # md5sum escapes lines of names with backslashes
                if not _HEX.match(value):
                    yield Rejected(where, f"not a hex hash: {quote(value)}")
                    continue
                kind = kind or fixed or _BY_LENGTH.get(len(value))
                if kind is None:
                    yield Rejected(where, f"{len(value)} hex digits: not an MD5, SHA-1 or SHA-256")
                    continue
                record = HashRecord(where=where)
                problem = set_hash(record, kind, value)
                if problem:
                    yield Rejected(where, problem)
                    continue
                hashes += 1
                yield record
        except UnicodeDecodeError as exc:
            raise FormatError(f"not a text file: {exc}") from exc
        if lines and not hashes:
            raise FormatError("no line holds a hash: not an md5sum or X-Ways hash list")

    def write(self, records: Iterable[HashRecord], out: BinaryIO, diagnostics: Diagnostics) -> int:
        out.write(b"MD5\n")
        written = 0
        for record in records:
            if not record.md5:
                diagnostics.warn("no MD5: not exported to an MD5 list")
                continue
            out.write(record.md5.encode("ascii") + b"\n")
            written += 1
        return written


MD5SUM: Final = Md5sumFormat()
