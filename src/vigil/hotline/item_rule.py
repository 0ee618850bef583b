"""What the assessments of a page's items say of the case (docs/hotline.md, *Assessment per item*).

The rule, in one place for the API, the console and the grid:

- the case is never assessed less severe than its most severe assessed item (a more severe category, for
  the page as a whole, is allowed); assessed without a category, it takes that item's category;
- a case with an item assessed illegal cannot be rejected as not illegal; a case whose fetched items are
  all assessed not illegal can be (the console suggests it);
- an item's match in the hash database is a suggestion, never an assessment.

Pure functions over the jurisdiction's scheme, plus the one query that gathers a case's items.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.hashlists.catalog import load_catalog
from vigil.hotline.models import ITEM_NOT_ILLEGAL, ItemAssessment, PageItem

#: Items with content an analyst can look at (the others failed, were refused or skipped).
ASSESSABLE_OUTCOMES: Final = ("known", "matched", "unknown")


@dataclass(frozen=True)
class Choice:
    """A category of the jurisdiction's scheme with its verdict there (rank 0 most severe)."""

    code: str
    label: str
    rank: int
    verdict: str


@dataclass(frozen=True)
class JurisdictionScheme:
    jurisdiction: str
    scheme: str
    #: Most severe first.
    choices: tuple[Choice, ...]

    def choice(self, code: str) -> Choice | None:
        return next((c for c in self.choices if c.code == code), None)

    def verdict(self, code: str) -> str | None:
        """The verdict of an item decision: a category's, ``not_illegal`` for the not-illegal mark,
        None for a code that is neither."""
        found = self.choice(code)
        if found is not None:
            return found.verdict
        return "not_illegal" if code == ITEM_NOT_ILLEGAL else None

    def codes(self) -> str:
        return ", ".join([c.code for c in self.choices] + [ITEM_NOT_ILLEGAL])


def jurisdiction_scheme(session: Session, jurisdiction: str) -> JurisdictionScheme:
    """The jurisdiction's scheme and verdicts (raises ``CatalogError`` for an unknown jurisdiction)."""
    catalog = load_catalog(session)
    place = catalog.jurisdiction(jurisdiction)
    info = catalog.scheme_by_id(place.scheme_id)
    ordered = sorted(info.categories.values(), key=lambda c: c.rank)
    choices = tuple(
        Choice(c.code, c.label, c.rank, place.verdicts.get(c.id, "undetermined")) for c in ordered
    )
    return JurisdictionScheme(place.code, info.name, choices)


@dataclass(frozen=True)
class ItemsSay:
    """The case's assessable items and their assessments, summed up."""

    #: Ids of the items with content (fetched), in page order.
    assessable: tuple[int, ...]
    #: item id → its category (or the not-illegal mark).
    assessed: Mapping[int, str]
    #: item id → the verdict of its assessment under the jurisdiction.
    verdicts: Mapping[int, str]
    #: The most severe category an item was given (None: none was given a category of the scheme).
    worst: Choice | None
    #: Items assessed with a category the jurisdiction holds illegal.
    illegal: tuple[int, ...]

    @property
    def all_not_illegal(self) -> bool:
        """Every item with content is assessed, and none with a verdict other than not illegal."""
        return bool(self.assessable) and all(self.verdicts.get(i) == "not_illegal" for i in self.assessable)


def summarise(scheme: JurisdictionScheme, assessable: Sequence[int], assessed: Mapping[int, str]) -> ItemsSay:
    """Sum up a case's item assessments under ``scheme`` (codes it does not know count as nothing)."""
    verdicts = {i: v for i, code in assessed.items() if (v := scheme.verdict(code)) is not None}
    given = [c for code in assessed.values() if (c := scheme.choice(code)) is not None]
    worst = min(given, key=lambda c: c.rank) if given else None
    illegal = tuple(sorted(i for i, v in verdicts.items() if v == "illegal"))
    return ItemsSay(tuple(assessable), dict(assessed), verdicts, worst, illegal)


def case_category(say: ItemsSay, scheme: JurisdictionScheme, category: str | None) -> str:
    """The category the case is assessed with: the analyst's, checked against the items, or (None) the
    items' most severe. Raises ``ValueError`` with the reason when the rule refuses it."""
    if category is None or category == "":
        if say.worst is None:
            raise ValueError("no item is assessed with a category: choose the case's category")
        return say.worst.code
    chosen = scheme.choice(category)
    if chosen is None:
        raise ValueError(f"{category!r} is not a category of {scheme.scheme}")
    if say.worst is not None and chosen.rank > say.worst.rank:
        items = sorted(i for i, code in say.assessed.items() if code == say.worst.code)
        raise ValueError(
            f"item {', '.join(f'#{i}' for i in items)} is assessed {say.worst.code}, more severe than "
            f"{category}: assess the case {say.worst.code} or more severe"
        )
    return category


def reject_refusal(say: ItemsSay) -> str | None:
    """Why the case may not be rejected as not illegal (None: it may)."""
    if say.illegal:
        ids = ", ".join(f"#{i}" for i in say.illegal)
        return f"item {ids} is assessed illegal: the case cannot be rejected as not illegal"
    return None


def items_say(session: Session, scheme: JurisdictionScheme, case_id: int) -> ItemsSay:
    """The case's items and their assessments, summed up."""
    assessable = session.execute(
        select(PageItem.id)
        .where(PageItem.case_id == case_id, PageItem.outcome.in_(ASSESSABLE_OUTCOMES))
        .where(PageItem.evidence_id.is_not(None))
        .order_by(PageItem.position, PageItem.id)
    ).scalars()
    assessed = session.execute(
        select(ItemAssessment.item_id, ItemAssessment.category).where(ItemAssessment.case_id == case_id)
    ).all()
    return summarise(scheme, list(assessable), {i: c for i, c in assessed})
