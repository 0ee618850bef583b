"""Federation: this instance's signing keys, peers, the keys trusted for each peer, pull checkpoints, and
the origin of federated media (docs/federation.md).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "instance_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.String(length=500), nullable=True),
        sa.Column("endorsement", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instance_keys")),
        sa.UniqueConstraint("key_id", name=op.f("uq_instance_keys_key_id")),
    )
    op.create_table(
        "peers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("instance", sa.String(length=200), nullable=True),
        sa.Column("contributor_id", sa.Integer(), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_pull_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("lease_owner", sa.String(length=200), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["contributor_id"], ["contributors.id"], name=op.f("fk_peers_contributor_id_contributors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peers")),
        sa.UniqueConstraint("name", name=op.f("uq_peers_name")),
    )
    op.create_table(
        "peer_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.Column("public_key", sa.Text(), nullable=False),
        sa.Column("trusted_by", sa.String(length=32), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["peer_id"], ["peers.id"], name=op.f("fk_peer_keys_peer_id_peers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_keys")),
        sa.UniqueConstraint("peer_id", "key_id", name=op.f("uq_peer_keys_peer_id_key_id")),
    )
    op.create_index(op.f("ix_peer_keys_peer_id"), "peer_keys", ["peer_id"])
    op.create_table(
        "peer_checkpoints",
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("remote_list", sa.String(length=200), nullable=False),
        sa.Column("local_list", sa.String(length=200), nullable=False),
        sa.Column("cursor", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("records", sa.BigInteger(), nullable=False),
        sa.Column("tombstones", sa.BigInteger(), nullable=False),
        sa.Column("batches", sa.BigInteger(), nullable=False),
        sa.Column("pending_publish", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["peer_id"], ["peers.id"], name=op.f("fk_peer_checkpoints_peer_id_peers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("peer_id", "remote_list", name=op.f("pk_peer_checkpoints")),
    )
    op.create_table(
        "media_origins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("origin_instance", sa.String(length=200), nullable=False),
        sa.Column("origin_record", sa.BigInteger(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name=op.f("fk_media_origins_media_id_media")),
        sa.ForeignKeyConstraint(
            ["peer_id"], ["peers.id"], name=op.f("fk_media_origins_peer_id_peers"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_origins")),
        sa.UniqueConstraint(
            "media_id", "origin_instance", name=op.f("uq_media_origins_media_id_origin_instance")
        ),
    )
    op.create_index(op.f("ix_media_origins_media_id"), "media_origins", ["media_id"])
    op.create_index("ix_media_origins_origin", "media_origins", ["origin_instance", "origin_record"])


def downgrade() -> None:
    op.drop_index("ix_media_origins_origin", table_name="media_origins")
    op.drop_index(op.f("ix_media_origins_media_id"), table_name="media_origins")
    op.drop_table("media_origins")
    op.drop_table("peer_checkpoints")
    op.drop_index(op.f("ix_peer_keys_peer_id"), table_name="peer_keys")
    op.drop_table("peer_keys")
    op.drop_table("peers")
    op.drop_table("instance_keys")
