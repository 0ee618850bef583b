"""The life cycle of a case: which state may follow which, and the event every change leaves.

    new ──► triage ──► assessed ──► held ──► notified ──► escalated ──► removed
      │        │           │          └────► forwarded ──────────────►    ▲
      │        └► rejected └──────────────►  (all re-checked until) ──────┘
      ├──────► assessed (known content: classified by the hash database, no analyst view)
      └──────► refused  (the fetch guard refused the URL: a private, loopback, metadata ... address)

Every change, and every other fact worth a date (a report, a notice, a hold, a re-check), is a
:class:`CaseEvent` stamped by the injected clock; the figures are computed from events alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session

from vigil.db.latest import latest
from vigil.errors import Conflict
from vigil.hotline.clock import Clock
from vigil.hotline.models import Case, CaseEvent
from vigil.signals.url import sha256_of_canonical, url_host

TRANSITIONS: Final[Mapping[str, frozenset[str]]] = {
    "new": frozenset({"triage", "assessed", "rejected", "removed", "refused"}),
    "triage": frozenset({"assessed", "rejected", "removed"}),
    "assessed": frozenset({"held", "notified", "escalated", "forwarded", "removed"}),
    "held": frozenset({"notified", "escalated", "forwarded", "removed"}),
    "notified": frozenset({"escalated", "removed"}),
    "escalated": frozenset({"removed"}),
    "forwarded": frozenset({"removed"}),
    "removed": frozenset(),
    "rejected": frozenset(),
    "refused": frozenset(),
}
CLOSED: Final = frozenset(state for state, nxt in TRANSITIONS.items() if not nxt)
#: States in which the URL is re-checked on schedule until removal.
WATCHED: Final = frozenset({"held", "notified", "escalated", "forwarded"})


def state_reason(session: Session, case_id: int) -> str | None:
    """Why the case is in its state, as its latest change recorded it (a refusal, a removal ...)."""
    details = latest(
        session, CaseEvent.details, CaseEvent.id, CaseEvent.case_id == case_id, CaseEvent.kind == "state"
    )
    reason = (details or {}).get("reason")
    return str(reason) if reason is not None else None


class TransitionError(Conflict, ValueError):
    """A change the life cycle does not allow (a closed case, a skipped step)."""


class Lifecycle:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def open_case(self, session: Session, canonical: str, actor: str) -> Case:
        now = self.clock.now()
        digest = sha256_of_canonical(canonical)
        case = Case(
            url=canonical,
            url_sha256=digest,
            open_url=digest,
            host=url_host(canonical),
            state="new",
            opened_at=now,
        )
        session.add(case)
        session.flush()
        self._event(session, case, "state", actor, now, None, "new", {})
        return case

    def move(self, session: Session, case: Case, to: str, actor: str, /, **details: Any) -> CaseEvent:
        allowed = TRANSITIONS.get(case.state, frozenset())
        if to not in allowed:
            raise TransitionError(f"case {case.id}: {case.state} → {to} is not allowed")
        now = self.clock.now()
        before = case.state
        case.state = to
        if to in CLOSED:
            case.closed_at = now
            case.open_url = None
            case.next_check_at = None
        return self._event(session, case, "state", actor, now, before, to, details)

    def record(self, session: Session, case: Case, kind: str, actor: str, /, **details: Any) -> CaseEvent:
        """A dated fact about the case that is not a change of state (a notice sent, a re-check)."""
        return self._event(session, case, kind, actor, self.clock.now(), case.state, case.state, details)

    @staticmethod
    def _event(
        session: Session,
        case: Case,
        kind: str,
        actor: str,
        at: datetime,
        before: str | None,
        after: str | None,
        details: dict[str, Any],
    ) -> CaseEvent:
        event = CaseEvent(
            case_id=case.id,
            at=at,
            kind=kind,
            from_state=before,
            to_state=after,
            actor=actor[:200],
            details=details,
        )
        session.add(event)
        session.flush()
        return event
