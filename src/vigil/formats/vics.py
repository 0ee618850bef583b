"""Project VIC "VICS" JSON: read 1.x (``odata.metadata``) and 2.0 (``@odata.context``), write 2.0.

Both shapes are read in one streaming pass: a media list (``value[]`` of Media) and a case export
(``value[]`` of Case, each with ``Media[]``). Only the Media objects are ever held in memory, one at a time:
a case export can carry a million Media inside a single Case.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO, Final

import ijson

from vigil.formats.base import Diagnostics, FormatError, HashRecord, Rejected
from vigil.formats.encoding import utf8_stream
from vigil.formats.vics_fields import media_record

#: ``@odata.context`` of each export profile (the realms seen in producers' code).
PROFILES: Final = {
    "default": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/Default/$metadata#Media",
    "us": "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media",
}
#: The scheme whose category codes are VICS category numbers.
VICS_SCHEME: Final = "vics-us"
_CONTEXT_KEYS: Final = ("@odata.context", "odata.metadata")
#: The head of a media list: context first, then the ``value`` array (how every producer seen writes it).
_FLAT_HEAD: Final = re.compile(
    rb'^\s*\{\s*"(@odata\.context|odata\.metadata)"\s*:\s*"([^"\\]*)"\s*,\s*"value"\s*:\s*\['
)
_SCALARS: Final = frozenset({"null", "boolean", "integer", "double", "number", "string"})


class _Builder:
    """Builds one JSON object from parser events (the part of ijson's ObjectBuilder Vigil needs)."""

    __slots__ = ("_builder",)

    def __init__(self) -> None:
        self._builder = ijson.ObjectBuilder()
        self._builder.event("start_map", None)

    def event(self, event: str, value: Any) -> None:
        self._builder.event(event, value)

    @property
    def value(self) -> Any:
        return self._builder.value


class _Reader:
    """The streaming state machine over ijson events (see the module docstring)."""

    def __init__(self, diagnostics: Diagnostics) -> None:
        self.diagnostics = diagnostics
        self.version: str | None = None
        self.saw_value = False
        self.records = 0
        self.cases = 0
        self.item: _Builder | None = None
        self.media: _Builder | None = None
        self.media_prefix = ""

    def record(self, obj: Any) -> HashRecord | Rejected:
        self.records += 1
        return media_record(obj, f"record {self.records}", self.diagnostics)

    def run(self, events: Iterator[tuple[str, str, Any]]) -> Iterator[HashRecord | Rejected]:
        first = next(events, None)
        if first is None:
            raise FormatError("empty file: not VICS JSON")
        if first[1] != "start_map":
            raise FormatError("not VICS JSON: the top level is not an object")
        for prefix, event, value in events:
            if self.media is not None:
                if event == "end_map" and prefix == self.media_prefix + ".item":
                    yield self.record(self.media.value)
                    self.media = None
                else:
                    self.media.event(event, value)
            elif self.item is not None:
                yield from self._in_item(prefix, event, value)
            else:
                yield from self._top(prefix, event, value)
        self._finish()

    def _in_item(self, prefix: str, event: str, value: Any) -> Iterator[HashRecord | Rejected]:
        """Inside one ``value[]`` entry: a Media object, or a Case whose ``Media[]`` is streamed."""
        assert self.item is not None
        mp = self.media_prefix
        if mp and (prefix == mp or prefix.startswith(mp + ".")):
            if event == "start_map" and prefix == mp + ".item":
                self.media = _Builder()
            return
        if prefix == "value.item" and event == "map_key" and value.lower() == "media":
            self.media_prefix = "value.item." + value
            return
        if prefix == "value.item" and event == "end_map":
            if mp:
                self.cases += 1
            else:
                yield self.record(self.item.value)
            self.item, self.media_prefix = None, ""
            return
        self.item.event(event, value)

    def _top(self, prefix: str, event: str, value: Any) -> Iterator[HashRecord | Rejected]:
        if prefix == "value.item":
            if event == "start_map":
                self.item = _Builder()
            elif event in _SCALARS:
                self.records += 1
                yield Rejected(f"record {self.records}", "a value entry is not a JSON object")
            elif event == "start_array":
                raise FormatError("'value' holds arrays: not VICS JSON")
        elif prefix == "value":
            if event == "start_array":
                self.saw_value = True
            elif event != "end_array":
                raise FormatError("'value' is not an array: not VICS JSON")
        elif prefix in _CONTEXT_KEYS and event == "string":
            self.context(prefix, value)

    def context(self, key: str, value: str) -> None:
        if key == "@odata.context":
            self.version = "2.0"
        else:
            self.version = "1.x"
            for minor in ("1.1", "1.2", "1.3"):
                if f"/{minor}.xml" in value:
                    self.version = minor

    def _finish(self) -> None:
        if not self.saw_value:
            raise FormatError("no 'value' array: not VICS JSON")
        if self.version is None:
            self.diagnostics.warn("no @odata.context or odata.metadata: read as VICS 2.0")


class VicsFormat:
    """VICS reader (1.x and 2.0, both shapes) and VICS 2.0 writer with a chosen profile."""

    def __init__(self, profile: str = "default") -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown VICS profile {profile!r}; known: {', '.join(PROFILES)}")
        self.profile = profile

    @property
    def name(self) -> str:
        return "vics"

    @property
    def description(self) -> str:
        return "Project VIC VICS JSON: reads 1.x and 2.0 (case export or media list), writes 2.0"

    def read(self, stream: BinaryIO, diagnostics: Diagnostics) -> Iterator[HashRecord | Rejected]:
        reader = _Reader(diagnostics)
        try:
            text = utf8_stream(stream)
            head = text.peek(1)
            if not head.strip():
                raise FormatError("empty file: not VICS JSON")
            flat = _FLAT_HEAD.match(head)
            if flat and flat.group(2).endswith(b"#Media"):
                # The common case, a media list that starts as producers write it: ijson's C code builds
                # each Media object, several times faster than following the events in Python.
                reader.saw_value = True
                reader.context(flat.group(1).decode(), flat.group(2).decode("utf-8", "replace"))
                for obj in ijson.items(text, "value.item", use_float=True):
                    yield reader.record(obj)
                return
            yield from reader.run(iter(ijson.parse(text, use_float=True)))
        except ijson.JSONError as exc:
            where = f" after record {reader.records}" if reader.records else ""
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise FormatError(f"invalid JSON{where}: {first_line}") from exc
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
            out.append({"MD5": md5, "HashName": "PDQ" if kind == "pdq" else kind, "HashValue": value})
    return out


VICS: Final = VicsFormat()
