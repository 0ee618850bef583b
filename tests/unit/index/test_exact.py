"""ExactIndex specifics: signal inference, equality only, digests sharing their first 8 bytes."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from vigil.index import ExactIndex, Match


def test_signal_inferred_from_width() -> None:
    for name in ("md5", "sha1", "sha256"):
        digest = hashlib.new(name, b"benign").hexdigest()
        index = ExactIndex.build(iter([digest]))
        assert index.signal == name and index.query(digest) == [Match(0, 0)]
    with pytest.raises(ValueError, match="cannot tell"):
        ExactIndex.build(["00" * 12])
    with pytest.raises(ValueError, match="unknown exact signal"):
        ExactIndex("crc32")


def test_equality_only_whatever_the_threshold() -> None:
    a = bytes(32)
    b = bytes(31) + b"\x01"  # one bit away, same 8-byte key
    index = ExactIndex.build([a.hex()], signal="sha256")
    assert index.query(b.hex(), 256) == []
    assert index.query(a.hex(), 5) == [Match(0, 0)]


def test_many_digests_sharing_a_key() -> None:
    rng = np.random.default_rng(0)
    digests = rng.integers(0, 256, size=(500, 20), dtype=np.uint8)
    digests[:, :8] = 7  # every row in one key run: the full comparison must decide
    index = ExactIndex.build(digests, signal="sha1")
    answers = index.query_many(digests[::-1], 0)
    assert [a for a in answers] == [[Match(i, 0)] for i in range(499, -1, -1)]
    index.remove(range(0, 500, 2))
    assert index.query(digests[4]) == [] and index.query(digests[5]) == [Match(5, 0)]
