"""Re-checks: the scheduled re-fetch of every open URL until its content is gone.

Removal is confirmed by a 404 or 410, by a name that no longer resolves, or by content whose signals no
longer match the evidence (same SHA-256, or PDQ within the match threshold, means the same content). Any
other answer (5xx, 403, a refused address, a timeout) proves nothing, and the case stays open. While the
content is online the host gets a repeat notice every interval and, after ``hotline_escalate_after``
notices, the case is escalated to law enforcement (Project Arachnid's practice).

:func:`due_work` lists what is due; :func:`run_case` does one case's due work under a lease, which is
what the queue's jobs call, so two workers never work the same case.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from vigil.audit import journal
from vigil.hotline import actions, leases
from vigil.hotline.fetch import FetchError, FetchRefusedError, NameNotFoundError
from vigil.hotline.lifecycle import WATCHED
from vigil.hotline.models import Case, Evidence, Forward, Hold, Notice, Recheck
from vigil.hotline.runtime import Hotline
from vigil.signals.content import hash_bytes
from vigil.signals.crypto import SHA256
from vigil.signals.hexbits import hamming
from vigil.signals.pdq import PDQ
from vigil.signals.values import Signals

log = logging.getLogger(__name__)

PDQ_THRESHOLD: Final = PDQ.default_threshold
GONE: Final = frozenset({404, 410})
LEASE: Final = timedelta(minutes=10)


@dataclass(frozen=True)
class RecheckResult:
    case_id: int
    outcome: str
    reason: str
    state: str


def same_content(evidence: dict[str, Any], signals: Signals) -> bool:
    if evidence.get(SHA256.name) and evidence[SHA256.name] == signals.get(SHA256.name):
        return True
    old, new = evidence.get(PDQ.name), signals.get(PDQ.name)
    return bool(old and new and hamming(old, new) <= PDQ_THRESHOLD)


def _evidence_signals(hl: Hotline, session: Session, case_id: int) -> dict[str, Any] | None:
    evidence = session.execute(
        select(Evidence).where(Evidence.case_id == case_id).order_by(Evidence.id).limit(1)
    ).scalar_one_or_none()
    if evidence is None:
        return None
    return hl.vault.signals(case_id, evidence.blob, evidence.sealed_signals)


def _observe(  # noqa: PLR0911 - one return per kind of answer reads best
    hl: Hotline, url: str, evidence: dict[str, Any] | None
) -> tuple[str, str, int | None]:
    try:
        fetched = hl.fetcher.fetch(url)
    except NameNotFoundError:
        return "removed", "nxdomain", None
    except FetchRefusedError as exc:
        return "error", f"refused: {exc}"[:100], None
    except FetchError as exc:
        return "error", str(exc)[:100], None
    if fetched.status in GONE:
        return "removed", f"http-{fetched.status}", fetched.status
    if fetched.status != 200:
        return "error", f"http-{fetched.status}", fetched.status
    if evidence is None:
        return "present", "http-200", 200
    signals = hash_bytes("recheck", fetched.body, hl.hash_options).signals
    if same_content(evidence, signals):
        return "present", "same-content", 200
    return "removed", "content-changed", 200


def _repeat_due(session: Session, case: Case, now: datetime, interval: timedelta) -> bool:
    last = session.execute(
        select(func.max(Notice.created_at)).where(Notice.case_id == case.id, Notice.kind == "host")
    ).scalar_one_or_none()
    # Half an interval of slack: a re-check that runs a little early still repeats the notice.
    return last is None or last <= now - interval / 2


def recheck(hl: Hotline, case_id: int, actor: str = "system") -> RecheckResult | None:
    """Re-fetch one watched case's URL and act on what it shows; None when the case is not due."""
    with hl.sessions() as session:
        case = session.get(Case, case_id)
        if case is None or case.state not in WATCHED:
            return None
        if case.next_check_at is None or case.next_check_at > hl.clock.now():
            return None
        url = case.url
        evidence = _evidence_signals(hl, session, case_id)
    outcome, reason, status = _observe(hl, url, evidence)
    with hl.sessions() as session, session.begin():
        case = session.execute(select(Case).where(Case.id == case_id).with_for_update()).scalar_one()
        if case.state not in WATCHED:
            return None
        now = hl.clock.now()
        session.add(
            Recheck(case_id=case.id, checked_at=now, outcome=outcome, reason=reason, http_status=status)
        )
        hl.lifecycle.record(session, case, "recheck", actor, outcome=outcome, reason=reason)
        if outcome == "removed":
            hl.lifecycle.move(session, case, "removed", actor, reason=reason)
            journal.append(session, actor, "hotline.removed", f"case/{case.id}", {"reason": reason})
        else:
            case.next_check_at = now + hl.recheck_interval
            if (
                outcome == "present"
                and case.state in ("notified", "escalated")
                and not actions.active_holds(session, case.id, now)
                and _repeat_due(session, case, now, hl.recheck_interval)
            ):
                before = actions.host_notice_count(session, case.id)
                if case.state == "notified" and before >= hl.settings.hotline_escalate_after:
                    actions.escalate(hl, session, case, actor)
                actions.queue_host_notices(hl, session, case, actions.host_entry(hl, session, case))
        state = case.state
    actions.deliver_pending(hl, case_id, actor)
    return RecheckResult(case_id, outcome, reason, state)


