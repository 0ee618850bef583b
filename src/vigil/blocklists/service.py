"""The URL blocklist's service layer: one method per use case, each one transaction, each change journaled.

An entry goes: added by one analyst → confirmed by a second, different analyst → published in the
next version → removed (or expired, or taken off after an upheld appeal). Only confirmed, unexpired,
unremoved entries are published. The CLI and the web API call these methods and nothing below them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TypeVar

from sqlalchemy import ColumnElement, select

from vigil.blocklists.entries import InvalidEntryError, ListEntry, parse_target
from vigil.blocklists.export.json import entry_to_dict
from vigil.blocklists.lifecycle import EntryKind, EntryRow, Lifecycle
from vigil.blocklists.lists import (
    DEFAULT_URL_LIST,
    BlocklistConflict,
    BlocklistError,
    BlocklistNotFound,
    VersionInfo,
    analyst,
)
from vigil.blocklists.models import Blocklist, BlocklistAppeal, BlocklistEntry, BlocklistPublished
from vigil.blocklists.publishing import PublishResult, Row, content_digest
from vigil.blocklists.versions import ListVersion, VersionDiff, diff_versions
from vigil.signals.base import InvalidSignalError
from vigil.signals.url import sha256_of_canonical

T = TypeVar("T")
#: The category label of entries added without one.
DEFAULT_CATEGORY = "csam"


@dataclass(frozen=True)
class EntryInfo:
    id: int
    list_name: str
    kind: str
    target: str
    wildcard: bool
    category: str
    reason: str
    source_report_id: int | None
    added_at: datetime
    added_by: str
    confirmed_at: datetime | None
    confirmed_by: str | None
    expires_at: datetime | None
    removed_at: datetime | None
    removed_by: str | None
    removal_reason: str | None

    @property
    def shown(self) -> str:
        return f"*.{self.target}" if self.wildcard else self.target

    def state(self, now: datetime) -> str:
        if self.removed_at is not None:
            return "removed"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "confirmed" if self.confirmed_by else "awaiting confirmation"


@dataclass(frozen=True)
class AppealInfo:
    id: int
    target: str
    appellant: str
    statement: str
    status: str
    filed_at: datetime
    recorded_by: str
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None


def _copy(cls: type[T], row: object, **given: object) -> T:
    """A ``cls`` dataclass filled from the row's attributes of the same names, and ``given``."""
    values = {f.name: getattr(row, f.name) for f in fields(cls) if f.name not in given}  # type: ignore[arg-type]
    return cls(**values, **given)


def _info(row: BlocklistEntry, list_name: str) -> EntryInfo:
    return _copy(EntryInfo, row, list_name=list_name)


def _appeal_info(appeal: BlocklistAppeal, target: str) -> AppealInfo:
    return _copy(AppealInfo, appeal, target=target)


def version_digest(entries: tuple[ListEntry, ...]) -> str:
    """The digest of a version's entries (sorted, as ``ListVersion`` keeps them)."""
    return content_digest(json.dumps(entry_to_dict(e), sort_keys=True, ensure_ascii=False) for e in entries)


UrlKey = tuple[str, str]


