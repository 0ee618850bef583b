"""Project VIC "VICS" JSON: read 1.x (``odata.metadata``) and 2.0 (``@odata.context``), write 2.0.

Both shapes are read in one streaming pass: a media list (``value[]`` of Media) and a case export
(``value[]`` of Case, each with ``Media[]``). Only the Media objects are ever held in memory, one at a time:
a case export can carry a million Media inside a single Case. The bounds of formats/limits.py are
checked as the events arrive: depth, values and bytes of a record, length of every string.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, Final

import ijson

from vigil.formats.base import Diagnostics, FormatError, HashRecord, Rejected
from vigil.formats.encoding import utf8_stream
from vigil.formats.limits import DEFAULT_LIMITS, ReadLimits, RecordBytesGuard, too_long
from vigil.formats.vics_fields import media_record
from vigil.signals.pdq import PDQ
from vigil.video.signal import VPDQ

#: ``@odata.context`` of each export profile (the realms seen in producers' code).
PROFILES: Final = {
    "default": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media",
    "us": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media",
}
#: The scheme whose category codes are VICS category numbers.
VICS_SCHEME: Final = "vics-us"
_CONTEXT_KEYS: Final = ("@odata.context", "odata.metadata")
_OPEN: Final = frozenset({"start_map", "start_array"})
_CLOSE: Final = frozenset({"end_map", "end_array"})

_Events = Iterator[tuple[str, Any]]
#: ``AlternativeHashes`` names written for signal types (others under their type name); a video's vPDQ
#: is Vigil's extension (vics_fields.py), in Meta's text form.
_HASH_NAMES: Final = {PDQ.name: "PDQ", VPDQ.name: "VPDQ"}


class _Builder:
    """One JSON object built from parser events, within the limits of one record.

    ijson's own builders are given paths ("value.item.Exifs.item.item…") whose total length grows with
    the square of the depth: 100,000 levels took 20 GB. Here the depth is the builder's stack, values
    are counted as they arrive, and a string over the limit is dropped and rejects the record.
    """

    __slots__ = ("_depth", "_field", "_limits", "_stack", "_values", "problem", "root", "where")

    def __init__(self, limits: ReadLimits, depth: int, where: str) -> None:
        self.root: dict[str, Any] = {}
        self._stack: list[Any] = [self.root]
        self._field = ""
        self._values = 0
        self._limits = limits
        #: Depth of the object in the file (the top-level object is 1).
        self._depth = depth
        self.where = where
        self.problem: str | None = None

    def feed(self, events: _Events, stop_at_media: bool = False) -> bool:  # noqa: PLR0912 - one loop
        """Consume events until the object ends (True) or, if asked, a top-level "Media" key (False)."""
        # One loop over local names: this runs for every event of every record.
        stack, field, values, problem = self._stack, self._field, self._values, self.problem
        top: Any = stack[-1]
        key = ""
        max_values = self._limits.max_record_values
        max_chars = self._limits.max_string_chars
        max_nesting = self._limits.max_depth - self._depth
        try:
            for event, raw in events:
                if event == "map_key":
                    if len(stack) == 1:
                        field = raw
                        if stop_at_media and raw.lower() == "media":
                            return False
                    key = raw
                    if len(raw) > max_chars and problem is None:
                        problem = too_long("a key: a string", max_chars)
                    continue
                if event in _CLOSE:
                    stack.pop()
                    if not stack:
                        return True
                    top = stack[-1]
                    continue
                values += 1
                if values > max_values:
                    raise FormatError(
                        f"{self.where}: more than {max_values:,} JSON values in one record "
                        "(VIGIL_IMPORT_MAX_RECORD_VALUES)"
                    )
                if event in _OPEN:
                    if len(stack) > max_nesting:
                        raise FormatError(
                            f"{self.where}: JSON nested deeper than {self._limits.max_depth} levels "
                            "(VIGIL_IMPORT_MAX_DEPTH)"
                        )
                    child: Any = {} if event == "start_map" else []
                    if top.__class__ is list:
                        top.append(child)
                    else:
                        top[key] = child
                    stack.append(child)
                    top = child
                    continue
                value = raw
                if event == "string" and len(raw) > max_chars:
                    problem = problem or too_long(f"{field}: a string", max_chars)
                    value = None
                if top.__class__ is list:
                    top.append(value)
                else:
                    top[key] = value
            raise FormatError(f"{self.where}: the file ends inside the record")
        finally:
            self._field, self._values, self.problem = field, values, problem


class _Reader:
    """Recursive descent over ijson's basic events: the top object, ``value[]``, Cases, their Media.

    Only the Media (or Case) being read is held; a value Vigil does not read is skipped, keeping
    nothing but its depth.
    """

    def __init__(self, diagnostics: Diagnostics, limits: ReadLimits, guard: RecordBytesGuard) -> None:
        self.diagnostics = diagnostics
        self.limits = limits
        self.guard = guard
        self.version: str | None = None
        self.saw_value = False
        self.records = 0
        self.cases = 0
        self.reading = False

    def where(self) -> str:
        """Where the parser is, for messages: the record being read, or the last one read."""
        if self.reading:
            return f"record {self.records + 1}"
        return f"after record {self.records}" if self.records else "before the first record"

    def run(self, events: _Events) -> Iterator[HashRecord | Rejected]:
        first = next(events, None)
        if first is None:
            raise FormatError("empty file: not VICS JSON")
        if first[0] != "start_map":
            raise FormatError("not VICS JSON: the top level is not an object")
        for member, key in events:
            if member != "map_key":
                break
            event, value = next(events)
            if key == "value":
                if event != "start_array":
                    raise FormatError("'value' is not an array: not VICS JSON")
                self.saw_value = True
                yield from self._value_array(events)
            elif key in _CONTEXT_KEYS and event == "string":
                self.context(key, value)
            else:
                self._skip(event, events, 2)
        if not self.saw_value:
            raise FormatError("no 'value' array: not VICS JSON")
        if self.version is None:
            self.diagnostics.warn("no @odata.context or odata.metadata: read as VICS 2.0")

    def _skip(self, event: str, events: _Events, depth: int) -> None:
        """Skip a value starting with ``event`` at ``depth``, keeping only its nesting."""
        if event not in _OPEN:
            return
        level = 1
        for inner, _ in events:
            if inner in _OPEN:
                level += 1
                if depth + level > self.limits.max_depth + 1:
                    raise FormatError(
                        f"{self.where()}: JSON nested deeper than {self.limits.max_depth} levels "
                        "(VIGIL_IMPORT_MAX_DEPTH)"
                    )
            elif inner in _CLOSE:
                level -= 1
                if not level:
                    return

    def _start(self, depth: int) -> _Builder:
        self.reading = True
        where = self.where()
        self.guard.mark(where)
        return _Builder(self.limits, depth, where)

    def _done(self, builder: _Builder) -> HashRecord | Rejected:
        self.records += 1
        self.reading = False
        self.guard.mark(f"after record {self.records}")
        if builder.problem is not None:
            return Rejected(builder.where, builder.problem)
        return media_record(builder.root, builder.where, self.diagnostics)

    def _value_array(self, events: _Events) -> Iterator[HashRecord | Rejected]:
        for event, _ in events:
            if event == "end_array":
                return
            if event == "start_map":
                yield from self._item(events)
            elif event == "start_array":
                raise FormatError("'value' holds arrays: not VICS JSON")
            else:
                self.records += 1
                yield Rejected(f"record {self.records}", "a value entry is not a JSON object")

    def _item(self, events: _Events) -> Iterator[HashRecord | Rejected]:
        """One ``value[]`` entry (depth 3): a Media object, or a Case whose ``Media[]`` is streamed."""
        item = self._start(3)
        is_case = False
        while not item.feed(events, stop_at_media=True):
            is_case = True
            self.reading = False
            event, _ = next(events)
            if event == "start_array":
                yield from self._media_array(events)
            else:
                self._skip(event, events, 4)
            self.reading = True
        if is_case:
            self.reading = False
            self.cases += 1
        else:
            yield self._done(item)

    def _media_array(self, events: _Events) -> Iterator[HashRecord | Rejected]:
        for event, _ in events:
            if event == "end_array":
                return
            if event == "start_map":
                media = self._start(5)
                media.feed(events)
                yield self._done(media)
            else:  # entries that are not objects carry nothing to import
                self._skip(event, events, 5)

    def context(self, key: str, value: str) -> None:
        if key == "@odata.context":
            self.version = "2.0"
        else:
            self.version = "1.x"
            for minor in ("1.1", "1.2", "1.3"):
                if f"/{minor}.xml" in value:
                    self.version = minor


class VicsFormat:
    """VICS reader (1.x and 2.0, both shapes) and VICS 2.0 writer with a chosen profile."""

    def __init__(self, profile: str = "default") -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown VICS profile {profile!r}; known: {', '.join(PROFILES)}")
        self.profile = profile

    name = "vics"
    description = "Project VIC VICS JSON: reads 1.x and 2.0 (case export or media list), writes 2.0"

    def read(
        self, stream: BinaryIO, diagnostics: Diagnostics, limits: ReadLimits = DEFAULT_LIMITS
    ) -> Iterator[HashRecord | Rejected]:
        text = utf8_stream(stream)
        guard = RecordBytesGuard(text, limits.max_record_bytes)
        reader = _Reader(diagnostics, limits, guard)
        try:
            if not text.peek(1).strip():
                raise FormatError("empty file: not VICS JSON")
            # basic_parse, not parse/items: those build a path string for every level of nesting.
            yield from reader.run(iter(ijson.basic_parse(guard, use_float=True)))
        except ijson.JSONError as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise FormatError(f"invalid JSON {reader.where()}: {first_line}") from exc
        except UnicodeDecodeError as exc:
            raise FormatError(f"not UTF-8 or UTF-16 text: {exc}") from exc

    def write(self, records: Iterable[HashRecord], out: BinaryIO, diagnostics: Diagnostics) -> int:
        out.write(b'{"@odata.context":' + json.dumps(PROFILES[self.profile]).encode() + b',"value":[')
        written = 0
        for record in records:
            media = _media_json(record, written + 1, diagnostics)
            if media is None:
                continue
            out.write((b"," if written else b"") + json.dumps(media, separators=(",", ":")).encode())
            written += 1
        out.write(b"]}")
        return written


def _media_json(record: HashRecord, media_id: int, diagnostics: Diagnostics) -> dict[str, Any] | None:
    if not record.md5:
        diagnostics.warn("no MD5 (the key of a VICS Media): not exported")
        return None
    media: dict[str, Any] = {"MediaID": media_id, "MD5": record.md5.upper()}
    if record.category is not None:
        if record.scheme in (None, VICS_SCHEME) and record.category.isdigit():
            media["Category"] = int(record.category)
        else:
            diagnostics.warn(f"category of scheme {record.scheme} has no VICS number: exported without it")
    optional = {
        "SHA1": record.sha1.upper() if record.sha1 else None,
        "MediaSize": record.size,
        "MimeType": record.mime_type,
        "Series": record.series,
        "VictimIdentified": record.victim_identified,
    }
    media.update({key: value for key, value in optional.items() if value is not None})
    media["IsPrecategorized"] = "Category" in media
    alternatives = _alternatives(record, media)
    if alternatives:
        media["AlternativeHashes"] = alternatives
    return media


def _alternatives(record: HashRecord, media: dict[str, Any]) -> list[dict[str, str]]:
    """SHA-256 and signals other than the first PhotoDNA (which has its own property)."""
    md5 = media["MD5"]
    out = []
    if record.sha256:
        out.append({"MD5": md5, "HashName": "SHA256", "HashValue": record.sha256})
    for kind, value in record.signals:
        if kind == "photodna" and "PhotoDNA" not in media:
            media["PhotoDNA"] = value
        else:
            out.append({"MD5": md5, "HashName": _HASH_NAMES.get(kind, kind), "HashValue": value})
    return out


VICS: Final = VicsFormat()
