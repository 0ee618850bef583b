"""Finding and creating lists, the analysts' names, and the version rows both kinds of list share."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from vigil.audit import journal
from vigil.blocklists.models import Blocklist, BlocklistVersion
from vigil.blocklists.versions import VersionError, check_list_name
from vigil.db.base import utcnow
from vigil.db.latest import latest
from vigil.errors import Conflict, Invalid, NotFound

ListKind = Literal["url", "keywords"]
#: The list the CLI works on when none is named.
DEFAULT_URL_LIST: Final = "main"
DEFAULT_KEYWORD_LIST: Final = "search-terms"
MAX_NAME: Final = 200


class BlocklistError(Invalid):
    """A request the lists cannot honour as given; the two subclasses below say when it is something else."""


class BlocklistNotFound(NotFound, BlocklistError):  # noqa: N818 - named as the category it is
    """An unknown list, entry, version or appeal."""


class BlocklistConflict(Conflict, BlocklistError):  # noqa: N818
    """The entry's state forbids it: listed or confirmed already, the two-analyst rule, a decided appeal."""


def analyst(name: str) -> str:
    """An analyst's name as given, checked: it is what the two-analyst rule compares."""
    cleaned = name.strip()
    if not cleaned:
        raise BlocklistError("an analyst's name is required")
    if len(cleaned) > MAX_NAME or any(char in cleaned for char in "\r\n\x00"):
        raise BlocklistError(f"analyst name {cleaned[:40]!r}... is too long or has a line break")
    return cleaned


def same_person(a: str, b: str) -> bool:
    # "Alice" and "alice " are one person: a second login must not pass for a second analyst.
    return a.strip().casefold() == b.strip().casefold()


def list_name(name: str) -> str:
    try:
        return check_list_name(name)
    except VersionError as exc:
        raise BlocklistError(str(exc)) from None


def find_list(session: Session, name: str, kind: ListKind) -> Blocklist | None:
    found = session.execute(select(Blocklist).where(Blocklist.name == name)).scalar_one_or_none()
    if found is not None and found.kind != kind:
        raise BlocklistError(f"{name!r} is a {found.kind} list, not a {kind} list")
    return found


def get_list(session: Session, name: str, kind: ListKind, *, lock: bool = False) -> Blocklist:
    """The list; ``lock`` serialises publishers of the same list (PostgreSQL row lock)."""
    query = select(Blocklist).where(Blocklist.name == name)
    found = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
    if found is None or found.kind != kind:
        raise BlocklistNotFound(f"unknown {'keyword' if kind == 'keywords' else 'URL'} list {name!r}")
    return found


def ensure_list(session: Session, name: str, kind: ListKind, actor: str, now: datetime) -> Blocklist:
    found = find_list(session, list_name(name), kind)
    if found is not None:
        return found
    created = Blocklist(name=name, kind=kind, description="", created_at=now, created_by=actor[:MAX_NAME])
    session.add(created)
    session.flush()
    journal.append(session, actor, "blocklists.create", f"blocklist/{name}", {"kind": kind})
    return created


def latest_version(session: Session, blocklist: Blocklist) -> BlocklistVersion | None:
    return latest(
        session, BlocklistVersion, BlocklistVersion.serial, BlocklistVersion.list_id == blocklist.id
    )


def version_row(session: Session, blocklist: Blocklist, serial: int | None) -> BlocklistVersion:
    """The version ``serial`` (None: the latest) of a list, or a clear error."""
    if serial is None:
        found = latest_version(session, blocklist)
    else:
        found = session.execute(
            select(BlocklistVersion).where(
                BlocklistVersion.list_id == blocklist.id, BlocklistVersion.serial == serial
            )
        ).scalar_one_or_none()
    if found is None:
        what = f"version {serial}" if serial is not None else "published version"
        raise BlocklistNotFound(f"list {blocklist.name!r} has no {what}: publish it first")
    return found


def version_rows(session: Session, blocklist: Blocklist) -> Sequence[BlocklistVersion]:
    return (
        session.execute(
            select(BlocklistVersion)
            .where(BlocklistVersion.list_id == blocklist.id)
            .order_by(BlocklistVersion.serial)
        )
        .scalars()
        .all()
    )


@dataclass(frozen=True)
class VersionInfo:
    serial: int
    published_at: datetime
    published_by: str
    entries: int
    added: int
    removed: int
    digest: str


class ServiceBase:
    """What the URL-list and keyword-list services share: who acts, their clock, one transaction per call."""

    def __init__(
        self, sessions: sessionmaker[Session], actor: str, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.sessions = sessions
        self.actor = actor
        self._clock = clock

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    def _versions(self, list_name: str, kind: ListKind) -> list[VersionInfo]:
        with self.sessions() as session:
            return [
                VersionInfo(
                    v.serial,
                    v.published_at,
                    v.published_by,
                    v.entry_count,
                    v.added_count,
                    v.removed_count,
                    v.digest,
                )
                for v in version_rows(session, get_list(session, list_name, kind))
            ]
