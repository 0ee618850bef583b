"""Changes between two keyword-list versions, and their JSON, as ``versions`` does for URL lists.

Diff document (``"format": "vigil-keywords-diff"``, ``"format_version": 1``): ``list``,
``from_serial``, ``to_serial``, ``published_at`` (of the newer version), ``added`` and ``removed`` as
lists of keywords in the form of the full list; a changed keyword (new warning, other help) is in both.
Applying it: drop every ``removed`` keyword (all fields must match), then insert every ``added`` one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from vigil.blocklists.keywords import ENVELOPE, Keyword, KeywordError, KeywordListVersion
from vigil.blocklists.versions import check_list_name, check_serial


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


def keyword_diff_to_json(diff: KeywordDiff) -> str:
    return ENVELOPE.diff_to_json(
        diff.name, diff.from_serial, diff.to_serial, diff.published_at, diff.added, diff.removed
    )


def keyword_diff_from_json(text: str | bytes) -> KeywordDiff:
    document = ENVELOPE.read_diff(text)
    return KeywordDiff(
        name=document.name,
        from_serial=document.from_serial,
        to_serial=document.to_serial,
        published_at=document.published_at,
        added=document.added,
        removed=document.removed,
    )
