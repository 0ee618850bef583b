"""Static files of the console and of the API docs, served from the package (vendored: no CDN).

Only files that exist in the package folders at start-up are served (names, not paths: no traversal),
with long caching since their names change with the release.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Annotated, Final

from fastapi import APIRouter, Path
from fastapi.responses import Response

from vigil.web.policy import public
from vigil.web.problems import Problem

router = APIRouter(include_in_schema=False)

TYPES: Final = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".txt": "text/plain; charset=utf-8",
}
HEADERS: Final = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}


@cache
def _files(package: str, folder: str) -> dict[str, bytes]:
    root = resources.files(package).joinpath(folder)
    return {
        item.name: item.read_bytes()
        for item in root.iterdir()
        if item.is_file() and any(item.name.endswith(ext) for ext in TYPES)
    }


def _serve(package: str, folder: str, name: str) -> Response:
    data = _files(package, folder).get(name)
    if data is None:
        raise Problem(404, f"no asset {name}")
    kind = next(t for ext, t in TYPES.items() if name.endswith(ext))
    return Response(data, media_type=kind, headers=HEADERS)


@router.get("/console/static/{name}", name="console.static")
async def console_static(
    _: Annotated[None, public()], name: Annotated[str, Path(max_length=100)]
) -> Response:
    return _serve("vigil.web.console", "static", name)


@router.get("/api/docs/assets/{name}", name="docs.assets")
async def docs_assets(_: Annotated[None, public()], name: Annotated[str, Path(max_length=100)]) -> Response:
    return _serve("vigil.web", "static/swagger", name)