class UrlEntries(EntryKind[UrlKey, ListEntry, ListVersion, VersionDiff]):
    """Domains and URLs: identified by (kind, canonical target), published as ``ListEntry``."""

    list_kind = "url"
    journal_prefix = "blocklists"
    entry_model = BlocklistEntry
    published_model = BlocklistPublished

    def live_filter(self, key: UrlKey) -> list[ColumnElement[bool]]:
        return [BlocklistEntry.kind == key[0], BlocklistEntry.target_sha256 == sha256_of_canonical(key[1])]

    def describe(self, key: UrlKey) -> str:
        return f"{key[0]} {key[1]!r}"

    def key_of(self, row: EntryRow) -> UrlKey:
        assert isinstance(row, BlocklistEntry)
        return (row.kind, row.target)

    def label(self, row: EntryRow) -> str:
        assert isinstance(row, BlocklistEntry)
        return repr(row.target)

    def subject(self, list_name: str, row: EntryRow) -> str:
        assert isinstance(row, BlocklistEntry)
        return f"blocklist/{list_name}/{row.kind}/{row.target}"

    def version_subject(self, list_name: str, serial: int) -> str:
        return f"blocklist/{list_name}@{serial}"

    def item(self, row: Row) -> ListEntry:
        return ListEntry(
            kind=row["kind"],
            target=row["target"],
            category=row["category"],
            added_at=row["added_at"],
            reason=row["reason"],
            wildcard=row["wildcard"],
            expires_at=row["expires_at"],
        )

    def published_row(self, item: ListEntry) -> Row:
        return {
            "kind": item.kind,
            "target": item.target,
            "wildcard": item.wildcard,
            "category": item.category,
            "reason": item.reason,
            "added_at": item.added_at,
            "expires_at": item.expires_at,
        }

    def row_key(self, row: Row) -> tuple[str, str]:
        return (row["kind"], row["target"])

    def digest(self, items: tuple[ListEntry, ...]) -> str:
        return version_digest(items)

    def version(
        self, name: str, serial: int, published_at: datetime, items: Iterable[ListEntry]
    ) -> ListVersion:
        return ListVersion(name=name, serial=serial, published_at=published_at, entries=tuple(items))

    def items(self, version: ListVersion) -> tuple[ListEntry, ...]:
        return version.entries

    def diff(self, old: ListVersion, new: ListVersion) -> VersionDiff:
        return diff_versions(old, new)


