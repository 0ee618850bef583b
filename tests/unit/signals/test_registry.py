"""The signal-type registry every module asks: built-ins' properties, and the derived sets."""

from __future__ import annotations

import hashlib

import pytest

from vigil.formats.base import HashRecord, canonical_hash, set_hash
from vigil.index.exact import ExactIndex
from vigil.signals import registry
from vigil.signals.base import DigestSignalType, IndexedSignalType, InvalidSignalError, UnknownSignalTypeError
from vigil.signals.crypto import SHA1, CryptoSignal, digest_bytes


def test_builtins_and_derived_sets() -> None:
    assert list(registry.signal_types()) == ["pdq", "md5", "sha1", "sha256", "vpdq", "url", "pdq_regions"]
    assert list(registry.digest_types()) == ["md5", "sha1", "sha256"]
    assert registry.extra_digest_types() == {}  # no plugin installed in the test process
    assert list(registry.indexed_types()) == ["pdq", "md5", "sha1", "sha256", "vpdq", "pdq_regions"]
    assert list(registry.exact_types()) == ["md5", "sha1", "sha256"]
    assert registry.default_threshold("pdq") == 31
    widths = {n: s.bits for n, s in registry.signal_types().items()}
    assert widths == {
        "pdq": 256,
        "md5": 128,
        "sha1": 160,
        "sha256": 256,
        "vpdq": 0,
        "url": 0,
        "pdq_regions": 1024,
    }
    # vPDQ is indexed by its frames (VpdqIndex), for videos only.
    assert registry.signal_type("vpdq").content_kinds == ("video",)
    # pdq_regions is registered always and computed only when VIGIL_PDQ_REGIONS is on.
    assert registry.signal_type("pdq_regions").content_kinds == ("image",)


def test_canonical_hash_is_the_signal_types_normaliser() -> None:
    value = "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709"
    assert canonical_hash("sha1", value) == SHA1.normalize(value) == value.lower()
    with pytest.raises(InvalidSignalError, match="not a SHA-1"):
        canonical_hash("sha1", "abc")
    with pytest.raises(UnknownSignalTypeError, match="unknown signal type 'nope'"):
        canonical_hash("nope", "abc")


def test_set_hash_puts_non_identity_types_among_signals() -> None:
    record = HashRecord()
    assert set_hash(record, "md5", "D41D8CD98F00B204E9800998ECF8427E") is None
    assert set_hash(record, "pdq", "f" * 64) is None
    assert record.md5 == "d41d8cd98f00b204e9800998ecf8427e" and record.signals == [("pdq", "f" * 64)]
    assert set_hash(record, "pdq", "xyz") is not None


def test_digest_types_hash_like_the_streamed_read() -> None:
    data = b"benign bytes"
    digests = digest_bytes(data)
    for name, kind in registry.digest_types().items():
        assert isinstance(kind, DigestSignalType) and isinstance(kind, IndexedSignalType)
        h = kind.hasher()
        h.update(data)
        assert h.hexdigest() == getattr(digests, name)


def test_an_exact_index_of_any_width() -> None:
    wide = CryptoSignal("sha512", 512, "SHA-512")
    values = [hashlib.sha512(bytes([i])).hexdigest() for i in range(5)]
    index = wide.build_index(values, [10, 11, 12, 13, 14])
    assert isinstance(index, ExactIndex) and index.signal == "sha512"
    assert [m.id for m in index.query(values[3])] == [13]
    assert index.query(hashlib.sha512(b"x").hexdigest()) == []
