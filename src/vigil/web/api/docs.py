"""The OpenAPI document and its browsable page, declared as routes like any other (public policy).

The page loads Swagger UI from this server (vendored under ``vigil/web/static/swagger``), never from a
CDN: FastAPI's own page fetches it from one, which an air-gapped deployment cannot reach."""

from __future__ import annotations

import html
from typing import Annotated, Any, Final

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from vigil.web.policy import public

router = APIRouter(include_in_schema=False)

OPENAPI_PATH = "/api/openapi.json"
ASSETS: Final = "/api/docs/assets"
#: Swagger UI sets style attributes and draws icons from data: URLs; scripts come from this server only.
HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


@router.get(OPENAPI_PATH, name="docs.openapi")
async def openapi(_: Annotated[None, public()], request: Request) -> JSONResponse:
    schema: dict[str, Any] = request.app.openapi()
    return JSONResponse(schema)


@router.get("/api/docs", name="docs.page")
async def docs(_: Annotated[None, public()], request: Request) -> HTMLResponse:
    title = html.escape(f"{request.app.title} — API")
    text = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>{title}</title><link rel="stylesheet" href="{ASSETS}/swagger-ui.css"></head>
<body><main id="swagger-ui" data-openapi="{OPENAPI_PATH}"></main>
<script src="{ASSETS}/swagger-ui-bundle.js"></script><script src="{ASSETS}/init.js"></script>
</body></html>"""
    return HTMLResponse(text, headers=HEADERS)
