"""What every format reads and writes: hash records, rejections, warnings, and the format protocol."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, BinaryIO, Final, Protocol, runtime_checkable

from vigil.errors import Invalid
from vigil.signals import registry
from vigil.signals.base import InvalidSignalError

if TYPE_CHECKING:
    from vigil.formats.limits import ReadLimits


class FormatError(Invalid):
    """The file is not of the format, or is broken: nothing of it may be imported."""


@dataclass(slots=True)
class HashRecord:
    """One media item as a file describes it. Hashes are canonical (lower-case hex) once read."""

    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    size: int | None = None
    mime_type: str | None = None
    #: The category code as written in the file ("1", "A", "8"), checked against a scheme on import.
    category: str | None = None
    #: The scheme the file names for ``category``; the importer's default applies when None.
    scheme: str | None = None
    #: (signal type, value): pdq, photodna, vpdq ... kept opaque except pdq, which is checked.
    signals: list[tuple[str, str]] = field(default_factory=list)
    series: str | None = None
    victim_identified: bool | None = None
    classified_at: datetime | None = None
    #: Where in the file ("record 12", "line 40"), for messages.
    where: str = ""

    def has_identity(self) -> bool:
        return bool(self.md5 or self.sha1 or self.sha256 or self.signals)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record that cannot be imported, and why. The rest of the file still imports."""

    where: str
    reason: str


@dataclass(slots=True)
class _Note:
    count: int
    first_where: str


#: Distinct warnings kept by one read; the rest are counted (a warning may quote a value of the file).
NOTES_KEPT: Final = 100


class Diagnostics:
    """Warnings of one read, aggregated by message so that a million identical ones stay one line."""

    def __init__(self) -> None:
        self._notes: dict[str, _Note] = {}
        self._others = 0

    def warn(self, message: str, where: str = "") -> None:
        note = self._notes.get(message)
        if note is not None:
            note.count += 1
        elif len(self._notes) < NOTES_KEPT:
            self._notes[message] = _Note(1, where)
        else:
            self._others += 1

    @property
    def messages(self) -> list[str]:
        out = []
        for message, note in self._notes.items():
            suffix = f" ({note.count} records, first at {note.first_where})" if note.count > 1 else ""
            if note.count == 1 and note.first_where:
                suffix = f" ({note.first_where})"
            out.append(message + suffix)
        if self._others:
            out.append(f"{self._others:,} more warnings of other kinds")
        return out

    def count(self, message: str) -> int:
        note = self._notes.get(message)
        return note.count if note else 0

    def __len__(self) -> int:
        return len(self._notes)


@runtime_checkable
class HashSetFormat(Protocol):
    """A hash-set file format. ``name`` is stable: it is what users type after ``--format``."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    def read(
        self, stream: BinaryIO, diagnostics: Diagnostics, limits: ReadLimits = ...
    ) -> Iterator[HashRecord | Rejected]:
        """Records of the file, in order; raises FormatError when the file is not of this format.

        ``limits`` bound what one record may hold (see formats/limits.py): past a bound of the file's
        shape, raise FormatError as soon as it is crossed; a value over its length, reject the record.
        """
        ...

    def write(self, records: Iterable[HashRecord], out: BinaryIO, diagnostics: Diagnostics) -> int:
        """Write ``records``; returns how many were written (the rest are noted in ``diagnostics``)."""
        ...


def canonical_hash(kind: str, value: str) -> str:
    """The canonical text of a ``kind`` value, by its signal type's normaliser; InvalidSignalError
    when it is not one (ValueError when no signal type is called ``kind``)."""
    return registry.normalize(kind, value)


def set_hash(record: HashRecord, kind: str, value: str) -> str | None:
    """Put a hash into ``record``: an identity digest into its field, any other signal type into
    ``signals``; returns a reason when the value is not a valid ``kind`` hash."""
    try:
        text = canonical_hash(kind, value)
        # A type whose lookups take a longer query form (pdq_regions) stores only its value form.
        stored = getattr(registry.signal_type(kind), "normalize_stored", None)
        if stored is not None:
            text = stored(text)
    except InvalidSignalError as exc:
        return str(exc)
    if kind in registry.IDENTITY_DIGESTS:
        setattr(record, kind, text)
    else:
        record.signals.append((kind, text))
    return None


def parse_size(value: object) -> int | None:
    """A size in bytes from an int or a numeric string (VICS files send both); None if neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


_TRUE: Final = frozenset({"true", "1", "yes", "y", "t"})
_FALSE: Final = frozenset({"false", "0", "no", "n", "f"})


def parse_bool(value: object) -> bool | None:
    """A boolean from JSON true/false, 0/1 or their string forms; None when it is none of these."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    return None
