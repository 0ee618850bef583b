"""Tables of federation (migration 0013): peers, their keys and checkpoints, this instance's keys, and
where federated media came from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from vigil.db.base import Base, UTCDateTime, utcnow


class InstanceKey(Base):
    """A public signing key of this instance; the private half lives in a file (keys.py), never here.

    The newest key neither retired nor revoked signs. A retired key still verifies what it signed; a
    revoked one verifies nothing. Each key after the first carries its predecessor's endorsement, so a
    peer that trusts the old key learns the new one without being told by hand.
    """

    __tablename__ = "instance_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    public_key: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    #: Signature line of the previous key over this key's announcement (keys.announcement).
    endorsement: Mapped[str | None] = mapped_column(Text)


class Peer(Base):
    """Another Vigil instance: where to pull from, what to share with it, and its contributor here.

    The peer's token (what this instance presents to it) is kept in a file beside the keys; the name is
    also the user name the peer presents here, which is how the feed finds its sharing policy.
    """

    __tablename__ = "peers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    url: Mapped[str] = mapped_column(String(2000))
    #: The peer's instance id as its batches name it; learnt at the first pull when not given.
    instance: Mapped[str | None] = mapped_column(String(200))
    #: The contributor the peer's records and votes are imported as.
    contributor_id: Mapped[int] = mapped_column(ForeignKey("contributors.id"))
    #: policy.SharingPolicy.to_json()
    policy: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_pull_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    #: A pull in progress holds the peer (compare-and-set with expiry): never two pulls of one peer.
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PeerKey(Base):
    """A public key this instance trusts for one peer: pinned at ``peers add``, or endorsed by one."""

    __tablename__ = "peer_keys"
    __table_args__ = (UniqueConstraint("peer_id", "key_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    peer_id: Mapped[int] = mapped_column(ForeignKey("peers.id", ondelete="CASCADE"), index=True)
    key_id: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[str] = mapped_column(Text)
    #: "pinned" (given by hand) or the key id that endorsed it.
    trusted_by: Mapped[str] = mapped_column(String(32))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PeerCheckpoint(Base):
    """How far the pull of one of a peer's lists has come: written with the records of each batch."""

    __tablename__ = "peer_checkpoints"

    peer_id: Mapped[int] = mapped_column(ForeignKey("peers.id", ondelete="CASCADE"), primary_key=True)
    remote_list: Mapped[str] = mapped_column(String(200), primary_key=True)
    local_list: Mapped[str] = mapped_column(String(200))
    #: The feed cursor to ask for next (feed.Cursor text).
    cursor: Mapped[str] = mapped_column(String(100), default="0")
    #: The peer's version fully applied (0: none yet).
    version: Mapped[int] = mapped_column(Integer, default=0)
    records: Mapped[int] = mapped_column(BigInteger, default=0)
    tombstones: Mapped[int] = mapped_column(BigInteger, default=0)
    batches: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Batches were applied that no version of the local copy holds yet (a pull ended before its
    #: publish): the next publish of the copy evaluates it whole.
    pending_publish: Mapped[bool] = mapped_column(default=False)
    #: The terms the copy was pulled under: the peer's (its batches' ``terms``) and this instance's
    #: incoming filter. None: not known yet (a checkpoint from before terms existed adopts the next).
    terms: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MediaOrigin(Base):
    """Where a federated media item was first recorded: the origin instance and its record id there.

    Loop prevention reads it: a record whose origin is this instance is never taken in as new, and the
    feed never sends a peer what originated with it.
    """

    __tablename__ = "media_origins"
    __table_args__ = (
        UniqueConstraint("media_id", "origin_instance"),
        Index("ix_media_origins_origin", "origin_instance", "origin_record"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), index=True)
    origin_instance: Mapped[str] = mapped_column(String(200))
    origin_record: Mapped[int] = mapped_column(BigInteger)
    peer_id: Mapped[int | None] = mapped_column(ForeignKey("peers.id", ondelete="SET NULL"))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
