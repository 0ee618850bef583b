"""Where a peer's votes count: in the jurisdiction its sharing policy names (``SharingPolicy.jurisdiction``,
by default the scheme's for the peer's country), for each scheme that jurisdiction classifies with.

A pull records a peer's category there (apply.py, through the importer). When the policy's jurisdiction
changes, the votes already recorded follow it: every vote its batches brought (its contributor's, of a
feed provenance) that is not where the policy now puts its scheme's votes is moved there, in the caller's
transaction, and the baseline is published again over the items whose votes moved. Votes of the same
contributor that did not come from the feed (a file imported under its name, an analyst's vote) keep the
jurisdiction they were given.

Moving a vote can meet the same vote already there (the same item, analyst and category: left behind by
a change of jurisdiction before votes followed it, then brought again by a later batch). One vote per
voter and category is kept, the latest, since only a voter's latest vote counts (acceptance.py); the
others are dropped and counted as merged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Final

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from vigil.federation.batches import FEED_FORMAT
from vigil.federation.models import Peer
from vigil.hashlists.catalog import Catalog
from vigil.hashlists.contributors import new_provenance
from vigil.hashlists.models import Classification, Contributor, Provenance
from vigil.hashlists.publish import TOUCHED_MAX, publish_baseline

#: Rows deleted per statement: under SQLite's and PostgreSQL's bound-parameter limits.
_CHUNK: Final = 5000


@dataclass(frozen=True, order=True)
class Move:
    scheme: str
    source: str
    target: str
    votes: int


@dataclass
class Rehomed:
    """What following the policy's jurisdiction did to a peer's votes."""

    moves: list[Move] = field(default_factory=list)
    #: Votes dropped because the voter's same vote (item, analyst, category) is kept in the target.
    merged: int = 0
    #: The baseline's version after the move (None: no vote moved, nothing published).
    baseline_version: int | None = None

    @property
    def moved(self) -> int:
        return sum(m.votes for m in self.moves)

    def as_dict(self) -> dict[str, Any]:
        return {
            "moved": self.moved,
            "merged": self.merged,
            "moves": [vars(m) for m in self.moves],
            "baseline_version": self.baseline_version,
        }


def _feed_votes(contributor_id: int, alias: Any = Classification) -> ColumnElement[bool]:
    fed = select(Provenance.id).where(
        Provenance.contributor_id == contributor_id, Provenance.format == FEED_FORMAT
    )
    return and_(alias.contributor_id == contributor_id, alias.provenance_id.in_(fed))


def _merge(session: Session, contributor_id: int, scheme_id: int, target: int) -> int:
    """Drop each vote that would meet a later one of the same voter, item and category in ``target``:
    among the peer's feed votes of the scheme and the contributor's votes already in the target."""
    c, o = aliased(Classification), aliased(Classification)

    def ending_in_target(alias: Any) -> ColumnElement[bool]:
        return and_(
            alias.contributor_id == contributor_id,
            alias.scheme_id == scheme_id,
            or_(alias.jurisdiction_id == target, _feed_votes(contributor_id, alias)),
        )

    later = (
        select(o.id)
        .where(
            ending_in_target(o),
            o.media_id == c.media_id,
            o.analyst == c.analyst,
            o.raw_code == c.raw_code,
            o.id != c.id,
            or_(
                o.classified_at > c.classified_at,
                and_(o.classified_at == c.classified_at, o.id > c.id),
            ),
        )
        .exists()
    )
    doomed = list(session.execute(select(c.id).where(ending_in_target(c), later)).scalars())
    for start in range(0, len(doomed), _CHUNK):
        session.execute(
            delete(Classification)
            .where(Classification.id.in_(doomed[start : start + _CHUNK]))
            .execution_options(synchronize_session=False)
        )
    return len(doomed)


def rehome(session: Session, catalog: Catalog, peer: Peer, jurisdiction: str | None, actor: str) -> Rehomed:
    """Move the votes the peer's batches brought to where ``jurisdiction`` (the policy's) puts them, and
    publish the baseline again if any moved; in the caller's transaction, which holds the peer's row."""
    contributor = session.get(Contributor, peer.contributor_id)
    assert contributor is not None
    chosen = catalog.jurisdiction(jurisdiction) if jurisdiction else None
    cl = Classification
    ours = _feed_votes(contributor.id)
    placed = session.execute(select(cl.scheme_id, cl.jurisdiction_id).where(ours).distinct()).all()
    result = Rehomed()
    touched: set[int] | None = set()
    for scheme_id in sorted({s for s, _ in placed}):
        scheme = catalog.scheme_by_id(scheme_id)
        target = catalog.jurisdiction_for(scheme, chosen, contributor.country)
        moving = and_(ours, cl.scheme_id == scheme_id, cl.jurisdiction_id != target.id)
        if all(j == target.id for s, j in placed if s == scheme_id):
            continue
        if touched is not None:
            media = select(cl.media_id).where(moving).distinct().limit(TOUCHED_MAX + 1)
            touched |= set(session.execute(media).scalars())
            touched = touched if len(touched) <= TOUCHED_MAX else None
        sources = {j for s, j in placed if s == scheme_id and j != target.id}
        occupied = select(cl.id).where(
            cl.contributor_id == contributor.id, cl.scheme_id == scheme_id, cl.jurisdiction_id == target.id
        )
        if len(sources) > 1 or session.execute(occupied.limit(1)).first() is not None:
            # Otherwise (the usual case: all in one place, none in the target) no two can meet.
            result.merged += _merge(session, contributor.id, scheme_id, target.id)
        counts = session.execute(
            select(cl.jurisdiction_id, func.count()).where(moving).group_by(cl.jurisdiction_id)
        ).all()
        session.execute(
            update(cl)
            .where(moving)
            .values(jurisdiction_id=target.id)
            .execution_options(synchronize_session=False)
        )
        result.moves += _moves(catalog, scheme.name, target.code, counts)
    if result.moves or result.merged:
        made = partial(new_provenance, session, contributor, actor, "peer policy")
        result.baseline_version = publish_baseline(session, catalog, actor, made, touched).version
    return result


def _moves(catalog: Catalog, scheme: str, target: str, counts: Iterable[Any]) -> list[Move]:
    return sorted(
        Move(scheme, catalog.jurisdiction_by_id(source).code, target, int(votes)) for source, votes in counts
    )
