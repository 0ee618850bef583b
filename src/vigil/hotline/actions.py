"""Acting on an assessed case: trace the host, route, queue notices and forwards, and deliver them.

Rows are queued inside the case's transaction and delivered after it commits, each in a transaction of
its own: a crash between the two leaves a pending row that the next sweep delivers (at least once),
never a message that left without a record. A host notice is checked against the case's holds at the
moment it would leave, so a hold placed after the notice was queued still stops it.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.audit import journal
from vigil.db.latest import latest
from vigil.fields import pick
from vigil.hotline.directory import HostEntry
from vigil.hotline.fetch import NameNotFoundError
from vigil.hotline.forwarding import forward_body, send_forward
from vigil.hotline.hosting import TRACED, Trace
from vigil.hotline.models import Assessment, Case, Forward, Hold, Hosting, Notice
from vigil.hotline.notices import (
    CaseFacts,
    DeliveryError,
    NoticeText,
    compose,
    email,
    post_webhook,
    reference,
    sign_text,
)
from vigil.hotline.routing import decide
from vigil.hotline.runtime import Hotline

log = logging.getLogger(__name__)


def active_holds(session: Session, case_id: int, now: datetime) -> list[Hold]:
    return list(
        session.execute(
            select(Hold).where(Hold.case_id == case_id, Hold.lifted_at.is_(None), Hold.expires_at > now)
        ).scalars()
    )


def latest_hosting(session: Session, case_id: int) -> Hosting | None:
    return latest(session, Hosting, Hosting.id, Hosting.case_id == case_id)


def _facts(session: Session, case: Case) -> CaseFacts:
    assessment = session.execute(
        select(Assessment)
        .where(Assessment.case_id == case.id, Assessment.verdict == "illegal")
        .order_by(Assessment.id.desc())
        .limit(1)
    ).scalar_one()
    hosting = latest_hosting(session, case.id)
    where = ("ip", "country", "provider")
    return CaseFacts(
        case_id=case.id,
        url=case.url,
        reported_at=case.opened_at,
        **pick(assessment, "jurisdiction", "scheme", "category"),
        **(pick(hosting, *where) if hosting else dict.fromkeys(where)),
    )


def _trace(hl: Hotline, session: Session, case: Case) -> Trace:
    try:
        trace = hl.hosting.trace(case.host)
    except NameNotFoundError:
        trace = Trace(case.host, None, None, None, None, None, None, "none")
    session.add(
        Hosting(
            case_id=case.id,
            resolved_at=hl.clock.now(),
            **pick(trace, *TRACED),
        )
    )
    hl.lifecycle.record(session, case, "hosting", "system", ip=trace.ip, country=trace.country)
    return trace


def host_notice_count(session: Session, case_id: int) -> int:
    """How many notices (first and repeats) the host has been sent about the case on its main channel."""
    return (
        session.execute(
            select(func.max(Notice.sequence)).where(Notice.case_id == case_id, Notice.kind == "host")
        ).scalar_one_or_none()
        or 0
    )


def _queue_notice(
    hl: Hotline, session: Session, case: Case, kind: str, channel: str, recipient: str
) -> Notice:
    sent_before = latest(
        session,
        Notice.sequence,
        Notice.sequence,
        Notice.case_id == case.id,
        Notice.kind == kind,
        Notice.recipient == recipient,
    )
    sequence = (sent_before or 0) + 1
    text = compose(
        _facts(session, case),
        kind,
        sequence,
        hl.settings.hotline_name,
        hl.settings.hotline_mail_from,
        host_notice_count(session, case.id),
    )
    notice = Notice(
        case_id=case.id,
        kind=kind,
        channel=channel,
        recipient=recipient,
        sequence=sequence,
        subject=text.subject,
        body=text.body,
        signature=sign_text(text.body, hl.signing_key),
        status="pending",
        created_at=hl.clock.now(),
        attempts=0,
    )
    session.add(notice)
    session.flush()
    return notice


def queue_host_notices(hl: Hotline, session: Session, case: Case, entry: HostEntry | None) -> int:
    """Queue a (repeat) notice to each of the host's channels; returns how many were queued."""
    queued = 0
    if entry is not None and entry.abuse_email:
        _queue_notice(hl, session, case, "host", "email", entry.abuse_email)
        queued += 1
    if entry is not None and entry.webhook_url:
        _queue_notice(hl, session, case, "host", "webhook", entry.webhook_url)
        queued += 1
    return queued


