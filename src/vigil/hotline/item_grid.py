"""The grid by item: the fetched items of the queue's pages as tiles, classified many at once.

Each case's decisions are one :meth:`CaseDesk.assess_items` (its lock taken, all of that case's items
or none); a case another analyst has open, or one no longer awaiting assessment, is left as it was and
listed so, while the other cases go ahead. Nothing is locked by looking.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from vigil.hotline.desk import VIDEO_TYPES, CaseDesk, QueueFilter, QueueRow
from vigil.hotline.item_rule import ASSESSABLE_OUTCOMES
from vigil.hotline.models import Evidence, ItemAssessment, PageItem
from vigil.hotline.service import CaseLockedError, CaseNotFoundError, HotlineError


@dataclass(frozen=True)
class ItemTile:
    row: QueueRow
    item_id: int
    position: int
    url: str
    evidence_id: int
    video: bool
    #: The category its match in the hash database carries here (a suggestion only).
    suggestion: str | None
    #: The analyst's category (or the not-illegal mark), None while unassessed.
    assessed: str | None


@dataclass
class ItemBatchResult:
    #: case id → items assessed in it.
    assessed: dict[int, int] = field(default_factory=dict)
    #: case id → why its items were left as they were.
    refused: dict[int, str] = field(default_factory=dict)
    #: Item ids of no case (a stale or forged form).
    unknown: list[int] = field(default_factory=list)


def item_tiles(desk: CaseDesk, wanted: QueueFilter, limit: int) -> list[ItemTile]:
    """Up to ``limit`` fetched items of the queue's cases, oldest case first, in page order."""
    rows = {r.case_id: r for r in desk.queue(wanted)}
    if not rows:
        return []
    with desk.hl.sessions() as session:
        found = session.execute(
            select(PageItem, Evidence.content_type, ItemAssessment.category)
            .join(Evidence, Evidence.id == PageItem.evidence_id)
            .outerjoin(ItemAssessment, ItemAssessment.item_id == PageItem.id)
            .where(PageItem.case_id.in_(list(rows)), PageItem.outcome.in_(ASSESSABLE_OUTCOMES))
        ).all()
    order = {case_id: i for i, case_id in enumerate(rows)}
    found = sorted(found, key=lambda r: (order[r[0].case_id], r[0].position, r[0].id))
    tiles = []
    for item, content_type, assessed in found[:limit]:
        kind = (content_type or "").split(";")[0].strip().lower()
        suggestion = item.category if item.outcome == "known" else None
        tiles.append(
            ItemTile(
                rows[item.case_id],
                item.id,
                item.position,
                item.url,
                int(item.evidence_id or 0),
                kind in VIDEO_TYPES,
                suggestion,
                assessed,
            )
        )
    return tiles


def classify_items(desk: CaseDesk, decisions: dict[int, str]) -> ItemBatchResult:
    """Assess many items of many cases: item id → category code or the not-illegal mark."""
    result = ItemBatchResult()
    if not decisions:
        return result
    with desk.hl.sessions() as session:
        cases = dict(
            session.execute(
                select(PageItem.id, PageItem.case_id).where(PageItem.id.in_(list(decisions)))
            ).all()
        )
    by_case: dict[int, dict[int, str | None]] = {}
    for item_id, code in sorted(decisions.items()):
        case_id = cases.get(item_id)
        if case_id is None:
            result.unknown.append(item_id)
            continue
        by_case.setdefault(case_id, {})[item_id] = code
    for case_id, chosen in sorted(by_case.items()):
        try:
            desk.assess_items(case_id, chosen)
            result.assessed[case_id] = len(chosen)
        except CaseLockedError as exc:
            result.refused[case_id] = f"open by {exc.holder}"
        except (HotlineError, CaseNotFoundError) as exc:
            result.refused[case_id] = str(exc)
        finally:
            desk.release(case_id)  # only ever this analyst's own lock
    return result
