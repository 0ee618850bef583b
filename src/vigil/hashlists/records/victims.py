"""Series and victims as investigators read them (pseudonymous labels only; identity stays with the
identifying agency)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.errors import NotFound
from vigil.hashlists.models import (
    Contributor,
    Media,
    MediaSeries,
    MediaVictim,
    Series,
    Victim,
    VictimNote,
)


class RecordNotFoundError(NotFound):
    pass


# SeriesSummary and VictimRecord are also the API's answers (/api/v1/series, /victims), served as they are:
# their fields are the allow-list of what the API shows, so a field added here is published.
@dataclass(frozen=True)
class SeriesSummary:
    id: int
    name: str
    description: str
    created_at: datetime
    victims: int
    identified: int


@dataclass(frozen=True)
class VictimRecord:
    id: int
    series_id: int
    series: str
    label: str
    identified: bool
    identified_on: date | None
    identifying_agency: str | None
    country: str | None
    created_at: datetime
    media: int


@dataclass
class SeriesRecord:
    summary: SeriesSummary
    victims: list[VictimRecord] = field(default_factory=list)


def _summaries(session: Session, series_id: int | None = None) -> list[SeriesSummary]:
    victims = func.count(Victim.id)
    identified = func.count(Victim.id).filter(Victim.identified.is_(True))
    query = (
        select(Series, victims, identified)
        .outerjoin(Victim, Victim.series_id == Series.id)
        .group_by(Series.id)
        .order_by(Series.name)
    )
    if series_id is not None:
        query = query.where(Series.id == series_id)
    return [
        SeriesSummary(s.id, s.name, s.description, s.created_at, int(n), int(k))
        for s, n, k in session.execute(query)
    ]


def series_list(session: Session) -> list[SeriesSummary]:
    return _summaries(session)


def _victims(session: Session, *conditions: object) -> list[VictimRecord]:
    media = (
        select(func.count())
        .select_from(MediaVictim)
        .where(MediaVictim.victim_id == Victim.id)
        .scalar_subquery()
    )
    query = (
        select(Victim, Series.name, Contributor.name, media)
        .join(Series, Series.id == Victim.series_id)
        .outerjoin(Contributor, Contributor.id == Victim.identifying_agency_id)
        .where(*conditions)  # type: ignore[arg-type]
        .order_by(Victim.id)
    )
    return [
        VictimRecord(
            v.id,
            v.series_id,
            series,
            v.label,
            v.identified,
            v.identified_on,
            agency,
            v.country,
            v.created_at,
            int(count),
        )
        for v, series, agency, count in session.execute(query)
    ]


def series_record(session: Session, series_id: int) -> SeriesRecord:
    found = _summaries(session, series_id)
    if not found:
        raise RecordNotFoundError(f"no series {series_id}")
    return SeriesRecord(found[0], _victims(session, Victim.series_id == series_id))


def victim_record(session: Session, victim_id: int) -> VictimRecord:
    found = _victims(session, Victim.id == victim_id)
    if not found:
        raise RecordNotFoundError(f"no victim {victim_id}")
    return found[0]


def series_media(
    session: Session, series_id: int, limit: int = 200
) -> list[tuple[int, str | None, str | None]]:
    """The series' media (id, SHA-256, MD5), lowest id first, at most ``limit``."""
    rows = session.execute(
        select(Media.id, Media.sha256, Media.md5)
        .join(MediaSeries, MediaSeries.media_id == Media.id)
        .where(MediaSeries.series_id == series_id)
        .order_by(Media.id)
        .limit(limit)
    )
    return [(i, sha256, md5) for i, sha256, md5 in rows]


@dataclass(frozen=True)
class NoteView:
    id: int
    victim_id: int
    at: datetime
    author: str
    text: str


def series_notes(session: Session, series_id: int) -> dict[int, list[NoteView]]:
    """The notes on a series' victims, by victim, oldest first."""
    rows = session.execute(
        select(VictimNote)
        .join(Victim, Victim.id == VictimNote.victim_id)
        .where(Victim.series_id == series_id)
        .order_by(VictimNote.id)
    ).scalars()
    found: dict[int, list[NoteView]] = {}
    for n in rows:
        found.setdefault(n.victim_id, []).append(NoteView(n.id, n.victim_id, n.at, n.author, n.text))
    return found


def identified_by_agency(session: Session) -> list[tuple[str, int]]:
    """Victims identified per identifying agency, most first."""
    count = func.count(Victim.id)
    rows = session.execute(
        select(Contributor.name, count)
        .join(Victim, Victim.identifying_agency_id == Contributor.id)
        .where(Victim.identified.is_(True))
        .group_by(Contributor.name)
        .order_by(count.desc(), Contributor.name)
    )
    return [(name, int(n)) for name, n in rows]
