"""Plain hash lists: md5sum/sha1sum/sha256sum output, BSD ``MD5 (file) = hash`` lines, bare hashes one per
line, and the X-Ways Forensics hash set (a first line naming the hash type, ``MD5``, then one hash a line).

Without a header the hash type follows from the length (32, 40 or 64 hex digits, and a plugin's digest
type's width when no other type has it); ``#`` starts a comment. Headers and BSD tags name a digest
type by its name or its label (``SHA-256``), plugins' included. Exports write the X-Ways form: ``MD5``
then the MD5 of every entry that has one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Final

from vigil.formats.base import Diagnostics, HashRecord, Rejected, set_hash
from vigil.formats.encoding import read_lines
from vigil.formats.limits import DEFAULT_LIMITS, ReadLimits, quote
from vigil.signals import registry

_BSD: Final = re.compile(r"^([A-Za-z0-9-]+)\s*\((.*)\)\s*=\s*([0-9A-Fa-f]+)$")
_HEX: Final = re.compile(r"^[0-9A-Fa-f]+$")


@dataclass(frozen=True)
class _Digests:
    """The registry's digest types as these tools name them."""

    #: Lower-cased name or label (``sha-256``) → type name.
    names: dict[str, str]
    #: Hex length → type name, for lengths only one type has.
    by_length: dict[int, str]
    labels: tuple[str, ...]


def _digests() -> _Digests:
    names: dict[str, str] = {}
    lengths: dict[int, list[str]] = {}
    labels: list[str] = []
    for name, kind in registry.digest_types().items():
        label = getattr(kind, "label", None)
        label = label if isinstance(label, str) else name.upper()
        names[name.lower()] = names[label.lower()] = name
        lengths.setdefault(kind.bits // 4, []).append(name)
        labels.append(label)
    return _Digests(names, {n: kinds[0] for n, kinds in lengths.items() if len(kinds) == 1}, tuple(labels))


class Md5sumFormat:
    name = "md5sum"
    description = "md5sum/sha*sum output, bare hashes, or an X-Ways hash set with an MD5 header line"

    def read(
        self, stream: BinaryIO, diagnostics: Diagnostics, limits: ReadLimits = DEFAULT_LIMITS
    ) -> Iterator[HashRecord | Rejected]:
        fixed: str | None = None
        digests = _digests()

        def parse(number: int, line: str) -> HashRecord | Rejected | None:
            nonlocal fixed
            if line.startswith("#"):
                return None
            if number == 1 and line.lower() in digests.names:
                fixed = digests.names[line.lower()]
                return None
            where = f"line {number}"
            bsd = _BSD.match(line)
            tagged = digests.names.get(bsd.group(1).lower()) if bsd else None
            kind, value = (tagged, bsd.group(3)) if bsd and tagged else (None, line.split(maxsplit=1)[0])
            value = value.lstrip("\\")  # md5sum escapes lines of names with backslashes
            if not _HEX.match(value):
                return Rejected(where, f"not a hex hash: {quote(value)}")
            kind = kind or fixed or digests.by_length.get(len(value))
            if kind is None:
                return Rejected(where, f"{len(value)} hex digits: not a {', '.join(digests.labels)}")
            record = HashRecord(where=where)
            problem = set_hash(record, kind, value)
            return Rejected(where, problem) if problem else record

        # File names after the hash may be in any encoding; only the hash matters.
        return read_lines(
            stream,
            limits.max_record_bytes,
            parse,
            "no line holds a hash: not an md5sum or X-Ways hash list",
            errors="replace",
        )

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
