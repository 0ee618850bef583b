"""Victims' notes (investigators'), and what the console's administration pages read: when an API token
was last used, when a staff user last signed in, and indexes that let the audit journal be filtered by
actor, action, object and time without walking it whole.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: (index name, column) of the journal's filters; each ends with ``seq``, the keyset of its pages.
AUDIT_INDEXES = (
    ("ix_audit_entries_actor_seq", "actor"),
    ("ix_audit_entries_action_seq", "action"),
    ("ix_audit_entries_subject_seq", "subject"),
    ("ix_audit_entries_at", "at"),
)


def upgrade() -> None:
    op.create_table(
        "victim_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("victim_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["victim_id"], ["victims.id"], name=op.f("fk_victim_notes_victim_id_victims")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victim_notes")),
    )
    with op.batch_alter_table("victim_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_victim_notes_victim_id"), ["victim_id"], unique=False)
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("console_credentials", schema=None) as batch_op:
        batch_op.add_column(sa.Column("last_signin_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        for name, column in AUDIT_INDEXES:
            columns = [column] if column == "at" else [column, "seq"]
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        for name, _ in AUDIT_INDEXES:
            batch_op.drop_index(name)
    with op.batch_alter_table("console_credentials", schema=None) as batch_op:
        batch_op.drop_column("last_signin_at")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("last_used_at")
    with op.batch_alter_table("victim_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_victim_notes_victim_id"))
    op.drop_table("victim_notes")
