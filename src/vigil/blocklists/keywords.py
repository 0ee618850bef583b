"""The keyword list for search engines: terms, the warning to show, and where to get help.

Following the UK's scheme for search engines: when a query contains a listed term, the engine shows a
warning that the material is illegal and a route to confidential help (for example a helpline for
people worried about their own thoughts), instead of, or above, results. Terms are data in many
languages; each carries its own warning and help resource so that the message fits the language.

Matching (normalization, word/phrase/substring) belongs to the keyword checker; this module holds the
published form and its JSON::

    {"format": "vigil-keywords", "format_version": 1, "list": "...", "serial": 3,
     "published_at": "...",
     "keywords": [
       {"term": "...", "language": "en", "match": "phrase", "category": "...",
        "warning": "...", "help": {"name": "...", "url": "https://...", "phone": "...",
                                   "language": "en"},
        "added_at": "...", "expires_at": null}
     ]}
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Final, Literal, get_args

from vigil.blocklists.envelope import Envelope, parse_time
from vigil.blocklists.versions import DiffHead, VersionHead
from vigil.errors import Invalid
from vigil.fields import pick

MatchMode = Literal["word", "phrase", "substring"]
MATCH_MODES: Final[tuple[MatchMode, ...]] = get_args(MatchMode)
FORMAT: Final = "vigil-keywords"
DIFF_FORMAT: Final = "vigil-keywords-diff"
#: BCP 47 language tags as lists use them: "en", "pt-BR", "zh-Hant".
_LANGUAGE: Final = re.compile(r"^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


class KeywordError(Invalid):
    """A keyword, help resource or keyword list that is not well formed."""


def _text(field: str, value: object, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise KeywordError(f"{field} is not text")
    if required and not value.strip():
        raise KeywordError(f"{field} is empty")
    return value


def _language(value: object) -> str:
    tag = _text("language", value)
    if not _LANGUAGE.match(tag):
        raise KeywordError(f"language {tag!r} is not a BCP 47 tag")
    return tag


@dataclass(frozen=True, slots=True)
class HelpResource:
    """Where a person is sent for help: a named service with a web address and, if any, a phone."""

    name: str
    url: str
    language: str
    phone: str | None = None

    def __post_init__(self) -> None:
        _text("help name", self.name)
        _language(self.language)
        # Shown as a link by search engines: anything but https would be a way to send people astray.
        if not re.match(r"^https://[^\s/$.?#][^\s]*$", self.url):
            raise KeywordError(f"help url {self.url!r} is not an https address")
        if self.phone is not None and not re.match(r"^\+?[0-9][0-9 ()-]{2,30}$", self.phone):
            raise KeywordError(f"help phone {self.phone!r} is not a phone number")


@dataclass(frozen=True, slots=True)
class Keyword:
    term: str
    language: str
    match: MatchMode
    warning: str
    help: HelpResource
    added_at: datetime
    category: str = ""
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        # Terms are stored as typed (NFC) and compared after the checker's own normalization.
        object.__setattr__(self, "term", unicodedata.normalize("NFC", _text("term", self.term).strip()))
        _language(self.language)
        if self.match not in MATCH_MODES:
            raise KeywordError(f"match {self.match!r} is not one of {MATCH_MODES}")
        _text("warning", self.warning)
        _text("category", self.category, required=False)
        for field, value in (("added_at", self.added_at), ("expires_at", self.expires_at)):
            if value is not None and value.utcoffset() is None:
                raise KeywordError(f"{field} must carry a time zone")
        if self.expires_at is not None and self.expires_at <= self.added_at:
            raise KeywordError("expires_at is not after added_at")

    @property
    def key(self) -> tuple[str, str]:
        return (self.language, self.term.casefold())


@dataclass(frozen=True)
class KeywordListVersion(VersionHead):
    error: ClassVar[type[ValueError]] = KeywordError
    keywords: tuple[Keyword, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        ordered = tuple(sorted(self.keywords, key=lambda keyword: keyword.key))
        for before, after in itertools.pairwise(ordered):
            if before.key == after.key:
                raise KeywordError(f"term {before.term!r} ({before.language}) listed twice")
        object.__setattr__(self, "keywords", ordered)


@dataclass(frozen=True)
class KeywordDiff(DiffHead):
    error: ClassVar[type[ValueError]] = KeywordError
    added: tuple[Keyword, ...]
    removed: tuple[Keyword, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "added", tuple(sorted(self.added, key=lambda k: k.key)))
        object.__setattr__(self, "removed", tuple(sorted(self.removed, key=lambda k: k.key)))


def _help_to_dict(resource: HelpResource) -> dict[str, Any]:
    return pick(resource, "name", "url", "phone", "language")


def keyword_to_dict(keyword: Keyword) -> dict[str, Any]:
    return {
        **pick(keyword, "term", "language", "match", "category", "warning"),
        "help": _help_to_dict(keyword.help),
        "added_at": keyword.added_at.isoformat(),
        "expires_at": keyword.expires_at.isoformat() if keyword.expires_at else None,
    }


def keyword_from_dict(data: Mapping[str, Any]) -> Keyword:
    resource = data.get("help")
    if not isinstance(resource, dict):
        raise KeywordError("keyword without a help resource")
    phone = resource.get("phone")
    match = data.get("match")
    if match not in MATCH_MODES:
        raise KeywordError(f"match {match!r} is not one of {MATCH_MODES}")
    expires = data.get("expires_at")
    return Keyword(
        term=_text("term", data.get("term")),
        language=_language(data.get("language")),
        match=match,
        warning=_text("warning", data.get("warning")),
        help=HelpResource(
            name=_text("help name", resource.get("name")),
            url=_text("help url", resource.get("url")),
            language=_language(resource.get("language")),
            phone=None if phone is None else _text("help phone", phone),
        ),
        added_at=parse_time(data.get("added_at"), "added_at", KeywordError),
        category=_text("category", data.get("category", ""), required=False),
        expires_at=None if expires is None else parse_time(expires, "expires_at", KeywordError),
    )


#: The JSON codec of keyword lists and their diffs: the shared envelope around ``keyword_to_dict``.
ENVELOPE: Final[Envelope[Keyword, KeywordListVersion, KeywordDiff]] = Envelope(
    FORMAT,
    DIFF_FORMAT,
    "keywords",
    keyword_to_dict,
    keyword_from_dict,
    KeywordError,
    items_of=lambda version: version.keywords,
    make_version=KeywordListVersion,
    make_diff=KeywordDiff,
)
keywords_to_json = ENVELOPE.version_to_json
keywords_from_json = ENVELOPE.version_from_json
