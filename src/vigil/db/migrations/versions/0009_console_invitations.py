"""Console invitations: single-use, expiring links by which an admin lets a staff user set their
password and enrol TOTP.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "console_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("totp_secret", sa.String(length=255), nullable=True),
        sa.Column("failed_codes", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_console_invitations_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_console_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_console_invitations_token_hash")),
    )
    op.create_index(op.f("ix_console_invitations_user_id"), "console_invitations", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_console_invitations_user_id"), table_name="console_invitations")
    op.drop_table("console_invitations")