def release_held(hl: Hotline, case_id: int, actor: str = "system") -> bool:
    """Send the first notice of a held case whose holds have all ended (lifted or expired)."""
    with hl.sessions() as session, session.begin():
        case = session.execute(select(Case).where(Case.id == case_id).with_for_update()).scalar_one_or_none()
        if case is None or case.state != "held":
            return False
        now = hl.clock.now()
        if actions.active_holds(session, case.id, now):
            return False
        expired = session.execute(
            select(Hold).where(Hold.case_id == case.id, Hold.lifted_at.is_(None), Hold.expires_at <= now)
        ).scalars()
        for hold in expired:
            hold.lifted_at, hold.lifted_by = now, "expired"
            hl.lifecycle.record(session, case, "hold.expired", actor, hold=hold.id)
            journal.append(session, actor, "hotline.hold.expire", f"case/{case.id}", {"hold": hold.id})
        actions.notify_host(hl, session, case, actor)
    actions.deliver_pending(hl, case_id, actor)
    return True


def due_work(session: Session, now: datetime) -> list[int]:
    """Cases with work due: new cases to fetch, held cases to release or check, watched cases to
    re-check, undelivered notices and forwards."""
    active_hold = exists().where(Hold.case_id == Case.id, Hold.lifted_at.is_(None), Hold.expires_at > now)
    pending_notice = exists().where(Notice.case_id == Case.id, Notice.status != "sent")
    pending_forward = exists().where(Forward.case_id == Case.id, Forward.sent_at.is_(None))
    query = select(Case.id).where(
        (Case.state == "new")
        | ((Case.state == "held") & ~active_hold)
        | (Case.state.in_(WATCHED) & (Case.next_check_at <= now))
        | (Case.closed_at.is_(None) & (pending_notice | pending_forward))
    )
    return list(session.execute(query.order_by(Case.id)).scalars())


def run_case(hl: Hotline, case_id: int, owner: str, actor: str = "system") -> bool:
    """Do one case's due work under a lease; False when another worker holds the case."""
    from vigil.hotline.service import HotlineService

    # One lease per execution: two threads of one worker process are two workers.
    owner = f"{owner}/{secrets.token_hex(6)}"[:100]
    with hl.sessions() as session, session.begin():
        if not leases.claim(session, case_id, owner, hl.clock.now(), LEASE):
            return False
    try:
        with hl.sessions() as session:
            case = session.get(Case, case_id)
            state = case.state if case else None
        if state == "new":
            HotlineService(hl, actor).process(case_id)
        if state == "held":
            release_held(hl, case_id, actor)
        recheck(hl, case_id, actor)
        actions.deliver_pending(hl, case_id, actor)
    finally:
        with hl.sessions() as session, session.begin():
            leases.release(session, case_id, owner)
    return True


def run_due(hl: Hotline, owner: str = "inline") -> int:
    """Run every case's due work in this process (the CLI, tests); returns how many cases ran."""
    with hl.sessions() as session:
        due = due_work(session, hl.clock.now())
    return sum(run_case(hl, case_id, owner) for case_id in due)