def host_entry(hl: Hotline, session: Session, case: Case) -> HostEntry | None:
    hosting = latest_hosting(session, case.id)
    if hosting is None:
        return None
    ip = ipaddress.ip_address(hosting.ip) if hosting.ip else None
    return hl.directory.host_for(hosting.hostname, ip, hosting.asn)


def escalate(hl: Hotline, session: Session, case: Case, actor: str) -> None:
    police = hl.directory.police(hl.settings.hotline_country)
    if police is not None:
        _queue_notice(hl, session, case, "escalation", "email", police.email)
    hl.lifecycle.move(session, case, "escalated", actor, police=police.name if police else None)


def notify_host(hl: Hotline, session: Session, case: Case, actor: str) -> None:
    """The first notice to a domestic host (at once, or when its hold ends)."""
    if queue_host_notices(hl, session, case, host_entry(hl, session, case)):
        hl.lifecycle.move(session, case, "notified", actor)
    else:
        # Nobody to notify: the host is unknown to the directory, so law enforcement takes it up.
        escalate(hl, session, case, actor)
    case.next_check_at = hl.clock.now() + hl.recheck_interval


def route(hl: Hotline, session: Session, case: Case, actor: str) -> None:
    """Trace and route an assessed case (in the caller's transaction)."""
    trace = _trace(hl, session, case)
    decision = decide(trace, hl.settings.hotline_country, hl.directory)
    now = hl.clock.now()
    if decision.kind == "domestic":
        if decision.police is not None:
            _queue_notice(hl, session, case, "law_enforcement", "email", decision.police.email)
        if active_holds(session, case.id, now):
            hl.lifecycle.move(session, case, "held", actor)
            case.next_check_at = now + hl.recheck_interval
        else:
            notify_host(hl, session, case, actor)
        return
    if decision.kind == "partner" and decision.partner is not None:
        session.add(
            Forward(case_id=case.id, kind="partner", country=trace.country, recipient=decision.partner.name)
        )
    else:
        police = decision.police
        recipient = police.email if police else "nobody"
        session.add(
            Forward(case_id=case.id, kind="law_enforcement", country=trace.country, recipient=recipient)
        )
        if police is not None:
            _queue_notice(hl, session, case, "law_enforcement", "email", police.email)
    hl.lifecycle.move(session, case, "forwarded", actor, route=decision.kind, country=trace.country)
    case.next_check_at = now + hl.recheck_interval


# -- delivery, after the case's transaction committed -------------------------------------------------


def _send_notice(hl: Hotline, notice: Notice) -> None:
    if notice.channel == "webhook":
        secret = next(
            (h.webhook_secret for h in hl.directory.hosts if h.webhook_url == notice.recipient), None
        )
        payload: dict[str, object] = {
            "reference": reference(notice.case_id),
            "notice": notice.sequence,
            "subject": notice.subject,
            "body": notice.body,
            # The same signature as the e-mail's: the host checks both channels one way.
            "signature": notice.signature,
        }
        post_webhook(hl.http, notice.recipient, secret, payload, hl.signing_key)
        return
    assert notice.signature is not None
    hl.mailer.send(
        email(
            NoticeText(notice.subject, notice.body),
            hl.settings.hotline_mail_from,
            notice.recipient,
            notice.signature,
            notice.case_id,
        )
    )


