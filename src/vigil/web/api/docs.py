"""The OpenAPI document and its browsable page, declared as routes like any other (public policy)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from vigil.web.policy import public

router = APIRouter(include_in_schema=False)

OPENAPI_PATH = "/api/openapi.json"


@router.get(OPENAPI_PATH, name="docs.openapi")
async def openapi(_: Annotated[None, public()], request: Request) -> JSONResponse:
    schema: dict[str, Any] = request.app.openapi()
    return JSONResponse(schema)


@router.get("/api/docs", name="docs.page")
async def docs(_: Annotated[None, public()], request: Request) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url=OPENAPI_PATH, title=f"{request.app.title} — API")
