"""Sealing the console's TOTP secrets at rest with the installation's evidence key (AES-256-GCM), so
that a copy of the database alone yields no authenticator secret.

Each sealed secret is bound to its row (GCM associated data: ``console-totp:<context>``): a sealed value
copied to another user's row does not open. Format: ``vgs1:<key id>:<base64(nonce | ciphertext+tag)>``.
A value without the prefix is a secret stored before sealing existed; it is read as it is and sealed
again at its next use (see :class:`vigil.auth.console.ConsoleAuth`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vigil.auth.service import AuthError

PREFIX: Final = "vgs1:"
NONCE_BYTES: Final = 12


class SealError(AuthError):
    """A sealed secret that does not open: altered, another row's, or sealed with another key."""


def key_id(key: bytes) -> str:
    # The evidence key's own id (vigil.hotline.evidence.key_id): an operator sees which key sealed what.
    return hashlib.sha256(b"vigil-evidence-key:" + key).hexdigest()[:16]


def is_sealed(stored: str) -> bool:
    return stored.startswith(PREFIX)


class SecretSeal:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the sealing key must be 32 bytes (AES-256)")
        self._aead = AESGCM(key)
        self.key_id = key_id(key)

    def _data(self, context: str) -> bytes:
        return f"{PREFIX}{self.key_id}:console-totp:{context}".encode()

    def seal(self, secret: str, context: str) -> str:
        nonce = secrets.token_bytes(NONCE_BYTES)
        body = nonce + self._aead.encrypt(nonce, secret.encode("utf-8"), self._data(context))
        return f"{PREFIX}{self.key_id}:{base64.b64encode(body).decode('ascii')}"

    def open(self, stored: str, context: str) -> str:
        if not is_sealed(stored):
            return stored
        _, sealed_by, text = stored.split(":", 2) if stored.count(":") >= 2 else ("", "", "")
        if sealed_by != self.key_id:
            raise SealError(
                f"the authenticator secret was sealed with key {sealed_by[:16]!r}, not {self.key_id}"
            )
        try:
            body = base64.b64decode(text, validate=True)
            return self._aead.decrypt(body[:NONCE_BYTES], body[NONCE_BYTES:], self._data(context)).decode()
        except (binascii.Error, InvalidTag, UnicodeDecodeError):
            raise SealError(
                "the stored authenticator secret does not open (altered, or another user's)"
            ) from None
