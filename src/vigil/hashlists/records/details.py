"""One media item as the console's media page shows it: its record, the votes grouped by jurisdiction
with who and when, the accepted category of each (scheme, jurisdiction), its series and victims, and
what each contributor brought (provenance); and the items whose voters disagree (conflicts)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.hashlists.acceptance import Vote as AcceptanceVote
from vigil.hashlists.acceptance import accepted_categories
from vigil.hashlists.catalog import Catalog, load_catalog
from vigil.hashlists.models import (
    Classification,
    Contributor,
    HashListMember,
    Media,
    MediaSeries,
    MediaSignal,
    MediaVictim,
    Provenance,
    Series,
    Victim,
)
from vigil.hashlists.records.media import MediaRecord, record_of
from vigil.hashlists.votes import VOTE_COLUMNS, MediaNotFoundError


@dataclass(frozen=True)
class VoteRow:
    scheme: str
    jurisdiction: str
    code: str
    #: The category's label; None when the code is no category of the scheme (kept as written).
    label: str | None
    contributor: str
    country: str | None
    analyst: str
    at: datetime
    #: False when a later vote of the same voter supersedes it.
    current: bool


@dataclass(frozen=True)
class AcceptedRow:
    scheme: str
    jurisdiction: str
    code: str
    label: str
    votes: int
    required: int
    verdict: str | None
    contested: bool


@dataclass(frozen=True)
class ContributorPart:
    contributor: str
    country: str | None
    #: What its provenance rows brought to this item: "media", "signal", "vote", "series", ...
    brought: tuple[str, ...]
    sources: tuple[str, ...]
    first: datetime
    last: datetime


@dataclass
class MediaDetails:
    record: MediaRecord
    #: Jurisdiction code → its votes, oldest first.
    votes: dict[str, list[VoteRow]] = field(default_factory=dict)
    accepted: list[AcceptedRow] = field(default_factory=list)
    series: list[tuple[int, str]] = field(default_factory=list)
    victims: list[tuple[int, str, bool]] = field(default_factory=list)
    provenance: list[ContributorPart] = field(default_factory=list)


def _votes(session: Session, catalog: Catalog, media_id: int) -> tuple[list[VoteRow], list[AcceptedRow]]:
    cl = Classification
    rows = session.execute(
        select(
            *VOTE_COLUMNS,
            cl.raw_code,
            Contributor.name,
        )
        .join(Contributor, Contributor.id == cl.contributor_id)
        .where(cl.media_id == media_id)
        .order_by(cl.classified_at, cl.id)
    ).all()
    latest: dict[tuple[int, int, int, str], int] = {}
    for r in rows:
        latest[(r.scheme_id, r.jurisdiction_id, r.contributor_id, r.analyst)] = r.id
    votes = []
    for r in rows:
        scheme = catalog.scheme_by_id(r.scheme_id)
        labels = {c.id: c.label for c in scheme.categories.values()}
        votes.append(
            VoteRow(
                scheme.name,
                catalog.jurisdiction_by_id(r.jurisdiction_id).code,
                r.raw_code,
                labels.get(r.category_id) if r.category_id is not None else None,
                r.name,
                r.country,
                r.analyst,
                r.classified_at,
                latest[(r.scheme_id, r.jurisdiction_id, r.contributor_id, r.analyst)] == r.id,
            )
        )
    accepted = []
    for a in accepted_categories((AcceptanceVote(*r[:8]) for r in rows), catalog):
        scheme = catalog.scheme_by_id(a.scheme_id)
        place = catalog.jurisdiction_by_id(a.jurisdiction_id)
        category = next(c for c in scheme.categories.values() if c.id == a.category_id)
        accepted.append(
            AcceptedRow(
                scheme.name,
                place.code,
                category.code,
                category.label,
                a.votes,
                scheme.votes_required,
                place.verdicts.get(a.category_id),
                a.contested,
            )
        )
    return votes, accepted


def _provenance(session: Session, media: Media) -> list[ContributorPart]:
    ids: dict[int, set[str]] = defaultdict(set)
    ids[media.provenance_id].add("media")
    sources = (
        ("signal", select(MediaSignal.provenance_id).where(MediaSignal.media_id == media.id)),
        ("vote", select(Classification.provenance_id).where(Classification.media_id == media.id)),
        ("series", select(MediaSeries.provenance_id).where(MediaSeries.media_id == media.id)),
        ("victim", select(MediaVictim.provenance_id).where(MediaVictim.media_id == media.id)),
        ("list", select(HashListMember.provenance_id).where(HashListMember.media_id == media.id)),
    )
    for what, query in sources:
        for provenance_id in session.execute(query).scalars():
            ids[provenance_id].add(what)
    rows = session.execute(
        select(Provenance.id, Provenance.source, Provenance.created_at, Contributor.name, Contributor.country)
        .join(Contributor, Contributor.id == Provenance.contributor_id)
        .where(Provenance.id.in_(list(ids)))
    )
    by: dict[tuple[str, str | None], list[tuple[str, datetime, set[str]]]] = defaultdict(list)
    for pid, source, at, name, country in rows:
        by[(name, country)].append((source, at, ids[pid]))
    order = ("media", "signal", "vote", "series", "victim", "list")
    return [
        ContributorPart(
            name,
            country,
            tuple(w for w in order if any(w in brought for _, _, brought in parts)),
            tuple(sorted({s for s, _, _ in parts})),
            min(at for _, at, _ in parts),
            max(at for _, at, _ in parts),
        )
        for (name, country), parts in sorted(by.items(), key=lambda kv: min(p[1] for p in kv[1]))
    ]


def media_details(session: Session, media_id: int) -> MediaDetails:
    media = session.get(Media, media_id)
    if media is None:
        raise MediaNotFoundError(f"no media item {media_id}")
    catalog = load_catalog(session)
    details = MediaDetails(record_of(session, media))
    votes, details.accepted = _votes(session, catalog, media.id)
    for vote in votes:
        details.votes.setdefault(vote.jurisdiction, []).append(vote)
    details.series = [
        (i, n)
        for i, n in session.execute(
            select(Series.id, Series.name)
            .join(MediaSeries, MediaSeries.series_id == Series.id)
            .where(MediaSeries.media_id == media.id)
            .order_by(Series.name)
        )
    ]
    details.victims = [
        (i, label, bool(identified))
        for i, label, identified in session.execute(
            select(Victim.id, Victim.label, Victim.identified)
            .join(MediaVictim, MediaVictim.victim_id == Victim.id)
            .where(MediaVictim.media_id == media.id)
            .order_by(Victim.id)
        )
    ]
    details.provenance = _provenance(session, media)
    return details


@dataclass(frozen=True)
class Conflict:
    """Voters of one (scheme, jurisdiction) whose current votes name different categories."""

    media_id: int
    sha256: str | None
    md5: str | None
    scheme: str
    jurisdiction: str
    #: Category code → the voters ("contributor / analyst") whose current vote names it.
    sides: dict[str, list[str]]
    accepted: str | None


def conflicts(session: Session, limit: int = 50) -> list[Conflict]:
    """Items on which voters disagree, the most recently voted first (at most ``limit``)."""
    cl = Classification
    candidates = (
        select(cl.media_id, cl.scheme_id, cl.jurisdiction_id, func.max(cl.classified_at).label("last"))
        .group_by(cl.media_id, cl.scheme_id, cl.jurisdiction_id)
        .having(func.count(func.distinct(cl.raw_code)) > 1)
        .order_by(func.max(cl.classified_at).desc(), cl.media_id.desc())
    )
    catalog = load_catalog(session)
    out: list[Conflict] = []
    for media_id, scheme_id, jurisdiction_id, _ in session.execute(candidates):
        if len(out) >= limit:
            break
        votes = session.execute(
            select(cl.raw_code, cl.contributor_id, cl.analyst, cl.classified_at, cl.id, Contributor.name)
            .join(Contributor, Contributor.id == cl.contributor_id)
            .where(cl.media_id == media_id, cl.scheme_id == scheme_id, cl.jurisdiction_id == jurisdiction_id)
            .order_by(cl.classified_at, cl.id)
        ).all()
        current: dict[tuple[int, str], tuple[str, str]] = {}
        for code, contributor_id, analyst, _, _, name in votes:
            current[(contributor_id, analyst)] = (code, f"{name} / {analyst}" if analyst else name)
        sides: dict[str, list[str]] = defaultdict(list)
        for code, voter in current.values():
            sides[code].append(voter)
        if len(sides) < 2:
            continue
        media = session.get(Media, media_id)
        assert media is not None
        details_accepted = _votes(session, catalog, media_id)[1]
        scheme = catalog.scheme_by_id(scheme_id).name
        place = catalog.jurisdiction_by_id(jurisdiction_id).code
        accepted = next(
            (a.code for a in details_accepted if a.scheme == scheme and a.jurisdiction == place), None
        )
        out.append(
            Conflict(media_id, media.sha256, media.md5, scheme, place, dict(sorted(sides.items())), accepted)
        )
    return out


@dataclass(frozen=True)
class VoteChoices:
    contributors: list[str]
    #: Scheme name → its categories (code, label), most severe first.
    schemes: dict[str, list[tuple[str, str]]]
    #: Jurisdiction code → the scheme it classifies with.
    jurisdictions: dict[str, str]


def vote_choices(session: Session) -> VoteChoices:
    catalog = load_catalog(session)
    schemes = {
        info.name: [(c.code, c.label) for c in sorted(info.categories.values(), key=lambda c: c.rank)]
        for info in sorted(catalog.schemes.values(), key=lambda s: s.name)
    }
    places = {
        p.code: catalog.scheme_by_id(p.scheme_id).name
        for p in sorted(catalog.jurisdictions.values(), key=lambda p: p.code)
    }
    names = list(session.execute(select(Contributor.name).order_by(Contributor.name)).scalars())
    return VoteChoices(names, schemes, places)
