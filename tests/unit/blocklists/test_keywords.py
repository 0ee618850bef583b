from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from vigil.blocklists.keywords import (
    HelpResource,
    Keyword,
    KeywordError,
    KeywordListVersion,
    keywords_from_json,
    keywords_to_json,
)

T0 = datetime(2025, 2, 1, tzinfo=UTC)
HELP_EN = HelpResource(
    name="Example Helpline", url="https://help.example/en", language="en", phone="+44 800 000 0000"
)
HELP_DE = HelpResource(name="Beispiel-Hilfe", url="https://hilfe.example/", language="de")


def keyword(term: str, language: str = "en", **changes: object) -> Keyword:
    fields: dict[str, object] = {
        "term": term,
        "language": language,
        "match": "phrase",
        "warning": "Searching for this is illegal. Confidential help is available.",
        "help": HELP_EN if language == "en" else HELP_DE,
        "added_at": T0,
        "category": "made-up",
    } | changes
    return Keyword(**fields)  # type: ignore[arg-type]


def keyword_list(*keywords: Keyword, serial: int = 3) -> KeywordListVersion:
    return KeywordListVersion(name="search-terms", serial=serial, published_at=T0, keywords=keywords)


def test_json_round_trip() -> None:
    v = keyword_list(
        keyword("made up phrase"),
        keyword("erfundenes wort", "de", match="word", expires_at=T0 + timedelta(days=90)),
        keyword("zzfake", match="substring"),
    )
    text = keywords_to_json(v)
    assert keywords_from_json(text) == v
    data = json.loads(text)
    assert (data["format"], data["format_version"], data["list"], data["serial"]) == (
        "vigil-keywords",
        1,
        "search-terms",
        3,
    )
    first = data["keywords"][0]
    assert first["warning"] and first["help"]["url"].startswith("https://")
    assert len(text.splitlines()) == 2 + 3  # one keyword per line


def test_terms_are_unique_per_language_whatever_the_case() -> None:
    with pytest.raises(KeywordError, match="twice"):
        keyword_list(keyword("Made Up"), keyword("made up"))
    keyword_list(keyword("made up"), keyword("made up", "de"))  # another language: allowed


def test_terms_are_stored_nfc() -> None:
    decomposed = "cafe\u0301"
    assert keyword(decomposed).term == "caf\u00e9"


@pytest.mark.parametrize(
    "changes",
    [
        {"term": "  "},
        {"language": "english"},
        {"match": "regex"},
        {"warning": ""},
        {"added_at": datetime(2025, 1, 1)},
        {"expires_at": T0},
    ],
)
def test_bad_keywords_are_refused(changes: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "term": "made up",
        "language": "en",
        "match": "phrase",
        "warning": "A warning.",
        "help": HELP_EN,
        "added_at": T0,
    } | changes
    with pytest.raises(KeywordError):
        Keyword(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {"url": "http://help.example/"},  # not https
        {"url": "javascript:alert(1)"},
        {"url": "https://"},
        {"phone": "call us"},
        {"language": "??"},
        {"name": ""},
    ],
)
def test_bad_help_resources_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(KeywordError):
        replace(HELP_EN, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.update(format="vigil-blocklist"),
        lambda d: d.update(format_version=9),
        lambda d: d.update(serial="3"),
        lambda d: d["keywords"][0].update(match="regex"),
        lambda d: d["keywords"][0].pop("help"),
        lambda d: d["keywords"][0]["help"].update(url="http://plain.example/"),
        lambda d: d["keywords"][0].update(added_at="yesterday"),
    ],
)
def test_malformed_keyword_documents(mutate: object) -> None:
    data = json.loads(keywords_to_json(keyword_list(keyword("made up"))))
    mutate(data)  # type: ignore[operator]
    with pytest.raises(KeywordError):
        keywords_from_json(json.dumps(data))


def test_deeply_nested_json_is_refused_clearly() -> None:
    """Found by the fuzz suite: a nesting bomb escaped as RecursionError instead of a KeywordError."""
    with pytest.raises(KeywordError, match="nested too deep"):
        keywords_from_json('{"keywords": ' + "[" * 100_000 + "]" * 100_000 + "}")
