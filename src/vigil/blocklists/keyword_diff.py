"""Changes between two keyword-list versions, and their JSON, as ``versions`` does for URL lists.

Diff document (``"format": "vigil-keywords-diff"``, ``"format_version": 1``): ``list``,
``from_serial``, ``to_serial``, ``published_at`` (of the newer version), ``added`` and ``removed`` as
lists of keywords in the form of the full list; a changed keyword (new warning, other help) is in both.
Applying it: drop every ``removed`` keyword (all fields must match), then insert every ``added`` one.
"""

from __future__ import annotations

from datetime import datetime

from vigil.blocklists.keywords import ENVELOPE, KeywordDiff, KeywordError, KeywordListVersion
from vigil.blocklists.versions import apply_changes, changes, check_diff_base, check_same_list


def empty_keyword_version(name: str, published_at: datetime) -> KeywordListVersion:
    return KeywordListVersion(name=name, serial=0, published_at=published_at, keywords=())


def diff_keyword_versions(old: KeywordListVersion, new: KeywordListVersion) -> KeywordDiff:
    check_same_list(old, new)
    added, removed = changes({k.key: k for k in old.keywords}, {k.key: k for k in new.keywords})
    return KeywordDiff(new.name, old.serial, new.serial, new.published_at, added, removed)


def apply_keyword_diff(old: KeywordListVersion, diff: KeywordDiff) -> KeywordListVersion:
    check_diff_base(old, diff)
    keywords = apply_changes(
        {k.key: k for k in old.keywords},
        diff.added,
        diff.removed,
        lambda k: k.key,
        lambda k: repr(k.term),
        KeywordError,
    )
    return KeywordListVersion(old.name, diff.to_serial, diff.published_at, tuple(keywords.values()))


keyword_diff_to_json = ENVELOPE.diff_to_json
keyword_diff_from_json = ENVELOPE.diff_from_json
