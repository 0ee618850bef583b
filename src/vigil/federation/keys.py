"""This instance's federation signing keys: private halves in files, public halves in ``instance_keys``.

Rotation makes a new key, endorsed by the one it replaces (a signature over the new key's announcement),
and retires the old one: it signs no more but still verifies what it signed. Revocation withdraws a key
(a leaked one): peers that read the key set stop trusting it and everything it signs. The first key is
made on first use. Peers learn new keys from ``GET /api/v1/feed/keys`` by following endorsements from a
key they trust already (``trust.py``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil import signing
from vigil.db.base import utcnow
from vigil.db.latest import latest
from vigil.errors import Conflict, NotFound
from vigil.federation.models import InstanceKey


class KeyStateError(Conflict):
    """A key operation the keys' state forbids (revoking twice, a key file that others can read)."""


class UnknownKeyError(NotFound, LookupError):
    pass


def announcement(instance: str, key_id: str, public_pem: str) -> bytes:
    """What an endorsement signs: the new key, bound to the instance it speaks for."""
    return f"vigil-federation-key\n{instance}\n{key_id}\n{public_pem}".encode()


def _key_path(folder: Path, key_id: str) -> Path:
    return folder / f"federation-{key_id}.pem"


def _write_private(folder: Path, key: Ed25519PrivateKey) -> str:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key_id = signing.key_id(key.public_key())
    path = _key_path(folder, key_id)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(signing.private_key_to_pem(key))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return key_id


def _read_private(folder: Path, key_id: str) -> Ed25519PrivateKey:
    path = _key_path(folder, key_id)
    if not path.exists():
        raise UnknownKeyError(f"the private key file of federation key {key_id} is missing ({path.name})")
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise KeyStateError(f"federation key {path.name} is readable by others (mode {mode:o}); chmod 600 it")
    return signing.private_key_from_pem(path.read_bytes())


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private: Ed25519PrivateKey


def _usable(session: Session) -> InstanceKey | None:
    return latest(
        session,
        InstanceKey,
        InstanceKey.id,
        InstanceKey.retired_at.is_(None),
        InstanceKey.revoked_at.is_(None),
    )


def _add(session: Session, folder: Path, endorsed_by: SigningKey | None, instance: str) -> InstanceKey:
    private = signing.generate_private_key()
    key_id = _write_private(folder, private)
    pem = signing.public_key_to_pem(private.public_key()).decode("ascii")
    endorsement = (
        signing.sign(announcement(instance, key_id, pem), endorsed_by.private).strip()
        if endorsed_by is not None
        else None
    )
    row = InstanceKey(key_id=key_id, public_key=pem, endorsement=endorsement)
    session.add(row)
    session.flush()
    return row


def signing_key(session: Session, folder: Path, instance: str) -> SigningKey:
    """The key batches are signed with now; the first one is made here when there is none."""
    row = _usable(session)
    if row is None:
        row = _add(session, folder, None, instance)
    return SigningKey(row.key_id, _read_private(folder, row.key_id))


def rotate(session: Session, folder: Path, instance: str) -> InstanceKey:
    """A new signing key endorsed by the current one, which is retired (it still verifies)."""
    current = _usable(session)
    old = SigningKey(current.key_id, _read_private(folder, current.key_id)) if current else None
    new = _add(session, folder, old, instance)
    if current is not None:
        current.retired_at = utcnow()
    return new


def revoke(session: Session, key_id: str, reason: str) -> InstanceKey:
    row = session.execute(select(InstanceKey).where(InstanceKey.key_id == key_id)).scalar_one_or_none()
    if row is None:
        raise UnknownKeyError(f"no federation key {key_id!r}")
    if row.revoked_at is not None:
        raise KeyStateError(f"federation key {key_id} is revoked already")
    row.revoked_at = utcnow()
    row.revoked_reason = reason[:500]
    return row


def all_keys(session: Session) -> list[InstanceKey]:
    return list(session.execute(select(InstanceKey).order_by(InstanceKey.id)).scalars())


def key_set(session: Session, instance: str) -> dict[str, Any]:
    """The document of ``GET /api/v1/feed/keys``."""
    return {
        "instance": instance,
        "keys": [
            {
                "key_id": k.key_id,
                "public_key": k.public_key,
                "created_at": k.created_at.isoformat(),
                "retired_at": k.retired_at.isoformat() if k.retired_at else None,
                "revoked_at": k.revoked_at.isoformat() if k.revoked_at else None,
                "revoked_reason": k.revoked_reason,
                "endorsement": k.endorsement,
            }
            for k in all_keys(session)
        ],
    }
