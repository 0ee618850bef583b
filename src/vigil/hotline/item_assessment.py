"""Assessing the items of a reported page one by one: a category of the jurisdiction's scheme, or not
illegal, per item, with who and when. Many items of a case at once, all or nothing, journalled; refused
while another analyst has the case open or once the case is no longer awaiting assessment. What the
items then say of the case is the rule in :mod:`vigil.hotline.item_rule`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vigil.audit import journal
from vigil.errors import Invalid
from vigil.hashlists.catalog import CatalogError
from vigil.hotline import case_locks
from vigil.hotline.item_rule import (
    ASSESSABLE_OUTCOMES,
    ItemsSay,
    JurisdictionScheme,
    items_say,
    jurisdiction_scheme,
)
from vigil.hotline.models import Case, ItemAssessment, PageItem
from vigil.hotline.runtime import Hotline
from vigil.hotline.service import CaseLockedError, CaseNotFoundError, HotlineError

#: Items one request may assess (a page is followed for at most a few hundred).
MAX_DECISIONS: Final = 500
#: The states in which a case's items may be assessed: before the case is.
AWAITING: Final = ("new", "triage")


class InvalidItemDecisionError(Invalid, HotlineError):
    """An item that is not the case's, was never fetched, or a category the scheme does not have."""


class ItemAssessor:
    def __init__(self, hotline: Hotline, actor: str) -> None:
        self.hl = hotline
        self.actor = actor

    def assess(self, case_id: int, analyst: str, decisions: Mapping[int, str | None]) -> ItemsSay:
        """Record ``decisions`` (item id → category code, the not-illegal mark, or None to withdraw the
        item's assessment) in one transaction: one refused decision leaves every item as it was. A
        decision equal to the item's current assessment changes nothing and is not journalled again."""
        if not decisions:
            raise InvalidItemDecisionError("no item to assess")
        if len(decisions) > MAX_DECISIONS:
            raise InvalidItemDecisionError(f"at most {MAX_DECISIONS} items at once")
        analyst = analyst[:200]
        with self.hl.sessions() as session, session.begin():
            case = self._awaiting(session, case_id, analyst)
            try:
                scheme = jurisdiction_scheme(session, self.hl.settings.hotline_jurisdiction)
            except CatalogError as exc:
                raise HotlineError(str(exc)) from None
            _check(session, case_id, scheme, decisions)
            changes = self._apply(session, case_id, scheme, analyst, decisions)
            if changes:
                self.hl.lifecycle.record(session, case, "item.assessment", analyst, items=changes)
                journal.append(
                    session,
                    self.actor,
                    "hotline.item.assess",
                    f"case/{case_id}",
                    {"by": analyst, "scheme": scheme.scheme, "items": changes},
                )
            return items_say(session, scheme, case_id)

    def _awaiting(self, session: Session, case_id: int, analyst: str) -> Case:
        """The case, locked for the transaction; refused when it no longer awaits assessment or another
        analyst has it open in the console."""
        case = session.execute(select(Case).where(Case.id == case_id).with_for_update()).scalar_one_or_none()
        if case is None:
            raise CaseNotFoundError(f"no case {case_id}")
        if case.state not in AWAITING:
            raise HotlineError(f"case {case_id} is {case.state}, not awaiting assessment")
        holder = case_locks.holder_of(session, case_id, self.hl.clock.now())
        if holder is not None and holder != analyst:
            raise CaseLockedError(case_id, holder)
        return case

    def _apply(
        self,
        session: Session,
        case_id: int,
        scheme: JurisdictionScheme,
        analyst: str,
        decisions: Mapping[int, str | None],
    ) -> list[dict[str, object]]:
        current = {
            row.item_id: row
            for row in session.execute(
                select(ItemAssessment).where(ItemAssessment.item_id.in_(list(decisions)))
            ).scalars()
        }
        now = self.hl.clock.now()
        changes: list[dict[str, object]] = []
        for item_id, code in sorted(decisions.items()):
            row = current.get(item_id)
            if code is None:
                if row is not None:
                    session.execute(delete(ItemAssessment).where(ItemAssessment.id == row.id))
                    changes.append({"item": item_id, "category": None, "verdict": None})
                continue
            if row is not None and row.category == code:
                continue
            verdict = scheme.verdict(code) or "undetermined"
            if row is None:
                row = ItemAssessment(case_id=case_id, item_id=item_id)
                session.add(row)
            row.jurisdiction, row.scheme, row.category, row.verdict = (
                scheme.jurisdiction,
                scheme.scheme,
                code,
                verdict,
            )
            row.assessed_by, row.assessed_at = analyst, now
            changes.append({"item": item_id, "category": code, "verdict": verdict})
        session.flush()
        return changes

    def summary(self, case_id: int) -> ItemsSay:
        """What the case's items say now (for the console's case page and grid)."""
        with self.hl.sessions() as session:
            try:
                scheme = jurisdiction_scheme(session, self.hl.settings.hotline_jurisdiction)
            except CatalogError as exc:
                raise HotlineError(str(exc)) from None
            return items_say(session, scheme, case_id)


def _check(
    session: Session, case_id: int, scheme: JurisdictionScheme, decisions: Mapping[int, str | None]
) -> None:
    """Every decision names a fetched item of this case and a category of the scheme (or none)."""
    items = {
        item.id: item
        for item in session.execute(
            select(PageItem).where(PageItem.case_id == case_id, PageItem.id.in_(list(decisions)))
        ).scalars()
    }
    for item_id, code in sorted(decisions.items()):
        item = items.get(item_id)
        if item is None:
            raise InvalidItemDecisionError(f"case {case_id} has no item {item_id}")
        if item.outcome not in ASSESSABLE_OUTCOMES or item.evidence_id is None:
            raise InvalidItemDecisionError(
                f"item {item_id} was not fetched ({item.outcome}): nothing to assess"
            )
        if code is not None and scheme.verdict(code) is None:
            raise InvalidItemDecisionError(
                f"{code!r} is not a category of {scheme.scheme} ({scheme.codes()})"
            )
