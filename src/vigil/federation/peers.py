"""Peers: the other instances this one pulls from and shares with. One method per use case, each one
transaction, each change journalled.

A peer's token (what this instance presents to it) is a secret: it lives in a 0600 file in the keys
folder, never in the database. The key given at ``add`` is pinned: the first key trusted for the peer;
later keys are trusted only when a trusted key endorses them (``trust.py``).
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from vigil import signing
from vigil.audit import journal
from vigil.db.named import find_named, get_named
from vigil.errors import Conflict, Invalid, NotFound
from vigil.federation.models import Peer, PeerCheckpoint, PeerKey
from vigil.federation.peer_votes import Rehomed, rehome
from vigil.federation.policy import Direction, SharingPolicy
from vigil.hashlists.catalog import load_catalog
from vigil.hashlists.contributors import ensure_contributor

_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")


class PeerError(Invalid):
    pass


class UnknownPeerError(NotFound, LookupError):
    pass


class PeerExistsError(Conflict):
    pass


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise PeerError(f"peer name {name[:40]!r}: letters, digits, '.', '_' or '-', at most 100")
    return name


def check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise PeerError(f"peer URL {url[:80]!r} is not an http(s) URL")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise PeerError("a peer URL carries no credentials, query or fragment (the token goes in --token)")
    return url.strip().rstrip("/")


def token_path(folder: Path, name: str) -> Path:
    return folder / f"peer-{check_name(name)}.token"


def write_token(folder: Path, name: str, token: str) -> None:
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = token_path(folder, name)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(token.strip())
    os.replace(temporary, path)


def read_token(folder: Path, name: str) -> str:
    path = token_path(folder, name)
    if not path.exists():
        raise PeerError(f"the token file of peer {name} is missing ({path.name}); add the peer again")
    return path.read_text(encoding="utf-8").strip()


def find_peer(session: Session, name: str) -> Peer | None:
    return find_named(session, Peer, name)


def get_peer(session: Session, name: str) -> Peer:
    return get_named(session, Peer, name, lambda n: UnknownPeerError(f"unknown peer {n!r}"))


def lock_peer(session: Session, name: str) -> Peer:
    """The peer's row, read afresh and held until the transaction ends: a change of its policy and a
    batch applied under it never interleave (the batch's votes go where the policy is at its commit)."""
    query = select(Peer).where(Peer.name == name).with_for_update()
    peer = session.execute(query.execution_options(populate_existing=True)).scalar_one_or_none()
    if peer is None:
        raise UnknownPeerError(f"unknown peer {name!r}")
    return peer


@dataclass(frozen=True)
class CheckpointInfo:
    remote_list: str
    local_list: str
    cursor: str
    version: int
    records: int
    tombstones: int
    batches: int
    updated_at: datetime


@dataclass(frozen=True)
class PeerInfo:
    name: str
    url: str
    instance: str | None
    enabled: bool
    policy: SharingPolicy
    trusted_keys: list[str]
    revoked_keys: list[str]
    last_pull_at: datetime | None
    last_error: str | None
    checkpoints: list[CheckpointInfo]


def peer_info(session: Session, peer: Peer) -> PeerInfo:
    keys = list(
        session.execute(select(PeerKey).where(PeerKey.peer_id == peer.id).order_by(PeerKey.id)).scalars()
    )
    checkpoints = session.execute(
        select(PeerCheckpoint).where(PeerCheckpoint.peer_id == peer.id).order_by(PeerCheckpoint.remote_list)
    ).scalars()
    return PeerInfo(
        name=peer.name,
        url=peer.url,
        instance=peer.instance,
        enabled=peer.enabled,
        policy=SharingPolicy.from_json(peer.policy),
        trusted_keys=[k.key_id for k in keys if k.revoked_at is None],
        revoked_keys=[k.key_id for k in keys if k.revoked_at is not None],
        last_pull_at=peer.last_pull_at,
        last_error=peer.last_error,
        checkpoints=[
            CheckpointInfo(
                c.remote_list,
                c.local_list,
                c.cursor,
                c.version,
                c.records,
                c.tombstones,
                c.batches,
                c.updated_at,
            )
            for c in checkpoints
        ],
    )


@dataclass(frozen=True)
class PolicyChange:
    peer: PeerInfo
    #: What following the jurisdiction did to the peer's votes; None when the jurisdiction was not given.
    votes: Rehomed | None


class PeerService:
    def __init__(self, sessions: sessionmaker[Session], key_folder: Path, actor: str) -> None:
        self.sessions = sessions
        self.folder = key_folder
        self.actor = actor

    def add(
        self,
        name: str,
        url: str,
        token: str,
        key_pem: bytes,
        *,
        kind: str = "hotline",
        country: str | None = None,
        policy: SharingPolicy | None = None,
        instance: str | None = None,
    ) -> PeerInfo:
        check_name(name)
        url = check_url(url)
        if not token.strip():
            raise PeerError("a peer needs the token this instance presents to it (--token)")
        try:
            public = signing.public_key_from_pem(key_pem)
        except (ValueError, TypeError) as exc:
            raise PeerError(f"the peer's key is not an Ed25519 public key in PEM: {exc}") from None
        policy = policy or SharingPolicy()
        with self.sessions() as session, session.begin():
            if find_peer(session, name) is not None:
                raise PeerExistsError(f"peer {name!r} exists already (remove it first)")
            if policy.jurisdiction is not None:
                load_catalog(session).jurisdiction(policy.jurisdiction)  # refuses an unknown one
            contributor, created = ensure_contributor(session, name, kind, country)
            peer = Peer(
                name=name,
                url=url,
                instance=instance,
                contributor_id=contributor.id,
                policy=policy.to_json(),
                enabled=True,
            )
            session.add(peer)
            session.flush()
            key_id = signing.key_id(public)
            session.add(
                PeerKey(
                    peer_id=peer.id,
                    key_id=key_id,
                    public_key=signing.public_key_to_pem(public).decode("ascii"),
                    trusted_by="pinned",
                )
            )
            session.flush()
            write_token(self.folder, name, token)
            details: dict[str, Any] = {"url": url, "key": key_id}
            if not created:
                # A peer added again keeps its contributor, and the votes it brought follow this policy.
                details["votes"] = rehome(
                    session, load_catalog(session), peer, policy.jurisdiction, self.actor
                ).as_dict()
            journal.append(session, self.actor, "federation.peer_add", f"peer/{name}", details)
            return peer_info(session, peer)

    def remove(self, name: str) -> None:
        with self.sessions() as session, session.begin():
            peer = get_peer(session, name)
            session.execute(delete(PeerKey).where(PeerKey.peer_id == peer.id))
            session.execute(delete(PeerCheckpoint).where(PeerCheckpoint.peer_id == peer.id))
            session.delete(peer)
            journal.append(session, self.actor, "federation.peer_remove", f"peer/{name}", {})
        token_path(self.folder, name).unlink(missing_ok=True)

    def peers(self) -> list[PeerInfo]:
        with self.sessions() as session:
            return [
                peer_info(session, p) for p in session.execute(select(Peer).order_by(Peer.name)).scalars()
            ]

    def show(self, name: str) -> PeerInfo:
        with self.sessions() as session:
            return peer_info(session, get_peer(session, name))

    def set_policy(self, name: str, **changes: Any) -> PolicyChange:
        """Change parts of a peer's policy: ``lists_out``, ``lists_in``, ``jurisdiction``, ``pull_minutes``,
        ``out`` and ``into`` (Direction), ``enabled``. A ``jurisdiction`` given (None: the default) moves
        the votes the peer's batches brought there, in this transaction, and publishes the baseline."""
        with self.sessions() as session, session.begin():
            peer = lock_peer(session, name)
            enabled = changes.pop("enabled", None)
            policy = SharingPolicy.from_json(peer.policy).with_changes(**changes)
            catalog = load_catalog(session)
            if policy.jurisdiction is not None:
                catalog.jurisdiction(policy.jurisdiction)
            peer.policy = policy.to_json()
            if enabled is not None:
                peer.enabled = bool(enabled)
            details: dict[str, Any] = {"policy": peer.policy, "enabled": peer.enabled}
            votes = None
            if "jurisdiction" in changes:
                # Given even unchanged, it also gathers votes an earlier change left behind.
                votes = rehome(session, catalog, peer, policy.jurisdiction, self.actor)
                details["votes"] = votes.as_dict()
            journal.append(session, self.actor, "federation.peer_policy", f"peer/{name}", details)
            return PolicyChange(peer_info(session, peer), votes)


def outgoing_policy(session: Session, user: str) -> SharingPolicy | None:
    """The sharing policy of the peer whose user name is ``user`` (None: no such peer)."""
    peer = find_peer(session, user)
    return SharingPolicy.from_json(peer.policy) if peer is not None else None


__all__ = ["Direction", "PeerService", "SharingPolicy", "outgoing_policy"]
