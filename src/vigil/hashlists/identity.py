"""Which media item a record is: records sharing any cryptographic hash are one item.

A chunk of records is resolved against the items already known (loaded from the database by the importer)
and against each other. A record whose hashes point at two different items, or whose hash contradicts an
item's (same MD5, other SHA-1), is rejected: merging would join two items on a hash collision or a typo.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from vigil.errors import Conflict
from vigil.formats.base import HashRecord
from vigil.signals.registry import IDENTITY_DIGESTS as CRYPTO
from vigil.signals.registry import signal_type


def _label(kind: str) -> str:
    return str(getattr(signal_type(kind), "label", kind))


@dataclass(slots=True, eq=False)
class Item:
    """A media item while a chunk is imported: loaded from the database (``id`` set) or new."""

    id: int | None
    sha256: str | None = None
    md5: str | None = None
    sha1: str | None = None
    size: int | None = None
    mime_type: str | None = None
    #: An existing item that received a hash, size or type it lacked.
    filled: bool = False
    #: Signal keys (type, digest) that identify a hash-less item.
    signal_keys: list[tuple[str, str]] = field(default_factory=list)


class IdentityConflictError(Conflict, ValueError):
    """The record cannot be one item with what is known."""


class ItemIndex:
    """Items of one chunk by each of their hashes (and, for hash-less items, by signal)."""

    def __init__(self, items: Iterable[Item] = ()) -> None:
        self._by_key: dict[tuple[str, str], Item] = {}
        for item in items:
            self.add(item)

    def add(self, item: Item) -> None:
        for kind in CRYPTO:
            value = getattr(item, kind)
            if value is not None:
                self._by_key.setdefault((kind, value), item)
        for key in item.signal_keys:
            self._by_key.setdefault(key, item)

    def resolve(self, record: HashRecord, signal_keys: list[tuple[str, str]]) -> tuple[Item, bool, bool]:
        """The item ``record`` describes, updated with what the record adds.

        Returns (item, whether the item is new, whether the record filled in something it lacked).
        """
        found: dict[int, tuple[Item, str]] = {}
        for kind in CRYPTO:
            value = getattr(record, kind)
            if value is not None and (kind, value) in self._by_key:
                item = self._by_key[kind, value]
                found.setdefault(id(item), (item, kind))
        if not found and not any(getattr(record, k) for k in CRYPTO):
            # Only signals (a pytx PDQ line): the item holding the same signal, if any.
            for key in signal_keys:
                if key in self._by_key:
                    return self._by_key[key], False, False
        if len(found) > 1:
            kinds = " and ".join(_label(k) for _, k in found.values())
            raise IdentityConflictError(f"its {kinds} belong to two different known items")
        if not found:
            item = Item(None, record.sha256, record.md5, record.sha1, record.size, record.mime_type)
            if not any(getattr(record, k) for k in CRYPTO):
                item.signal_keys = list(signal_keys)
            self.add(item)
            return item, True, False
        item, matched = next(iter(found.values()))
        for kind in CRYPTO:
            mine, theirs = getattr(record, kind), getattr(item, kind)
            if mine is not None and theirs is not None and mine != theirs:
                raise IdentityConflictError(
                    f"its {_label(kind)} differs from the known item with the same {_label(matched)}"
                )
        return item, False, self._fill(item, record)

    def _fill(self, item: Item, record: HashRecord) -> bool:
        changed = False
        for kind in CRYPTO:
            if getattr(item, kind) is None and getattr(record, kind) is not None:
                setattr(item, kind, getattr(record, kind))
                changed = True
        if item.size is None and record.size is not None:
            item.size, changed = record.size, True
        if item.mime_type is None and record.mime_type is not None:
            item.mime_type, changed = record.mime_type, True
        if changed:
            self.add(item)
            if item.id is not None:
                item.filled = True
        return changed
