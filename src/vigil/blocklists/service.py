"""The URL blocklist's service layer: one method per use case, each one transaction, each change journaled.

An entry goes: added by one analyst → confirmed by a second, different analyst → published in the
next version → removed (or expired, or taken off after an upheld appeal). Only confirmed, unexpired,
unremoved entries are published. The CLI and the web API call these methods and nothing below them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from vigil.audit import journal
from vigil.blocklists.entries import InvalidEntryError, ListEntry, parse_target
from vigil.blocklists.export.json import entry_to_dict
from vigil.blocklists.lists import (
    DEFAULT_URL_LIST,
    BlocklistError,
    ServiceBase,
    VersionInfo,
    analyst,
    ensure_list,
    get_list,
    same_person,
    version_row,
)
from vigil.blocklists.models import Blocklist, BlocklistAppeal, BlocklistEntry, BlocklistPublished
from vigil.blocklists.publishing import PublishResult, Row, content_digest, publish_rows, rows_at
from vigil.blocklists.versions import ListVersion, VersionDiff, diff_versions
from vigil.db.base import core_table
from vigil.signals.base import InvalidSignalError
from vigil.signals.url import sha256_of_canonical

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


def _info(row: BlocklistEntry, list_name: str) -> EntryInfo:
    return EntryInfo(
        id=row.id,
        list_name=list_name,
        kind=row.kind,
        target=row.target,
        wildcard=row.wildcard,
        category=row.category,
        reason=row.reason,
        source_report_id=row.source_report_id,
        added_at=row.added_at,
        added_by=row.added_by,
        confirmed_at=row.confirmed_at,
        confirmed_by=row.confirmed_by,
        expires_at=row.expires_at,
        removed_at=row.removed_at,
        removed_by=row.removed_by,
        removal_reason=row.removal_reason,
    )


def _appeal_info(appeal: BlocklistAppeal, target: str) -> AppealInfo:
    return AppealInfo(
        id=appeal.id,
        target=target,
        appellant=appeal.appellant,
        statement=appeal.statement,
        status=appeal.status,
        filed_at=appeal.filed_at,
        recorded_by=appeal.recorded_by,
        resolved_at=appeal.resolved_at,
        resolved_by=appeal.resolved_by,
        resolution=appeal.resolution,
    )


def _published_row(entry: ListEntry) -> Row:
    return {
        "kind": entry.kind,
        "target": entry.target,
        "wildcard": entry.wildcard,
        "category": entry.category,
        "reason": entry.reason,
        "added_at": entry.added_at,
        "expires_at": entry.expires_at,
    }


def _row_key(row: Row) -> tuple[str, str]:
    return (row["kind"], row["target"])


def _entry(row: Row) -> ListEntry:
    return ListEntry(
        kind=row["kind"],
        target=row["target"],
        category=row["category"],
        added_at=row["added_at"],
        reason=row["reason"],
        wildcard=row["wildcard"],
        expires_at=row["expires_at"],
    )


def version_digest(entries: tuple[ListEntry, ...]) -> str:
    """The digest of a version's entries (sorted, as ``ListVersion`` keeps them)."""
    return content_digest(json.dumps(entry_to_dict(e), sort_keys=True, ensure_ascii=False) for e in entries)


