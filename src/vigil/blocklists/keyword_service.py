"""The keyword list's service layer: the same lifecycle as URL entries, and checking queries.

A term is added by one analyst with its language, match mode, warning and help resource, confirmed by
a second, different analyst, published in immutable versions, removed or expired. Search engines
fetch versions (or the changes since theirs); ``check`` shows what a query would trigger.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement

from vigil.blocklists.keyword_check import CheckResult, KeywordChecker, compile_term
from vigil.blocklists.keyword_diff import diff_keyword_versions
from vigil.blocklists.keywords import (
    HelpResource,
    Keyword,
    KeywordDiff,
    KeywordError,
    KeywordListVersion,
    MatchMode,
    keyword_to_dict,
)
from vigil.blocklists.lifecycle import EntryKind, EntryRow, Lifecycle
from vigil.blocklists.lists import DEFAULT_KEYWORD_LIST, BlocklistError, VersionInfo, analyst
from vigil.blocklists.models import KeywordEntry, KeywordPublished
from vigil.blocklists.publishing import PublishResult, Row, content_digest, value_columns

#: (term as typed, language): the term is compared by ``term_key``.
TermKey = tuple[str, str]


def term_key(term: str) -> str:
    """How a term is identified within its language (as ``Keyword.key`` does)."""
    return unicodedata.normalize("NFC", term.strip()).casefold()


def keywords_digest(keywords: tuple[Keyword, ...]) -> str:
    return content_digest(
        json.dumps(keyword_to_dict(k), sort_keys=True, ensure_ascii=False) for k in keywords
    )


class KeywordTerms(EntryKind[TermKey, Keyword, KeywordListVersion, KeywordDiff]):
    """Search terms: identified by (language, normalised term), published as ``Keyword``."""

    list_kind = "keywords"
    journal_prefix = "keywords"
    entry_model = KeywordEntry
    published_model = KeywordPublished

    def live_filter(self, key: TermKey) -> list[ColumnElement[bool]]:
        return [KeywordEntry.language == key[1], KeywordEntry.term_key == term_key(key[0])]

    def describe(self, key: TermKey) -> str:
        return f"term {key[0]!r} ({key[1]})"

    def key_of(self, row: EntryRow) -> TermKey:
        assert isinstance(row, KeywordEntry)
        return (row.term, row.language)

    def label(self, row: EntryRow) -> str:
        assert isinstance(row, KeywordEntry)
        return f"term {row.term!r}"

    def subject(self, list_name: str, row: EntryRow) -> str:
        assert isinstance(row, KeywordEntry)
        return f"keywords/{list_name}/{row.language}/{row.term}"

    def version_subject(self, list_name: str, serial: int) -> str:
        return f"keywords/{list_name}@{serial}"

    def item(self, row: Row) -> Keyword:
        return Keyword(
            term=row["term"],
            language=row["language"],
            match=row["match"],
            warning=row["warning"],
            help=HelpResource(
                name=row["help_name"],
                url=row["help_url"],
                language=row["help_language"],
                phone=row["help_phone"],
            ),
            added_at=row["added_at"],
            category=row["category"],
            expires_at=row["expires_at"],
        )

    def published_row(self, item: Keyword) -> Row:
        return {
            "term": item.term,
            "language": item.language,
            "match": item.match,
            "category": item.category,
            "warning": item.warning,
            "help_name": item.help.name,
            "help_url": item.help.url,
            "help_phone": item.help.phone,
            "help_language": item.help.language,
            "added_at": item.added_at,
            "expires_at": item.expires_at,
        }

    def row_key(self, row: Row) -> tuple[str, str]:
        return (row["language"], term_key(row["term"]))

    def digest(self, items: tuple[Keyword, ...]) -> str:
        return keywords_digest(items)

    def version(
        self, name: str, serial: int, published_at: datetime, items: Iterable[Keyword]
    ) -> KeywordListVersion:
        return KeywordListVersion(name=name, serial=serial, published_at=published_at, keywords=tuple(items))

    def items(self, version: KeywordListVersion) -> tuple[Keyword, ...]:
        return version.keywords

    def diff(self, old: KeywordListVersion, new: KeywordListVersion) -> KeywordDiff:
        return diff_keyword_versions(old, new)


class KeywordService(Lifecycle[TermKey, Keyword, KeywordListVersion, KeywordDiff]):
    kind = KeywordTerms()

    def add(
        self,
        term: str,
        *,
        by: str,
        warning: str,
        help: HelpResource,
        language: str = "en",
        match: MatchMode = "phrase",
        category: str = "",
        expires_at: datetime | None = None,
        list_name: str = DEFAULT_KEYWORD_LIST,
    ) -> Keyword:
        """Put a term forward; it is published once a second analyst confirms it."""
        by = analyst(by)
        now = self._clock()
        try:
            keyword = Keyword(
                term=term,
                language=language,
                match=match,
                warning=warning,
                help=help,
                added_at=now,
                category=category,
                expires_at=expires_at,
            )
            compile_term(keyword.term, keyword.match)
        except (KeywordError, ValueError) as exc:
            raise BlocklistError(str(exc)) from None
        with self._transaction() as session:
            blocklist = self._add_row(session, list_name, (keyword.term, language), by, now)
            row = KeywordEntry(
                list_id=blocklist.id,
                term_key=term_key(keyword.term),
                added_by=by,
                **self.kind.published_row(keyword),
            )
            session.add(row)
            session.flush()
            self._journal(session, "add", row, list_name, analyst=by, match=match, category=category)
            return keyword

    def confirm(
        self, term: str, *, by: str, language: str = "en", list_name: str = DEFAULT_KEYWORD_LIST
    ) -> None:
        self._confirm((term, language), by=by, list_name=list_name)

    def remove(
        self,
        term: str,
        *,
        by: str,
        reason: str = "",
        language: str = "en",
        list_name: str = DEFAULT_KEYWORD_LIST,
    ) -> None:
        self._remove((term, language), by=by, reason=reason, list_name=list_name)

    def expire(
        self,
        term: str,
        *,
        by: str,
        at: datetime | None = None,
        language: str = "en",
        list_name: str = DEFAULT_KEYWORD_LIST,
    ) -> None:
        self._expire((term, language), by=by, at=at, list_name=list_name)

    def entries(self, list_name: str = DEFAULT_KEYWORD_LIST) -> list[tuple[Keyword, str, str | None]]:
        """Live terms with who added and who confirmed each (None: awaiting confirmation)."""
        order = (KeywordEntry.language, KeywordEntry.term_key)
        names = value_columns(KeywordPublished)
        return [
            (self.kind.item({n: getattr(r, n) for n in names}), r.added_by, r.confirmed_by)
            for r in self._rows(list_name, include_removed=False, order=order)
        ]

    # -- versions (the lifecycle's, with this kind's default list) ----------------------------------

    def publish(self, list_name: str = DEFAULT_KEYWORD_LIST) -> PublishResult:
        return super().publish(list_name)

    def versions(self, list_name: str = DEFAULT_KEYWORD_LIST) -> list[VersionInfo]:
        return super().versions(list_name)

    def latest_serial(self, list_name: str = DEFAULT_KEYWORD_LIST) -> int:
        return super().latest_serial(list_name)

    def version(self, list_name: str = DEFAULT_KEYWORD_LIST, serial: int | None = None) -> KeywordListVersion:
        return super().version(list_name, serial)

    def diff(
        self, list_name: str = DEFAULT_KEYWORD_LIST, since: int = 0, serial: int | None = None
    ) -> KeywordDiff:
        return super().diff(list_name, since, serial)

    def check(
        self, query: str, *, language: str | None = None, list_name: str = DEFAULT_KEYWORD_LIST
    ) -> CheckResult:
        """What the latest published version says about ``query`` (terms matched, warning, help)."""
        return KeywordChecker(self.version(list_name)).check(query, language=language, at=self._clock())
