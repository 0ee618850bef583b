"""The one lifecycle of every blocklist entry, whatever its kind (URL entry or keyword).

An entry is added by one analyst, confirmed by a second, different analyst, published in the next
immutable version, then removed or expired. Only confirmed, unexpired, unremoved entries are
published. What differs between URL entries and keywords (their table, how an entry is identified,
how it is named in messages and the journal, the value type of a version) is an :class:`EntryKind`
strategy; :class:`Lifecycle` is the service core both services are built on.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Iterable
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from vigil.audit import journal
from vigil.blocklists.lists import (
    BlocklistConflict,
    BlocklistError,
    BlocklistNotFound,
    ListKind,
    ServiceBase,
    VersionInfo,
    analyst,
    ensure_list,
    get_list,
    same_person,
    version_row,
)
from vigil.blocklists.models import (
    Blocklist,
    BlocklistEntry,
    BlocklistPublished,
    KeywordEntry,
    KeywordPublished,
)
from vigil.blocklists.publishing import PublishResult, Row, publish_rows, rows_at, value_columns
from vigil.blocklists.versions import VersionHead
from vigil.db.base import core_table

EntryRow = BlocklistEntry | KeywordEntry
ItemT = TypeVar("ItemT")


VersionT = TypeVar("VersionT", bound=VersionHead)
DiffT = TypeVar("DiffT")
KeyT = TypeVar("KeyT")


class EntryKind(ABC, Generic[KeyT, ItemT, VersionT, DiffT]):
    """What one kind of entry brings to the lifecycle."""

    #: The list kind stored in ``blocklists.kind``.
    list_kind: ClassVar[ListKind]
    #: The prefix of the kind's journal actions (``<prefix>.add``, ``<prefix>.publish``...).
    journal_prefix: ClassVar[str]
    entry_model: ClassVar[type[BlocklistEntry] | type[KeywordEntry]]
    published_model: ClassVar[type[BlocklistPublished] | type[KeywordPublished]]

    @abstractmethod
    def live_filter(self, key: KeyT) -> list[ColumnElement[bool]]:
        """The conditions that pick the entry ``key`` names among a list's rows."""

    @abstractmethod
    def describe(self, key: KeyT) -> str:
        """The entry ``key`` names, as messages show it (``domain 'x.example'``, ``term 'x' (en)``)."""

    @abstractmethod
    def key_of(self, row: EntryRow) -> KeyT:
        """The key of a stored entry."""

    @abstractmethod
    def label(self, row: EntryRow) -> str:
        """How the rule messages name a stored entry (``'x.example'``, ``term 'x'``)."""

    @abstractmethod
    def subject(self, list_name: str, row: EntryRow) -> str:
        """The journal subject of one entry."""

    @abstractmethod
    def version_subject(self, list_name: str, serial: int) -> str:
        """The journal subject of one published version."""

    @abstractmethod
    def item(self, row: Row) -> ItemT:
        """The published value of an entry from its value columns."""

    @abstractmethod
    def published_row(self, item: ItemT) -> Row:
        """The value columns of a published item (the inverse of ``item``)."""

    @abstractmethod
    def row_key(self, row: Row) -> Hashable:
        """What identifies a published row across versions."""

    @abstractmethod
    def digest(self, items: tuple[ItemT, ...]) -> str:
        """The digest of a version's items (in the version's order)."""

    @abstractmethod
    def version(self, name: str, serial: int, published_at: datetime, items: Iterable[ItemT]) -> VersionT:
        """A version value (which sorts its items and refuses duplicates)."""

    @abstractmethod
    def items(self, version: VersionT) -> tuple[ItemT, ...]: ...

    @abstractmethod
    def diff(self, old: VersionT, new: VersionT) -> DiffT: ...


