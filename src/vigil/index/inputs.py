"""Hashes and ids as callers give them (hex text, bytes, arrays) → the arrays an index stores."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from vigil.arrays import I64, U8
from vigil.index.base import HashesLike, HashLike, IdsLike
from vigil.signals.base import InvalidSignalError


def hash_array(hashes: HashesLike, nbytes: int, what: str) -> U8:
    """An (n, nbytes) C-contiguous uint8 array (always a new one: the caller keeps its own)."""
    if isinstance(hashes, np.ndarray):
        if hashes.dtype != np.uint8 or hashes.ndim != 2 or hashes.shape[1] != nbytes:
            raise ValueError(
                f"{what} hashes: expected an (N, {nbytes}) uint8 array, got {hashes.shape} {hashes.dtype}"
            )
        return np.array(hashes, dtype=np.uint8, order="C", copy=True)
    if isinstance(hashes, str | bytes):
        raise TypeError(f"{what} hashes: expected many hashes, got one; wrap it in a list")
    return _from_items(hashes, nbytes, what)


def one_hash(h: HashLike, nbytes: int, what: str) -> U8:
    """A (1, nbytes) array of one hash."""
    if isinstance(h, np.ndarray):
        if h.dtype != np.uint8 or h.shape != (nbytes,):
            raise ValueError(f"{what} hash: expected a ({nbytes},) uint8 array, got {h.shape} {h.dtype}")
        return np.array(h.reshape(1, nbytes), dtype=np.uint8, order="C", copy=True)
    return _from_items([h], nbytes, what)


def _from_items(items: Iterable[str | bytes], nbytes: int, what: str) -> U8:
    texts: list[str] = []
    raws: list[bytes] = []
    for item in items:
        if isinstance(item, str):
            texts.append(item)
        elif isinstance(item, bytes | bytearray | memoryview):
            raws.append(bytes(item))
        else:
            raise TypeError(f"{what} hash: expected hex text or bytes, got {type(item).__name__}")
    if texts and raws:
        raise TypeError(f"{what} hashes: a mix of text and bytes")
    if raws:
        bad = next((r for r in raws if len(r) != nbytes), None)
        if bad is not None:
            raise InvalidSignalError(f"not a {what} hash: expected {nbytes} bytes, got {len(bad)}")
        joined = b"".join(raws)
    else:
        joined = _unhex(texts, nbytes, what)
    return np.frombuffer(joined, dtype=np.uint8).reshape(-1, nbytes).copy()


def _unhex(texts: list[str], nbytes: int, what: str) -> bytes:
    width = 2 * nbytes
    for text in texts:
        if len(text) != width:
            raise InvalidSignalError(f"not a {what} hash: expected {width} hex digits, got {text[:80]!r}")
    try:
        raw = bytes.fromhex("".join(texts))
    except ValueError:
        raw = b""
    # bytes.fromhex skips spaces: a shorter result means some text was not pure hex.
    if len(raw) != nbytes * len(texts):
        bad = next(t for t in texts if not _is_hex(t))
        raise InvalidSignalError(f"not a {what} hash: expected {width} hex digits, got {bad[:80]!r}")
    return raw


def _is_hex(text: str) -> bool:
    try:
        return len(bytes.fromhex(text)) * 2 == len(text)
    except ValueError:
        return False


def id_array(ids: IdsLike | None, n: int, first: int) -> I64:
    """``n`` int64 ids; by default ``first, first + 1, ...``."""
    if ids is None:
        return np.arange(first, first + n, dtype=np.int64)
    out = np.array(ids, dtype=np.int64, copy=True).reshape(-1)
    if out.shape[0] != n:
        raise ValueError(f"{n} hashes but {out.shape[0]} ids")
    return out


def to_hex(rows: U8) -> list[str]:
    return [bytes(r).hex() for r in rows]
