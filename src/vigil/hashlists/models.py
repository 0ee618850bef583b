"""Tables of the hash database (docs/hashdb.md).

Every row that comes from someone carries ``provenance_id``: the import or action (file, contributor,
time) that brought it in. Rows are added, never overwritten: a second opinion is a second row.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from vigil.db.base import Base, UTCDateTime, one_of, utcnow

CONTRIBUTOR_KINDS: Final = ("hotline", "law_enforcement", "industry", "ngo", "other")
VERDICTS: Final = ("illegal", "not_illegal", "undetermined")


class Provenanced:
    """The import or action that brought the row in: the last column of every table that has one."""

    provenance_id: Mapped[int] = mapped_column(ForeignKey("provenance.id"), index=True)


class Contributor(Base):
    """An agency or organisation that contributes hashes or votes: hotline, police, industry, NGO."""

    __tablename__ = "contributors"
    __table_args__ = (one_of("kind", CONTRIBUTOR_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    #: ISO 3166-1 alpha-2; the baseline needs agencies of two countries.
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Provenance(Base):
    """Where a set of rows came from: one import of a file, or one action of a person."""

    __tablename__ = "provenance"

    id: Mapped[int] = mapped_column(primary_key=True)
    contributor_id: Mapped[int] = mapped_column(ForeignKey("contributors.id"), index=True)
    #: File name for imports; "cli", "api" ... for actions.
    source: Mapped[str] = mapped_column(String(500))
    format: Mapped[str | None] = mapped_column(String(32))
    #: SHA-256 of the imported file.
    digest: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The import summary (counts, warnings, rejections) as it was reported.
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Media(Provenanced, Base):
    """One known item. Records that share any cryptographic hash are the same item."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    md5: Mapped[str | None] = mapped_column(String(32), unique=True)
    sha1: Mapped[str | None] = mapped_column(String(40), unique=True)
    size: Mapped[int | None] = mapped_column(BigInteger)
    mime_type: Mapped[str | None] = mapped_column(String(255))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    contributor_id: Mapped[int] = mapped_column(ForeignKey("contributors.id"), index=True)


