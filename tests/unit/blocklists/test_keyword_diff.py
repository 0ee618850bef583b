"""Keyword-list diffs: since-N changes round-trip to the full list, through JSON too."""

from __future__ import annotations

from dataclasses import replace

import pytest

from vigil.blocklists.keyword_diff import (
    apply_keyword_diff,
    diff_keyword_versions,
    empty_keyword_version,
    keyword_diff_from_json,
    keyword_diff_to_json,
)
from vigil.blocklists.keywords import KeywordError, KeywordListVersion

from .test_keyword_check import T0, keyword


def listing(serial: int, *keywords: object) -> KeywordListVersion:
    return KeywordListVersion(name="search-terms", serial=serial, published_at=T0, keywords=keywords)  # type: ignore[arg-type]


V1 = listing(1, keyword("blue widget", "phrase"), keyword("red gadget", "word"))
V2 = listing(
    2,
    keyword("blue widget", "phrase", warning="a changed warning"),
    keyword("green gizmo", "substring"),
    keyword("blaues teil", "phrase", language="de"),
)


@pytest.mark.parametrize(
    ("old", "new"), [(V1, V2), (V2, replace(V1, serial=3)), (empty_keyword_version("search-terms", T0), V2)]
)
def test_diff_round_trips(old: KeywordListVersion, new: KeywordListVersion) -> None:
    diff = diff_keyword_versions(old, new)
    assert apply_keyword_diff(old, diff) == new
    assert keyword_diff_from_json(keyword_diff_to_json(diff)) == diff
    assert apply_keyword_diff(old, keyword_diff_from_json(keyword_diff_to_json(diff))) == new


def test_a_changed_keyword_is_removed_and_added() -> None:
    diff = diff_keyword_versions(V1, V2)
    assert [k.term for k in diff.added] == ["blaues teil", "blue widget", "green gizmo"]
    assert [k.term for k in diff.removed] == ["blue widget", "red gadget"]


def test_a_diff_applies_only_to_its_base() -> None:
    diff = diff_keyword_versions(V1, V2)
    with pytest.raises(KeywordError, match="does not apply"):
        apply_keyword_diff(V2, diff)


@pytest.mark.parametrize("text", ["nope", "{}", '{"format": "vigil-keywords-diff", "format_version": 9}'])
def test_bad_documents(text: str) -> None:
    with pytest.raises(KeywordError):
        keyword_diff_from_json(text)
