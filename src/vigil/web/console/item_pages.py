"""Assessment per item in the console: the case page's item form and the grid by item.

Views only translate forms into :meth:`CaseDesk.assess_items` and :func:`classify_items`; the rule (what
the items say of the case) lives in ``vigil.hotline.item_rule``.
"""

from __future__ import annotations

from typing import Final

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from vigil.auth.console import ConsoleUser
from vigil.hotline.desk import CaseDesk, QueueFilter
from vigil.hotline.item_assessment import MAX_DECISIONS
from vigil.hotline.item_grid import ItemBatchResult, ItemTile, classify_items, item_tiles
from vigil.hotline.models import ITEM_NOT_ILLEGAL
from vigil.web.console.hotline_pages import (
    GRID_SIZE,
    Analyst,
    CaseId,
    case_page,
    desk_action,
    desk_for,
    form_decisions,
    grid_page,
)

router = APIRouter(include_in_schema=False)
#: Items on one page of the grid by item.
ITEM_GRID_SIZE: Final = GRID_SIZE


@router.post("/console/cases/{case_id}/items/assess", name="console.assess_items")
async def assess_items(request: Request, user: Analyst, case_id: CaseId) -> Response:
    """Every item's select in one form: a category, ``not-illegal``, or undecided (withdraws one
    assessed before). All of them or none."""
    chosen = {
        item: value or None for item, value in (await form_decisions(request, "item", MAX_DECISIONS)).items()
    }
    if not chosen:
        return await case_page(request, user, case_id, "No item to assess.", 422)
    return await desk_action(request, user, case_id, lambda desk: desk.assess_items(case_id, chosen))


@router.get("/console/grid/items", name="console.item_grid")
async def item_grid(request: Request, user: Analyst) -> Response:
    return await _item_grid_page(request, user)


@router.post("/console/grid/items", name="console.item_grid_submit")
async def item_grid_submit(request: Request, user: Analyst) -> Response:
    """Every tile's decision: ``item-N`` = a category, ``not-illegal``, or empty (left as it is)."""
    chosen = {
        item: value for item, value in (await form_decisions(request, "item", MAX_DECISIONS)).items() if value
    }
    result = await run_in_threadpool(classify_items, desk_for(request, user), chosen)
    failed = result.refused or result.unknown
    return await _item_grid_page(request, user, result, 409 if failed else 200)


async def _item_grid_page(
    request: Request, user: ConsoleUser, result: ItemBatchResult | None = None, status: int = 200
) -> Response:
    def tiles(desk: CaseDesk) -> list[ItemTile]:
        return item_tiles(desk, QueueFilter(), ITEM_GRID_SIZE)

    return await grid_page(request, user, "grid_items.html", tiles, ITEM_NOT_ILLEGAL, result, status)
