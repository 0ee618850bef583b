"""Keyword matching: normalization, substitutions and the word, phrase and substring modes.

Terms are benign made-up phrases ("blue widget"); what matters is how disguised queries are read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from vigil.blocklists.keyword_check import KeywordChecker, compile_term, normalize
from vigil.blocklists.keywords import HelpResource, Keyword, MatchMode

T0 = datetime(2025, 2, 1, tzinfo=UTC)
HELP_EN = HelpResource(name="Example Helpline", url="https://help.example/en", language="en")
HELP_DE = HelpResource(name="Beispiel-Hilfe", url="https://hilfe.example/", language="de")


def keyword(term: str, match: MatchMode, language: str = "en", **changes: object) -> Keyword:
    fields: dict[str, object] = {
        "term": term,
        "language": language,
        "match": match,
        "warning": f"warning for {term} ({language})",
        "help": HELP_DE if language == "de" else HELP_EN,
        "added_at": T0,
    } | changes
    return Keyword(**fields)  # type: ignore[arg-type]


def matches(term: str, match: MatchMode, query: str) -> bool:
    return KeywordChecker([keyword(term, match)]).check(query).matched


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("BLUE Widget", "blue widget"),
        ("ｂｌｕｅ　ｗｉｄｇｅｔ", "blue widget"),  # fullwidth letters and space (NFKC)
        ("blüe wídgèt", "blue widget"),  # diacritics
        ("ﬁsh", "fish"),  # ligature
        ("STRASSE straße", "strasse strasse"),  # casefold, not lower
        ("blu\u200be wid\u00adget", "blue widget"),  # zero-width space, soft hyphen
        ("blue widgеt", "blue widget"),  # Cyrillic е
        ("B1ue W1dg3t", "b1ue w1dg3t"),  # substitutions are left to the matcher
    ],
)
def test_normalize(text: str, expected: str) -> None:
    assert normalize(text) == expected


@pytest.mark.parametrize(
    "query",
    [
        "blue widget",
        "cheap BLUE WIDGET now",
        "b1ue widget",  # 1 for l
        "blue w1dget",  # 1 for i
        "blu3 widg3t",
        "blue widge7",
        "blüe wídgét",
        "blue-widget",
        "blue_widget",
        "blue...widget",
        "blue\twidget",
        "ｂｌｕｅ ｗｉｄｇｅｔ",
        "blue wid\u200bget",
    ],
)
def test_phrase_matches_disguised_queries(query: str) -> None:
    assert matches("blue widget", "phrase", query)


@pytest.mark.parametrize(
    "query",
    [
        "widget blue",  # order matters in a phrase
        "blue red widget",  # other words between
        "bluewidget",  # one word is not two
        "blue widgets",  # whole words only
        "xblue widget",
        "blu widget",
        "",
    ],
)
def test_phrase_does_not_match(query: str) -> None:
    assert not matches("blue widget", "phrase", query)


def test_word_mode_needs_whole_words_in_any_order() -> None:
    assert matches("widget", "word", "a W1DGET here")
    assert matches("widget", "word", "widget!")
    assert not matches("widget", "word", "widgets")
    assert not matches("widget", "word", "gadgetwidget")
    assert matches("blue widget", "word", "widget, large, blue")
    assert not matches("blue widget", "word", "blue gadget")


def test_substring_mode_finds_terms_inside_words_and_across_punctuation() -> None:
    assert matches("widget", "substring", "superwidgets")
    assert matches("widget", "substring", "w.i.d.g.e.t")
    assert matches("widget", "substring", "w-1-d-g-3-t")
    assert matches("blue widget", "substring", "bluewidget")
    assert matches("blue widget", "substring", "blue_widget")
    assert not matches("widget", "substring", "w i d g e t")  # spaces end a substring match
    assert not matches("widget", "substring", "widge")


@pytest.mark.parametrize(
    ("stand_in", "letter"),
    [("0", "o"), ("3", "e"), ("4", "a"), ("5", "s"), ("7", "t"), ("@", "a"), ("$", "s")],
)
def test_each_substitution(stand_in: str, letter: str) -> None:
    term = f"x{letter}x"
    assert matches(term, "word", f"say x{stand_in}x now")
    assert matches(term, "word", f"say X{letter.upper()}X now")


def test_one_stands_for_i_and_l() -> None:
    assert matches("lil", "word", "111")
    assert matches("lil", "word", "l1l")
    assert not matches("lil", "word", "lol")


def test_a_number_in_a_term_matches_the_number() -> None:
    assert matches("model 47", "phrase", "the model 47 kit")
    assert not matches("model 47", "phrase", "the model 48 kit")


def test_a_stand_in_typed_in_the_term_matches_the_letters() -> None:
    assert matches("b1ue", "word", "blue")
    assert matches("b1ue", "word", "biue")
    assert matches("b1ue", "word", "b1ue")


def test_diacritics_in_the_term_are_ignored_too() -> None:
    assert matches("wídgét", "word", "widget")


def test_non_latin_terms() -> None:
    assert matches("синий виджет", "phrase", "Синий  Виджет")
    assert matches("青い部品", "substring", "これは青い部品です")


def test_result_carries_the_warning_in_the_searchers_language() -> None:
    checker = KeywordChecker(
        [keyword("blue widget", "phrase"), keyword("blue widget", "phrase", language="de")]
    )
    result = checker.check("blue widget", language="de-AT")
    assert result.terms == ["blue widget", "blue widget"]
    assert result.warning == "warning for blue widget (de)"
    assert result.help == HELP_DE
    english = checker.check("blue widget")
    assert english.warning == "warning for blue widget (en)"
    nothing = checker.check("red gadget")
    assert (nothing.matched, nothing.warning, nothing.help) == (False, None, None)


def test_expired_terms_no_longer_match() -> None:
    checker = KeywordChecker([keyword("blue widget", "phrase", expires_at=T0 + timedelta(days=1))])
    assert checker.check("blue widget", at=T0).matched
    assert not checker.check("blue widget", at=T0 + timedelta(days=2)).matched


def test_terms_without_letters_are_refused() -> None:
    with pytest.raises(ValueError, match="no letters"):
        compile_term("...", "phrase")


def test_long_queries_are_cut_and_stay_fast() -> None:
    checker = KeywordChecker([keyword("widget", "substring")])
    assert not checker.check("w." * 100_000).matched
