"""Token → principal, with a short cache so that a busy lookup client costs no query per request.

A revoked token stops working in this process at once (``forget``) and in other processes within the
cache's time to live.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from vigil.auth.models import ApiToken, User
from vigil.auth.roles import Role
from vigil.auth.tokens import plausible, same_digest, token_digest
from vigil.db.base import utcnow

log = logging.getLogger(__name__)

#: ``last_used_at`` is written at most this often per token (a busy client costs no write per request).
TOUCH_EVERY: Final = timedelta(minutes=1)
#: Cached principals past which the cache is emptied (an attacker cannot grow it: only valid tokens enter).
MAX_CACHED = 10_000


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the user behind a valid token."""

    user_id: int
    name: str
    role: Role
    token_id: int

    @property
    def actor(self) -> str:
        """How the audit journal names this caller."""
        return f"api:{self.name}"


class Authenticator:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._ttl = ttl_seconds
        self._clock = clock
        self._cache: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def cached(self, token: str) -> Principal | None:
        """The principal of ``token`` if this process checked it within the time to live (no I/O)."""
        if self._ttl <= 0:
            return None
        hit = self._cache.get(token_digest(token))
        if hit is None or hit[1] < self._clock():
            return None
        return hit[0]

    def authenticate(self, token: str) -> Principal | None:
        """The principal of a valid token of an active user, else None."""
        if not plausible(token):
            return None
        found = self.cached(token)
        if found is not None:
            return found
        digest = token_digest(token)
        with self._sessions() as session:
            row = session.execute(
                select(ApiToken, User)
                .join(User, User.id == ApiToken.user_id)
                .where(ApiToken.token_hash == digest)
            ).first()
        if row is None:
            return None
        stored, user = row
        if not same_digest(stored.token_hash, digest) or stored.revoked_at is not None or not user.active:
            return None
        principal = Principal(user.id, user.name, Role(user.role), stored.id)
        self._touch(stored)
        if self._ttl > 0:
            with self._lock:
                if len(self._cache) >= MAX_CACHED:
                    self._cache.clear()
                self._cache[digest] = (principal, self._clock() + self._ttl)
        return principal

    def _touch(self, token: ApiToken) -> None:
        """Note the token's use for the administration page; only on a cache miss, once a minute."""
        now = utcnow()
        if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
            return
        try:
            with self._sessions() as session, session.begin():
                session.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
        except OperationalError:
            # A busy or read-only database must not refuse a valid token: the note of use waits for
            # the next cache miss.
            log.warning("could not note the use of token %s", token.id, exc_info=True)

    def forget(self, token_id: int | None = None, user_id: int | None = None) -> None:
        """Drop cached principals of a token or a user (after a revocation or a user's disabling)."""
        with self._lock:
            for digest, (principal, _) in list(self._cache.items()):
                if principal.token_id == token_id or principal.user_id == user_id:
                    del self._cache[digest]
