"""python-threatexchange's local file exchange (HMA banks): one ``signal`` or ``type signal`` per line.

pytx names: ``pdq``, ``video_md5`` (an MD5 of the file), and others kept as opaque signals. A bare value is
a PDQ hash when it has 64 hex digits and an MD5 when it has 32, as HMA's files use them. A type the
registry knows under the same name (a plugin's ``sha512``) is read as that type, its value checked;
exports write only what pytx names (PDQ and the file MD5).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import BinaryIO, Final

from vigil.formats.base import Diagnostics, HashRecord, Rejected, set_hash
from vigil.formats.encoding import read_lines
from vigil.formats.limits import DEFAULT_LIMITS, ReadLimits, quote
from vigil.signals import registry
from vigil.signals.pdq import PDQ

#: pytx signal type → Vigil hash or signal (two vocabularies: pytx's names are not the registry's to give).
_TO_VIGIL: Final = {"pdq": "pdq", "video_md5": "md5", "md5": "md5", "sha256": "sha256", "sha1": "sha1"}
#: A bare value by its hex width, as python-threatexchange reads one (64: PDQ rather than SHA-256).
_BARE: Final = {64: "pdq", 32: "md5"}


def _parse_line(number: int, line: str) -> HashRecord | Rejected:
    where = f"line {number}"
    signal_type, _, value = line.partition(" ")
    value = value.strip()
    if not value:
        signal_type, value = _BARE.get(len(line), ""), line
        if not signal_type:
            return Rejected(where, f"no signal type and not a PDQ or MD5 hash: {quote(line)}")
    record = HashRecord(where=where)
    # pytx's names first; a type this process registers (a plugin's) is checked as one.
    kind = _TO_VIGIL.get(signal_type.lower())
    if kind is None and signal_type.lower() in registry.signal_types():
        kind = signal_type.lower()
    if kind is None:
        record.signals.append((signal_type.lower(), value))
        return record
    problem = set_hash(record, kind, value)
    return Rejected(where, problem) if problem else record


class PytxFormat:
    name = "pytx"
    description = "python-threatexchange local file: 'signal' or 'type signal' per line"

    def read(
        self, stream: BinaryIO, diagnostics: Diagnostics, limits: ReadLimits = DEFAULT_LIMITS
    ) -> Iterator[HashRecord | Rejected]:
        return read_lines(
            stream,
            limits.max_record_bytes,
            _parse_line,
            "no line holds a signal: not a python-threatexchange signal file",
        )

    def write(self, records: Iterable[HashRecord], out: BinaryIO, diagnostics: Diagnostics) -> int:
        written = 0
        for record in records:
            # "pdq" and "video_md5" are python-threatexchange's names for them.
            lines = [f"pdq {v}" for k, v in record.signals if k == PDQ.name]
            if record.md5:
                lines.append(f"video_md5 {record.md5}")
            if not lines:
                diagnostics.warn("neither PDQ nor MD5: not exported to a pytx file")
                continue
            out.write(("\n".join(lines) + "\n").encode("ascii"))
            written += 1
        return written


PYTX: Final = PytxFormat()