class BlocklistService(ServiceBase):
    def _journal(
        self, session: Session, action: str, entry: BlocklistEntry, name: str, **details: object
    ) -> None:
        subject = f"blocklist/{name}/{entry.kind}/{entry.target}"
        journal.append(session, self.actor, f"blocklists.{action}", subject, {"entry": entry.id, **details})

    @staticmethod
    def _find(session: Session, blocklist: Blocklist, kind: str, target: str) -> BlocklistEntry | None:
        return session.execute(
            select(BlocklistEntry).where(
                BlocklistEntry.list_id == blocklist.id,
                BlocklistEntry.kind == kind,
                BlocklistEntry.target_sha256 == sha256_of_canonical(target),
                BlocklistEntry.removed_at.is_(None),
            )
        ).scalar_one_or_none()

    def _live(self, session: Session, blocklist: Blocklist, text: str) -> BlocklistEntry:
        """The live entry of what an analyst typed (``*.name`` and ``name`` are the same entry)."""
        try:
            kind, target, _ = parse_target(text)
        except InvalidSignalError as exc:
            raise BlocklistError(str(exc)) from None
        found = self._find(session, blocklist, kind, target)
        if found is None:
            raise BlocklistError(f"{kind} {target!r} is not on list {blocklist.name!r}")
        return found

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
            blocklist = ensure_list(session, list_name, "url", self.actor, now)
            old = self._find(session, blocklist, entry.kind, entry.target)
            if old is not None:
                if old.expires_at is None or old.expires_at > now:
                    raise BlocklistError(
                        f"{old.kind} {old.target!r} is already on list {list_name!r} (added by "
                        f"{old.added_by}); remove it first to change it"
                    )
                # An expired entry is history: it makes way for the new one.
                old.removed_at, old.removed_by, old.removal_reason = now, by, "expired; added again"
                session.flush()
            row = BlocklistEntry(
                list_id=blocklist.id,
                kind=entry.kind,
                target=entry.target,
                target_sha256=sha256_of_canonical(entry.target),
                wildcard=entry.wildcard,
                category=entry.category,
                reason=entry.reason,
                source_report_id=source_report_id,
                added_at=now,
                added_by=by,
                expires_at=entry.expires_at,
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
        by = analyst(by)
        now = self._clock()
        with self._transaction() as session:
            row = self._live(session, get_list(session, list_name, "url"), text)
            if row.confirmed_by is not None:
                raise BlocklistError(f"{row.target!r} was already confirmed by {row.confirmed_by}")
            if same_person(by, row.added_by):
                raise BlocklistError(
                    f"{row.added_by} added {row.target!r}: a second, different analyst must confirm it"
                )
            if row.expires_at is not None and row.expires_at <= now:
                raise BlocklistError(f"{row.target!r} expired on {row.expires_at.isoformat()}: add it again")
            row.confirmed_at, row.confirmed_by = now, by
            self._journal(session, "confirm", row, list_name, analyst=by, added_by=row.added_by)
            return _info(row, list_name)

    def remove(self, text: str, *, by: str, reason: str = "", list_name: str = DEFAULT_URL_LIST) -> EntryInfo:
        """Take an entry off: the next version no longer lists it (the row stays as history)."""
        by = analyst(by)
        now = self._clock()
        with self._transaction() as session:
            row = self._live(session, get_list(session, list_name, "url"), text)
            row.removed_at, row.removed_by, row.removal_reason = now, by, reason
            self._journal(session, "remove", row, list_name, analyst=by, reason=reason)
            return _info(row, list_name)

    def expire(
        self, text: str, *, by: str, at: datetime | None = None, list_name: str = DEFAULT_URL_LIST
    ) -> EntryInfo:
        """Set when an entry stops being published (default: now); the next publish drops it then."""
        by = analyst(by)
        when = at or self._clock()
        if when.utcoffset() is None:
            raise BlocklistError("the expiry time must carry a time zone")
        with self._transaction() as session:
            row = self._live(session, get_list(session, list_name, "url"), text)
            if when <= row.added_at:
                raise BlocklistError(f"{row.target!r} was added on {row.added_at.isoformat()}, after {when}")
            row.expires_at = when
            self._journal(session, "expire", row, list_name, analyst=by, expires_at=when)
            return _info(row, list_name)

    def entries(self, list_name: str = DEFAULT_URL_LIST, *, include_removed: bool = False) -> list[EntryInfo]:
        with self.sessions() as session:
            blocklist = get_list(session, list_name, "url")
            query = select(BlocklistEntry).where(BlocklistEntry.list_id == blocklist.id)
            if not include_removed:
                query = query.where(BlocklistEntry.removed_at.is_(None))
            rows = session.execute(
                query.order_by(BlocklistEntry.kind, BlocklistEntry.target, BlocklistEntry.id)
            ).scalars()
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
            row = self._live(session, get_list(session, list_name, "url"), text)
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
                raise BlocklistError(f"no appeal {appeal_id}")
            if appeal.status != "open":
                raise BlocklistError(
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
            blocklist = get_list(session, list_name, "url")
            query = (
                select(BlocklistAppeal, BlocklistEntry.target)
                .join(BlocklistEntry, BlocklistEntry.id == BlocklistAppeal.entry_id)
                .where(BlocklistEntry.list_id == blocklist.id)
                .order_by(BlocklistAppeal.id)
            )
            if open_only:
                query = query.where(BlocklistAppeal.status == "open")
            return [_appeal_info(appeal, target) for appeal, target in session.execute(query)]

    # -- versions ------------------------------------------------------------------------------------

    def publish(self, list_name: str = DEFAULT_URL_LIST) -> PublishResult:
        """A new immutable version of the confirmed, unexpired, unremoved entries, if any changed."""
        now = self._clock()
        with self._transaction() as session:
            blocklist = get_list(session, list_name, "url", lock=True)
            table = core_table(BlocklistEntry)
            query = select(
                table.c.kind,
                table.c.target,
                table.c.wildcard,
                table.c.category,
                table.c.reason,
                table.c.added_at,
                table.c.expires_at,
            ).where(
                table.c.list_id == blocklist.id,
                table.c.removed_at.is_(None),
                table.c.confirmed_by.is_not(None),
                table.c.added_at <= now,
                or_(table.c.expires_at.is_(None), table.c.expires_at > now),
            )
            content = ListVersion(
                name=list_name,
                serial=0,
                published_at=now,
                entries=tuple(_entry(dict(row._mapping)) for row in session.execute(query)),
            )
            current: dict[tuple[str, str], Row] = {
                entry.key: _published_row(entry) for entry in content.entries
            }
            result = publish_rows(
                session,
                BlocklistPublished,
                blocklist,
                current,
                _row_key,
                version_digest(content.entries),
                self.actor,
                now,
            )
            if result.new_version:
                journal.append(
                    session,
                    self.actor,
                    "blocklists.publish",
                    f"blocklist/{list_name}@{result.serial}",
                    {"entries": result.entries, "added": result.added, "removed": result.removed},
                )
            return result

    def versions(self, list_name: str = DEFAULT_URL_LIST) -> list[VersionInfo]:
        return self._versions(list_name, "url")

    def latest_serial(self, list_name: str = DEFAULT_URL_LIST) -> int:
        with self.sessions() as session:
            return version_row(session, get_list(session, list_name, "url"), None).serial

    def version(self, list_name: str = DEFAULT_URL_LIST, serial: int | None = None) -> ListVersion:
        """A published version (default the latest), checked against the digest taken at publication."""
        with self.sessions() as session:
            blocklist = get_list(session, list_name, "url")
            row = version_row(session, blocklist, serial)
            entries = [_entry(r) for r in rows_at(session, BlocklistPublished, blocklist.id, row.serial)]
        version = ListVersion(
            name=list_name, serial=row.serial, published_at=row.published_at, entries=tuple(entries)
        )
        if version_digest(version.entries) != row.digest:
            raise BlocklistError(f"version {row.serial} of {list_name!r} does not match its digest: altered")
        return version

    def diff(
        self, list_name: str = DEFAULT_URL_LIST, since: int = 0, serial: int | None = None
    ) -> VersionDiff:
        """The changes from version ``since`` (0: from nothing) to ``serial`` (default the latest)."""
        new = self.version(list_name, serial)
        if not 0 <= since < new.serial:
            raise BlocklistError(f"serial {since} is not between 0 and {new.serial - 1}")
        old = ListVersion.empty(list_name, new.published_at) if since == 0 else self.version(list_name, since)
        return diff_versions(old, new)