def deliver_pending(hl: Hotline, case_id: int, actor: str = "system") -> list[str]:
    """Send the case's pending notices and forwards; returns the errors (the sweep retries those)."""
    errors: list[str] = []
    with hl.sessions() as session:
        notice_ids = list(
            session.execute(
                select(Notice.id)
                .where(Notice.case_id == case_id, Notice.status != "sent")
                .order_by(Notice.id)
            ).scalars()
        )
        forward_ids = list(
            session.execute(
                select(Forward.id)
                .where(Forward.case_id == case_id, Forward.sent_at.is_(None))
                .order_by(Forward.id)
            ).scalars()
        )
    for notice_id in notice_ids:
        error = _deliver_notice(hl, notice_id, actor)
        if error:
            errors.append(error)
    for forward_id in forward_ids:
        error = _deliver_forward(hl, forward_id, actor)
        if error:
            errors.append(error)
    return errors


def _deliver_notice(hl: Hotline, notice_id: int, actor: str) -> str | None:
    with hl.sessions() as session, session.begin():
        notice = session.execute(select(Notice).where(Notice.id == notice_id).with_for_update()).scalar_one()
        if notice.status == "sent":
            return None
        case = session.get(Case, notice.case_id)
        assert case is not None
        now = hl.clock.now()
        if notice.kind == "host" and active_holds(session, case.id, now):
            return None
        notice.attempts += 1
        try:
            _send_notice(hl, notice)
        except DeliveryError as exc:
            notice.status, notice.error = "failed", str(exc)
            hl.lifecycle.record(session, case, "notice.failed", actor, notice=notice.id, error=str(exc))
            return str(exc)
        notice.status, notice.sent_at, notice.error = "sent", now, None
        hl.lifecycle.record(
            session,
            case,
            "notice",
            actor,
            notice=notice.id,
            notice_kind=notice.kind,
            **pick(notice, "channel", "recipient", "sequence"),
        )
        journal.append(
            session,
            actor,
            "hotline.notice.sent",
            f"case/{case.id}",
            {"notice": notice.id, **pick(notice, "kind", "recipient", "sequence")},
        )
    return None


def _deliver_forward(hl: Hotline, forward_id: int, actor: str) -> str | None:
    with hl.sessions() as session, session.begin():
        forward = session.execute(
            select(Forward).where(Forward.id == forward_id).with_for_update()
        ).scalar_one()
        if forward.sent_at is not None:
            return None
        case = session.get(Case, forward.case_id)
        assert case is not None
        now = hl.clock.now()
        if forward.kind == "law_enforcement":
            # Its e-mail is a law_enforcement notice delivered with the others.
            forward.sent_at = now
        else:
            partner = hl.directory.partner(forward.country)
            if partner is None:
                forward.error = f"no partner hotline for {forward.country} any more"
                return forward.error
            facts = _facts(session, case)
            body = forward_body(
                case.url,
                reference(case.id),
                hl.settings.hotline_name,
                forward.country,
                pick(facts, "jurisdiction", "scheme", "category"),
            )
            try:
                result = send_forward(hl.http, partner, body, hl.signing_key)
            except DeliveryError as exc:
                forward.error = str(exc)
                hl.lifecycle.record(
                    session, case, "forward.failed", actor, forward=forward.id, error=str(exc)
                )
                return str(exc)
            forward.sent_at, forward.response_status, forward.remote_ref = (
                now,
                result.status,
                result.remote_ref,
            )
            forward.error = None
        hl.lifecycle.record(
            session,
            case,
            "forward",
            actor,
            forward=forward.id,
            **pick(forward, "kind", "recipient"),
        )
        journal.append(
            session,
            actor,
            "hotline.forward.sent",
            f"case/{case.id}",
            {"forward": forward.id, **pick(forward, "kind", "country"), "remote": forward.remote_ref},
        )
    return None


def undelivered(session: Session, case_id: int, now: datetime) -> int:
    """Notices and forwards of the case that should have left and did not (a held notice should not)."""
    held = bool(active_holds(session, case_id, now))
    notices = session.execute(
        select(func.count())
        .select_from(Notice)
        .where(Notice.case_id == case_id, Notice.status != "sent", *([Notice.kind != "host"] if held else []))
    ).scalar_one()
    forwards = session.execute(
        select(func.count()).select_from(Forward).where(Forward.case_id == case_id, Forward.sent_at.is_(None))
    ).scalar_one()
    return int(notices) + int(forwards)
