"""Assessment per item in the console: the case page's item form and the grid by item.

Views only translate forms into :meth:`CaseDesk.assess_items` and :func:`classify_items`; the rule (what
the items say of the case) lives in ``vigil.hotline.item_rule``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Final

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from vigil.auth.console import ConsoleUser
from vigil.hotline.desk import QueueFilter
from vigil.hotline.item_assessment import MAX_DECISIONS
from vigil.hotline.item_grid import ItemBatchResult, classify_items, item_tiles
from vigil.hotline.models import ITEM_NOT_ILLEGAL
from vigil.web.console.guard import console_auth
from vigil.web.console.hotline_pages import (
    GRID_SIZE,
    Analyst,
    CaseId,
    case_page,
    desk_action,
    desk_for,
)
from vigil.web.console.render import page
from vigil.web.context import context

router = APIRouter(include_in_schema=False)
#: Items on one page of the grid by item.
ITEM_GRID_SIZE: Final = GRID_SIZE


async def _decisions(request: Request) -> dict[int, str]:
    """The form's ``item-N`` fields (at most :data:`MAX_DECISIONS`): N → its value ("" undecided)."""
    form = await request.form()
    decisions: dict[int, str] = {}
    for key, value in form.multi_items():
        number = key.removeprefix("item-")
        if key.startswith("item-") and number.isdigit() and len(number) <= 18 and isinstance(value, str):
            if len(decisions) >= MAX_DECISIONS:
                break
            decisions[int(number)] = value[:32]
    return decisions


@router.post("/console/cases/{case_id}/items/assess", name="console.assess_items")
async def assess_items(request: Request, user: Analyst, case_id: CaseId) -> Response:
    """Every item's select in one form: a category, ``not-illegal``, or undecided (withdraws one
    assessed before). All of them or none."""
    chosen = {item: value or None for item, value in (await _decisions(request)).items()}
    if not chosen:
        return await case_page(request, user, case_id, "No item to assess.", 422)
    return await desk_action(request, user, case_id, desk_for(request, user).assess_items, case_id, chosen)


@router.get("/console/grid/items", name="console.item_grid")
async def item_grid(request: Request, user: Analyst) -> Response:
    return await _item_grid_page(request, user)


@router.post("/console/grid/items", name="console.item_grid_submit")
async def item_grid_submit(request: Request, user: Analyst) -> Response:
    """Every tile's decision: ``item-N`` = a category, ``not-illegal``, or empty (left as it is)."""
    chosen = {item: value for item, value in (await _decisions(request)).items() if value}
    result = await run_in_threadpool(classify_items, desk_for(request, user), chosen)
    failed = result.refused or result.unknown
    return await _item_grid_page(request, user, result, 409 if failed else 200)


async def _item_grid_page(
    request: Request, user: ConsoleUser, result: ItemBatchResult | None = None, status: int = 200
) -> Response:
    desk = desk_for(request, user)
    tiles = await run_in_threadpool(item_tiles, desk, QueueFilter(), ITEM_GRID_SIZE)
    categories = await run_in_threadpool(desk.categories)
    await run_in_threadpool(console_auth(request).reviewing, user, True)
    return page(
        request,
        "grid_items.html",
        status,
        tiles=tiles,
        categories=categories,
        not_illegal=ITEM_NOT_ILLEGAL,
        result=result,
        now=datetime.now(UTC),
        hide_previews=bool(user.preferences.get("hide_previews")),
        break_minutes=context(request).settings.console_break_minutes,
        review_since=user.review_since or datetime.now(UTC),
    )
