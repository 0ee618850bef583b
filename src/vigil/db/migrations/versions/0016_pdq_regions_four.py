"""``pdq_regions`` values gain the central 85 % region (issue 19): a stored value of three regions
(whole, 70 %, 50 %) becomes one of four with the new region written as flat (64 zeros, never matched),
so that what was stored before keeps matching; the regions it had are hashed exactly as before.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_HEX = 64
_BATCH = 1000


def _rewrite(length: int, change: Callable[[str], str]) -> None:
    table = sa.table(
        "media_signals",
        sa.column("id", sa.Integer),
        sa.column("signal_type", sa.String),
        sa.column("value", sa.Text),
        sa.column("digest", sa.String),
    )
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(
            sa.select(table.c.id, table.c.value)
            .where(table.c.signal_type == "pdq_regions", table.c.id > last)
            .order_by(table.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        for row in rows:
            if len(row.value) == length:
                value = change(row.value)
                digest = hashlib.sha256(value.encode("utf-8")).hexdigest()
                conn.execute(sa.update(table).where(table.c.id == row.id).values(value=value, digest=digest))


def upgrade() -> None:
    _rewrite(3 * _HEX, lambda v: v[:_HEX] + "0" * _HEX + v[_HEX:])


def downgrade() -> None:
    _rewrite(4 * _HEX, lambda v: v[:_HEX] + v[2 * _HEX :])
