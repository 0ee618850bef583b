"""The acceptance rule and the baseline criteria, without a database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vigil.hashlists.acceptance import Vote, accepted_categories, is_baseline
from vigil.hashlists.catalog import Catalog, CategoryInfo, JurisdictionInfo, SchemeInfo

T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _catalog() -> Catalog:
    caid = {c: CategoryInfo(i + 10, c, c, i) for i, c in enumerate(("A", "B", "C", "not-indecent"))}
    vics = {c: CategoryInfo(i + 20, c, c, i) for i, c in enumerate(("1", "2", "3", "4", "0"))}
    schemes = {"uk-caid": SchemeInfo(1, "uk-caid", 3, caid), "vics-us": SchemeInfo(2, "vics-us", 1, vics)}
    uk = JurisdictionInfo(1, "uk", "GB", 1, {10: "illegal", 11: "illegal", 12: "illegal", 13: "not_illegal"})
    us = JurisdictionInfo(2, "us", "US", 2, {20: "illegal", 21: "undetermined", 24: "not_illegal"})
    return Catalog(schemes, {"uk": uk, "us": us})


def _vote(
    scheme: int,
    place: int,
    category: int | None,
    who: int,
    analyst: str = "",
    country: str = "GB",
    minutes: int = 0,
    vid: int = 0,
) -> Vote:
    return Vote(scheme, place, category, who, analyst, country, T0 + timedelta(minutes=minutes), vid)


def test_caid_needs_three_concurring_votes() -> None:
    catalog = _catalog()
    votes = [_vote(1, 1, 10, 7, "a"), _vote(1, 1, 10, 7, "b")]
    assert accepted_categories(votes, catalog) == []
    votes.append(_vote(1, 1, 11, 7, "c"))
    assert accepted_categories(votes, catalog) == []
    votes.append(_vote(1, 1, 10, 7, "c", minutes=5))  # c changes their mind: only the latest counts
    (accepted,) = accepted_categories(votes, catalog)
    assert (accepted.category_id, accepted.votes, accepted.contested) == (10, 3, False)


def test_unknown_categories_never_count() -> None:
    assert accepted_categories([_vote(2, 2, None, 1, country="US")], _catalog()) == []


def test_two_accepted_categories_take_the_most_severe() -> None:
    votes = [_vote(2, 2, 21, 1, country="US"), _vote(2, 2, 20, 2, country="CA")]
    (accepted,) = accepted_categories(votes, _catalog())
    assert (accepted.category_id, accepted.contested, accepted.countries) == (20, True, frozenset({"CA"}))


def test_baseline() -> None:
    catalog = _catalog()
    one_country = [_vote(2, 2, 20, 1, country="US"), _vote(2, 2, 20, 2, country="US")]
    assert not is_baseline(accepted_categories(one_country, catalog), catalog)
    two = [*one_country, _vote(2, 2, 20, 3, country="CA")]
    assert is_baseline(accepted_categories(two, catalog), catalog)
    uk_disagrees = two + [_vote(1, 1, 13, 9, a, "GB") for a in "xyz"]
    assert not is_baseline(accepted_categories(uk_disagrees, catalog), catalog)
    uk_agrees = two + [_vote(1, 1, 12, 9, a, "GB") for a in "xyz"]
    assert is_baseline(accepted_categories(uk_agrees, catalog), catalog)
    undetermined = [_vote(2, 2, 21, 1, country="US"), _vote(2, 2, 21, 2, country="CA")]
    assert not is_baseline(accepted_categories(undetermined, catalog), catalog)
    assert not is_baseline([], catalog)
