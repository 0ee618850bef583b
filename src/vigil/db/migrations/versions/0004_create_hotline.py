"""Create the hotline's tables: cases, reports, assessments, hosting, holds, notices, forwards, re-checks,
evidence and case events (docs/hotline.md).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hotline_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_sha256", sa.String(length=64), nullable=False),
        sa.Column("open_url", sa.String(length=64), nullable=True),
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("media_id", sa.Integer(), nullable=True),
        sa.Column("next_check_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_owner", sa.String(length=100), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('new', 'triage', 'assessed', 'held', 'notified', 'escalated', 'forwarded', "
            "'removed', 'rejected')",
            name=op.f("ck_hotline_cases_state"),
        ),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name=op.f("fk_hotline_cases_media_id_media")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_cases")),
        sa.UniqueConstraint("open_url", name=op.f("uq_hotline_cases_open_url")),
    )
    with op.batch_alter_table("hotline_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_cases_host"), ["host"], unique=False)
        batch_op.create_index(batch_op.f("ix_hotline_cases_media_id"), ["media_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hotline_cases_next_check_at"), ["next_check_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_hotline_cases_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_hotline_cases_url_sha256"), ["url_sha256"], unique=False)

    op.create_table(
        "hotline_assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=32), nullable=False),
        sa.Column("scheme", sa.String(length=64), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.Column("assessed_by", sa.String(length=200), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "verdict IN ('illegal', 'not_illegal', 'undetermined')",
            name=op.f("ck_hotline_assessments_verdict"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["hotline_cases.id"], name=op.f("fk_hotline_assessments_case_id_hotline_cases")
        ),
        sa.ForeignKeyConstraint(
            ["media_id"], ["media.id"], name=op.f("fk_hotline_assessments_media_id_media")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_assessments")),
    )
    with op.batch_alter_table("hotline_assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_assessments_case_id"), ["case_id"], unique=False)

    op.create_table(
        "hotline_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("from_state", sa.String(length=16), nullable=True),
        sa.Column("to_state", sa.String(length=16), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["hotline_cases.id"], name=op.f("fk_hotline_events_case_id_hotline_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_events")),
    )
    with op.batch_alter_table("hotline_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_events_at"), ["at"], unique=False)
        batch_op.create_index("ix_hotline_events_case_at", ["case_id", "at"], unique=False)

    op.create_table(
        "hotline_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("captured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("final_url", sa.Text(), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("blob", sa.String(length=100), nullable=False),
        sa.Column("blob_sha256", sa.String(length=64), nullable=False),
        sa.Column("sealed_signals", sa.Text(), nullable=False),
        sa.Column("key_id", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["hotline_cases.id"], name=op.f("fk_hotline_evidence_case_id_hotline_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_evidence")),
    )
    with op.batch_alter_table("hotline_evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_evidence_case_id"), ["case_id"], unique=False)

    op.create_table(
        "hotline_forwards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("recipient", sa.String(length=500), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_status", sa.Integer(), nullable=True),
        sa.Column("remote_ref", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint("kind IN ('partner', 'law_enforcement')", name=op.f("ck_hotline_forwards_kind")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["hotline_cases.id"], name=op.f("fk_hotline_forwards_case_id_hotline_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_forwards")),
    )
    with op.batch_alter_table("hotline_forwards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_forwards_case_id"), ["case_id"], unique=False)

    op.create_table(
        "hotline_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("placed_by", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["hotline_cases.id"], name=op.f("fk_hotline_holds_case_id_hotline_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_holds")),
    )
    with op.batch_alter_table("hotline_holds", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_holds_case_id"), ["case_id"], unique=False)

    op.create_table(
        "hotline_hosting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("asn", sa.BigInteger(), nullable=True),
        sa.Column("as_name", sa.String(length=200), nullable=True),
        sa.Column("network", sa.String(length=64), nullable=True),
        sa.Column("provider", sa.String(length=200), nullable=True),
        sa.Column("abuse_email", sa.String(length=320), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["hotline_cases.id"], name=op.f("fk_hotline_hosting_case_id_hotline_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_hosting")),
    )
    with op.batch_alter_table("hotline_hosting", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_hosting_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_hotline_hosting_country"), ["country"], unique=False)
        batch_op.create_index(batch_op.f("ix_hotline_hosting_provider"), ["provider"], unique=False)

    op.create_table(
        "hotline_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("recipient", sa.String(length=500), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('host', 'law_enforcement', 'escalation')", name=op.f("ck_hotline_notices_kind")
        ),
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f("ck_hotline_notices_status")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["hotline_cases.id"], name=op.f("fk_hotline_notices_case_id_hotline_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_notices")),
    )
    with op.batch_alter_table("hotline_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_notices_case_id"), ["case_id"], unique=False)

    op.create_table(
        "hotline_rechecks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=100), nullable=False),
        sa.Column("http_status", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('present', 'removed', 'error')", name=op.f("ck_hotline_rechecks_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["hotline_cases.id"], name=op.f("fk_hotline_rechecks_case_id_hotline_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_rechecks")),
    )
    with op.batch_alter_table("hotline_rechecks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_rechecks_case_id"), ["case_id"], unique=False)

    op.create_table(
        "hotline_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("reported_url", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("reporter_contact", sa.Text(), nullable=True),
        sa.Column("external_ref", sa.String(length=200), nullable=True),
        sa.CheckConstraint(
            "source IN ('public', 'partner', 'analyst', 'forward')", name=op.f("ck_hotline_reports_source")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["hotline_cases.id"], name=op.f("fk_hotline_reports_case_id_hotline_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hotline_reports")),
    )
    with op.batch_alter_table("hotline_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hotline_reports_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("hotline_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_reports_case_id"))

    op.drop_table("hotline_reports")
    with op.batch_alter_table("hotline_rechecks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_rechecks_case_id"))

    op.drop_table("hotline_rechecks")
    with op.batch_alter_table("hotline_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_notices_case_id"))

    op.drop_table("hotline_notices")
    with op.batch_alter_table("hotline_hosting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_hosting_provider"))
        batch_op.drop_index(batch_op.f("ix_hotline_hosting_country"))
        batch_op.drop_index(batch_op.f("ix_hotline_hosting_case_id"))

    op.drop_table("hotline_hosting")
    with op.batch_alter_table("hotline_holds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_holds_case_id"))

    op.drop_table("hotline_holds")
    with op.batch_alter_table("hotline_forwards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_forwards_case_id"))

    op.drop_table("hotline_forwards")
    with op.batch_alter_table("hotline_evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_evidence_case_id"))

    op.drop_table("hotline_evidence")
    with op.batch_alter_table("hotline_events", schema=None) as batch_op:
        batch_op.drop_index("ix_hotline_events_case_at")
        batch_op.drop_index(batch_op.f("ix_hotline_events_at"))

    op.drop_table("hotline_events")
    with op.batch_alter_table("hotline_assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_assessments_case_id"))

    op.drop_table("hotline_assessments")
    with op.batch_alter_table("hotline_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hotline_cases_url_sha256"))
        batch_op.drop_index(batch_op.f("ix_hotline_cases_state"))
        batch_op.drop_index(batch_op.f("ix_hotline_cases_next_check_at"))
        batch_op.drop_index(batch_op.f("ix_hotline_cases_media_id"))
        batch_op.drop_index(batch_op.f("ix_hotline_cases_host"))

    op.drop_table("hotline_cases")
