"""Create the hotline's page items: what a reported page shows, each followed and matched on its own.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hotline_page_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("page_evidence_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=True),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.Column("content_type", sa.String(length=255), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("evidence_id", sa.Integer(), nullable=True),
        sa.Column("media_id", sa.Integer(), nullable=True),
        sa.Column("matched_on", sa.String(length=16), nullable=True),
        sa.Column("distance", sa.Integer(), nullable=True),
        sa.Column("scheme", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("verdict", sa.String(length=16), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('known', 'matched', 'unknown', 'failed', 'refused', 'skipped')",
            name=op.f("ck_hotline_page_items_outcome"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["hotline_cases.id"], name=op.f("fk_hotline_page_items_case_id_hotline_cases")
        ),
        sa.ForeignKeyConstraint(
            ["page_evidence_id"],
            ["hotline_evidence.id"],
            name=op.f("fk_hotline_page_items_page_evidence_id_hotline_evidence"),
        ),
        sa.ForeignKeyConstraint(
            ["evidence_id"],
            ["hotline_evidence.id"],
            name=op.f("fk_hotline_page_items_evidence_id_hotline_evidence"),
        ),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_hotline_page_items_media_id_media")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_page_items")),
    )
    with op.batch_alter_table("hotline_page_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_page_items_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hotline_page_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_page_items_case_id"))
    op.drop_table("hotline_page_items")
