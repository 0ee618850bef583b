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

Both documents are the shared envelope (``vigil.blocklists.envelope``) around these entries. Readers
check every target is in canonical form: a list whose targets hash differently from Vigil's would not match.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from vigil.blocklists.entries import ENTRY_KINDS, ListEntry, parse_target
from vigil.blocklists.envelope import Envelope, parse_time
from vigil.blocklists.versions import ListVersion, VersionDiff
from vigil.errors import Invalid

FORMAT: Final = "vigil-blocklist"
DIFF_FORMAT: Final = "vigil-blocklist-diff"


class JsonFormatError(Invalid):
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
        added_at=parse_time(data.get("added_at"), "added_at", JsonFormatError),
        reason=reason,
        wildcard=wildcard,
        expires_at=None if expires is None else parse_time(expires, "expires_at", JsonFormatError),
    )


ENVELOPE: Final[Envelope[ListEntry, ListVersion, VersionDiff]] = Envelope(
    FORMAT,
    DIFF_FORMAT,
    "entries",
    entry_to_dict,
    entry_from_dict,
    JsonFormatError,
    items_of=lambda version: version.entries,
    make_version=ListVersion,
    make_diff=VersionDiff,
)
version_to_json = ENVELOPE.version_to_json
diff_to_json = ENVELOPE.diff_to_json
version_from_json = ENVELOPE.version_from_json
diff_from_json = ENVELOPE.diff_from_json
