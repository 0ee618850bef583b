"""Changes between two keyword-list versions, and their JSON, as ``versions`` does for URL lists.

Diff document (``"format": "vigil-keywords-diff"``, ``"format_version": 1``): ``list``,
``from_serial``, ``to_serial``, ``published_at`` (of the newer version), ``added`` and ``removed`` as
lists of keywords in the form of the full list; a changed keyword (new warning, other help) is in both.
Applying it: drop every ``removed`` keyword (all fields must match), then insert every ``added`` one.
"""

from __future__ import annotations

from datetime import datetime

from vigil.blocklists.keywords import ENVELOPE, KeywordDiff, KeywordError, KeywordListVersion


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


keyword_diff_to_json = ENVELOPE.diff_to_json
keyword_diff_from_json = ENVELOPE.diff_from_json
