"""The keyword list's service layer: the same lifecycle as URL entries, and checking queries.

A term is added by one analyst with its language, match mode, warning and help resource, confirmed by
a second, different analyst, published in immutable versions, removed or expired. Search engines
fetch versions (or the changes since theirs); ``check`` shows what a query would trigger.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.audit import journal
from vigil.blocklists.keyword_check import CheckResult, KeywordChecker, compile_term
from vigil.blocklists.keyword_diff import KeywordDiff, diff_keyword_versions, empty_keyword_version
from vigil.blocklists.keywords import (
    HelpResource,
    Keyword,
    KeywordError,
    KeywordListVersion,
    MatchMode,
    keyword_to_dict,
)
from vigil.blocklists.lists import (
    DEFAULT_KEYWORD_LIST,
    BlocklistError,
    ServiceBase,
    VersionInfo,
    analyst,
    ensure_list,
    get_list,
    same_person,
    version_row,
)
from vigil.blocklists.models import Blocklist, KeywordEntry, KeywordPublished
from vigil.blocklists.publishing import PublishResult, Row, content_digest, publish_rows, rows_at
from vigil.db.base import core_table

_VALUES = (
    "term",
    "language",
    "match",
    "category",
    "warning",
    "help_name",
    "help_url",
    "help_phone",
    "help_language",
    "added_at",
    "expires_at",
)


def term_key(term: str) -> str:
    """How a term is identified within its language (as ``Keyword.key`` does)."""
    return unicodedata.normalize("NFC", term.strip()).casefold()


def _keyword(row: Row) -> Keyword:
    return Keyword(
        term=row["term"],
        language=row["language"],
        match=row["match"],
        warning=row["warning"],
        help=HelpResource(
            name=row["help_name"], url=row["help_url"], language=row["help_language"], phone=row["help_phone"]
        ),
        added_at=row["added_at"],
        category=row["category"],
        expires_at=row["expires_at"],
    )


def _published_row(keyword: Keyword) -> Row:
    return {
        "term": keyword.term,
        "language": keyword.language,
        "match": keyword.match,
        "category": keyword.category,
        "warning": keyword.warning,
        "help_name": keyword.help.name,
        "help_url": keyword.help.url,
        "help_phone": keyword.help.phone,
        "help_language": keyword.help.language,
        "added_at": keyword.added_at,
        "expires_at": keyword.expires_at,
    }


def _row_key(row: Row) -> tuple[str, str]:
    return (row["language"], term_key(row["term"]))


def keywords_digest(keywords: tuple[Keyword, ...]) -> str:
    return content_digest(
        json.dumps(keyword_to_dict(k), sort_keys=True, ensure_ascii=False) for k in keywords
    )


class KeywordService(ServiceBase):
    def _journal(
        self, session: Session, action: str, row: KeywordEntry, name: str, **details: object
    ) -> None:
        subject = f"keywords/{name}/{row.language}/{row.term}"
        journal.append(session, self.actor, f"keywords.{action}", subject, {"entry": row.id, **details})

    @staticmethod
    def _find(session: Session, blocklist: Blocklist, term: str, language: str) -> KeywordEntry | None:
        return session.execute(
            select(KeywordEntry).where(
                KeywordEntry.list_id == blocklist.id,
                KeywordEntry.language == language,
                KeywordEntry.term_key == term_key(term),
                KeywordEntry.removed_at.is_(None),
            )
        ).scalar_one_or_none()

    def _live(self, session: Session, blocklist: Blocklist, term: str, language: str) -> KeywordEntry:
        found = self._find(session, blocklist, term, language)
        if found is None:
            raise BlocklistError(f"term {term!r} ({language}) is not on list {blocklist.name!r}")
        return found

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
            blocklist = ensure_list(session, list_name, "keywords", self.actor, now)
            old = self._find(session, blocklist, keyword.term, language)
            if old is not None:
                if old.expires_at is None or old.expires_at > now:
                    raise BlocklistError(
                        f"term {old.term!r} ({language}) is already on list {list_name!r} (added by "
                        f"{old.added_by}); remove it first to change it"
                    )
                old.removed_at, old.removed_by, old.removal_reason = now, by, "expired; added again"
                session.flush()
            row = KeywordEntry(
                list_id=blocklist.id,
                term_key=term_key(keyword.term),
                added_by=by,
                **_published_row(keyword),
            )
            session.add(row)
            session.flush()
            self._journal(session, "add", row, list_name, analyst=by, match=match, category=category)
            return keyword

    def confirm(
        self, term: str, *, by: str, language: str = "en", list_name: str = DEFAULT_KEYWORD_LIST
    ) -> None:
        by = analyst(by)
        now = self._clock()
        with self._transaction() as session:
            row = self._live(session, get_list(session, list_name, "keywords"), term, language)
            if row.confirmed_by is not None:
                raise BlocklistError(f"term {row.term!r} was already confirmed by {row.confirmed_by}")
            if same_person(by, row.added_by):
                raise BlocklistError(
                    f"{row.added_by} added {row.term!r}: a second, different analyst must confirm it"
                )
            if row.expires_at is not None and row.expires_at <= now:
                raise BlocklistError(f"term {row.term!r} has expired: add it again")
            row.confirmed_at, row.confirmed_by = now, by
            self._journal(session, "confirm", row, list_name, analyst=by, added_by=row.added_by)

    def remove(
        self,
        term: str,
        *,
        by: str,
        reason: str = "",
        language: str = "en",
        list_name: str = DEFAULT_KEYWORD_LIST,
    ) -> None:
        by = analyst(by)
        with self._transaction() as session:
            row = self._live(session, get_list(session, list_name, "keywords"), term, language)
            row.removed_at, row.removed_by, row.removal_reason = self._clock(), by, reason
            self._journal(session, "remove", row, list_name, analyst=by, reason=reason)

    def expire(
        self,
        term: str,
        *,
        by: str,
        at: datetime | None = None,
        language: str = "en",
        list_name: str = DEFAULT_KEYWORD_LIST,
    ) -> None:
        by = analyst(by)
        when = at or self._clock()
        if when.utcoffset() is None:
            raise BlocklistError("the expiry time must carry a time zone")
        with self._transaction() as session:
            row = self._live(session, get_list(session, list_name, "keywords"), term, language)
            if when <= row.added_at:
                raise BlocklistError(
                    f"term {row.term!r} was added on {row.added_at.isoformat()}, after {when}"
                )
            row.expires_at = when
            self._journal(session, "expire", row, list_name, analyst=by, expires_at=when)

    def entries(self, list_name: str = DEFAULT_KEYWORD_LIST) -> list[tuple[Keyword, str, str | None]]:
        """Live terms with who added and who confirmed each (None: awaiting confirmation)."""
        with self.sessions() as session:
            blocklist = get_list(session, list_name, "keywords")
            rows = session.execute(
                select(KeywordEntry)
                .where(KeywordEntry.list_id == blocklist.id, KeywordEntry.removed_at.is_(None))
                .order_by(KeywordEntry.language, KeywordEntry.term_key)
            ).scalars()
            return [(_keyword({n: getattr(r, n) for n in _VALUES}), r.added_by, r.confirmed_by) for r in rows]

    def publish(self, list_name: str = DEFAULT_KEYWORD_LIST) -> PublishResult:
        """A new immutable version of the confirmed, unexpired, unremoved terms, if any changed."""
        now = self._clock()
        with self._transaction() as session:
            blocklist = get_list(session, list_name, "keywords", lock=True)
            table = core_table(KeywordEntry)
            query = select(*(table.c[name] for name in _VALUES)).where(
                table.c.list_id == blocklist.id,
                table.c.removed_at.is_(None),
                table.c.confirmed_by.is_not(None),
                table.c.added_at <= now,
                or_(table.c.expires_at.is_(None), table.c.expires_at > now),
            )
            content = KeywordListVersion(
                name=list_name,
                serial=0,
                published_at=now,
                keywords=tuple(_keyword(dict(row._mapping)) for row in session.execute(query)),
            )
            current = {_row_key(_published_row(k)): _published_row(k) for k in content.keywords}
            result = publish_rows(
                session,
                KeywordPublished,
                blocklist,
                current,
                _row_key,
                keywords_digest(content.keywords),
                self.actor,
                now,
            )
            if result.new_version:
                journal.append(
                    session,
                    self.actor,
                    "keywords.publish",
                    f"keywords/{list_name}@{result.serial}",
                    {"entries": result.entries, "added": result.added, "removed": result.removed},
                )
            return result

    def versions(self, list_name: str = DEFAULT_KEYWORD_LIST) -> list[VersionInfo]:
        return self._versions(list_name, "keywords")

    def version(self, list_name: str = DEFAULT_KEYWORD_LIST, serial: int | None = None) -> KeywordListVersion:
        with self.sessions() as session:
            blocklist = get_list(session, list_name, "keywords")
            row = version_row(session, blocklist, serial)
            keywords = tuple(
                _keyword(r) for r in rows_at(session, KeywordPublished, blocklist.id, row.serial)
            )
        version = KeywordListVersion(
            name=list_name, serial=row.serial, published_at=row.published_at, keywords=keywords
        )
        if keywords_digest(version.keywords) != row.digest:
            raise BlocklistError(f"version {row.serial} of {list_name!r} does not match its digest: altered")
        return version

    def diff(
        self, list_name: str = DEFAULT_KEYWORD_LIST, since: int = 0, serial: int | None = None
    ) -> KeywordDiff:
        new = self.version(list_name, serial)
        if not 0 <= since < new.serial:
            raise BlocklistError(f"serial {since} is not between 0 and {new.serial - 1}")
        old = (
            empty_keyword_version(list_name, new.published_at)
            if since == 0
            else self.version(list_name, since)
        )
        return diff_keyword_versions(old, new)

    def check(
        self, query: str, *, language: str | None = None, list_name: str = DEFAULT_KEYWORD_LIST
    ) -> CheckResult:
        """What the latest published version says about ``query`` (terms matched, warning, help)."""
        return KeywordChecker(self.version(list_name)).check(query, language=language, at=self._clock())
