"""Hash lists: creating them, finding them, and what is known about each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.db.latest import latest
from vigil.db.named import find_named, get_named
from vigil.errors import Conflict, Invalid, NotFound
from vigil.hashlists.catalog import Catalog
from vigil.hashlists.models import HashList, HashListMember, HashListVersion, Provenance
from vigil.hashlists.selection import SelectionRules

BASELINE_LIST: Final = "baseline"


class ListError(Invalid):
    pass


class UnknownHashListError(NotFound, ListError):
    """No such list, or it has nothing published yet."""


class HashListExistsError(Conflict, ListError):
    pass


def find_list(session: Session, name: str) -> HashList | None:
    return find_named(session, HashList, name)


def get_list(session: Session, name: str) -> HashList:
    return get_named(session, HashList, name, lambda n: UnknownHashListError(f"unknown hash list {n!r}"))


def create_list(
    session: Session,
    catalog: Catalog,
    name: str,
    provenance: Provenance,
    rules: SelectionRules | None = None,
    recipients: Sequence[str] = (),
    description: str = "",
) -> HashList:
    if not name.strip():
        raise ListError("a hash list needs a name")
    if find_list(session, name) is not None:
        raise HashListExistsError(f"hash list {name!r} exists")
    rules = rules or SelectionRules()
    rules.check(catalog)
    hash_list = HashList(
        name=name.strip(),
        description=description,
        rules=rules.to_json(),
        recipients=list(recipients),
        provenance_id=provenance.id,
    )
    session.add(hash_list)
    session.flush()
    return hash_list


def ensure_list(
    session: Session, catalog: Catalog, name: str, provenance: Provenance
) -> tuple[HashList, bool]:
    existing = find_list(session, name)
    if existing is not None:
        return existing, False
    return create_list(session, catalog, name, provenance), True


def ensure_baseline_list(session: Session, catalog: Catalog, provenance: Provenance) -> HashList:
    existing = find_list(session, BASELINE_LIST)
    if existing is not None:
        return existing
    rules = SelectionRules(baseline_only=True)
    return create_list(
        session, catalog, BASELINE_LIST, provenance, rules, description="INTERPOL worst-of criteria"
    )


@dataclass(frozen=True)
class ListInfo:
    name: str
    description: str
    rules: SelectionRules
    recipients: list[str]
    members: int
    latest_version: int | None
    latest_entries: int | None


def latest_version(session: Session, hash_list: HashList) -> HashListVersion | None:
    return latest(session, HashListVersion, HashListVersion.version, HashListVersion.list_id == hash_list.id)


def versions(session: Session, hash_list: HashList) -> list[HashListVersion]:
    return list(
        session.execute(
            select(HashListVersion)
            .where(HashListVersion.list_id == hash_list.id)
            .order_by(HashListVersion.version)
        ).scalars()
    )


def list_info(session: Session, hash_list: HashList) -> ListInfo:
    members = session.execute(
        select(func.count()).select_from(HashListMember).where(HashListMember.list_id == hash_list.id)
    ).scalar_one()
    latest = latest_version(session, hash_list)
    return ListInfo(
        name=hash_list.name,
        description=hash_list.description,
        rules=SelectionRules.from_json(hash_list.rules),
        recipients=list(hash_list.recipients),
        members=int(members),
        latest_version=latest.version if latest else None,
        latest_entries=latest.entry_count if latest else None,
    )


def all_lists(session: Session) -> list[HashList]:
    return list(session.execute(select(HashList).order_by(HashList.name)).scalars())
