"""Tables of the hotline (docs/hotline.md): reports, cases, assessments, hosting, notices, holds, forwards,
re-checks, evidence and the events that date every change.

A case is one canonical URL while it is open: ``open_url`` holds the URL's SHA-256 only while the case
is open and is unique, so a second open case for the same URL cannot exist on any backend (NULLs do not
collide), while a URL that comes back after removal opens a new case.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from vigil.db.base import Base, UTCDateTime, one_of

CASE_STATES: Final = (
    "new",
    "triage",
    "assessed",
    "held",
    "notified",
    "escalated",
    "forwarded",
    "removed",
    "rejected",
    "refused",
)
#: ``public``: the form; ``member``: an industry member's system; ``partner``: a partner hotline (unsigned);
#: ``forward``: a partner hotline's signed forward; ``analyst``: the hotline's own staff;
#: ``law_enforcement``: an investigator's account.
REPORT_SOURCES: Final = ("public", "partner", "analyst", "forward", "member", "law_enforcement")
VERDICTS: Final = ("illegal", "not_illegal", "undetermined")
NOTICE_KINDS: Final = ("host", "law_enforcement", "escalation")
NOTICE_STATUSES: Final = ("pending", "sent", "failed")
FORWARD_KINDS: Final = ("partner", "law_enforcement")
RECHECK_OUTCOMES: Final = ("present", "removed", "error")
#: A page item: ``known`` (a listed item with a verdict here), ``matched`` (a known item without one),
#: ``unknown`` (fetched, not in the database), ``failed``, ``refused`` (by the fetch guard) or
#: ``skipped`` (over the page's byte or time budget).
ITEM_OUTCOMES: Final = ("known", "matched", "unknown", "failed", "refused", "skipped")


class CaseRow:
    """A row that belongs to one case: its own id and the case's, the first columns of every such table."""

    # A mixin's columns would otherwise come after the table's own; the schema keeps them first.
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-2)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_cases.id"), index=True, sort_order=-1)


class Case(Base):
    """One reported URL followed from report to removal."""

    __tablename__ = "hotline_cases"
    __table_args__ = (one_of("state", CASE_STATES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    url_sha256: Mapped[str] = mapped_column(String(64), index=True)
    #: ``url_sha256`` while open, NULL once closed: the unique key that deduplicates open cases.
    open_url: Mapped[str | None] = mapped_column(String(64), unique=True)
    host: Mapped[str] = mapped_column(String(255), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The hash database's media item the content matched, when it was known.
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"), index=True)
    #: When the next re-check is due (open cases after the first notice or forward).
    next_check_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: A worker's claim on the case for scheduled work; expires so that a dead worker's job is retried.
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Report(CaseRow, Base):
    """One report of a URL, as received; several reports of one open URL share its case."""

    __tablename__ = "hotline_reports"
    __table_args__ = (one_of("source", REPORT_SOURCES),)

    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(16))
    #: Who sent it: a partner's or user's name, "public" for the form.
    submitted_by: Mapped[str] = mapped_column(String(200))
    reported_url: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    #: Optional; sealed with the evidence key when one is configured (it is personal data).
    reporter_contact: Mapped[str | None] = mapped_column(Text)
    #: The sender's own reference (a partner hotline's report id).
    external_ref: Mapped[str | None] = mapped_column(String(200))


class Verdict:
    """A category and its verdict under one jurisdiction's scheme, who decided it and when: the columns
    of a case's assessment and of an item's."""

    jurisdiction: Mapped[str] = mapped_column(String(32))
    scheme: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(32))
    verdict: Mapped[str] = mapped_column(String(16))
    #: An analyst's name, or (a case's assessment) ``hashdb`` when a known item's accepted category decided.
    assessed_by: Mapped[str] = mapped_column(String(200))
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Assessment(CaseRow, Verdict, Base):
    """A verdict on a case's content under one jurisdiction, by an analyst or by a hash-database match."""

    __tablename__ = "hotline_assessments"
    __table_args__ = (one_of("verdict", VERDICTS),)

    # After the verdict's columns, as the schema has it (a mixin's columns come after the table's own).
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"), sort_order=1)


class Hosting(CaseRow, Base):
    """Where a case's URL was hosted when it was traced: name → address → country, AS, host."""

    __tablename__ = "hotline_hosting"

    resolved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    hostname: Mapped[str] = mapped_column(String(255))
    ip: Mapped[str | None] = mapped_column(String(45))
    country: Mapped[str | None] = mapped_column(String(2), index=True)
    asn: Mapped[int | None] = mapped_column(BigInteger)
    as_name: Mapped[str | None] = mapped_column(String(200))
    network: Mapped[str | None] = mapped_column(String(64))
    #: The host directory's entry that matched (the provider notified), if any.
    provider: Mapped[str | None] = mapped_column(String(200), index=True)
    abuse_email: Mapped[str | None] = mapped_column(String(320))
    #: Which data answered: ``directory``, ``packaged`` or ``none``.
    source: Mapped[str] = mapped_column(String(16))


class Hold(CaseRow, Base):
    """A law-enforcement hold: no notice to the host leaves while it stands."""

    __tablename__ = "hotline_holds"

    agency: Mapped[str] = mapped_column(String(200))
    placed_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(200))


