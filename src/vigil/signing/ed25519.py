"""Ed25519 detached signatures over exported lists.

An ISP that downloads a list must be able to tell it came from the hotline unchanged, whatever mirror
or cache it came through. The signature file is one line of text::

    vigil-ed25519 <key id> <base64 signature>

The key id (first 16 hex digits of the SHA-256 of the raw public key) lets a consumer that trusts
several keys (during a key rotation) pick the right one, and gives a clear error for the wrong key.
Keys are stored as PEM: PKCS#8 for the private key (optionally encrypted), SubjectPublicKeyInfo for
the public key that the well-known endpoint serves.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Iterable
from typing import Final

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from vigil.errors import Invalid

SIGNATURE_TAG: Final = "vigil-ed25519"
SIGNATURE_BYTES: Final = 64


class SignatureError(Invalid):
    """A signature that is malformed, made by another key, or does not match the data."""


def generate_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def key_id(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def private_key_to_pem(private_key: Ed25519PrivateKey, password: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    )
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def private_key_from_pem(data: bytes, password: bytes | None = None) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(data, password=password)
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError("the private key is not an Ed25519 key")
    return key


def public_key_to_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def public_key_from_pem(data: bytes) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(data)
    if not isinstance(key, Ed25519PublicKey):
        raise SignatureError("the public key is not an Ed25519 key")
    return key


def sign(data: bytes, private_key: Ed25519PrivateKey) -> str:
    """The detached signature file's text for ``data``."""
    signature = base64.b64encode(private_key.sign(data)).decode("ascii")
    return f"{SIGNATURE_TAG} {key_id(private_key.public_key())} {signature}\n"


def parse_signature(text: str | bytes) -> tuple[str, bytes]:
    """(key id, raw signature) of a signature file; raises SignatureError when malformed."""
    if isinstance(text, bytes):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            raise SignatureError("signature file is not ASCII text") from None
    fields = text.split()
    if len(fields) != 3 or fields[0] != SIGNATURE_TAG:
        raise SignatureError(f"not a {SIGNATURE_TAG} signature line")
    try:
        raw = base64.b64decode(fields[2], validate=True)
    except binascii.Error:
        raise SignatureError("signature is not valid base64") from None
    if len(raw) != SIGNATURE_BYTES:
        raise SignatureError(f"signature has {len(raw)} bytes instead of {SIGNATURE_BYTES}")
    return fields[1], raw


def verify(data: bytes, signature: str | bytes, keys: Ed25519PublicKey | Iterable[Ed25519PublicKey]) -> str:
    """Check ``signature`` over ``data`` against the trusted ``keys``; returns the signing key's id.

    Raises :class:`SignatureError` when the signature is malformed, made by a key not trusted here,
    or does not match the data (tampering, truncation, the wrong file).
    """
    wanted, raw = parse_signature(signature)
    trusted = [keys] if isinstance(keys, Ed25519PublicKey) else list(keys)
    for key in trusted:
        if key_id(key) == wanted:
            try:
                key.verify(raw, data)
            except InvalidSignature:
                raise SignatureError("signature does not match the data") from None
            return wanted
    raise SignatureError(f"signed by key {wanted}, which is not among the trusted keys")
