"""Seal the console's TOTP secrets with the evidence key: the column grows to hold a sealed value, and
the secrets already stored are sealed now, when the installation's key is at hand (configured, or its key
file already made). Otherwise they stay as they are and are sealed at each user's next sign-in; no key is
made here (a migration run with another environment than the server's must not invent one).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from vigil.auth.secret_seal import SecretSeal, is_sealed
from vigil.config import Settings
from vigil.hotline.evidence import load_key

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _seal() -> SecretSeal | None:
    settings = context.config.attributes.get("settings") or Settings()
    key_file = settings.hotline_evidence_key_file or settings.data_dir / "keys" / "evidence.key"
    if settings.hotline_evidence_key is None and not key_file.exists():
        return None
    return SecretSeal(load_key(settings))


def upgrade() -> None:
    with op.batch_alter_table("console_credentials") as batch:
        batch.alter_column(
            "totp_secret",
            existing_type=sa.String(length=64),
            type_=sa.String(length=255),
            existing_nullable=True,
        )
    seal = _seal()
    if seal is None or context.is_offline_mode():
        return
    table = sa.table(
        "console_credentials", sa.column("user_id", sa.Integer), sa.column("totp_secret", sa.String)
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(table.c.user_id, table.c.totp_secret).where(table.c.totp_secret.is_not(None))
    )
    for user_id, secret in list(rows):
        if not is_sealed(secret):
            bind.execute(
                table.update()
                .where(table.c.user_id == user_id)
                .values(totp_secret=seal.seal(secret, f"user:{user_id}"))
            )


def downgrade() -> None:
    # Sealed secrets do not fit the old column: staff enrol their authenticator again after a downgrade.
    op.execute(sa.text("UPDATE console_credentials SET totp_secret = NULL, totp_confirmed_at = NULL"))
    with op.batch_alter_table("console_credentials") as batch:
        batch.alter_column(
            "totp_secret",
            existing_type=sa.String(length=255),
            type_=sa.String(length=64),
            existing_nullable=True,
        )
