"""Who may call a route: every route declares exactly one policy, and the app refuses to start otherwise.

    @router.get("/media/{digest}")
    def show(who: Annotated[Principal, require(*STAFF, audit="read")], digest: str) -> ...

A policy authenticates the bearer token, applies the caller's rate limit, checks the role, and for
sensitive routes writes the audit journal entry (user, route, ids) *before* the route runs: if the
journal cannot be written, nothing is read or changed. The authorization-matrix test walks every route
of the app through :func:`policy_of`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from fastapi import Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.routing import APIRoute
from fastapi.security.base import SecurityBase

from vigil.audit import journal
from vigil.auth.authenticate import Principal
from vigil.auth.roles import Role
from vigil.db.transient import retry_transient
from vigil.web.context import AppContext, context
from vigil.web.problems import Problem
from vigil.web.routes import served_routes

Audit = Literal["read", "change"]

BEARER_HELP = "An API token (`vigil users add NAME --role ROLE` prints one) as `Authorization: Bearer …`."


class Policy:
    """Base of the two kinds of policy; instances are the FastAPI dependencies routes declare."""

    public: bool = False
    roles: frozenset[Role] = frozenset()
    audit: Audit | None = None

    def _limit(self, ctx: AppContext, key: str) -> None:
        wait = ctx.limiter.take(key)
        if wait > 0:
            raise Problem(
                429, "rate limit exceeded; slow down", headers={"Retry-After": str(max(1, round(wait + 0.5)))}
            )


def _client(request: Request) -> str:
    return f"addr:{request.client.host if request.client else '-'}"


class PublicPolicy(Policy):
    public = True

    async def __call__(self, request: Request) -> None:
        self._limit(context(request), _client(request))

    def __repr__(self) -> str:
        return "public()"


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


class RolePolicy(Policy, SecurityBase):
    """A security scheme to FastAPI (so the OpenAPI document names the bearer token), read here directly:
    one dependency per request instead of two, on the hottest path of the service."""

    def __init__(self, roles: frozenset[Role], audit: Audit | None) -> None:
        if not roles:
            raise ValueError("a policy needs at least one role (use public() for open routes)")
        self.roles = roles
        self.audit = audit
        self.model = HTTPBearerModel(description=BEARER_HELP)
        self.scheme_name = "token"

    async def __call__(self, request: Request) -> Principal:
        ctx = context(request)
        principal = None
        token = bearer_token(request)
        if token is not None:
            principal = ctx.auth.cached(token) or await run_in_threadpool(ctx.auth.authenticate, token)
        if principal is None:
            # Failed attempts count against the address: guessing tokens is as slow as the rate.
            self._limit(ctx, _client(request))
            raise Problem(401, "a valid API token is required", headers={"WWW-Authenticate": "Bearer"})
        self._limit(ctx, f"token:{principal.token_id}")
        if principal.role not in self.roles:
            raise Problem(403, f"the {principal.role.value} role may not use this route")
        if self.audit is not None:
            await run_in_threadpool(_journal, ctx, request, principal, self.audit)
        request.state.principal = principal
        return principal

    def __repr__(self) -> str:
        return f"require({', '.join(sorted(r.value for r in self.roles))}, audit={self.audit})"


def _journal(ctx: AppContext, request: Request, principal: Principal, kind: Audit) -> None:
    route = request.scope.get("route")
    name = str(getattr(route, "name", "") or request.url.path)
    template = ctx.route_templates.get(name, request.url.path)
    details = {
        "method": request.method,
        "route": template,
        "ids": dict(request.path_params),
        "query": dict(request.query_params),
        "role": principal.role.value,
        "token": principal.token_id,
    }

    def append() -> None:
        with ctx.sessions() as session, session.begin():
            journal.append(session, principal.actor, f"api.{kind}.{name}", request.url.path, details)

    # The transaction holds nothing but the entry, so trying it again cannot journal the call twice; a
    # lock that outlasts every attempt becomes a 503 (see problems.py), and the route does not run.
    retry_transient(append)


def public() -> Any:
    """Open to anyone, without a token (rate-limited by address)."""
    return Depends(PublicPolicy())


def require(*roles: Role, audit: Audit | None = None) -> Any:
    """Open to callers with one of ``roles``; ``audit`` journals each call (sensitive reads, changes)."""
    return Depends(RolePolicy(frozenset(roles), audit))


def _policies(dependant: Dependant) -> Iterator[Policy]:
    for dep in dependant.dependencies:
        if isinstance(dep.call, Policy):
            yield dep.call
        yield from _policies(dep)


def policy_of(route: APIRoute) -> Policy | None:
    """The route's policy; None when it has none (an error :func:`check_policies` reports)."""
    found = list(_policies(route.dependant))
    if len(found) > 1:
        raise ValueError(f"route {route.path} declares {len(found)} policies")
    return found[0] if found else None


def check_policies(app: FastAPI) -> dict[str, str]:
    """Every route must declare exactly one policy: a route without one is an unguarded door.

    Returns each route's full path by route name (the audit journal names routes by them)."""
    missing = []
    templates: dict[str, str] = {}
    for served in served_routes(app):
        if served.route is None or policy_of(served.route) is None:
            missing.append(f"{','.join(sorted(served.methods))} {served.path}")
        elif templates.setdefault(served.name, served.path) != served.path:
            raise RuntimeError(f"two routes are named {served.name!r}")
    if missing:
        raise RuntimeError(f"routes without an access policy: {', '.join(missing)}")
    return templates