class Notice(CaseRow, Base):
    """A message about a case to a host, law enforcement, or (escalation) the upstream contact."""

    __tablename__ = "hotline_notices"
    __table_args__ = (
        one_of("kind", NOTICE_KINDS),
        one_of("status", NOTICE_STATUSES),
    )

    kind: Mapped[str] = mapped_column(String(16))
    #: ``email`` or ``webhook``.
    channel: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(500))
    #: 1 for the first notice to this recipient about the case, then 2, 3 ... for repeats.
    sequence: Mapped[int] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    signature: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)


class Forward(CaseRow, Base):
    """A case handed to the partner hotline of the hosting country, or to law enforcement there."""

    __tablename__ = "hotline_forwards"
    __table_args__ = (one_of("kind", FORWARD_KINDS),)

    kind: Mapped[str] = mapped_column(String(16))
    country: Mapped[str | None] = mapped_column(String(2))
    recipient: Mapped[str] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_status: Mapped[int | None] = mapped_column(Integer)
    #: The partner's case id, as its answer gave it.
    remote_ref: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)


class Recheck(CaseRow, Base):
    """One re-fetch of an open case's URL, and what it showed."""

    __tablename__ = "hotline_rechecks"
    __table_args__ = (one_of("outcome", RECHECK_OUTCOMES),)

    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    #: Why: ``http-404``, ``http-410``, ``nxdomain``, ``content-changed``, ``same-content`` ...
    reason: Mapped[str] = mapped_column(String(100))
    http_status: Mapped[int | None] = mapped_column(Integer)


class Evidence(CaseRow, Base):
    """Content captured from a case's URL. The bytes and signals are sealed (AES-GCM); only the sealed
    file's name and its ciphertext's digest are here, so the database alone reveals nothing of them."""

    __tablename__ = "hotline_evidence"

    captured_at: Mapped[datetime] = mapped_column(UTCDateTime)
    final_url: Mapped[str] = mapped_column(Text)
    ip: Mapped[str] = mapped_column(String(45))
    http_status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    #: File name of the sealed bytes in the evidence folder.
    blob: Mapped[str] = mapped_column(String(100))
    #: SHA-256 of the sealed file: custody entries name it, so a swapped file shows.
    blob_sha256: Mapped[str] = mapped_column(String(64))
    #: Sealed JSON of the content's signals (sha256, md5, sha1, pdq).
    sealed_signals: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(16))


class PageItem(CaseRow, Base):
    """One item a reported page shows (a picture, a poster, a linked image), followed and matched on its
    own. Its bytes, when fetched, are sealed evidence like the page's; only its outcome is here."""

    __tablename__ = "hotline_page_items"
    __table_args__ = (one_of("outcome", ITEM_OUTCOMES),)

    #: The page's evidence the item was found in.
    page_evidence_id: Mapped[int] = mapped_column(ForeignKey("hotline_evidence.id"))
    #: Order of the item in the page (0 first).
    position: Mapped[int] = mapped_column(Integer)
    #: The URL as the page gives it, made absolute (a ``data:`` URL is cut short).
    url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    http_status: Mapped[int | None] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(BigInteger)
    #: The item's own sealed evidence, when it was fetched.
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("hotline_evidence.id"))
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id"))
    #: ``sha256``, ``md5``, ``sha1`` or ``pdq``; and the PDQ distance (0 for a digest).
    matched_on: Mapped[str | None] = mapped_column(String(16))
    distance: Mapped[int | None] = mapped_column(Integer)
    scheme: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(32))
    verdict: Mapped[str | None] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)


class CaseEvent(Base):
    """Every change of a case, with its time: the figures are computed from these rows alone."""

    __tablename__ = "hotline_events"
    __table_args__ = (Index("ix_hotline_events_case_at", "case_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("hotline_cases.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: ``state`` for transitions; ``report``, ``notice``, ``hold``, ``recheck`` ... for the rest.
    kind: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(200))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ItemAssessment(CaseRow, Verdict, Base):
    """An analyst's category for one item of a reported page under the hotline's jurisdiction, or
    ``not-illegal`` (category :data:`ITEM_NOT_ILLEGAL`). One row per item: a later assessment replaces
    it, and the audit journal keeps every one (docs/hotline.md, *Assessment per item*)."""

    __tablename__ = "hotline_item_assessments"
    __table_args__ = (one_of("verdict", VERDICTS),)

    item_id: Mapped[int] = mapped_column(ForeignKey("hotline_page_items.id"), unique=True)


#: The category an item assessed as not illegal carries (no category of any scheme is spelt so).
ITEM_NOT_ILLEGAL: Final = "not-illegal"
