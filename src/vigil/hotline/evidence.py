"""Evidence sealed at rest: captured bytes and their signals under AES-256-GCM.

The key comes from settings or a key file (made once, mode 0600, under ``data_dir/keys``), never from
the database: a copy of the database, or of the evidence folder, alone reveals nothing. Each sealed
item is bound to its case and file name (GCM associated data), so a sealed file moved to another case
or renamed fails to open rather than passing as that case's evidence.

Sealed format: ``b"VGE1" | key id (16 ASCII hex) | nonce (12) | ciphertext+tag``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from vigil.config import Settings

MAGIC: Final = b"VGE1"
KEY_BYTES: Final = 32
NONCE_BYTES: Final = 12


class EvidenceError(RuntimeError):
    """No usable key, or sealed data that does not open (tampered, wrong key, wrong case)."""


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"vigil-evidence-key:" + key).hexdigest()[:16]


def _decode_key(text: str, where: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except binascii.Error:
        raise EvidenceError(f"{where}: the evidence key is not base64") from None
    if len(key) != KEY_BYTES:
        raise EvidenceError(f"{where}: the evidence key must be {KEY_BYTES} bytes, not {len(key)}")
    return key


def load_key(settings: Settings) -> bytes:
    """The configured key; else the key file (created on first use with a fresh random key)."""
    if settings.hotline_evidence_key is not None:
        return _decode_key(settings.hotline_evidence_key.get_secret_value(), "VIGIL_HOTLINE_EVIDENCE_KEY")
    path = settings.hotline_evidence_key_file or settings.data_dir / "keys" / "evidence.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode("ascii") + "\n")
    return _decode_key(path.read_text(encoding="ascii"), str(path))


@dataclass(frozen=True)
class Sealed:
    blob: str
    blob_sha256: str
    sealed_signals: str
    key_id: str
    size: int


class EvidenceVault:
    def __init__(self, folder: Path, key: bytes) -> None:
        if len(key) != KEY_BYTES:
            raise EvidenceError(f"the evidence key must be {KEY_BYTES} bytes")
        self.folder = folder
        self._aead = AESGCM(key)
        self.key_id = key_id(key)

    @classmethod
    def from_settings(cls, settings: Settings) -> EvidenceVault:
        return cls(settings.data_dir / "evidence", load_key(settings))

    def seal(self, data: bytes, context: str) -> bytes:
        nonce = secrets.token_bytes(NONCE_BYTES)
        header = MAGIC + self.key_id.encode("ascii")
        return header + nonce + self._aead.encrypt(nonce, data, header + context.encode("utf-8"))

    def unseal(self, sealed: bytes, context: str) -> bytes:
        header = MAGIC + self.key_id.encode("ascii")
        if not sealed.startswith(MAGIC):
            raise EvidenceError("not sealed evidence")
        if not sealed.startswith(header):
            raise EvidenceError(
                f"sealed with key {sealed[4:20].decode('ascii', 'replace')}, not {self.key_id}"
            )
        nonce = sealed[len(header) : len(header) + NONCE_BYTES]
        try:
            return self._aead.decrypt(nonce, sealed[len(header) + NONCE_BYTES :], header + context.encode())
        except InvalidTag:
            raise EvidenceError("sealed evidence does not open: altered, or bound to another case") from None

    def store(self, case_id: int, data: bytes, signals: dict[str, Any]) -> Sealed:
        blob = f"{case_id}-{secrets.token_hex(12)}.vge"
        sealed = self.seal(data, f"case:{case_id}:blob:{blob}")
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / blob, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(sealed)
        text = json.dumps(signals, sort_keys=True).encode("utf-8")
        sealed_signals = base64.b64encode(self.seal(text, f"case:{case_id}:signals:{blob}")).decode("ascii")
        return Sealed(blob, hashlib.sha256(sealed).hexdigest(), sealed_signals, self.key_id, len(data))

    def read(self, case_id: int, blob: str, blob_sha256: str | None = None) -> bytes:
        sealed = (self.folder / Path(blob).name).read_bytes()
        if blob_sha256 is not None and hashlib.sha256(sealed).hexdigest() != blob_sha256:
            raise EvidenceError(f"evidence file {blob} is not the file that was captured")
        return self.unseal(sealed, f"case:{case_id}:blob:{blob}")

    def signals(self, case_id: int, blob: str, sealed_signals: str) -> dict[str, Any]:
        raw = self.unseal(base64.b64decode(sealed_signals), f"case:{case_id}:signals:{blob}")
        value = json.loads(raw)
        assert isinstance(value, dict)
        return value
