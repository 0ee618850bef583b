"""The app's routes as served: full path, methods and the declared route (with its dependencies).

FastAPI keeps included routers as branches (their routes carry the path without the prefix), so the
served paths come from its route contexts rather than from ``app.routes``.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts


@dataclass(frozen=True)
class ServedRoute:
    path: str
    methods: frozenset[str]
    name: str
    #: The declared route, or None for a route that is not a FastAPI route (mounts, plain Starlette).
    route: APIRoute | None


def served_routes(app: FastAPI) -> list[ServedRoute]:
    out = []
    for context in iter_route_contexts(app.routes):
        original = context.original_route
        out.append(
            ServedRoute(
                path=str(context.path),
                methods=frozenset(context.methods or ()),
                name=str(context.name),
                route=original if isinstance(original, APIRoute) else None,
            )
        )
    return out
