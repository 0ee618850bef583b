"""Assessments per item of a reported page: the analyst's category (or not illegal), who and when.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hotline_item_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=32), nullable=False),
        sa.Column("scheme", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("assessed_by", sa.String(length=200), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "verdict IN ('illegal', 'not_illegal', 'undetermined')",
            name=op.f("ck_hotline_item_assessments_verdict"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["hotline_cases.id"], name=op.f("fk_hotline_item_assessments_case_id_hotline_cases")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["hotline_page_items.id"],
            name=op.f("fk_hotline_item_assessments_item_id_hotline_page_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_item_assessments")),
        sa.UniqueConstraint("item_id", name=op.f("uq_hotline_item_assessments_item_id")),
    )
    with op.batch_alter_table("hotline_item_assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_item_assessments_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hotline_item_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_item_assessments_case_id"))
    op.drop_table("hotline_item_assessments")