class BlocklistService(Lifecycle[UrlKey, ListEntry, ListVersion, VersionDiff]):
    kind = UrlEntries()

    def _key(self, text: str) -> UrlKey:
        """The entry an analyst typed (``*.name`` and ``name`` are the same entry)."""
        try:
            kind, target, _ = parse_target(text)
        except InvalidSignalError as exc:
            raise BlocklistError(str(exc)) from None
        return (kind, target)

    # -- the entry lifecycle -------------------------------------------------------------------------

    def add(
        self,
        text: str,
        *,
        by: str,
        list_name: str = DEFAULT_URL_LIST,
        category: str = DEFAULT_CATEGORY,
        reason: str = "",
        wildcard: bool = False,
        expires_at: datetime | None = None,
        source_report_id: int | None = None,
    ) -> EntryInfo:
        """Put a domain or URL forward for the list; it is published once a second analyst confirms."""
        by = analyst(by)
        now = self._clock()
        try:
            entry = ListEntry.create(
                text, category=category, added_at=now, reason=reason, wildcard=wildcard, expires_at=expires_at
            )
        except (InvalidSignalError, InvalidEntryError) as exc:
            raise BlocklistError(str(exc)) from None
        with self._transaction() as session:
            blocklist = self._add_row(session, list_name, entry.key, by, now)
            row = BlocklistEntry(
                list_id=blocklist.id,
                target_sha256=sha256_of_canonical(entry.target),
                source_report_id=source_report_id,
                added_by=by,
                **{**self.kind.published_row(entry), "added_at": now},
            )
            session.add(row)
            session.flush()
            self._journal(
                session,
                "add",
                row,
                list_name,
                analyst=by,
                wildcard=row.wildcard,
                category=row.category,
                reason=row.reason,
                source_report=source_report_id,
                expires_at=entry.expires_at,
            )
            return _info(row, list_name)

    def confirm(self, text: str, *, by: str, list_name: str = DEFAULT_URL_LIST) -> EntryInfo:
        """The second analyst's verification: never the analyst who added the entry."""
        return _info(self._confirm(self._key(text), by=by, list_name=list_name), list_name)

    def remove(self, text: str, *, by: str, reason: str = "", list_name: str = DEFAULT_URL_LIST) -> EntryInfo:
        """Take an entry off: the next version no longer lists it (the row stays as history)."""
        return _info(self._remove(self._key(text), by=by, reason=reason, list_name=list_name), list_name)

    def expire(
        self, text: str, *, by: str, at: datetime | None = None, list_name: str = DEFAULT_URL_LIST
    ) -> EntryInfo:
        """Set when an entry stops being published (default: now); the next publish drops it then."""
        return _info(self._expire(self._key(text), by=by, at=at, list_name=list_name), list_name)

    def entries(self, list_name: str = DEFAULT_URL_LIST, *, include_removed: bool = False) -> list[EntryInfo]:
        order = (BlocklistEntry.kind, BlocklistEntry.target, BlocklistEntry.id)
        rows = self._rows(list_name, include_removed=include_removed, order=order)
        return [_info(row, list_name) for row in rows]

    # -- appeals -------------------------------------------------------------------------------------

    def appeal(
        self, text: str, *, appellant: str, statement: str, by: str, list_name: str = DEFAULT_URL_LIST
    ) -> AppealInfo:
        """Record a site owner's appeal against a listed entry (``by``: the analyst recording it)."""
        by = analyst(by)
        if not appellant.strip():
            raise BlocklistError("who appeals (a name or contact) is required")
        with self._transaction() as session:
            row = self._live(session, self._list(session, list_name), self._key(text))
            appeal = BlocklistAppeal(
                entry_id=row.id,
                filed_at=self._clock(),
                appellant=appellant.strip()[:500],
                recorded_by=by,
                statement=statement,
                status="open",
            )
            session.add(appeal)
            session.flush()
            self._journal(session, "appeal", row, list_name, appeal=appeal.id, analyst=by)
            return _appeal_info(appeal, row.target)

    def resolve_appeal(self, appeal_id: int, *, by: str, upheld: bool, resolution: str) -> AppealInfo:
        """Decide an appeal; an upheld appeal takes the entry off the list (from the next version)."""
        by = analyst(by)
        if not resolution.strip():
            raise BlocklistError("say why the appeal is upheld or rejected")
        now = self._clock()
        with self._transaction() as session:
            appeal = session.get(BlocklistAppeal, appeal_id, with_for_update=True)
            if appeal is None:
                raise BlocklistNotFound(f"no appeal {appeal_id}")
            if appeal.status != "open":
                raise BlocklistConflict(
                    f"appeal {appeal_id} was already {appeal.status} by {appeal.resolved_by}"
                )
            row = session.get(BlocklistEntry, appeal.entry_id)
            assert row is not None
            blocklist = session.get(Blocklist, row.list_id)
            assert blocklist is not None
            appeal.status = "upheld" if upheld else "rejected"
            appeal.resolved_at, appeal.resolved_by, appeal.resolution = now, by, resolution
            if upheld and row.removed_at is None:
                row.removed_at, row.removed_by = now, by
                row.removal_reason = f"appeal {appeal.id} upheld: {resolution}"
            self._journal(
                session, f"appeal.{appeal.status}", row, blocklist.name, appeal=appeal.id, analyst=by
            )
            return _appeal_info(appeal, row.target)

    def appeals(self, list_name: str = DEFAULT_URL_LIST, *, open_only: bool = False) -> list[AppealInfo]:
        with self.sessions() as session:
            blocklist = self._list(session, list_name)
            query = (
                select(BlocklistAppeal, BlocklistEntry.target)
                .join(BlocklistEntry, BlocklistEntry.id == BlocklistAppeal.entry_id)
                .where(BlocklistEntry.list_id == blocklist.id)
                .order_by(BlocklistAppeal.id)
            )
            if open_only:
                query = query.where(BlocklistAppeal.status == "open")
            return [_appeal_info(appeal, target) for appeal, target in session.execute(query)]

    # -- versions (the lifecycle's, with this kind's default list) ----------------------------------

    def publish(self, list_name: str = DEFAULT_URL_LIST) -> PublishResult:
        return super().publish(list_name)

    def versions(self, list_name: str = DEFAULT_URL_LIST) -> list[VersionInfo]:
        return super().versions(list_name)

    def latest_serial(self, list_name: str = DEFAULT_URL_LIST) -> int:
        return super().latest_serial(list_name)

    def version(self, list_name: str = DEFAULT_URL_LIST, serial: int | None = None) -> ListVersion:
        return super().version(list_name, serial)

    def diff(
        self, list_name: str = DEFAULT_URL_LIST, since: int = 0, serial: int | None = None
    ) -> VersionDiff:
        return super().diff(list_name, since, serial)
