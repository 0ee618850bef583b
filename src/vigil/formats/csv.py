"""CSV hash sets with a header row. Columns (any order, case-insensitive; all optional but one hash):

``sha256, md5, sha1`` hex digests · ``pdq`` one or more PDQ hashes separated by spaces · ``vpdq`` a
video's vPDQ (Meta's text form, its frames separated by ``;``, spaces or line breaks in a quoted cell) ·
``photodna`` opaque value · ``category`` and ``scheme`` (e.g. ``1`` and ``vics-us``; an empty scheme
means the importer's default) · ``size`` bytes · ``mime_type`` · ``series``. The output of ``vigil hash
--format csv`` reads as is: ``path``, ``pdq_quality`` and ``vpdq_quality`` are accepted and rows with
an ``error`` are rejected. A digest type a plugin registers (``sha512``) is a column of its name, and so
is an optional signal type (``pdq_regions``, which ``vigil hash`` writes with ``VIGIL_PDQ_REGIONS``).
Other columns are ignored with a warning. Exports write
``sha256,md5,sha1,pdq,photodna,category,scheme,size,mime_type,vpdq`` in that order (a vPDQ's frames
separated by ``;``, so that a row stays one line), then the optional signal types' and the plugins'
columns (``pdq_regions``, ``sha512``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import BinaryIO, Final

from vigil.formats.base import Diagnostics, FormatError, HashRecord, Rejected, parse_size, set_hash
from vigil.formats.encoding import BoundedLines, text_stream
from vigil.formats.limits import DEFAULT_LIMITS, ReadLimits, quote, too_long
from vigil.signals import registry
from vigil.signals.values import layout
from vigil.video.signal import VPDQ

EXPORT_COLUMNS: Final = (
    "sha256",
    "md5",
    "sha1",
    "pdq",
    "photodna",
    "category",
    "scheme",
    "size",
    "mime_type",
    VPDQ.name,
)
_IDENTITY: Final = frozenset({"sha256", "md5", "sha1", "pdq", "photodna", VPDQ.name})
_KNOWN: Final = frozenset({*EXPORT_COLUMNS, "series"})


def _plugin_columns() -> tuple[str, ...]:
    """One column per digest type a plugin registers (e.g. ``sha512``), after the built-in ones."""
    return tuple(registry.extra_digest_types())


def _import_columns() -> tuple[str, ...]:
    """The plugins' columns and the optional signal types' (``pdq_regions``): without the latter, a
    listing made by ``vigil hash`` with regions on would lose them, and crops of it go unfound."""
    return tuple(dict.fromkeys([*_plugin_columns(), *layout().optional]))


#: Columns of ``vigil hash --format csv`` that carry nothing to import.
_TOLERATED: Final = frozenset({"path", "pdq_quality", "pdq_dihedral", "vpdq_quality", "error"})


def _set_hashes(record: HashRecord, row: dict[str, str]) -> str | None:
    """Digests, then PDQ hashes (several separated by spaces), then the vPDQ (one per row), then
    plugins' digests; the first invalid value's reason."""
    pairs = [(kind, row[kind]) for kind in ("sha256", "md5", "sha1") if row.get(kind)]
    pairs += [("pdq", value) for value in (row.get("pdq") or "").split()]
    pairs += [(VPDQ.name, row[VPDQ.name])] if row.get(VPDQ.name) else []
    pairs += [(kind, row[kind]) for kind in _import_columns() if row.get(kind)]
    for kind, value in pairs:
        problem = set_hash(record, kind, value)
        if problem:
            return problem
    return None


def _row_record(row: dict[str, str], where: str) -> HashRecord | Rejected:
    if row.get("error"):
        return Rejected(where, f"the row reports an error: {row['error'][:200]}")
    record = HashRecord(where=where)
    problem = _set_hashes(record, row)
    if problem:
        return Rejected(where, problem)
    if row.get("photodna"):
        record.signals.append(("photodna", row["photodna"]))
    if not record.has_identity():
        return Rejected(where, "no hash in the row")
    if row.get("size"):
        record.size = parse_size(row["size"])
        if record.size is None:
            return Rejected(where, f"size is not a number: {quote(row['size'], 40)}")
    record.category = row.get("category") or None
    record.scheme = row.get("scheme") or None
    record.mime_type = row.get("mime_type") or None
    record.series = row.get("series") or None
    return record


class CsvFormat:
    name = "csv"
    description = "CSV with a header row: sha256,md5,sha1,pdq,photodna,category,scheme,size,mime_type,vpdq"

    def read(
        self, stream: BinaryIO, diagnostics: Diagnostics, limits: ReadLimits = DEFAULT_LIMITS
    ) -> Iterator[HashRecord | Rejected]:
        # The csv module's own bound on a field (128 KiB by default, one value for the whole process)
        # would refuse the whole file for one long field; rows are bounded by the lines read instead,
        # and a field over max_string_chars rejects its row. The process-wide bound is only ever raised.
        if csv.field_size_limit() < limits.max_record_bytes:
            csv.field_size_limit(limits.max_record_bytes)
        try:
            lines = BoundedLines(text_stream(stream), limits.max_record_bytes)
            reader = csv.reader(lines)
            header = next(reader, None)
            if header is None:
                return
            lines.mark()
            columns = [name.strip().lower() for name in header]
            plugins = _import_columns()
            if not _IDENTITY.union(plugins).intersection(columns):
                raise FormatError(
                    "CSV header names no hash column (sha256, md5, sha1, pdq, vpdq or photodna): "
                    f"{quote(','.join(header), 200)}"
                )
            for name in columns:
                if name not in _KNOWN and name not in _TOLERATED and name not in plugins:
                    diagnostics.warn(f"unknown CSV column {quote(name)} ignored")
            for values in reader:
                lines.mark()
                where = f"line {reader.line_num}"
                if not any(v.strip() for v in values):
                    continue
                if len(values) != len(columns):
                    yield Rejected(where, f"{len(values)} fields where the header has {len(columns)}")
                    continue
                row = {name: value.strip() for name, value in zip(columns, values, strict=True)}
                long = next(
                    (name for name, value in row.items() if len(value) > limits.max_string_chars), None
                )
                if long is not None:
                    yield Rejected(where, too_long(f"column {quote(long)}", limits.max_string_chars))
                    continue
                yield _row_record(row, where)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise FormatError(f"not a readable CSV file: {exc}") from exc

    def write(self, records: Iterable[HashRecord], out: BinaryIO, diagnostics: Diagnostics) -> int:
        text = _TextOut(out)
        writer = csv.writer(text, lineterminator="\n")
        # The optional signal types too, so that an export re-imports with its crop-resistant values.
        plugins = _import_columns()
        writer.writerow(EXPORT_COLUMNS + plugins)
        written = 0
        for r in records:
            extra = [" ".join(v for k, v in r.signals if k == kind) for kind in plugins]
            pdq = " ".join(v for k, v in r.signals if k == "pdq")
            photodna = next((v for k, v in r.signals if k == "photodna"), "")
            vpdq = next((v.replace("\n", ";") for k, v in r.signals if k == VPDQ.name), "")
            writer.writerow(
                [
                    r.sha256 or "",
                    r.md5 or "",
                    r.sha1 or "",
                    pdq,
                    photodna,
                    r.category or "",
                    (r.scheme or "") if r.category else "",
                    "" if r.size is None else r.size,
                    r.mime_type or "",
                    vpdq,
                    *extra,
                ]
            )
            written += 1
        return written


class _TextOut:
    """The ``write`` of a text file, over a binary one (csv.writer wants text)."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out

    def write(self, text: str) -> int:
        return self._out.write(text.encode("utf-8"))


CSV: Final = CsvFormat()
