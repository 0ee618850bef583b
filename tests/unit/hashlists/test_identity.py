"""Which item a record is: one item per shared hash, contradictions refused."""

from __future__ import annotations

import pytest

from vigil.formats.base import HashRecord
from vigil.hashlists.identity import IdentityConflictError, Item, ItemIndex

A, B = "a" * 32, "b" * 32
SA, SB = "1" * 40, "2" * 40


def test_records_sharing_a_hash_merge() -> None:
    index = ItemIndex([Item(7, md5=A)])
    item, new, filled = index.resolve(HashRecord(md5=A, sha1=SA, size=3), [])
    assert (item.id, new, filled, item.sha1, item.size, item.filled) == (7, False, True, SA, 3, True)
    same, new, filled = index.resolve(HashRecord(sha1=SA), [])
    assert (same is item, new, filled) == (True, False, False)
    fresh, new, _ = index.resolve(HashRecord(md5=B), [])
    assert (fresh.id, new) == (None, True)
    again, new, _ = index.resolve(HashRecord(md5=B, sha1=SB), [])
    assert again is fresh and not new and again.sha1 == SB and not again.filled  # new items need no update


def test_contradictions() -> None:
    index = ItemIndex([Item(1, md5=A, sha1=SA), Item(2, md5=B)])
    with pytest.raises(IdentityConflictError, match="SHA-1 differs from the known item with the same MD5"):
        index.resolve(HashRecord(md5=A, sha1=SB), [])
    with pytest.raises(IdentityConflictError, match="belong to two different known items"):
        index.resolve(HashRecord(md5=B, sha1=SA), [])


def test_signal_only_records() -> None:
    key = ("pdq", "d" * 64)
    index = ItemIndex([Item(3, signal_keys=[key])])
    item, new, _ = index.resolve(HashRecord(signals=[("pdq", "x")]), [key])
    assert (item.id, new) == (3, False)
    other, new, _ = index.resolve(HashRecord(signals=[("pdq", "y")]), [("pdq", "e" * 64)])
    assert new and other.signal_keys == [("pdq", "e" * 64)]
