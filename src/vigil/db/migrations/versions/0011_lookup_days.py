"""Daily lookup counts per caller, for the console's dashboards (lookups by industry members per day).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lookup_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("caller", sa.String(length=200), nullable=False),
        sa.Column("lookups", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "role", "caller", name=op.f("pk_lookup_days")),
    )


def downgrade() -> None:
    op.drop_table("lookup_days")
