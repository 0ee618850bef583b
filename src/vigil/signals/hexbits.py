"""Hex text ⇄ bits ⇄ bytes for fixed-width hash signals, and Hamming distance."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from vigil.signals.base import InvalidSignalError

_HEX = frozenset("0123456789abcdef")


def normalize_hex(value: str, nbits: int, what: str) -> str:
    """Lower-case, stripped hex of exactly ``nbits`` bits, or InvalidSignalError."""
    text = value.strip().lower()
    if len(text) != nbits // 4 or not _HEX.issuperset(text):
        raise InvalidSignalError(f"not a {what}: expected {nbits // 4} hex digits, got {value[:80]!r}")
    return text


def bits_to_hex(bits: npt.ArrayLike) -> str:
    """Most significant bit first, as the reference tools print hashes."""
    arr = np.asarray(bits, dtype=np.uint8)
    if arr.ndim != 1 or arr.size % 8:
        raise ValueError("bits must be a flat array whose length is a multiple of 8")
    return np.packbits(arr).tobytes().hex()


def hex_to_bits(text: str) -> npt.NDArray[np.uint8]:
    return np.unpackbits(np.frombuffer(bytes.fromhex(text), dtype=np.uint8))


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex strings of equal length."""
    if len(a) != len(b):
        raise ValueError("hashes of different lengths")
    return (int(a, 16) ^ int(b, 16)).bit_count()
