"""Published list entries keep their item's MIME type, so that an export of a published version or a
peer's copy still says a video without a vPDQ is a video. Entries published before are given the MIME
type their media row holds now (the only record of it there is); the downgrade drops the column.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("hash_list_entries") as batch:
        batch.add_column(sa.Column("mime_type", sa.String(length=255), nullable=True))
    entries = sa.table(
        "hash_list_entries", sa.column("media_id", sa.Integer), sa.column("mime_type", sa.String)
    )
    media = sa.table("media", sa.column("id", sa.Integer), sa.column("mime_type", sa.String))
    # One statement, a correlated subquery: the same SQL on SQLite and PostgreSQL, no rows in Python.
    known = sa.select(media.c.id).where(media.c.mime_type.is_not(None))
    op.execute(
        entries.update()
        .where(entries.c.media_id.in_(known))
        .values(
            mime_type=sa.select(media.c.mime_type).where(media.c.id == entries.c.media_id).scalar_subquery()
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("hash_list_entries") as batch:
        batch.drop_column("mime_type")
