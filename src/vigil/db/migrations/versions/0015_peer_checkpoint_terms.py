"""The terms a peer's list was pulled under (what the peer shares with this instance, what this
instance takes in): when they change, the pull copies the list again from the start.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("peer_checkpoints") as batch:
        batch.add_column(sa.Column("terms", sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("peer_checkpoints") as batch:
        batch.drop_column("terms")
