"""The keyword list's lifecycle and checks on SQLite and PostgreSQL (benign made-up terms)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.integration.blocklists.conftest import Clock
from vigil.blocklists.keyword_diff import apply_keyword_diff, empty_keyword_version
from vigil.blocklists.keyword_service import KeywordService
from vigil.blocklists.keywords import HelpResource, keywords_from_json, keywords_to_json
from vigil.blocklists.lists import BlocklistError

HELP = HelpResource(name="Example Helpline", url="https://help.example/", language="en")
WARNING = "Searching for this is illegal. Confidential help is available."


def add(keywords: KeywordService, term: str, **kwargs: object) -> None:
    keywords.add(term, by="alice", warning=WARNING, help=HELP, **kwargs)  # type: ignore[arg-type]


def test_two_analysts_then_publish_then_check(keywords: KeywordService) -> None:
    add(keywords, "Blue Widget")
    with pytest.raises(BlocklistError, match="second, different analyst"):
        keywords.confirm("blue widget", by="Alice")
    keywords.publish()
    assert not keywords.check("blue widget").matched  # not confirmed when published
    keywords.confirm("BLUE WIDGET", by="bob")
    assert keywords.publish().serial == 2
    result = keywords.check("where to find a b1ue w1dget")
    assert result.terms == ["Blue Widget"]
    assert result.warning == WARNING and result.help == HELP
    assert not keywords.check("a red gadget").matched


def test_one_live_term_per_language_whatever_its_case(keywords: KeywordService) -> None:
    add(keywords, "blue widget")
    with pytest.raises(BlocklistError, match="already on list"):
        add(keywords, "BLUE WIDGET")
    add(keywords, "blue widget", language="de")
    assert len(keywords.entries()) == 2


@pytest.mark.parametrize(
    ("term", "changes", "message"),
    [
        ("...", {}, "no letters"),
        ("blue widget", {"language": "English"}, "BCP 47"),
        ("blue widget", {"match": "fuzzy"}, "match"),
        ("", {}, "empty"),
    ],
)
def test_bad_terms_are_refused(
    keywords: KeywordService, term: str, changes: dict[str, str], message: str
) -> None:
    with pytest.raises(BlocklistError, match=message):
        add(keywords, term, **changes)


@pytest.mark.slow
def test_versions_diffs_removal_and_expiry(keywords: KeywordService, clock: Clock) -> None:
    for term in ("blue widget", "red gadget", "green gizmo"):
        add(keywords, term, match="word" if term == "red gadget" else "phrase")
        keywords.confirm(term, by="bob")
    keywords.expire("green gizmo", by="alice", at=clock.now + timedelta(days=1))
    first = keywords.publish()
    assert (first.serial, first.entries) == (1, 3)
    assert keywords.publish().new_version is False
    clock.advance(days=2)
    keywords.remove("red gadget", by="carol", reason="made-up")
    second = keywords.publish()
    assert (second.serial, second.removed) == (2, 2)
    v1, v2 = keywords.version(serial=1), keywords.version()
    assert [k.term for k in v2.keywords] == ["blue widget"]
    assert keywords_from_json(keywords_to_json(v2)) == v2
    assert apply_keyword_diff(v1, keywords.diff(since=1)) == v2
    assert apply_keyword_diff(empty_keyword_version(v2.name, v2.published_at), keywords.diff(since=0)) == v2
    assert [v.serial for v in keywords.versions()] == [1, 2]


def test_a_url_list_name_is_not_a_keyword_list(keywords: KeywordService) -> None:
    with pytest.raises(BlocklistError, match="unknown keyword list"):
        keywords.check("anything")
