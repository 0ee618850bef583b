"""The feed as served to one caller: which lists it may read, under which outgoing policy, signed.

Staff read any list unfiltered (to see what peers get). A peer is a user of role ``peer`` whose name is
a peer's name here: it reads the lists whose recipients name it and that its policy shares
(``lists_out``, empty: all such lists), filtered by its policy's outgoing direction. A peer user without
a peer row reads nothing: sharing is configured, never assumed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from vigil.audit import journal
from vigil.auth.roles import STAFF, Role, may_receive
from vigil.config import Settings
from vigil.errors import Invalid, NotFound
from vigil.federation.batches import PROTOCOL, FederationOffError, seal
from vigil.federation.feed import Cursor, feed_page
from vigil.federation.keys import key_set, signing_key
from vigil.federation.peers import outgoing_policy
from vigil.federation.policy import Direction, SharingPolicy
from vigil.hashlists.catalog import load_catalog
from vigil.hashlists.lists import all_lists, find_list
from vigil.hashlists.models import HashList
from vigil.signals import registry


class UnknownFeedError(NotFound, LookupError):
    pass


@dataclass(frozen=True)
class Caller:
    role: Role
    name: str
    actor: str


class FeedService:
    def __init__(self, sessions: sessionmaker[Session], settings: Settings) -> None:
        if not settings.federation_instance:
            raise FederationOffError("federation is off on this instance (VIGIL_FEDERATION_INSTANCE)")
        self.sessions = sessions
        self.settings = settings
        self.instance = settings.federation_instance

    def _policy(self, session: Session, caller: Caller) -> SharingPolicy | None:
        """The caller's outgoing policy; a default one for staff; None: nothing is shared."""
        if caller.role in STAFF:
            return SharingPolicy()
        if caller.role is not Role.peer:
            return None
        return outgoing_policy(session, caller.name)

    def _readable(self, caller: Caller, policy: SharingPolicy, hash_list: HashList) -> bool:
        if not may_receive(caller.role, caller.name, hash_list.recipients):
            return False
        return not policy.lists_out or hash_list.name in policy.lists_out

    def offer(self, caller: Caller) -> dict[str, Any]:
        """What a caller can negotiate: protocols, signal types and schemes going out, lists."""
        with self.sessions() as session:
            found = self._policy(session, caller)
            policy = found or SharingPolicy()
            lists = [h.name for h in all_lists(session) if found and self._readable(caller, policy, h)]
            return {
                "instance": self.instance,
                "protocols": [PROTOCOL],
                "signal_types": [t for t in registry.signal_types() if policy.out.signal_allowed(t)],
                "schemes": [s for s in load_catalog(session).schemes if policy.out.scheme_allowed(s)],
                "lists": lists,
            }

    def keys(self) -> dict[str, Any]:
        with self.sessions() as session, session.begin():
            signing_key(session, self.settings.federation_keys, self.instance)  # the first one, on first use
            return key_set(session, self.instance)

    def batch(
        self,
        caller: Caller,
        name: str,
        cursor: Cursor,
        limit: int,
        *,
        audience: str | None,
        nonce: str | None,
        signal_types: list[str] | None,
    ) -> dict[str, Any]:
        with self.sessions() as session, session.begin():
            policy = self._policy(session, caller)
            hash_list = find_list(session, name)
            if policy is None or hash_list is None or not self._readable(caller, policy, hash_list):
                raise UnknownFeedError(f"unknown hash list {name!r}")
            out = policy.out
            if signal_types is not None:
                wanted = tuple(t for t in signal_types if out.signal_allowed(t))
                if not wanted:
                    raise Invalid("none of the signal types asked for is shared with this caller")
                out = Direction(signal_types=wanted, categories=out.categories, schemes=out.schemes)
            body = feed_page(
                session, hash_list, cursor, limit, out, instance=self.instance, audience=audience, nonce=nonce
            )
            key = signing_key(session, self.settings.federation_keys, self.instance)
            journal.append(
                session,
                caller.actor,
                "federation.feed",
                f"list/{name}",
                {"cursor": body["cursor"], "items": len(body["items"]), "audience": audience},
            )
            return seal(body, key.private)
