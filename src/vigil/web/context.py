"""What a running app holds: built once by ``create_app`` from Settings, reached through ``app.state``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from vigil.auth.authenticate import Authenticator, Principal
from vigil.auth.service import UserService
from vigil.config import Settings
from vigil.hashlists.service import HashDatabase
from vigil.matching import Matcher
from vigil.matching.usage import LookupCounter
from vigil.signals.content import HashOptions
from vigil.web.limits import RateLimiter


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    auth: Authenticator
    matcher: Matcher
    limiter: RateLimiter
    hash_options: HashOptions
    #: Hash-set formats by name (built-ins and plugins), for exports.
    formats: dict[str, Any]
    #: Lookups counted per caller and day, written to ``lookup_days`` now and then.
    lookups: LookupCounter
    #: Route name → full path template, filled in when the app is assembled.
    route_templates: dict[str, str] = field(default_factory=dict)

    def count_lookups(self, who: Principal, n: int = 1) -> None:
        self.lookups.add(who.role.value, who.name, n)

    def hashdb(self, who: Principal) -> HashDatabase:
        return HashDatabase(self.sessions, who.actor)

    def users(self, who: Principal) -> UserService:
        return UserService(self.sessions, who.actor)


def context(request: Request) -> AppContext:
    ctx = request.app.state.vigil
    assert isinstance(ctx, AppContext)
    return ctx


#: A route's application context, as a dependency: ``ctx: Ctx``.
Ctx = Annotated[AppContext, Depends(context)]
