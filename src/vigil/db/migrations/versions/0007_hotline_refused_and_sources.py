"""Hotline: cases the fetch guard refused end in their own state ``refused``; reports record the true
source of an industry member's (``member``) or an investigator's (``law_enforcement``) report.

Existing rows are left as they were recorded: earlier reports from members stay ``partner`` (which role
a name had then is not known now), and cases refused before this version stay in triage for an analyst.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES_BEFORE = (
    "new",
    "triage",
    "assessed",
    "held",
    "notified",
    "escalated",
    "forwarded",
    "removed",
    "rejected",
)
STATES_AFTER = (*STATES_BEFORE, "refused")
SOURCES_BEFORE = ("public", "partner", "analyst", "forward")
SOURCES_AFTER = (*SOURCES_BEFORE, "member", "law_enforcement")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _constrain(table: str, column: str, values: tuple[str, ...]) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(f"ck_{table}_{column}"), type_="check")
        batch_op.create_check_constraint(batch_op.f(f"ck_{table}_{column}"), _in(column, values))


def upgrade() -> None:
    _constrain("hotline_cases", "state", STATES_AFTER)
    _constrain("hotline_reports", "source", SOURCES_AFTER)


def downgrade() -> None:
    # The old constraints cannot hold the new values: refused cases stay closed, as rejected (reopening
    # them could collide with a newer open case of the same URL), and the new sources become what was
    # recorded for them before.
    op.execute("UPDATE hotline_cases SET state = 'rejected' WHERE state = 'refused'")
    op.execute("UPDATE hotline_reports SET source = 'partner' WHERE source = 'member'")
    op.execute("UPDATE hotline_reports SET source = 'analyst' WHERE source = 'law_enforcement'")
    _constrain("hotline_reports", "source", SOURCES_BEFORE)
    _constrain("hotline_cases", "state", STATES_BEFORE)
