"""Which of a peer's keys this instance trusts, kept up to date from the peer's key set.

Trust starts from the key pinned at ``vigil peers add``. A key in the peer's set is trusted when a key
trusted already (and not revoked) endorsed it: a signature over the new key's announcement bound to the
peer's instance id. A key the set marks revoked is revoked here too, whoever says so: a revocation can
only take trust away, so it needs no endorsement. A key neither pinned nor endorsed is ignored.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil import signing
from vigil.db.base import utcnow
from vigil.federation.keys import announcement
from vigil.federation.models import Peer, PeerKey


def trusted_keys(session: Session, peer: Peer) -> list[Ed25519PublicKey]:
    rows = session.execute(
        select(PeerKey).where(PeerKey.peer_id == peer.id, PeerKey.revoked_at.is_(None))
    ).scalars()
    return [signing.public_key_from_pem(r.public_key.encode("ascii")) for r in rows]


def update_trust(session: Session, peer: Peer, key_set: Any, instance: str) -> tuple[list[str], list[str]]:
    """Apply the peer's key set; returns (key ids newly trusted, key ids newly revoked)."""
    entries = key_set.get("keys") if isinstance(key_set, dict) else None
    if not isinstance(entries, list):
        return [], []
    known = {
        k.key_id: k for k in session.execute(select(PeerKey).where(PeerKey.peer_id == peer.id)).scalars()
    }
    revoked: list[str] = []
    for entry in entries:
        if isinstance(entry, dict) and entry.get("revoked_at") and entry.get("key_id") in known:
            row = known[entry["key_id"]]
            if row.revoked_at is None:
                row.revoked_at = utcnow()
                revoked.append(row.key_id)
    added: list[str] = []
    progress = True
    while progress:  # endorsements chain: a key endorsed by a key trusted in this same pass
        progress = False
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("key_id") in known or entry.get("revoked_at"):
                continue
            endorsement, pem, key_id = entry.get("endorsement"), entry.get("public_key"), entry.get("key_id")
            if not (isinstance(endorsement, str) and isinstance(pem, str) and isinstance(key_id, str)):
                continue
            try:
                public = signing.public_key_from_pem(pem.encode("ascii"))
                if signing.key_id(public) != key_id:
                    continue
                endorser, _ = signing.parse_signature(endorsement)
                by = known.get(endorser)
                if by is None or by.revoked_at is not None:
                    continue
                signing.verify(
                    announcement(instance, key_id, pem),
                    endorsement,
                    signing.public_key_from_pem(by.public_key.encode("ascii")),
                )
            except (ValueError, UnicodeEncodeError):
                continue
            row = PeerKey(peer_id=peer.id, key_id=key_id, public_key=pem, trusted_by=endorser)
            session.add(row)
            known[key_id] = row
            added.append(key_id)
            progress = True
    session.flush()
    return added, revoked
