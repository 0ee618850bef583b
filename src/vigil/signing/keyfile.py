"""The signing key of exported lists: a file in the data folder, made on first use, never in the database.

The file is created readable by its owner only (0600, in a 0700 folder) and appears complete or not at
all: it is written under a temporary name and linked into place, so that two processes starting at once
end up with the same key instead of one overwriting the other's.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vigil.config import Settings
from vigil.signing import (
    SignatureError,
    generate_private_key,
    private_key_from_pem,
    private_key_to_pem,
)

KEY_FILE_NAME = "blocklist-signing-ed25519.pem"


def default_key_path(data_dir: Path) -> Path:
    return data_dir / "keys" / KEY_FILE_NAME


def signing_key_path(settings: Settings) -> Path:
    return settings.blocklist_signing_key or default_key_path(settings.data_dir)


def _write_new(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(private_key_to_pem(generate_private_key()))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process won the race: its key stands
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def load_or_create_signing_key(path: Path) -> Ed25519PrivateKey:
    """The private key at ``path``, generated there first if there is none.

    Refuses a key file that others can read: a leaked signing key lets anyone forge lists for ISPs.
    """
    if not path.exists():
        _write_new(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise SignatureError(f"signing key {path} is readable by others (mode {mode:o}); chmod 600 it")
    return private_key_from_pem(path.read_bytes())