class Lifecycle(ServiceBase, Generic[KeyT, ItemT, VersionT, DiffT]):
    """The service core: each method one transaction, each change journaled, parametrised by ``kind``."""

    kind: EntryKind[KeyT, ItemT, VersionT, DiffT]

    def _list(self, session: Session, list_name: str, *, lock: bool = False) -> Blocklist:
        return get_list(session, list_name, self.kind.list_kind, lock=lock)

    def _journal(self, session: Session, action: str, row: EntryRow, name: str, **details: object) -> None:
        journal.append(
            session,
            self.actor,
            f"{self.kind.journal_prefix}.{action}",
            self.kind.subject(name, row),
            {"entry": row.id, **details},
        )

    def _find(self, session: Session, blocklist: Blocklist, key: KeyT) -> Any:
        model = self.kind.entry_model
        return session.execute(
            select(model).where(
                model.list_id == blocklist.id, model.removed_at.is_(None), *self.kind.live_filter(key)
            )
        ).scalar_one_or_none()

    def _live(self, session: Session, blocklist: Blocklist, key: KeyT) -> Any:
        found = self._find(session, blocklist, key)
        if found is None:
            raise BlocklistNotFound(f"{self.kind.describe(key)} is not on list {blocklist.name!r}")
        return found

    # -- the entry lifecycle -------------------------------------------------------------------------

    def _add_row(self, session: Session, list_name: str, key: KeyT, by: str, now: datetime) -> Blocklist:
        """The list to add ``key`` to, made way for: refuses a live entry, retires an expired one."""
        blocklist = ensure_list(session, list_name, self.kind.list_kind, self.actor, now)
        old = self._find(session, blocklist, key)
        if old is not None:
            if old.expires_at is None or old.expires_at > now:
                raise BlocklistConflict(
                    f"{self.kind.describe(self.kind.key_of(old))} is already on list {list_name!r} (added by "
                    f"{old.added_by}); remove it first to change it"
                )
            # An expired entry is history: it makes way for the new one.
            old.removed_at, old.removed_by, old.removal_reason = now, by, "expired; added again"
            session.flush()
        return blocklist

    def _confirm(self, key: KeyT, *, by: str, list_name: str) -> Any:
        """The second analyst's verification: never the analyst who added the entry."""
        by = analyst(by)
        now = self._clock()
        with self._transaction() as session:
            row = self._live(session, self._list(session, list_name), key)
            label = self.kind.label(row)
            if row.confirmed_by is not None:
                raise BlocklistConflict(f"{label} was already confirmed by {row.confirmed_by}")
            if same_person(by, row.added_by):
                raise BlocklistConflict(
                    f"{row.added_by} added {label}: a second, different analyst must confirm it"
                )
            if row.expires_at is not None and row.expires_at <= now:
                raise BlocklistConflict(f"{label} expired on {row.expires_at.isoformat()}: add it again")
            row.confirmed_at, row.confirmed_by = now, by
            self._journal(session, "confirm", row, list_name, analyst=by, added_by=row.added_by)
            return row

    def _remove(self, key: KeyT, *, by: str, reason: str, list_name: str) -> Any:
        """Take an entry off: the next version no longer lists it (the row stays as history)."""
        by = analyst(by)
        now = self._clock()
        with self._transaction() as session:
            row = self._live(session, self._list(session, list_name), key)
            row.removed_at, row.removed_by, row.removal_reason = now, by, reason
            self._journal(session, "remove", row, list_name, analyst=by, reason=reason)
            return row

    def _expire(self, key: KeyT, *, by: str, at: datetime | None, list_name: str) -> Any:
        """Set when an entry stops being published (default: now); the next publish drops it then."""
        by = analyst(by)
        when = at or self._clock()
        if when.utcoffset() is None:
            raise BlocklistError("the expiry time must carry a time zone")
        with self._transaction() as session:
            row = self._live(session, self._list(session, list_name), key)
            if when <= row.added_at:
                raise BlocklistError(
                    f"{self.kind.label(row)} was added on {row.added_at.isoformat()}, after {when}"
                )
            row.expires_at = when
            self._journal(session, "expire", row, list_name, analyst=by, expires_at=when)
            return row

    def _rows(self, list_name: str, *, include_removed: bool, order: Iterable[Any]) -> list[Any]:
        """The entries of a list (live ones unless ``include_removed``), detached for reading."""
        model = self.kind.entry_model
        with self.sessions() as session:
            query = select(model).where(model.list_id == self._list(session, list_name).id)
            if not include_removed:
                query = query.where(model.removed_at.is_(None))
            return list(session.execute(query.order_by(*order)).scalars())

    def list_names(self) -> list[str]:
        """The names of this kind's lists, in order."""
        with self.sessions() as session:
            query = select(Blocklist.name).where(Blocklist.kind == self.kind.list_kind)
            return list(session.execute(query.order_by(Blocklist.name)).scalars())

    # -- versions ------------------------------------------------------------------------------------

    def publish(self, list_name: str) -> PublishResult:
        """A new immutable version of the confirmed, unexpired, unremoved entries, if any changed."""
        kind = self.kind
        now = self._clock()
        with self._transaction() as session:
            blocklist = self._list(session, list_name, lock=True)
            table = core_table(kind.entry_model)
            query = select(*(table.c[name] for name in value_columns(kind.published_model))).where(
                table.c.list_id == blocklist.id,
                table.c.removed_at.is_(None),
                table.c.confirmed_by.is_not(None),
                table.c.added_at <= now,
                or_(table.c.expires_at.is_(None), table.c.expires_at > now),
            )
            content = kind.version(
                list_name, 0, now, (kind.item(dict(row._mapping)) for row in session.execute(query))
            )
            items = kind.items(content)
            current = {kind.row_key(row): row for row in map(kind.published_row, items)}
            result = publish_rows(
                session,
                kind.published_model,
                blocklist,
                current,
                kind.row_key,
                kind.digest(items),
                self.actor,
                now,
            )
            if result.new_version:
                journal.append(
                    session,
                    self.actor,
                    f"{kind.journal_prefix}.publish",
                    kind.version_subject(list_name, result.serial),
                    {"entries": result.entries, "added": result.added, "removed": result.removed},
                )
            return result

    def versions(self, list_name: str) -> list[VersionInfo]:
        return self._versions(list_name, self.kind.list_kind)

    def latest_serial(self, list_name: str) -> int:
        with self.sessions() as session:
            return version_row(session, self._list(session, list_name), None).serial

    def version(self, list_name: str, serial: int | None = None) -> VersionT:
        """A published version (default the latest), checked against the digest taken at publication."""
        kind = self.kind
        with self.sessions() as session:
            blocklist = self._list(session, list_name)
            row = version_row(session, blocklist, serial)
            items = [kind.item(r) for r in rows_at(session, kind.published_model, blocklist.id, row.serial)]
        version = kind.version(list_name, row.serial, row.published_at, items)
        if kind.digest(kind.items(version)) != row.digest:
            raise BlocklistError(f"version {row.serial} of {list_name!r} does not match its digest: altered")
        return version

    def diff(self, list_name: str, since: int = 0, serial: int | None = None) -> DiffT:
        """The changes from version ``since`` (0: from nothing) to ``serial`` (default the latest)."""
        new = self.version(list_name, serial)
        if not 0 <= since < new.serial:
            raise BlocklistError(f"serial {since} is not between 0 and {new.serial - 1}")
        old = (
            self.kind.version(list_name, 0, new.published_at, ())
            if since == 0
            else self.version(list_name, since)
        )
        return self.kind.diff(old, new)