class MediaSignal(Provenanced, Base):
    """A perceptual or opaque signal of a media item (pdq, vpdq, photodna, ...)."""

    __tablename__ = "media_signals"
    __table_args__ = (
        UniqueConstraint("media_id", "signal_type", "digest"),
        Index("ix_media_signals_lookup", "signal_type", "digest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    signal_type: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    #: SHA-256 of ``value``: opaque values (vPDQ, PhotoDNA) can be too long for a B-tree index.
    digest: Mapped[str] = mapped_column(String(64))
    quality: Mapped[int | None] = mapped_column(SmallInteger)


class ClassificationScheme(Base):
    """A set of categories (data, not code): vics-us, uk-caid, interpol-baseline, ..."""

    __tablename__ = "classification_schemes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    #: Concurring votes before a category is accepted (CAID: three).
    votes_required: Mapped[int] = mapped_column(Integer, default=1)
    description: Mapped[str] = mapped_column(Text, default="")


class SchemeCategory(Base):
    __tablename__ = "scheme_categories"
    __table_args__ = (UniqueConstraint("scheme_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("classification_schemes.id"))
    code: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(200))
    #: Severity order within the scheme, 0 the most severe; decides between two accepted categories.
    rank: Mapped[int] = mapped_column(Integer)


class Jurisdiction(Base):
    """A legal order that classifies with one scheme and maps its categories to verdicts."""

    __tablename__ = "jurisdictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    scheme_id: Mapped[int] = mapped_column(ForeignKey("classification_schemes.id"), index=True)


class JurisdictionVerdict(Base):
    __tablename__ = "jurisdiction_verdicts"
    __table_args__ = (
        UniqueConstraint("jurisdiction_id", "category_id"),
        one_of("verdict", VERDICTS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("scheme_categories.id"))
    verdict: Mapped[str] = mapped_column(String(16))


class Classification(Provenanced, Base):
    """One vote: a contributor's (or one of its analysts') category for a media item.

    ``category_id`` is empty when ``raw_code`` is not a category of the scheme: the opinion is kept as
    unknown rather than dropped or forced into a wrong category.
    """

    __tablename__ = "classifications"
    __table_args__ = (
        UniqueConstraint(
            "media_id",
            "scheme_id",
            "jurisdiction_id",
            "contributor_id",
            "analyst",
            "raw_code",
            name="uq_classifications_vote",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), index=True)
    scheme_id: Mapped[int] = mapped_column(ForeignKey("classification_schemes.id"))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("scheme_categories.id"))
    raw_code: Mapped[str] = mapped_column(String(32))
    contributor_id: Mapped[int] = mapped_column(ForeignKey("contributors.id"), index=True)
    #: Empty for a contributor's own (imported) decision; a name when analysts vote one by one.
    analyst: Mapped[str] = mapped_column(String(200), default="")
    classified_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: VICS "VictimIdentified" as the contributor reported it.
    victim_identified: Mapped[bool | None] = mapped_column(Boolean)


class Series(Provenanced, Base):
    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Victim(Provenanced, Base):
    """A person depicted in a series. Only a pseudonymous label is stored, never identity."""

    __tablename__ = "victims"
    __table_args__ = (UniqueConstraint("series_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), index=True)
    label: Mapped[str] = mapped_column(String(200))
    identified: Mapped[bool] = mapped_column(Boolean, default=False)
    identified_on: Mapped[date | None] = mapped_column(Date)
    identifying_agency_id: Mapped[int | None] = mapped_column(ForeignKey("contributors.id"))
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MediaSeries(Provenanced, Base):
    __tablename__ = "media_series"

    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id"), primary_key=True, index=True)


class MediaVictim(Provenanced, Base):
    __tablename__ = "media_victims"

    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), primary_key=True)
    victim_id: Mapped[int] = mapped_column(ForeignKey("victims.id"), primary_key=True, index=True)


class VictimNote(Base):
    """An investigator's note on a victim (never identity: that stays with the identifying agency)."""

    __tablename__ = "victim_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    victim_id: Mapped[int] = mapped_column(ForeignKey("victims.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The journal's actor name of who wrote it (``console:NAME``, ``api:NAME``).
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)


class HashList(Provenanced, Base):
    """A named selection: explicit members plus the media its rules select (see ``lists.SelectionRules``)."""

    __tablename__ = "hash_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    rules: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: Who may receive it: contributor kinds or names (enforced by auth).
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HashListMember(Provenanced, Base):
    __tablename__ = "hash_list_members"

    list_id: Mapped[int] = mapped_column(ForeignKey("hash_lists.id"), primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"), primary_key=True, index=True)


class HashListVersion(Base):
    __tablename__ = "hash_list_versions"
    __table_args__ = (UniqueConstraint("list_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("hash_lists.id"))
    version: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by: Mapped[str] = mapped_column(String(200))
    entry_count: Mapped[int] = mapped_column(Integer)
    added_count: Mapped[int] = mapped_column(Integer)
    removed_count: Mapped[int] = mapped_column(Integer)
    #: SHA-256 over the version's entries in canonical order: a consumer can check a rebuilt copy.
    digest: Mapped[str] = mapped_column(String(64))


class HashListEntry(Base):
    """What a published version says about one media item, frozen at publication.

    Version ``v`` holds the entries with ``added_in <= v`` and no ``removed_in <= v``; a change of an
    entry's values is a removal plus an addition in the same version. Deltas since a checkpoint fall out
    of the two version columns.
    """

    __tablename__ = "hash_list_entries"
    __table_args__ = (
        Index("ix_hash_list_entries_added", "list_id", "added_in"),
        Index("ix_hash_list_entries_removed", "list_id", "removed_in"),
        Index("ix_hash_list_entries_media", "list_id", "media_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("hash_lists.id"))
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id"))
    added_in: Mapped[int] = mapped_column(Integer)
    removed_in: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    md5: Mapped[str | None] = mapped_column(String(32))
    sha1: Mapped[str | None] = mapped_column(String(40))
    size: Mapped[int | None] = mapped_column(BigInteger)
    #: {signal type: [values]} of the signal types the list publishes.
    signals: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    category: Mapped[str | None] = mapped_column(String(32))
    scheme: Mapped[str | None] = mapped_column(String(64))
    #: The item's MIME type when published: what tells a video without a vPDQ (or a document) from a
    #: photo to whoever receives the list. Not covered by the version's digest (see publish.py).
    mime_type: Mapped[str | None] = mapped_column(String(255))
