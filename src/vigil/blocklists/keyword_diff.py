"""Changes between two keyword-list versions, and their JSON, as ``versions`` does for URL lists.

Diff document (``"format": "vigil-keywords-diff"``, ``"format_version": 1``): ``list``,
``from_serial``, ``to_serial``, ``published_at`` (of the newer version), ``added`` and ``removed`` as
lists of keywords in the form of the full list; a changed keyword (new warning, other help) is in both.
Applying it: drop every ``removed`` keyword (all fields must match), then insert every ``added`` one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from vigil.blocklists.keywords import (
    FORMAT_VERSION,
    Keyword,
    KeywordError,
    KeywordListVersion,
    keyword_from_dict,
    keyword_to_dict,
)
from vigil.blocklists.versions import check_list_name, check_serial

DIFF_FORMAT: Final = "vigil-keywords-diff"


@dataclass(frozen=True)
class KeywordDiff:
    name: str
    from_serial: int
    to_serial: int
    published_at: datetime
    added: tuple[Keyword, ...]
    removed: tuple[Keyword, ...]

    def __post_init__(self) -> None:
        check_list_name(self.name)
        check_serial(self.from_serial)
        check_serial(self.to_serial)
        if self.to_serial <= self.from_serial:
            raise KeywordError(f"diff goes from serial {self.from_serial} to {self.to_serial}")
        object.__setattr__(self, "added", tuple(sorted(self.added, key=lambda k: k.key)))
        object.__setattr__(self, "removed", tuple(sorted(self.removed, key=lambda k: k.key)))


def empty_keyword_version(name: str, published_at: datetime) -> KeywordListVersion:
    return KeywordListVersion(name=name, serial=0, published_at=published_at, keywords=())


def diff_keyword_versions(old: KeywordListVersion, new: KeywordListVersion) -> KeywordDiff:
    if old.name != new.name:
        raise KeywordError(f"cannot diff list {old.name!r} against {new.name!r}")
    before = {k.key: k for k in old.keywords}
    after = {k.key: k for k in new.keywords}
    return KeywordDiff(
        name=new.name,
        from_serial=old.serial,
        to_serial=new.serial,
        published_at=new.published_at,
        added=tuple(k for key, k in after.items() if before.get(key) != k),
        removed=tuple(k for key, k in before.items() if after.get(key) != k),
    )


def apply_keyword_diff(old: KeywordListVersion, diff: KeywordDiff) -> KeywordListVersion:
    if old.name != diff.name or old.serial != diff.from_serial:
        raise KeywordError(
            f"diff {diff.from_serial}->{diff.to_serial} does not apply to {old.name}@{old.serial}"
        )
    keywords = {k.key: k for k in old.keywords}
    for keyword in diff.removed:
        if keywords.get(keyword.key) != keyword:
            raise KeywordError(f"diff removes {keyword.term!r}, which the base does not hold")
        del keywords[keyword.key]
    for keyword in diff.added:
        if keyword.key in keywords:
            raise KeywordError(f"diff adds {keyword.term!r}, which the base already holds")
        keywords[keyword.key] = keyword
    return KeywordListVersion(
        name=old.name,
        serial=diff.to_serial,
        published_at=diff.published_at,
        keywords=tuple(keywords.values()),
    )


def _lines(keywords: tuple[Keyword, ...]) -> str:
    body = ",\n".join(json.dumps(keyword_to_dict(k), ensure_ascii=False) for k in keywords)
    return f"[\n{body}\n]" if body else "[]"


def keyword_diff_to_json(diff: KeywordDiff) -> str:
    head = {
        "format": DIFF_FORMAT,
        "format_version": FORMAT_VERSION,
        "list": diff.name,
        "from_serial": diff.from_serial,
        "to_serial": diff.to_serial,
        "published_at": diff.published_at.isoformat(),
    }
    return (
        json.dumps(head, ensure_ascii=False)[:-1]
        + f', "added": {_lines(diff.added)}, "removed": {_lines(diff.removed)}}}\n'
    )


def _int(data: dict[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise KeywordError(f"{key} is not an integer")
    return value


def _keywords(data: dict[str, Any], key: str) -> tuple[Keyword, ...]:
    items = data.get(key)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise KeywordError(f"{key} is not a list of objects")
    return tuple(keyword_from_dict(item) for item in items)


def keyword_diff_from_json(text: str | bytes) -> KeywordDiff:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise KeywordError(f"not JSON: {error}") from None
    if not isinstance(data, dict) or data.get("format") != DIFF_FORMAT:
        raise KeywordError(f"not a {DIFF_FORMAT} document")
    if data.get("format_version") != FORMAT_VERSION:
        raise KeywordError(f"unsupported format_version {data.get('format_version')!r}")
    published = data.get("published_at")
    try:
        published_at = datetime.fromisoformat(published) if isinstance(published, str) else None
    except ValueError:
        published_at = None
    if published_at is None:
        raise KeywordError("published_at is not an ISO 8601 timestamp")
    return KeywordDiff(
        name=str(data.get("list")),
        from_serial=_int(data, "from_serial"),
        to_serial=_int(data, "to_serial"),
        published_at=published_at,
        added=_keywords(data, "added"),
        removed=_keywords(data, "removed"),
    )
