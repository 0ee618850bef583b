"""Series, victims and the victim-identification figures (the Alliance's goal: +10 % identified a year).

Only pseudonymous labels are stored for victims; identity stays with the identifying agency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Final

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from vigil.errors import Conflict, Invalid, NotFound
from vigil.hashlists.models import Contributor, Media, MediaVictim, Provenance, Series, Victim, VictimNote

GOAL_GROWTH: Final = 0.10


class VictimError(Conflict, ValueError):
    pass


class VictimNotFoundError(NotFound):
    pass


def get_victim(session: Session, victim_id: int) -> Victim:
    victim = session.get(Victim, victim_id)
    if victim is None:
        raise VictimNotFoundError(f"no victim {victim_id}")
    return victim


def ensure_series(session: Session, name: str, provenance: Provenance, description: str = "") -> Series:
    found = session.execute(select(Series).where(Series.name == name)).scalar_one_or_none()
    if found is not None:
        return found
    series = Series(name=name, description=description, provenance_id=provenance.id)
    session.add(series)
    session.flush()
    return series


def add_victim(
    session: Session, series: Series, label: str, provenance: Provenance, country: str | None = None
) -> Victim:
    victim = Victim(series_id=series.id, label=label, country=country, provenance_id=provenance.id)
    session.add(victim)
    session.flush()
    return victim


#: A note is a working remark, not a file: longer texts belong in the agency's own case system.
MAX_NOTE: Final = 4000


class VictimNoteError(Invalid, ValueError):
    pass


def add_note(session: Session, victim: Victim, text: str, author: str) -> VictimNote:
    text = text.strip()
    if not text:
        raise VictimNoteError("a note needs some text")
    if len(text) > MAX_NOTE:
        raise VictimNoteError(f"a note has at most {MAX_NOTE} characters")
    note = VictimNote(victim_id=victim.id, text=text, author=author[:200])
    session.add(note)
    session.flush()
    return note


def identify_victim(session: Session, victim: Victim, on: date, agency: Contributor) -> Victim:
    if victim.identified:
        raise VictimError(f"victim {victim.label!r} was identified on {victim.identified_on}")
    victim.identified, victim.identified_on, victim.identifying_agency_id = True, on, agency.id
    session.flush()
    return victim


def link_media(session: Session, media: Media, victim: Victim, provenance: Provenance) -> bool:
    """Record that ``media`` depicts ``victim``; False when already recorded."""
    if session.get(MediaVictim, (media.id, victim.id)) is not None:
        return False
    session.add(MediaVictim(media_id=media.id, victim_id=victim.id, provenance_id=provenance.id))
    session.flush()
    return True


@dataclass(frozen=True)
class YearFigure:
    year: int
    identified: int
    cumulative: int
    #: Growth of identifications against the year before; None for the first year or after a zero.
    growth: float | None
    meets_goal: bool | None


@dataclass
class VictimFigures:
    years: list[YearFigure] = field(default_factory=list)
    series: int = 0
    victims: int = 0
    identified: int = 0
    media_with_victim: int = 0
    media_with_identified_victim: int = 0
    goal: float = GOAL_GROWTH

    @property
    def share_identified(self) -> float | None:
        """Share of media depicting a victim where a depicted victim is identified."""
        if not self.media_with_victim:
            return None
        return self.media_with_identified_victim / self.media_with_victim


def victim_figures(session: Session, goal: float = GOAL_GROWTH) -> VictimFigures:
    figures = VictimFigures(goal=goal)
    figures.series = int(session.execute(select(func.count()).select_from(Series)).scalar_one())
    figures.victims = int(session.execute(select(func.count()).select_from(Victim)).scalar_one())
    dates = session.execute(select(Victim.identified_on).where(Victim.identified.is_(True))).scalars().all()
    figures.identified = len(dates)
    per_year: dict[int, int] = {}
    for day in dates:
        if day is not None:
            per_year[day.year] = per_year.get(day.year, 0) + 1
    cumulative, previous = 0, None
    for year in range(min(per_year, default=0), max(per_year, default=-1) + 1):
        count = per_year.get(year, 0)
        cumulative += count
        growth = (count - previous) / previous if previous else None
        figures.years.append(
            YearFigure(year, count, cumulative, growth, None if growth is None else growth >= goal)
        )
        previous = count
    figures.media_with_victim = int(
        session.execute(select(func.count(distinct(MediaVictim.media_id)))).scalar_one()
    )
    figures.media_with_identified_victim = int(
        session.execute(
            select(func.count(distinct(MediaVictim.media_id)))
            .join(Victim, Victim.id == MediaVictim.victim_id)
            .where(Victim.identified.is_(True))
        ).scalar_one()
    )
    return figures
