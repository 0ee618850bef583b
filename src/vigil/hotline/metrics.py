"""Takedown figures, from the cases' dated rows alone: report → notice, notice → removal, report →
removal; median, mean, and the share removed within 2 and within 7 days (the German hotlines' figures);
per host, AS and country; and the bad-hoster ranking (hosts that miss the removal deadline, as the Dutch
monitor ranks them).

"Notice" is the first notice that left for the host, or for a foreign host the forward to the partner
hotline or law enforcement. Shares count every case that started the interval, removed or not, so a
host that never removes anything scores 0 %, not "no data". Cases that never reached a host (refused by
the fetch guard, rejected, awaiting an analyst) are counted apart, in :class:`IntakeFigures`.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.hotline.models import CASE_STATES, Case, Forward, Hosting, Notice, Report

DAY: Final = timedelta(days=1)


@dataclass(frozen=True)
class CaseTimes:
    case_id: int
    host: str
    asn: str
    country: str
    reported: datetime
    noticed: datetime | None
    removed: datetime | None


@dataclass(frozen=True)
class Durations:
    """One interval over a set of cases; hours."""

    started: int
    ended: int
    median_hours: float | None
    mean_hours: float | None
    within_2_days: float | None
    within_7_days: float | None


@dataclass(frozen=True)
class GroupFigures:
    key: str
    cases: int
    removed: int
    report_to_notice: Durations
    notice_to_removal: Durations
    report_to_removal: Durations


@dataclass(frozen=True)
class BadHoster:
    host: str
    cases: int
    missed: int
    share_missed: float
    still_online: int
    median_notice_to_removal_hours: float | None


@dataclass(frozen=True)
class IntakeFigures:
    """Every report and case, whatever became of it: the takedown figures count only cases that reached
    a host, so those that never could (refused by the fetch guard, rejected, awaiting an analyst) are
    counted here."""

    reports: int = 0
    cases: int = 0
    #: Cases (and the reports they gathered) whose URL the fetch guard refused: never fetched, never notified.
    refused: int = 0
    refused_reports: int = 0
    rejected: int = 0
    awaiting_analyst: int = 0
    #: Cases by state, every state listed (0 when none).
    by_state: dict[str, int] = field(default_factory=dict)
    #: Reports by source (public, member, partner, forward, analyst).
    by_source: dict[str, int] = field(default_factory=dict)


@dataclass
class TakedownFigures:
    overall: GroupFigures
    by_host: list[GroupFigures] = field(default_factory=list)
    by_asn: list[GroupFigures] = field(default_factory=list)
    by_country: list[GroupFigures] = field(default_factory=list)
    bad_hosters: list[BadHoster] = field(default_factory=list)
    deadline_hours: float = 48.0
    intake: IntakeFigures = field(default_factory=IntakeFigures)


def durations(pairs: Iterable[tuple[datetime | None, datetime | None]]) -> Durations:
    started = ended = 0
    hours: list[float] = []
    for start, end in pairs:
        if start is None:
            continue
        started += 1
        if end is not None:
            ended += 1
            hours.append((end - start) / timedelta(hours=1))
    if not started:
        return Durations(0, 0, None, None, None, None)
    return Durations(
        started,
        ended,
        statistics.median(hours) if hours else None,
        statistics.fmean(hours) if hours else None,
        sum(h <= 48 for h in hours) / started,
        sum(h <= 24 * 7 for h in hours) / started,
    )


def group(key: str, cases: list[CaseTimes]) -> GroupFigures:
    return GroupFigures(
        key=key,
        cases=len(cases),
        removed=sum(c.removed is not None for c in cases),
        report_to_notice=durations((c.reported, c.noticed) for c in cases),
        notice_to_removal=durations((c.noticed, c.removed) for c in cases if c.noticed),
        report_to_removal=durations((c.reported, c.removed) for c in cases),
    )


def case_times(session: Session, since: datetime | None = None) -> list[CaseTimes]:
    """Every assessed-illegal case (those that reached a notice or a forward, or were held)."""
    # Core rows of columns, not ORM objects or ORM rows: the dashboards read every case that reached a
    # host on each refresh, and the ORM's row handling was half of that time.
    conn = session.connection()
    first_notice: dict[int, datetime | None] = {
        case_id: at
        for case_id, at in conn.execute(
            select(Notice.case_id, func.min(Notice.sent_at))
            .where(Notice.kind == "host", Notice.sent_at.is_not(None))
            .group_by(Notice.case_id)
        )
    }
    first_forward: dict[int, datetime | None] = {
        case_id: at
        for case_id, at in conn.execute(
            select(Forward.case_id, func.min(Forward.sent_at))
            .where(Forward.sent_at.is_not(None))
            .group_by(Forward.case_id)
        )
    }
    last_hosting = (
        select(Hosting.case_id, func.max(Hosting.id).label("id")).group_by(Hosting.case_id).subquery()
    )
    query = (
        select(
            Case.id,
            Case.opened_at,
            Case.closed_at,
            Case.state,
            Hosting.provider,
            Hosting.hostname,
            Hosting.asn,
            Hosting.as_name,
            Hosting.country,
        )
        .join(last_hosting, last_hosting.c.case_id == Case.id)
        .join(Hosting, Hosting.id == last_hosting.c.id)
    )
    if since is not None:
        query = query.where(Case.opened_at >= since)
    out = []
    for row in conn.execute(query.order_by(Case.id)):
        noticed = first_notice.get(row.id) or first_forward.get(row.id)
        asn = f"AS{row.asn}" if row.asn else row.as_name
        out.append(
            CaseTimes(
                case_id=row.id,
                host=row.provider or row.hostname,
                asn=asn or "unknown",
                country=row.country or "unknown",
                reported=row.opened_at,
                noticed=noticed,
                removed=row.closed_at if row.state == "removed" else None,
            )
        )
    return out


def intake_figures(session: Session, since: datetime | None = None) -> IntakeFigures:
    """Reports and cases opened since ``since``, by state and by source."""
    cases = select(Case.state, func.count()).group_by(Case.state)
    reports = select(Report.source, func.count()).group_by(Report.source)
    refused_reports = (
        select(func.count())
        .select_from(Report)
        .join(Case, Case.id == Report.case_id)
        .where(Case.state == "refused")
    )
    if since is not None:
        cases = cases.where(Case.opened_at >= since)
        reports = reports.where(Report.received_at >= since)
        refused_reports = refused_reports.where(Report.received_at >= since)
    by_state = dict.fromkeys(CASE_STATES, 0) | {state: int(n) for state, n in session.execute(cases)}
    by_source = {source: int(n) for source, n in session.execute(reports)}
    return IntakeFigures(
        reports=sum(by_source.values()),
        cases=sum(by_state.values()),
        refused=by_state["refused"],
        refused_reports=int(session.execute(refused_reports).scalar_one()),
        rejected=by_state["rejected"],
        awaiting_analyst=by_state["triage"],
        by_state=by_state,
        by_source=dict(sorted(by_source.items())),
    )


def _grouped(cases: list[CaseTimes], key: Callable[[CaseTimes], str]) -> list[GroupFigures]:
    groups: dict[str, list[CaseTimes]] = defaultdict(list)
    for case in cases:
        groups[key(case)].append(case)
    return sorted((group(k, v) for k, v in groups.items()), key=lambda g: (-g.cases, g.key))


def bad_hosters(cases: list[CaseTimes], now: datetime, deadline: timedelta) -> list[BadHoster]:
    """Hosts ranked by removal deadlines missed (a case still online past its deadline counts)."""
    by_host: dict[str, list[CaseTimes]] = defaultdict(list)
    for case in cases:
        if case.noticed is not None:
            by_host[case.host].append(case)
    ranking = []
    for host, items in by_host.items():
        missed = sum(((c.removed or now) - c.noticed) > deadline for c in items if c.noticed)
        if not missed:
            continue
        ranking.append(
            BadHoster(
                host=host,
                cases=len(items),
                missed=missed,
                share_missed=missed / len(items),
                still_online=sum(c.removed is None for c in items),
                median_notice_to_removal_hours=durations((c.noticed, c.removed) for c in items).median_hours,
            )
        )
    return sorted(ranking, key=lambda b: (-b.missed, -b.share_missed, -b.still_online, b.host))


def takedown_figures(
    session: Session,
    now: datetime,
    deadline_hours: float = 48.0,
    since: datetime | None = None,
    cases: list[CaseTimes] | None = None,
) -> TakedownFigures:
    """``cases``: :func:`case_times` already read for ``since`` (a caller that needs them too)."""
    if cases is None:
        cases = case_times(session, since)
    return TakedownFigures(
        overall=group("all", cases),
        by_host=_grouped(cases, lambda c: c.host),
        by_asn=_grouped(cases, lambda c: c.asn),
        by_country=_grouped(cases, lambda c: c.country),
        bad_hosters=bad_hosters(cases, now, timedelta(hours=deadline_hours)),
        deadline_hours=deadline_hours,
        intake=intake_figures(session, since),
    )
