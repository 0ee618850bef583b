"""The cryptography of the private set intersection (ECDH-PSI over Ristretto255, libsodium through rbcl).

Each side hashes its values into the group (SHA-512 of a domain-separated value, then libsodium's
``crypto_core_ristretto255_from_hash``) and raises them to a scalar of its own, drawn for the session and
never stored beyond it. Exponentiation commutes, so ``(H(x)^a)^b == (H(y)^b)^a`` exactly when ``x == y``;
without the other side's scalar, a blinded point tells nothing about the value (the decisional
Diffie-Hellman assumption in a prime-order group). Doubly blinded points are compared by a 16-byte tag
(BLAKE2b of the point): at a million values a side the chance of one false match is below 2^-56.

No elliptic-curve arithmetic is written here: every group operation is libsodium's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Final

import rbcl as bindings

from vigil.errors import Invalid

POINT_BYTES: Final = bindings.crypto_core_ristretto255_BYTES
TAG_BYTES: Final = 16
#: Changing the hashing of values into the group changes this label (old and new never meet).
DOMAIN: Final = b"vigil-psi-v1"


class PsiError(Invalid):
    """A peer sent something that is not a well-formed part of the protocol."""


def hash_to_point(set_name: str, value: str) -> bytes:
    """The group element of ``value`` within ``set_name`` (an MD5 and a series name never meet)."""
    digest = hashlib.sha512(b"\0".join((DOMAIN, set_name.encode(), value.encode()))).digest()
    return bytes(bindings.crypto_core_ristretto255_from_hash(digest))


def value_digest(set_name: str, value: str) -> bytes:
    """The 64 bytes :func:`hash_to_point` maps: kept instead of the value where a session stores its set."""
    return hashlib.sha512(b"\0".join((DOMAIN, set_name.encode(), value.encode()))).digest()


def tag(point: bytes) -> bytes:
    return hashlib.blake2b(point, digest_size=TAG_BYTES).digest()


def split(data: bytes, width: int) -> list[bytes]:
    if len(data) % width:
        raise PsiError(f"a body of {len(data)} bytes is not a whole number of {width}-byte items")
    return [data[i : i + width] for i in range(0, len(data), width)]


class Blinder:
    """One side's secret scalar for one session, and what it does to values and points."""

    def __init__(self, scalar: bytes | None = None) -> None:
        self.scalar = (
            scalar if scalar is not None else bytes(bindings.crypto_core_ristretto255_scalar_random())
        )
        if len(self.scalar) != bindings.crypto_core_ristretto255_SCALARBYTES:
            raise ValueError("a Ristretto255 scalar has 32 bytes")

    def _mul(self, point: bytes) -> bytes:
        try:
            return bytes(bindings.crypto_scalarmult_ristretto255(self.scalar, point))
        except Exception as exc:  # libsodium refuses a non-canonical encoding or the identity
            raise PsiError("not a valid Ristretto255 point") from exc

    def blind_digests(self, digests: Iterable[bytes]) -> bytes:
        """Points ``H(x)^k`` of the 64-byte digests of :func:`value_digest`, concatenated."""
        out = bytearray()
        for digest in digests:
            out += self._mul(bytes(bindings.crypto_core_ristretto255_from_hash(digest)))
        return bytes(out)

    def blind_values(self, set_name: str, values: Sequence[str]) -> bytes:
        return self.blind_digests(value_digest(set_name, v) for v in values)

    def reblind(self, points: bytes) -> list[bytes]:
        """The other side's points raised to this side's scalar, in their order (points checked)."""
        out = []
        for point in split(points, POINT_BYTES):
            if not bindings.crypto_core_ristretto255_is_valid_point(point):
                raise PsiError("not a valid Ristretto255 point")
            out.append(self._mul(point))
        return out

    def reblind_tags(self, points: bytes) -> bytes:
        return b"".join(tag(p) for p in self.reblind(points))
