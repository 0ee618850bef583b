"""Does a search query contain a listed term? Normalization and the three match modes.

People who search for abuse material disguise their terms, so both the query and each term are
brought to one form first: Unicode compatibility forms folded (NFKC: fullwidth letters, ligatures),
case folded, diacritics stripped, invisible characters (zero-width spaces, soft hyphens) dropped and a
few Cyrillic and Greek letters that look Latin read as Latin. Character substitutions (``0`` for
``o``, ``@`` for ``a`` ...) are then matched rather than rewritten: each letter of a term becomes the
class of characters that may stand for it, so ``1`` may be ``i`` or ``l`` without choosing one, and a
number in a term still matches the same number in a query.

Match modes:

- ``word``: each word of the term appears as a whole word of the query, in any order.
- ``phrase``: the term's words appear in order, separated by anything that is not a letter or digit
  (spaces, dots, hyphens, underscores).
- ``substring``: the term's letters appear anywhere, inside other words too, with punctuation (not
  spaces) allowed between them: ``w.i.d.g.e.t`` is ``widget``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from vigil.blocklists.keywords import HelpResource, Keyword, KeywordListVersion

#: Longer queries are cut here: no search engine query is this long, and it bounds the matching time.
MAX_QUERY: Final = 2000

#: Characters that stand in for a letter, by the letter (all on the normalized side).
_STAND_INS: Final = {"a": "4@", "e": "3", "i": "1", "l": "1", "o": "0", "s": "5$", "t": "7"}
#: Letters of other scripts that look like Latin ones, read as Latin on both sides.
_LOOK_ALIKES: Final = str.maketrans(
    {
        "а": "a",
        "е": "e",
        "о": "o",
        "р": "p",
        "с": "c",
        "у": "y",
        "х": "x",
        "і": "i",
        "ј": "j",
        "ѕ": "s",
        "ο": "o",
    }
)
#: What counts as part of a word: letters, digits and the symbols that stand in for letters.
_WORD_CHARS: Final = r"[^\W_]|[@$]"
_WORD: Final = re.compile(rf"(?:{_WORD_CHARS})+")
_BEFORE: Final = r"(?<![^\W_])(?<![@$])"
_AFTER: Final = r"(?![^\W_])(?![@$])"
#: Between the words of a phrase: anything that is not part of a word.
_GAP: Final = r"(?:_|[^\w@$])+"
#: Inside a substring match: punctuation, but not white space.
_INSIDE: Final = r"(?:_|[^\w\s@$])*"


def normalize(text: str) -> str:
    """The form both queries and terms are compared in (substitutions are left to the matcher)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    stripped = "".join(
        char
        for char in unicodedata.normalize("NFD", folded)
        if unicodedata.category(char) not in ("Mn", "Cf")
    )
    return unicodedata.normalize("NFC", stripped).translate(_LOOK_ALIKES)


def _char_class(char: str) -> str:
    """A regex for one normalized term character: itself and whatever may stand in for it."""
    group = {char, *_STAND_INS.get(char, "")}
    # A stand-in typed in the term matches every letter it may stand for: "b1ue" is "blue" and "biue".
    group.update(letter for letter, stand_ins in _STAND_INS.items() if char in stand_ins)
    if len(group) == 1:
        return re.escape(char)
    return "[" + "".join(re.escape(c) for c in sorted(group)) + "]"


def _word_pattern(word: str, between: str = "") -> str:
    return between.join(_char_class(char) for char in word)


def term_words(term: str) -> list[str]:
    return _WORD.findall(normalize(term))


def compile_term(term: str, mode: str) -> list[re.Pattern[str]]:
    """The patterns a normalized query must all match for ``term`` to match in ``mode``."""
    words = term_words(term)
    if not words:
        raise ValueError(f"term {term!r} has no letters or digits")
    if mode == "word":
        return [re.compile(_BEFORE + _word_pattern(word) + _AFTER) for word in words]
    if mode == "phrase":
        return [re.compile(_BEFORE + _GAP.join(_word_pattern(word) for word in words) + _AFTER)]
    if mode == "substring":
        return [re.compile(_word_pattern("".join(words), _INSIDE))]
    raise ValueError(f"unknown match mode {mode!r}")


@dataclass(frozen=True)
class CheckResult:
    """The listed terms a query contains, and what to show: the warning and help of the first one
    in the searcher's language (else the first one)."""

    matches: tuple[Keyword, ...]
    warning: str | None
    help: HelpResource | None

    @property
    def matched(self) -> bool:
        return bool(self.matches)

    @property
    def terms(self) -> list[str]:
        return [keyword.term for keyword in self.matches]


class KeywordChecker:
    """Checks queries against one published keyword list (patterns compiled once)."""

    def __init__(self, keywords: KeywordListVersion | Iterable[Keyword]) -> None:
        listed = keywords.keywords if isinstance(keywords, KeywordListVersion) else tuple(keywords)
        self._compiled = [(keyword, compile_term(keyword.term, keyword.match)) for keyword in listed]

    def check(self, query: str, *, language: str | None = None, at: datetime | None = None) -> CheckResult:
        """The terms ``query`` matches; a term past its expiry at ``at`` (if given) no longer does."""
        text = normalize(query[:MAX_QUERY])
        matches = tuple(
            keyword
            for keyword, patterns in self._compiled
            if (at is None or keyword.expires_at is None or at < keyword.expires_at)
            and all(pattern.search(text) for pattern in patterns)
        )
        if not matches:
            return CheckResult((), None, None)
        wanted = (language or "").lower().split("-")[0]
        shown = next((k for k in matches if k.language.lower().split("-")[0] == wanted), matches[0])
        return CheckResult(matches, shown.warning, shown.help)
