"""Published list versions and the differences between two of them.

A version is immutable: its serial is the SOA serial of its RPZ export and the checkpoint consumers
ask changes from. A diff carries whole entries on both sides, so that it can be applied to the older
version and checked against it: ``apply_diff(old, diff_versions(old, new)) == new``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Final, TypeVar

from vigil.blocklists.entries import EntryKind, ListEntry
from vigil.errors import Invalid

#: RPZ serials are SOA serials: unsigned 32-bit.
MAX_SERIAL: Final = 2**32 - 1
_LIST_NAME: Final = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
K = TypeVar("K", bound=Hashable)
ItemT = TypeVar("ItemT")


class VersionError(Invalid):
    """A version or diff that is inconsistent (duplicate entries, wrong serial, mismatched base)."""


def check_list_name(name: str) -> str:
    # The name ends up in file names, URLs and zone-file comments.
    if not _LIST_NAME.match(name):
        raise VersionError(f"list name {name!r} must be lowercase letters, digits and hyphens")
    return name


def check_serial(serial: int) -> int:
    if not 0 <= serial <= MAX_SERIAL:
        raise VersionError(f"serial {serial} outside 0..{MAX_SERIAL}")
    return serial


@dataclass(frozen=True)
class VersionHead:
    """What every kind of list version starts with: the list's name, the serial and when it was published."""

    #: What a naive time raises: each kind of list keeps its own exception.
    error: ClassVar[type[ValueError]] = VersionError
    name: str
    serial: int
    published_at: datetime

    def __post_init__(self) -> None:
        check_list_name(self.name)
        check_serial(self.serial)
        if self.published_at.utcoffset() is None:
            raise self.error("published_at must carry a time zone")


@dataclass(frozen=True)
class DiffHead:
    """What every kind of diff starts with: the list's name, the serials it spans and when the newer
    version was published."""

    #: What going backwards raises: each kind of list keeps its own exception.
    error: ClassVar[type[ValueError]] = VersionError
    name: str
    from_serial: int
    to_serial: int
    published_at: datetime

    def __post_init__(self) -> None:
        check_list_name(self.name)
        check_serial(self.from_serial)
        check_serial(self.to_serial)
        if self.to_serial <= self.from_serial:
            raise self.error(f"diff goes from serial {self.from_serial} to {self.to_serial}")


def check_same_list(old: VersionHead, new: VersionHead) -> None:
    if old.name != new.name:
        raise old.error(f"cannot diff list {old.name!r} against {new.name!r}")


def check_diff_base(old: VersionHead, diff: DiffHead) -> None:
    """Refuses a diff that was not made from ``old``."""
    if old.name != diff.name or old.serial != diff.from_serial:
        raise old.error(
            f"diff {diff.name}@{diff.from_serial}->{diff.to_serial} does not apply to {old.name}@{old.serial}"
        )


def _sorted_unique(entries: Iterable[ListEntry]) -> tuple[ListEntry, ...]:
    ordered = tuple(sorted(entries, key=lambda entry: entry.key))
    for before, after in itertools.pairwise(ordered):
        if before.key == after.key:
            raise VersionError(f"{before.kind} {before.target!r} listed twice")
    return ordered


@dataclass(frozen=True)
class ListVersion(VersionHead):
    """One published version of a named list. Entries are kept sorted by (kind, target)."""

    entries: tuple[ListEntry, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "entries", _sorted_unique(self.entries))

    @classmethod
    def empty(cls, name: str, published_at: datetime) -> ListVersion:
        """Serial 0, no entries: the base a consumer without any version diffs from."""
        return cls(name=name, serial=0, published_at=published_at, entries=())

    def by_key(self) -> dict[tuple[EntryKind, str], ListEntry]:
        return {entry.key: entry for entry in self.entries}


@dataclass(frozen=True)
class VersionDiff(DiffHead):
    """What changed from ``from_serial`` to ``to_serial``.

    ``removed`` holds the old form of entries that went away or changed, ``added`` the new form of
    entries that appeared or changed; a changed entry (new reason, wildcard turned on) is in both.
    """

    added: tuple[ListEntry, ...]
    removed: tuple[ListEntry, ...]

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "added", _sorted_unique(self.added))
        object.__setattr__(self, "removed", _sorted_unique(self.removed))


def changes(
    before: Mapping[K, ItemT], after: Mapping[K, ItemT]
) -> tuple[tuple[ItemT, ...], tuple[ItemT, ...]]:
    """(added, removed) between two versions' items by key: a changed item is in both."""
    added = tuple(item for key, item in after.items() if before.get(key) != item)
    removed = tuple(item for key, item in before.items() if after.get(key) != item)
    return added, removed


def apply_changes(
    base: Mapping[K, ItemT],
    added: Iterable[ItemT],
    removed: Iterable[ItemT],
    key: Callable[[ItemT], K],
    describe: Callable[[ItemT], str],
    error: type[ValueError] = VersionError,
) -> dict[K, ItemT]:
    """``base`` less ``removed`` (each must be there as it is) plus ``added`` (none may be there)."""
    items = dict(base)
    for item in removed:
        if items.get(key(item)) != item:
            raise error(f"diff removes {describe(item)}, which the base does not hold")
        del items[key(item)]
    for item in added:
        if key(item) in items:
            raise error(f"diff adds {describe(item)}, which the base already holds")
        items[key(item)] = item
    return items


def diff_versions(old: ListVersion, new: ListVersion) -> VersionDiff:
    check_same_list(old, new)
    added, removed = changes(old.by_key(), new.by_key())
    return VersionDiff(new.name, old.serial, new.serial, new.published_at, added, removed)


def apply_diff(old: ListVersion, diff: VersionDiff) -> ListVersion:
    """The version ``diff`` leads to from ``old``; refuses a diff that was not made from ``old``."""
    check_diff_base(old, diff)
    entries = apply_changes(
        old.by_key(), diff.added, diff.removed, lambda e: e.key, lambda e: f"{e.kind} {e.target!r}"
    )
    return ListVersion(old.name, diff.to_serial, diff.published_at, tuple(entries.values()))


def dns_triggers(entries: Iterable[ListEntry], *, url_hosts: bool = True) -> dict[str, bool]:
    """The names a resolver should block, each with whether its subdomains are blocked too.

    A URL entry can only be blocked by DNS as its whole host: with ``url_hosts`` (the default) its
    host is listed, which over-blocks other pages of that host; without, URL entries are left to the
    proxy list. URLs on bare IP addresses never reach DNS.
    """
    names: dict[str, bool] = {}
    for entry in entries:
        if entry.kind == "url" and not url_hosts:
            continue
        name = entry.dns_name
        if name is not None:
            names[name] = names.get(name, False) or entry.wildcard
    return dict(sorted(names.items(), key=lambda item: tuple(reversed(item[0].split(".")))))
