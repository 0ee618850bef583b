"""Create the URL blocklists and keyword lists: lists, entries with their two-analyst lifecycle, appeals,
published versions and the rows each version froze (docs/blocklists.md).

Partial unique indexes (SQLite and PostgreSQL both have them) allow one live row per target while
keeping removed rows as history.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "blocklists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint("kind IN ('url', 'keywords')", name=op.f("ck_blocklists_kind")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocklists")),
        sa.UniqueConstraint("name", name=op.f("uq_blocklists_name")),
    )
    op.create_table(
        "blocklist_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("target_sha256", sa.String(length=64), nullable=False),
        sa.Column("wildcard", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source_report_id", sa.BigInteger(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=200), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=200), nullable=True),
        sa.Column("removal_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('domain', 'url')", name=op.f("ck_blocklist_entries_kind")),
        sa.CheckConstraint(
            "confirmed_by IS NULL OR confirmed_by <> added_by", name=op.f("ck_blocklist_entries_two_analysts")
        ),
        sa.ForeignKeyConstraint(
            ["list_id"], ["blocklists.id"], name=op.f("fk_blocklist_entries_list_id_blocklists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocklist_entries")),
    )
    with op.batch_alter_table("blocklist_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_blocklist_entries_live",
            ["list_id", "kind", "target_sha256"],
            unique=True,
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        )

    op.create_table(
        "blocklist_published",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("added_in", sa.BigInteger(), nullable=False),
        sa.Column("removed_in", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("wildcard", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["list_id"], ["blocklists.id"], name=op.f("fk_blocklist_published_list_id_blocklists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocklist_published")),
    )
    with op.batch_alter_table("blocklist_published", schema=None) as batch_op:
        batch_op.create_index("ix_blocklist_published_added", ["list_id", "added_in"], unique=False)
        batch_op.create_index("ix_blocklist_published_removed", ["list_id", "removed_in"], unique=False)

    op.create_table(
        "blocklist_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.BigInteger(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("added_count", sa.Integer(), nullable=False),
        sa.Column("removed_count", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["blocklists.id"], name=op.f("fk_blocklist_versions_list_id_blocklists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocklist_versions")),
        sa.UniqueConstraint("list_id", "serial", name=op.f("uq_blocklist_versions_list_id_serial")),
    )
    op.create_table(
        "keyword_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("term", sa.String(length=500), nullable=False),
        sa.Column("term_key", sa.String(length=500), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("match", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("warning", sa.Text(), nullable=False),
        sa.Column("help_name", sa.String(length=200), nullable=False),
        sa.Column("help_url", sa.String(length=2000), nullable=False),
        sa.Column("help_phone", sa.String(length=40), nullable=True),
        sa.Column("help_language", sa.String(length=35), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_by", sa.String(length=200), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_by", sa.String(length=200), nullable=True),
        sa.Column("removal_reason", sa.Text(), nullable=True),
        sa.CheckConstraint("match IN ('word', 'phrase', 'substring')", name=op.f("ck_keyword_entries_match")),
        sa.CheckConstraint(
            "confirmed_by IS NULL OR confirmed_by <> added_by", name=op.f("ck_keyword_entries_two_analysts")
        ),
        sa.ForeignKeyConstraint(
            ["list_id"], ["blocklists.id"], name=op.f("fk_keyword_entries_list_id_blocklists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keyword_entries")),
    )
    with op.batch_alter_table("keyword_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_keyword_entries_live",
            ["list_id", "language", "term_key"],
            unique=True,
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        )

    op.create_table(
        "keyword_published",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("added_in", sa.BigInteger(), nullable=False),
        sa.Column("removed_in", sa.BigInteger(), nullable=True),
        sa.Column("term", sa.String(length=500), nullable=False),
        sa.Column("language", sa.String(length=35), nullable=False),
        sa.Column("match", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=64), nullable=False),
        sa.Column("warning", sa.Text(), nullable=False),
        sa.Column("help_name", sa.String(length=200), nullable=False),
        sa.Column("help_url", sa.String(length=2000), nullable=False),
        sa.Column("help_phone", sa.String(length=40), nullable=True),
        sa.Column("help_language", sa.String(length=35), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["list_id"], ["blocklists.id"], name=op.f("fk_keyword_published_list_id_blocklists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_keyword_published")),
    )
    with op.batch_alter_table("keyword_published", schema=None) as batch_op:
        batch_op.create_index("ix_keyword_published_added", ["list_id", "added_in"], unique=False)
        batch_op.create_index("ix_keyword_published_removed", ["list_id", "removed_in"], unique=False)

    op.create_table(
        "blocklist_appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("appellant", sa.String(length=500), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'upheld', 'rejected')", name=op.f("ck_blocklist_appeals_status")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["blocklist_entries.id"],
            name=op.f("fk_blocklist_appeals_entry_id_blocklist_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_blocklist_appeals")),
    )
    with op.batch_alter_table("blocklist_appeals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_blocklist_appeals_entry_id"), ["entry_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("blocklist_appeals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_blocklist_appeals_entry_id"))

    op.drop_table("blocklist_appeals")
    with op.batch_alter_table("keyword_published", schema=None) as batch_op:
        batch_op.drop_index("ix_keyword_published_removed")
        batch_op.drop_index("ix_keyword_published_added")

    op.drop_table("keyword_published")
    with op.batch_alter_table("keyword_entries", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_keyword_entries_live",
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        )

    op.drop_table("keyword_entries")
    op.drop_table("blocklist_versions")
    with op.batch_alter_table("blocklist_published", schema=None) as batch_op:
        batch_op.drop_index("ix_blocklist_published_removed")
        batch_op.drop_index("ix_blocklist_published_added")

    op.drop_table("blocklist_published")
    with op.batch_alter_table("blocklist_entries", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_blocklist_entries_live",
            sqlite_where=sa.text("removed_at IS NULL"),
            postgresql_where=sa.text("removed_at IS NULL"),
        )

    op.drop_table("blocklist_entries")
    op.drop_table("blocklists")
