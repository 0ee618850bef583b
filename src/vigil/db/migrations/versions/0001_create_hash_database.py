"""Create the hash database: contributors, media, signals, schemes, classifications, series, victims, lists.

Also ships the classification schemes and jurisdictions of docs/hashdb.md as data.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, title, votes required, [(code, label)] most severe first)
SCHEMES = [
    (
        "vics-us",
        "Project VIC (VICS) categories, US realm",
        1,
        [
            ("1", "Child abuse material"),
            ("2", "Exploitive / age difficult"),
            ("3", "CGI / animation"),
            ("4", "Comparison"),
            ("0", "Non-pertinent"),
        ],
    ),
    (
        "uk-caid",
        "UK Child Abuse Image Database categories",
        3,
        [("A", "Category A"), ("B", "Category B"), ("C", "Category C"), ("not-indecent", "Not indecent")],
    ),
    (
        "interpol-baseline",
        "INTERPOL baseline",
        1,
        [("baseline", "Baseline"), ("national", "Nationally illegal"), ("not-illegal", "Not illegal")],
    ),
]
# (code, name, country, scheme, {category code: verdict})
JURISDICTIONS = [
    (
        "us",
        "United States",
        "US",
        "vics-us",
        {"1": "illegal", "2": "undetermined", "3": "undetermined", "4": "not_illegal", "0": "not_illegal"},
    ),
    (
        "uk",
        "United Kingdom",
        "GB",
        "uk-caid",
        {"A": "illegal", "B": "illegal", "C": "illegal", "not-indecent": "not_illegal"},
    ),
    (
        "interpol",
        "INTERPOL baseline",
        None,
        "interpol-baseline",
        {"baseline": "illegal", "national": "undetermined", "not-illegal": "not_illegal"},
    ),
]


def upgrade() -> None:  # noqa: PLR0915 - one statement per table, as Alembic writes them
    op.create_table(
        "classification_schemes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("votes_required", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classification_schemes")),
        sa.UniqueConstraint("name", name=op.f("uq_classification_schemes_name")),
    )
    op.create_table(
        "contributors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('hotline', 'law_enforcement', 'industry', 'ngo', 'other')",
            name=op.f("ck_contributors_kind"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contributors")),
        sa.UniqueConstraint("name", name=op.f("uq_contributors_name")),
    )
    op.create_table(
        "jurisdictions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["classification_schemes.id"],
            name=op.f("fk_jurisdictions_scheme_id_classification_schemes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jurisdictions")),
        sa.UniqueConstraint("code", name=op.f("uq_jurisdictions_code")),
    )
    with op.batch_alter_table("jurisdictions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_jurisdictions_scheme_id"), ["scheme_id"], unique=False)

    op.create_table(
        "provenance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contributor_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=500), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contributor_id"], ["contributors.id"], name=op.f("fk_provenance_contributor_id_contributors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_provenance")),
    )
    with op.batch_alter_table("provenance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_provenance_contributor_id"), ["contributor_id"], unique=False)

    op.create_table(
        "scheme_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["classification_schemes.id"],
            name=op.f("fk_scheme_categories_scheme_id_classification_schemes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheme_categories")),
        sa.UniqueConstraint("scheme_id", "code", name=op.f("uq_scheme_categories_scheme_id_code")),
    )
    op.create_table(
        "hash_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.Column("recipients", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("provenance_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provenance_id"], ["provenance.id"], name=op.f("fk_hash_lists_provenance_id_provenance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hash_lists")),
        sa.UniqueConstraint("name", name=op.f("uq_hash_lists_name")),
    )
    with op.batch_alter_table("hash_lists", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hash_lists_provenance_id"), ["provenance_id"], unique=False)

    op.create_table(
        "jurisdiction_verdicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "verdict IN ('illegal', 'not_illegal', 'undetermined')",
            name=op.f("ck_jurisdiction_verdicts_verdict"),
        ),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["scheme_categories.id"],
            name=op.f("fk_jurisdiction_verdicts_category_id_scheme_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_jurisdiction_verdicts_jurisdiction_id_jurisdictions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jurisdiction_verdicts")),
        sa.UniqueConstraint(
            "jurisdiction_id",
            "category_id",
            name=op.f("uq_jurisdiction_verdicts_jurisdiction_id_category_id"),
        ),
    )
    op.create_table(
        "media",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("md5", sa.String(length=32), nullable=True),
        sa.Column("sha1", sa.String(length=40), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("mime_type", sa.String(length=255), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contributor_id", sa.Integer(), nullable=False),
        sa.Column("provenance_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contributor_id"], ["contributors.id"], name=op.f("fk_media_contributor_id_contributors")
        ),
        sa.ForeignKeyConstraint(
            ["provenance_id"], ["provenance.id"], name=op.f("fk_media_provenance_id_provenance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media")),
        sa.UniqueConstraint("md5", name=op.f("uq_media_md5")),
        sa.UniqueConstraint("sha1", name=op.f("uq_media_sha1")),
        sa.UniqueConstraint("sha256", name=op.f("uq_media_sha256")),
    )
    with op.batch_alter_table("media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_contributor_id"), ["contributor_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_provenance_id"), ["provenance_id"], unique=False)

    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("provenance_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["provenance_id"], ["provenance.id"], name=op.f("fk_series_provenance_id_provenance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
        sa.UniqueConstraint("name", name=op.f("uq_series_name")),
    )
    with op.batch_alter_table("series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_series_provenance_id"), ["provenance_id"], unique=False)

    op.create_table(
        "classifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("scheme_id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("raw_code", sa.String(length=32), nullable=False),
        sa.Column("contributor_id", sa.Integer(), nullable=False),
        sa.Column("analyst", sa.String(length=200), nullable=False),
        sa.Column("classified_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("victim_identified", sa.Boolean(), nullable=True),
        sa.Column("provenance_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["scheme_categories.id"],
            name=op.f("fk_classifications_category_id_scheme_categories"),
        ),
        sa.ForeignKeyConstraint(
            ["contributor_id"],
            ["contributors.id"],
            name=op.f("fk_classifications_contributor_id_contributors"),
        ),
        sa.ForeignKeyConstraint(
            ["jurisdiction_id"],
            ["jurisdictions.id"],
            name=op.f("fk_classifications_jurisdiction_id_jurisdictions"),
        ),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name=op.f("fk_classifications_media_id_media")),
        sa.ForeignKeyConstraint(
            ["provenance_id"], ["provenance.id"], name=op.f("fk_classifications_provenance_id_provenance")
        ),
        sa.ForeignKeyConstraint(
            ["scheme_id"],
            ["classification_schemes.id"],
            name=op.f("fk_classifications_scheme_id_classification_schemes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classifications")),
        sa.UniqueConstraint(
            "media_id",
            "scheme_id",
            "jurisdiction_id",
            "contributor_id",
            "analyst",
            "raw_code",
            name="uq_classifications_vote",
        ),
    )
    with op.batch_alter_table("classifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_classifications_contributor_id"), ["contributor_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_classifications_media_id"), ["media_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_classifications_provenance_id"), ["provenance_id"], unique=False)

    op.create_table(
        "hash_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("added_in", sa.Integer(), nullable=False),
        sa.Column("removed_in", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("md5", sa.String(length=32), nullable=True),
        sa.Column("sha1", sa.String(length=40), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("signals", sa.JSON(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("scheme", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["list_id"], ["hash_lists.id"], name=op.f("fk_hash_list_entries_list_id_hash_lists")
        ),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name=op.f("fk_hash_list_entries_media_id_media")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hash_list_entries")),
    )
    with op.batch_alter_table("hash_list_entries", schema=None) as batch_op:
        batch_op.create_index("ix_hash_list_entries_added", ["list_id", "added_in"], unique=False)
        batch_op.create_index("ix_hash_list_entries_media", ["list_id", "media_id"], unique=False)
        batch_op.create_index("ix_hash_list_entries_removed", ["list_id", "removed_in"], unique=False)

    op.create_table(
        "hash_list_members",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("provenance_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["hash_lists.id"], name=op.f("fk_hash_list_members_list_id_hash_lists")
        ),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name=op.f("fk_hash_list_members_media_id_media")),
        sa.ForeignKeyConstraint(
            ["provenance_id"], ["provenance.id"], name=op.f("fk_hash_list_members_provenance_id_provenance")
        ),
        sa.PrimaryKeyConstraint("list_id", "media_id", name=op.f("pk_hash_list_members")),
    )
    with op.batch_alter_table("hash_list_members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_hash_list_members_media_id"), ["media_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_hash_list_members_provenance_id"), ["provenance_id"], unique=False
        )

    op.create_table(
        "hash_list_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=200), nullable=False),
        sa.Column("entry_count", sa.Integer(), nullable=False),
        sa.Column("added_count", sa.Integer(), nullable=False),
        sa.Column("removed_count", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"], ["hash_lists.id"], name=op.f("fk_hash_list_versions_list_id_hash_lists")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hash_list_versions")),
        sa.UniqueConstraint("list_id", "version", name=op.f("uq_hash_list_versions_list_id_version")),
    )
    op.create_table(
        "media_series",
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("provenance_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name=op.f("fk_media_series_media_id_media")),
        sa.ForeignKeyConstraint(
            ["provenance_id"], ["provenance.id"], name=op.f("fk_media_series_provenance_id_provenance")
        ),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"], name=op.f("fk_media_series_series_id_series")),
        sa.PrimaryKeyConstraint("media_id", "series_id", name=op.f("pk_media_series")),
    )
    with op.batch_alter_table("media_series", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_series_provenance_id"), ["provenance_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_series_series_id"), ["series_id"], unique=False)

    op.create_table(
        "media_signals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("signal_type", sa.String(length=32), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("quality", sa.SmallInteger(), nullable=True),
        sa.Column("provenance_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name=op.f("fk_media_signals_media_id_media")),
        sa.ForeignKeyConstraint(
            ["provenance_id"], ["provenance.id"], name=op.f("fk_media_signals_provenance_id_provenance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_signals")),
        sa.UniqueConstraint(
            "media_id", "signal_type", "digest", name=op.f("uq_media_signals_media_id_signal_type_digest")
        ),
    )
    with op.batch_alter_table("media_signals", schema=None) as batch_op:
        batch_op.create_index("ix_media_signals_lookup", ["signal_type", "digest"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_signals_provenance_id"), ["provenance_id"], unique=False)

    op.create_table(
        "victims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("identified", sa.Boolean(), nullable=False),
        sa.Column("identified_on", sa.Date(), nullable=True),
        sa.Column("identifying_agency_id", sa.Integer(), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("provenance_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["identifying_agency_id"],
            ["contributors.id"],
            name=op.f("fk_victims_identifying_agency_id_contributors"),
        ),
        sa.ForeignKeyConstraint(
            ["provenance_id"], ["provenance.id"], name=op.f("fk_victims_provenance_id_provenance")
        ),
        sa.ForeignKeyConstraint(["series_id"], ["series.id"], name=op.f("fk_victims_series_id_series")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_victims")),
        sa.UniqueConstraint("series_id", "label", name=op.f("uq_victims_series_id_label")),
    )
    with op.batch_alter_table("victims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_victims_provenance_id"), ["provenance_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_victims_series_id"), ["series_id"], unique=False)

    op.create_table(
        "media_victims",
        sa.Column("media_id", sa.Integer(), nullable=False),
        sa.Column("victim_id", sa.Integer(), nullable=False),
        sa.Column("provenance_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["media_id"], ["media.id"], name=op.f("fk_media_victims_media_id_media")),
        sa.ForeignKeyConstraint(
            ["provenance_id"], ["provenance.id"], name=op.f("fk_media_victims_provenance_id_provenance")
        ),
        sa.ForeignKeyConstraint(
            ["victim_id"], ["victims.id"], name=op.f("fk_media_victims_victim_id_victims")
        ),
        sa.PrimaryKeyConstraint("media_id", "victim_id", name=op.f("pk_media_victims")),
    )
    with op.batch_alter_table("media_victims", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_media_victims_provenance_id"), ["provenance_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_media_victims_victim_id"), ["victim_id"], unique=False)

    _seed()


def _seed() -> None:
    conn = op.get_bind()
    schemes = sa.table(
        "classification_schemes",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("title", sa.String),
        sa.column("votes_required", sa.Integer),
        sa.column("description", sa.Text),
    )
    categories = sa.table(
        "scheme_categories",
        sa.column("scheme_id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("label", sa.String),
        sa.column("rank", sa.Integer),
    )
    jurisdictions = sa.table(
        "jurisdictions",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("country", sa.String),
        sa.column("scheme_id", sa.Integer),
    )
    verdicts = sa.table(
        "jurisdiction_verdicts",
        sa.column("jurisdiction_id", sa.Integer),
        sa.column("category_id", sa.Integer),
        sa.column("verdict", sa.String),
    )
    cat_table = sa.table(
        "scheme_categories", sa.column("id", sa.Integer), sa.column("scheme_id"), sa.column("code")
    )
    scheme_ids: dict[str, int] = {}
    for name, title, votes, cats in SCHEMES:
        conn.execute(sa.insert(schemes).values(name=name, title=title, votes_required=votes, description=""))
        scheme_ids[name] = conn.execute(sa.select(schemes.c.id).where(schemes.c.name == name)).scalar_one()
        conn.execute(
            sa.insert(categories),
            [
                {"scheme_id": scheme_ids[name], "code": code, "label": label, "rank": rank}
                for rank, (code, label) in enumerate(cats)
            ],
        )
    for code, jname, country, scheme, mapping in JURISDICTIONS:
        sid = scheme_ids[scheme]
        conn.execute(sa.insert(jurisdictions).values(code=code, name=jname, country=country, scheme_id=sid))
        jid = conn.execute(sa.select(jurisdictions.c.id).where(jurisdictions.c.code == code)).scalar_one()
        cat_ids = dict(
            conn.execute(
                sa.select(cat_table.c.code, cat_table.c.id).where(cat_table.c.scheme_id == sid)
            ).all()
        )
        conn.execute(
            sa.insert(verdicts),
            [
                {"jurisdiction_id": jid, "category_id": cat_ids[cat], "verdict": verdict}
                for cat, verdict in mapping.items()
            ],
        )


def downgrade() -> None:
    # Dropping a table drops its indexes and constraints; children go before their parents.
    for table in (
        "media_victims",
        "victims",
        "media_signals",
        "media_series",
        "hash_list_versions",
        "hash_list_members",
        "hash_list_entries",
        "classifications",
        "series",
        "media",
        "jurisdiction_verdicts",
        "hash_lists",
        "scheme_categories",
        "provenance",
        "jurisdictions",
        "contributors",
        "classification_schemes",
    ):
        op.drop_table(table)
