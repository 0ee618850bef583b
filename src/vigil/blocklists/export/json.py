"""JSON export of a list version with every field, the diff between two versions, and their readers.

Version document (``"format": "vigil-blocklist"``, ``"format_version": 1``)::

    {"format": "vigil-blocklist", "format_version": 1, "list": "worst-of", "serial": 7,
     "published_at": "2025-01-02T03:04:05+00:00",
     "entries": [
       {"kind": "domain", "target": "bad.example", "wildcard": true, "category": "...",
        "reason": "...", "added_at": "...", "expires_at": null},
       {"kind": "url", "target": "http://host.example/a", "host": "host.example",
        "sha256": "<SHA-256 of target>", "wildcard": false, ...}
     ]}

Diff document (``"format": "vigil-blocklist-diff"``): ``list``, ``from_serial``, ``to_serial``,
``published_at`` (of the newer version), ``added`` and ``removed`` as lists of entries in the same
form; a changed entry appears in both. Applying it: drop every ``removed`` entry (all fields must
match), then insert every ``added`` one (see ``vigil.blocklists.versions.apply_diff``).

Entries are written one per line so that large lists stay readable and diffable. Readers check every
target is in canonical form: a list whose targets hash differently from Vigil's would not match.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Final

from vigil.blocklists.entries import ENTRY_KINDS, ListEntry, parse_target
from vigil.blocklists.versions import ListVersion, VersionDiff

FORMAT: Final = "vigil-blocklist"
DIFF_FORMAT: Final = "vigil-blocklist-diff"
FORMAT_VERSION: Final = 1


class JsonFormatError(ValueError):
    """A document that is not a Vigil blocklist (or diff) of a supported version."""


def entry_to_dict(entry: ListEntry) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": entry.kind, "target": entry.target}
    if entry.kind == "url":
        out["host"] = entry.host
        out["sha256"] = entry.url_sha256
    out.update(
        wildcard=entry.wildcard,
        category=entry.category,
        reason=entry.reason,
        added_at=entry.added_at.isoformat(),
        expires_at=entry.expires_at.isoformat() if entry.expires_at else None,
    )
    return out


def _time(value: Any, field: str) -> datetime:
    if not isinstance(value, str):
        raise JsonFormatError(f"{field} is not a timestamp string")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise JsonFormatError(f"{field} {value!r} is not an ISO 8601 timestamp") from None
    if parsed.utcoffset() is None:
        raise JsonFormatError(f"{field} {value!r} has no time zone")
    return parsed


def entry_from_dict(data: Mapping[str, Any]) -> ListEntry:
    kind, target = data.get("kind"), data.get("target")
    if kind not in ENTRY_KINDS or not isinstance(target, str):
        raise JsonFormatError(f"entry without a valid kind and target: {dict(data)!r:.200}")
    parsed_kind, canonical, _ = parse_target(target if kind == "url" else target.removeprefix("*."))
    if parsed_kind != kind or canonical != target:
        raise JsonFormatError(f"{kind} {target!r} is not in canonical form ({canonical!r})")
    category, reason, wildcard = data.get("category"), data.get("reason", ""), data.get("wildcard", False)
    if not isinstance(category, str) or not isinstance(reason, str) or not isinstance(wildcard, bool):
        raise JsonFormatError(f"entry {target!r}: category, reason or wildcard of the wrong type")
    expires = data.get("expires_at")
    return ListEntry(
        kind=kind,
        target=target,
        category=category,
        added_at=_time(data.get("added_at"), "added_at"),
        reason=reason,
        wildcard=wildcard,
        expires_at=None if expires is None else _time(expires, "expires_at"),
    )


def _document(head: Mapping[str, Any], lists: Mapping[str, Iterable[ListEntry]]) -> str:
    # The head is written with json.dumps, then each list with one entry per line.
    parts = [json.dumps(dict(head), ensure_ascii=False)[:-1]]
    for key, entries in lists.items():
        lines = ",\n".join(json.dumps(entry_to_dict(entry), ensure_ascii=False) for entry in entries)
        parts.append(f', "{key}": [\n{lines}\n]' if lines else f', "{key}": []')
    return "".join(parts) + "}\n"


def version_to_json(version: ListVersion) -> str:
    head = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "list": version.name,
        "serial": version.serial,
        "published_at": version.published_at.isoformat(),
    }
    return _document(head, {"entries": version.entries})


def diff_to_json(diff: VersionDiff) -> str:
    head = {
        "format": DIFF_FORMAT,
        "format_version": FORMAT_VERSION,
        "list": diff.name,
        "from_serial": diff.from_serial,
        "to_serial": diff.to_serial,
        "published_at": diff.published_at.isoformat(),
    }
    return _document(head, {"added": diff.added, "removed": diff.removed})


def _load(text: str | bytes, expected: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise JsonFormatError(f"not JSON: {error}") from None
    except RecursionError:  # arrays or objects nested thousands deep: no blocklist looks like that
        raise JsonFormatError("not a blocklist: JSON nested too deep") from None
    if not isinstance(data, dict) or data.get("format") != expected:
        raise JsonFormatError(f"not a {expected} document")
    if data.get("format_version") != FORMAT_VERSION:
        raise JsonFormatError(f"unsupported format_version {data.get('format_version')!r}")
    return data


def _entries(data: Mapping[str, Any], key: str) -> tuple[ListEntry, ...]:
    items = data.get(key)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise JsonFormatError(f"{key} is not a list of objects")
    return tuple(entry_from_dict(item) for item in items)


def _int(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise JsonFormatError(f"{key} is not an integer")
    return value


def version_from_json(text: str | bytes) -> ListVersion:
    data = _load(text, FORMAT)
    return ListVersion(
        name=str(data.get("list")),
        serial=_int(data, "serial"),
        published_at=_time(data.get("published_at"), "published_at"),
        entries=_entries(data, "entries"),
    )


def diff_from_json(text: str | bytes) -> VersionDiff:
    data = _load(text, DIFF_FORMAT)
    return VersionDiff(
        name=str(data.get("list")),
        from_serial=_int(data, "from_serial"),
        to_serial=_int(data, "to_serial"),
        published_at=_time(data.get("published_at"), "published_at"),
        added=_entries(data, "added"),
        removed=_entries(data, "removed"),
    )
