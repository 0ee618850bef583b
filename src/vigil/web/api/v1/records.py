"""Media, series and victims, for staff only (never industry, ISPs or peers); every read is journalled
by the routes' policy before anything is read."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from vigil.auth.authenticate import Principal
from vigil.db.bounds import DB_INT_MAX
from vigil.hashlists.contributors import ContributorError
from vigil.hashlists.records import media as media_records
from vigil.hashlists.records import victims as victim_records
from vigil.hashlists.records.victims import SeriesSummary, VictimRecord
from vigil.web.context import Ctx
from vigil.web.policy import require
from vigil.web.problems import PROBLEM_RESPONSES, bad_request
from vigil.web.records import RecordOut
from vigil.web.roles import STAFF, VICTIM_ID

router = APIRouter(tags=["records"], responses=PROBLEM_RESPONSES)


class SignalOut(BaseModel):
    signal_type: str
    value: str
    quality: int | None


class VoteOut(RecordOut):
    scheme: str
    category: str
    jurisdiction: str
    contributor: str
    analyst: str
    at: datetime


class MediaOut(RecordOut):
    id: int
    sha256: str | None
    md5: str | None
    sha1: str | None
    size: int | None
    mime_type: str | None
    #: ``image``, ``video`` or ``file``: from the MIME type, else the item's signals (a vPDQ: video).
    kind: str
    first_seen: datetime
    contributor: str
    signals: list[SignalOut]
    votes: list[VoteOut]
    accepted: list[str]
    baseline: bool
    lists: list[str]
    victims: list[int]


@dataclass(frozen=True)
class SeriesDetail(SeriesSummary):
    """A series, then the records of its victims."""

    victim_records: list[VictimRecord]


class IdentifyIn(BaseModel):
    on: date
    agency: str = Field(min_length=1, max_length=200, description="The identifying agency (a contributor).")


class YearOut(RecordOut):
    year: int
    identified: int
    cumulative: int
    growth: float | None
    meets_goal: bool | None


class FiguresOut(RecordOut):
    series: int
    victims: int
    identified: int
    media_with_victim: int
    media_with_identified_victim: int
    share_identified: float | None
    goal: float
    years: list[YearOut]


Digest = Annotated[str, Path(min_length=32, max_length=64, description="MD5, SHA-1 or SHA-256 (hex).")]


StaffReading = Annotated[Principal, require(*STAFF, audit="read")]
RowId = Annotated[int, Path(ge=1, le=DB_INT_MAX)]


@router.get("/media/{digest}", name="media.show")
def media_show(who: StaffReading, ctx: Ctx, digest: Digest) -> MediaOut:
    """One media item's record: hashes, signals, votes, accepted categories, lists and victims."""
    with ctx.sessions() as session:
        r = media_records.media_record(session, digest)
    return MediaOut.of(
        r,
        signals=[SignalOut(signal_type=k, value=v, quality=q) for k, v, q in r.signals],
        votes=[VoteOut.of(v, category=v.code) for v in r.votes],
    )


@router.get("/series", name="series.index")
def series_index(who: StaffReading, ctx: Ctx) -> list[SeriesSummary]:
    with ctx.sessions() as session:
        return victim_records.series_list(session)


@router.get("/series/{series_id}", name="series.show")
def series_show(who: StaffReading, ctx: Ctx, series_id: RowId) -> SeriesDetail:
    with ctx.sessions() as session:
        record = victim_records.series_record(session, series_id)
    return SeriesDetail(**asdict(record.summary), victim_records=record.victims)


@router.get("/victims/figures", name="victims.figures")
def victims_figures(who: StaffReading, ctx: Ctx) -> FiguresOut:
    """Victim-identification figures per year (the Alliance's goal: +10 % identified a year)."""
    return FiguresOut.of(ctx.hashdb(who).victim_figures())


@router.get("/victims/{victim_id}", name="victims.show")
def victims_show(who: StaffReading, ctx: Ctx, victim_id: RowId) -> VictimRecord:
    with ctx.sessions() as session:
        return victim_records.victim_record(session, victim_id)


@router.post("/victims/{victim_id}/identify", name="victims.identify")
def victims_identify(
    who: Annotated[Principal, require(*VICTIM_ID, audit="change")],
    ctx: Ctx,
    victim_id: RowId,
    body: IdentifyIn,
) -> VictimRecord:
    """Record that a victim was identified, on which date and by which agency."""
    try:
        ctx.hashdb(who).identify_victim(victim_id, body.on, body.agency)
    except ContributorError as exc:
        raise bad_request(exc) from None
    with ctx.sessions() as session:
        return victim_records.victim_record(session, victim_id)
