"""When a category counts: the scheme's acceptance rule, and the baseline ("worst-of") criteria.

A voter is a contributor, or one analyst of it; only a voter's latest vote counts. A category is accepted
in a (scheme, jurisdiction) once ``votes_required`` voters concur (CAID: three). Should two categories
both reach the threshold, the most severe is taken and the result is marked contested.

Baseline (INTERPOL's worst-of list): every jurisdiction with an accepted category holds the media illegal,
and the voters behind those categories come from agencies of at least two countries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from vigil.hashlists.catalog import Catalog

BASELINE_COUNTRIES: Final = 2


@dataclass(frozen=True, slots=True)
class Vote:
    scheme_id: int
    jurisdiction_id: int
    category_id: int | None
    contributor_id: int
    analyst: str
    country: str | None
    at: datetime
    id: int


@dataclass(frozen=True, slots=True)
class Accepted:
    scheme_id: int
    jurisdiction_id: int
    category_id: int
    votes: int
    #: Countries of the agencies whose votes carried the category.
    countries: frozenset[str]
    contested: bool


def accepted_categories(votes: Iterable[Vote], catalog: Catalog) -> list[Accepted]:
    """The accepted category of each (scheme, jurisdiction) that has one, for one media item."""
    latest: dict[tuple[int, int], dict[tuple[int, str], Vote]] = {}
    for vote in votes:
        voters = latest.setdefault((vote.scheme_id, vote.jurisdiction_id), {})
        key = (vote.contributor_id, vote.analyst)
        current = voters.get(key)
        if current is None or (vote.at, vote.id) > (current.at, current.id):
            voters[key] = vote
    out = []
    for (scheme_id, jurisdiction_id), voters in sorted(latest.items()):
        scheme = catalog.scheme_by_id(scheme_id)
        counts = Counter(v.category_id for v in voters.values() if v.category_id is not None)
        winners = [c for c, n in counts.items() if n >= scheme.votes_required]
        if not winners:
            continue
        ranks = {c.id: c.rank for c in scheme.categories.values()}
        chosen = min(winners, key=lambda c: ranks.get(c, 1 << 30))
        countries = frozenset(v.country for v in voters.values() if v.category_id == chosen and v.country)
        out.append(Accepted(scheme_id, jurisdiction_id, chosen, counts[chosen], countries, len(winners) > 1))
    return out


def is_baseline(accepted: list[Accepted], catalog: Catalog) -> bool:
    if not accepted:
        return False
    countries: set[str] = set()
    for a in accepted:
        verdict = catalog.jurisdiction_by_id(a.jurisdiction_id).verdicts.get(a.category_id)
        if verdict != "illegal":
            return False
        countries |= a.countries
    return len(countries) >= BASELINE_COUNTRIES
