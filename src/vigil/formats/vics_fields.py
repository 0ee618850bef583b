"""One VICS ``Media`` object → a HashRecord, tolerating what real producers send.

Producers disagree with the schema: sizes and booleans arrive as strings, hashes in upper case, dates as
ISO-8601 with any number of fractional digits or as OData v2 ``/Date(ms)/``, and OData annotation keys
(``odata.id``, ``…@odata.navigationLinkUrl``) sit between the properties.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any, Final

from vigil.formats.base import Diagnostics, HashRecord, Rejected, parse_bool, parse_size, set_hash
from vigil.formats.limits import quote
from vigil.signals import registry

_MS_DATE: Final = re.compile(r"^/Date\((-?\d+)([+-]\d{4})?\)/$")
_ISO_FRACTION: Final = re.compile(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)$")

#: AlternativeHashes names → where the value goes.
_ALTERNATIVE: Final = {
    "md5": "md5",
    "sha1": "sha1",
    "sha-1": "sha1",
    "sha256": "sha256",
    "sha-256": "sha256",
    "pdq": "pdq",
    # Vigil's extension for videos: VICS 2.0 has no vPDQ property, and AlternativeHashes is the schema's
    # place for further hashes of a Media (HashValue is an unbounded string). Meta's text form.
    "vpdq": "vpdq",
}
#: Video file name suffixes → MIME type (fixed here: the system's mime.types differs between hosts).
_VIDEO_TYPES: Final = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".avi": "video/x-msvideo",
    ".wmv": "video/x-ms-wmv",
    ".asf": "video/x-ms-asf",
    ".mpg": "video/mpeg",
    ".mpeg": "video/mpeg",
    ".vob": "video/mpeg",
    ".mkv": "video/x-matroska",
    ".webm": "video/webm",
    ".flv": "video/x-flv",
    ".3gp": "video/3gpp",
    ".ts": "video/mp2t",
    ".m2ts": "video/mp2t",
    ".ogv": "video/ogg",
}
#: Signal types whose invalid value rejects the record rather than being dropped with a warning: the
#: record would otherwise import as an item without the hash that made it worth sending.
_REJECT_INVALID: Final = frozenset({"vpdq"})


def is_annotation(key: str) -> bool:
    """OData control information, not data: ``odata.*`` (v3) and ``@odata.*`` / ``Prop@odata.*`` (v4)."""
    return "@" in key or key.startswith("odata.")


def parse_date(value: object) -> datetime | None:
    """An aware UTC datetime from ISO-8601 (any fraction length, Z or offset) or ``/Date(ms±hhmm)/``."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    match = _MS_DATE.match(text)
    if match:
        # The offset in /Date(ms+hhmm)/ only says which zone the writer was in; ms is already UTC.
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=int(match.group(1)))
    match = _ISO_FRACTION.match(text)
    if match:
        fraction = (match.group(2) or "")[:7].ljust(7, "0") if match.group(2) else ""
        text = match.group(1) + fraction + match.group(3)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _category(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _lower_keys(obj: dict[str, Any]) -> dict[str, Any]:
    return {k.lower(): v for k, v in obj.items() if isinstance(k, str) and not is_annotation(k)}


def _hashes(media: dict[str, Any], record: HashRecord, where: str) -> Rejected | None:
    for key in ("md5", "sha1", "sha256"):  # VICS's own field names (MD5, SHA1, SHA256), lowercased
        value = media.get(key)
        if value is None or value == "":
            continue
        if not isinstance(value, str):
            return Rejected(where, f"{key.upper()} is not a string")
        problem = set_hash(record, key, value)
        if problem:
            return Rejected(where, problem)
    return None


def _alternative_hashes(
    entries: object, record: HashRecord, where: str, diagnostics: Diagnostics
) -> Rejected | None:
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        alt = _lower_keys(entry)
        name, value = str(alt.get("hashname") or "").strip(), alt.get("hashvalue")
        if not name or not isinstance(value, str) or not value.strip():
            continue
        kind = _ALTERNATIVE.get(name.lower())
        if kind is None and name.lower() in registry.signal_types():
            kind = name.lower()  # a plugin's type (an export of Vigil names it so): checked as one
        if kind is None:
            record.signals.append((name.lower(), value.strip()))
            continue
        if kind in registry.IDENTITY_DIGESTS and getattr(record, kind) is not None:
            continue
        problem = set_hash(record, kind, value)
        if problem and kind in _REJECT_INVALID:
            return Rejected(where, f"AlternativeHashes {quote(name)}: {problem}")
        if problem:
            diagnostics.warn(f"AlternativeHashes {quote(name)}: invalid value ignored", where)
    return None


def _video_mime(media: dict[str, Any]) -> str | None:
    """A video's MIME type from the name of its first MediaFile (NSRL and 1.x files name no MimeType),
    so that the item is known as a video; None for any other name."""
    files = media.get("mediafiles")
    first = files[0] if isinstance(files, list) and files else None
    name = _lower_keys(first).get("filename") if isinstance(first, dict) else None
    if not isinstance(name, str):
        return None
    return _VIDEO_TYPES.get(PurePosixPath(name.replace("\\", "/")).suffix.lower())


def _details(media: dict[str, Any], record: HashRecord, where: str, diagnostics: Diagnostics) -> None:
    if media.get("mediasize") not in (None, ""):
        record.size = parse_size(media["mediasize"])
        if record.size is None:
            diagnostics.warn("MediaSize is not a number: ignored", where)
    mime = media.get("mimetype")
    if isinstance(mime, str) and mime.strip():
        record.mime_type = mime.strip()
    else:
        record.mime_type = _video_mime(media)
    record.category = _category(media.get("category"))
    if media.get("category") is not None and record.category is None:
        diagnostics.warn("Category is not a number: kept as unclassified", where)
    photodna = media.get("photodna")
    if isinstance(photodna, str) and photodna.strip():
        record.signals.append(("photodna", photodna.strip()))
    series = media.get("series")
    if isinstance(series, str) and series.strip():
        record.series = series.strip()
    if media.get("victimidentified") is not None:
        record.victim_identified = parse_bool(media["victimidentified"])
        if record.victim_identified is None:
            diagnostics.warn("VictimIdentified is not a boolean: ignored", where)
    if media.get("dateupdated") not in (None, ""):
        record.classified_at = parse_date(media["dateupdated"])
        if record.classified_at is None:
            diagnostics.warn("DateUpdated is not a date: ignored", where)


def media_record(obj: object, where: str, diagnostics: Diagnostics) -> HashRecord | Rejected:
    """The HashRecord of one VICS Media object, or why it cannot be one."""
    if not isinstance(obj, dict):
        return Rejected(where, "a Media entry is not a JSON object")
    media = _lower_keys(obj)
    record = HashRecord(where=where)
    rejected = _hashes(media, record, where)
    if rejected:
        return rejected
    rejected = _alternative_hashes(media.get("alternativehashes"), record, where, diagnostics)
    if rejected:
        return rejected
    if not record.has_identity():
        return Rejected(where, "no MD5, SHA-1 or SHA-256")
    _details(media, record, where, diagnostics)
    return record
