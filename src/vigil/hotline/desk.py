"""The analyst's desk: the hotline use cases a person works through in the console, over the same
rows and services the API and the workers use.

- the queue, with the facts an analyst sorts by (age, source, hosting country, items on the page);
- one case as a :class:`CaseView`: generic rows per section, so that a column or a section added to
  the hotline's tables shows in the console with one line here;
- a case is locked to the analyst who opened it (``case_locks``), and every action checks the lock;
- assessment under the jurisdiction's categories, reject as not illegal, send to law enforcement first,
  repeat a notice now, mark removed by hand, and the journalled reveal of a blurred preview.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.audit import journal
from vigil.hashlists.catalog import CatalogError, load_catalog
from vigil.hotline import actions, case_locks, caseview
from vigil.hotline.item_assessment import ItemAssessor
from vigil.hotline.item_rule import ItemsSay, items_say, jurisdiction_scheme, reject_refusal
from vigil.hotline.lifecycle import CLOSED, WATCHED
from vigil.hotline.metrics import TakedownFigures, takedown_figures
from vigil.hotline.models import Case, Evidence, Hosting, Report
from vigil.hotline.runtime import Hotline
from vigil.hotline.service import CaseLockedError, CaseNotFoundError, HotlineError, HotlineService, existing
from vigil.signals.images import open_image

QUEUE_STATES: Final = ("new", "triage")
PREVIEW_SIDE: Final = 480
#: Video types a preview may be played as (never autoplayed, muted: the template's business).
VIDEO_TYPES: Final = frozenset({"video/mp4", "video/webm", "video/ogg"})
#: Columns never shown: message bodies and signatures (on the notice's own page, if ever), sealed data.


@dataclass(frozen=True)
class QueueFilter:
    states: tuple[str, ...] = QUEUE_STATES
    source: str | None = None
    country: str | None = None
    host: str | None = None
    limit: int = 100


@dataclass(frozen=True)
class QueueRow:
    case_id: int
    url: str
    host: str
    state: str
    opened_at: datetime
    reports: int
    sources: tuple[str, ...]
    country: str | None
    items: int
    locked_by: str | None


@dataclass(frozen=True)
class GridTile:
    """A queue row with the item its preview shows in the grid (the first captured one, if any)."""

    row: QueueRow
    evidence_id: int | None
    video: bool


@dataclass
class BatchResult:
    assessed: list[int] = field(default_factory=list)
    rejected: list[int] = field(default_factory=list)
    #: case id → why it was left as it was (locked by another analyst, no longer awaiting assessment).
    refused: dict[int, str] = field(default_factory=dict)


#: What a grid decision may be besides a category code.
NOT_ILLEGAL: Final = "not-illegal"


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    verdict: str


@dataclass
class CaseView:
    """A case as the console shows it: its own fields, then sections of rows (column → value)."""

    case: dict[str, Any]
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    #: Report ids whose reporter left a contact (read only by those allowed, journalled).
    contacts: tuple[int, ...] = ()
    lock: case_locks.LockState | None = None
    active_holds: int = 0
    #: What the page's items say of the case (None: no item to assess).
    items_say: ItemsSay | None = None

    @property
    def state(self) -> str:
        return str(self.case["state"])

    @property
    def evidence(self) -> list[dict[str, Any]]:
        return self.sections.get("evidence", [])

    def page_item(self, evidence_id: int) -> dict[str, Any] | None:
        """The page item captured as this evidence, with its own match (None: the page or picture
        reported itself)."""
        return next((i for i in self.sections.get("items", []) if i.get("evidence_id") == evidence_id), None)

    @property
    def assessable_items(self) -> list[dict[str, Any]]:
        """The page's items an analyst can assess (fetched), with their assessment and suggestion."""
        ids = set(self.items_say.assessable) if self.items_say else set()
        return [i for i in self.sections.get("items", []) if i.get("id") in ids]


@dataclass(frozen=True)
class Preview:
    media_type: str
    data: bytes


class CaseDesk:
    def __init__(self, hotline: Hotline, analyst: str, lock_ttl: timedelta = timedelta(minutes=15)) -> None:
        self.hl = hotline
        #: The analyst's name: holds locks, signs assessments.
        self.analyst = analyst
        self.actor = f"console:{analyst}"
        self.lock_ttl = lock_ttl
        self.service = HotlineService(hotline, self.actor)

    # -- the queue ---------------------------------------------------------------------------------

    def queue(self, wanted: QueueFilter) -> list[QueueRow]:
        now = self.hl.clock.now()
        reports = (
            select(func.count(Report.id)).where(Report.case_id == Case.id).correlate(Case).scalar_subquery()
        )
        items = (
            select(func.count(Evidence.id))
            .where(Evidence.case_id == Case.id)
            .correlate(Case)
            .scalar_subquery()
        )
        country = (
            select(Hosting.country)
            .where(Hosting.case_id == Case.id)
            .order_by(Hosting.id.desc())
            .limit(1)
            .correlate(Case)
            .scalar_subquery()
        )
        locked = (
            select(case_locks.CaseLock.holder)
            .where(case_locks.CaseLock.case_id == Case.id, case_locks.CaseLock.until > now)
            .correlate(Case)
            .scalar_subquery()
        )
        query = select(
            Case.id, Case.url, Case.host, Case.state, Case.opened_at, reports, country, items, locked
        )
        query = query.where(Case.state.in_(wanted.states or QUEUE_STATES))
        if wanted.source:
            query = query.where(
                select(Report.id).where(Report.case_id == Case.id, Report.source == wanted.source).exists()
            )
        if wanted.country:
            query = query.where(country == wanted.country.upper())
        if wanted.host:
            query = query.where(Case.host.contains(wanted.host.lower(), autoescape=True))
        query = query.order_by(Case.opened_at, Case.id).limit(max(1, min(wanted.limit, 500)))
        with self.hl.sessions() as session:
            rows = session.execute(query).all()
            ids = [r[0] for r in rows]
            sources: dict[int, set[str]] = {}
            if ids:
                for case_id, source in session.execute(
                    select(Report.case_id, Report.source).where(Report.case_id.in_(ids)).distinct()
                ):
                    sources.setdefault(case_id, set()).add(source)
        return [
            QueueRow(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                int(r[5]),
                tuple(sorted(sources.get(r[0], ()))),
                r[6],
                int(r[7]),
                r[8],
            )
            for r in rows
        ]

    def grid(self, wanted: QueueFilter) -> list[GridTile]:
        """The queue with one preview per case, for classifying many cases at once (nothing is locked
        by looking: each decision takes the case's lock when it is submitted)."""
        rows = self.queue(wanted)
        first: dict[int, tuple[int, str]] = {}
        if rows:
            with self.hl.sessions() as session:
                found = session.execute(
                    select(Evidence.case_id, func.min(Evidence.id))
                    .where(Evidence.case_id.in_([r.case_id for r in rows]))
                    .group_by(Evidence.case_id)
                ).all()
                ids = [evidence_id for _, evidence_id in found]
                kinds = dict(
                    session.execute(
                        select(Evidence.id, Evidence.content_type).where(Evidence.id.in_(ids))
                    ).all()
                )
            first = {
                case_id: (eid, (kinds.get(eid) or "").split(";")[0].strip().lower()) for case_id, eid in found
            }
        tiles = []
        for row in rows:
            evidence_id, kind = first.get(row.case_id, (None, ""))
            tiles.append(GridTile(row, evidence_id, kind in VIDEO_TYPES))
        return tiles

    def classify(self, decisions: dict[int, str]) -> BatchResult:
        """Assess (a category code) or reject (:data:`NOT_ILLEGAL`) many cases; each is one action as on
        its own page, and one refused (locked by another analyst, already moved on) leaves the others."""
        codes = {c.code for c in self.categories()}
        result = BatchResult()
        for case_id, decision in sorted(decisions.items()):
            try:
                if decision == NOT_ILLEGAL:
                    self.reject(case_id, "not illegal (grid)")
                    result.rejected.append(case_id)
                elif decision in codes:
                    self.assess(case_id, decision)
                    self.release(case_id)
                    result.assessed.append(case_id)
                else:
                    result.refused[case_id] = f"no category {decision[:32]!r}"
            except CaseLockedError as exc:
                result.refused[case_id] = f"open by {exc.holder}"
            except (HotlineError, CaseNotFoundError) as exc:
                result.refused[case_id] = str(exc)
        return result

    # -- one case ----------------------------------------------------------------------------------

    def open(self, case_id: int) -> CaseView:
        """The case, locked to this analyst when it is open and nobody else holds it."""
        with self.hl.sessions() as session, session.begin():
            case = existing(session, Case, case_id, "case")
            now = self.hl.clock.now()
            lock = None
            if case.state not in CLOSED:
                lock = case_locks.take(session, case_id, self.analyst, now, self.lock_ttl)
            view = CaseView(case={name: getattr(case, name) for name in caseview.CASE_FIELDS}, lock=lock)
            for name, model in caseview.DESK_SECTIONS:
                view.sections[name] = caseview.rows(session, model, case_id)
            caseview.with_assessments(view.sections["items"], view.sections["item_assessments"])
            if view.sections["items"]:
                try:
                    scheme = jurisdiction_scheme(session, self.hl.settings.hotline_jurisdiction)
                except CatalogError as exc:
                    raise HotlineError(str(exc)) from None
                found = items_say(session, scheme, case_id)
                view.items_say = found if found.assessable else None
            view.contacts = tuple(
                session.execute(
                    select(Report.id).where(Report.case_id == case_id, Report.reporter_contact.is_not(None))
                ).scalars()
            )
            view.active_holds = len(actions.active_holds(session, case_id, now))
            return view

    def release(self, case_id: int) -> None:
        with self.hl.sessions() as session, session.begin():
            case_locks.release(session, case_id, self.analyst)

    def _hold_lock(self, session: Session, case_id: int) -> Case:
        case = existing(session, Case, case_id, "case")
        lock = case_locks.take(session, case_id, self.analyst, self.hl.clock.now(), self.lock_ttl)
        if not lock.mine:
            raise CaseLockedError(case_id, lock.holder)
        return case

    def check_lock(self, case_id: int) -> None:
        with self.hl.sessions() as session, session.begin():
            self._hold_lock(session, case_id)

    # -- assessment --------------------------------------------------------------------------------

    def categories(self) -> list[Category]:
        """The categories of the hotline's jurisdiction, most severe first, with their verdicts."""
        with self.hl.sessions() as session:
            catalog = load_catalog(session)
        try:
            place = catalog.jurisdiction(self.hl.settings.hotline_jurisdiction)
        except CatalogError as exc:
            raise HotlineError(str(exc)) from None
        scheme = catalog.scheme_by_id(place.scheme_id)
        ordered = sorted(scheme.categories.values(), key=lambda c: c.rank)
        return [Category(c.code, c.label, place.verdicts.get(c.id, "undetermined")) for c in ordered]

    def assess(self, case_id: int, category: str, law_enforcement_first: bool = False) -> str:
        """Assess the case; ``law_enforcement_first`` holds the host notice while the police look first
        (a hold by the hotline for ``days``; the police are told with the usual law-enforcement notice)."""
        self.check_lock(case_id)
        if law_enforcement_first:
            verdicts = {c.code: c.verdict for c in self.categories()}
            if verdicts.get(category) != "illegal":
                raise HotlineError("only content assessed illegal goes to law enforcement")
            days = self.hl.settings.console_law_enforcement_days
            police = self.hl.directory.police(self.hl.settings.hotline_country)
            self.service.place_hold(
                case_id,
                police.name if police else "law enforcement",
                self.hl.clock.now() + timedelta(days=days),
                "sent to law enforcement first",
            )
        return self.service.assess(case_id, self.analyst, category)

    def assess_items(self, case_id: int, decisions: dict[int, str | None]) -> ItemsSay:
        """Assess items of the case (item id → category, not illegal, or None to withdraw), all or
        nothing, holding the case's lock as every action does."""
        self.check_lock(case_id)
        return ItemAssessor(self.hl, self.actor).assess(case_id, self.analyst, decisions)

    def reject(self, case_id: int, reason: str) -> str:
        """Not illegal: the case closes without notice."""
        reason = reason.strip() or "not illegal"
        with self.hl.sessions() as session, session.begin():
            case = self._hold_lock(session, case_id)
            if case.state not in QUEUE_STATES:
                raise HotlineError(f"case {case_id} is {case.state}, not awaiting assessment")
            try:
                scheme = jurisdiction_scheme(session, self.hl.settings.hotline_jurisdiction)
            except CatalogError as exc:
                raise HotlineError(str(exc)) from None
            refusal = reject_refusal(items_say(session, scheme, case_id))
            if refusal is not None:
                raise HotlineError(f"case {case_id}: {refusal}")
            self.hl.lifecycle.move(session, case, "rejected", self.analyst, reason=reason[:500])
            journal.append(session, self.actor, "hotline.reject", f"case/{case.id}", {"reason": reason[:500]})
            case_locks.release(session, case_id, self.analyst)
            return case.state

    def repeat_notice(self, case_id: int) -> int:
        """Send the host another notice now; returns how many channels it went to."""
        with self.hl.sessions() as session, session.begin():
            case = self._hold_lock(session, case_id)
            if case.state not in ("notified", "escalated"):
                raise HotlineError(f"case {case_id} is {case.state}: no host notice to repeat")
            if actions.active_holds(session, case_id, self.hl.clock.now()):
                raise HotlineError(f"case {case_id} is on hold: no notice may go to the host")
            queued = actions.queue_host_notices(
                self.hl, session, case, actions.host_entry(self.hl, session, case)
            )
            if not queued:
                raise HotlineError(f"case {case_id}: the host has no notice channel in the directory")
            self.hl.lifecycle.record(session, case, "notice.repeat", self.analyst, channels=queued)
            journal.append(
                session, self.actor, "hotline.notice.repeat", f"case/{case.id}", {"channels": queued}
            )
        actions.deliver_pending(self.hl, case_id, self.actor)
        return queued

    def mark_removed(self, case_id: int, reason: str) -> str:
        """Close a case whose content is gone, by hand (a host's answer, a partner's word)."""
        reason = reason.strip()
        if not reason:
            raise HotlineError("say why the content counts as removed")
        with self.hl.sessions() as session, session.begin():
            case = self._hold_lock(session, case_id)
            if case.state not in WATCHED and case.state != "assessed":
                raise HotlineError(f"case {case_id} is {case.state}: nothing to remove")
            self.hl.lifecycle.move(session, case, "removed", self.analyst, reason=reason[:500], by_hand=True)
            journal.append(
                session,
                self.actor,
                "hotline.removed",
                f"case/{case.id}",
                {"reason": reason[:500], "by_hand": True},
            )
            case_locks.release(session, case_id, self.analyst)
            return case.state

    def figures(self) -> TakedownFigures:
        with self.hl.sessions() as session:
            return takedown_figures(session, self.hl.clock.now(), self.hl.settings.hotline_deadline_hours)

    # -- previews ----------------------------------------------------------------------------------

    def reveal(self, case_id: int, evidence_id: int) -> None:
        """Journal that the analyst unblurred one preview (wellbeing and custody both want to know)."""
        with self.hl.sessions() as session, session.begin():
            evidence = session.get(Evidence, evidence_id)
            if evidence is None or evidence.case_id != case_id:
                raise CaseNotFoundError(f"no evidence {evidence_id} in case {case_id}")
            journal.append(
                session, self.actor, "hotline.evidence.reveal", f"case/{case_id}", {"evidence": evidence_id}
            )

    def preview(self, case_id: int, evidence_id: int) -> Preview | None:
        """A re-encoded, reduced picture of the evidence (never the captured bytes as they came, which
        could be anything a browser would run), a video as captured, or None."""
        with self.hl.sessions() as session:
            evidence = session.get(Evidence, evidence_id)
            if evidence is None or evidence.case_id != case_id:
                raise CaseNotFoundError(f"no evidence {evidence_id} in case {case_id}")
            kind = (evidence.content_type or "").split(";")[0].strip().lower()
        data = self.service.evidence_bytes(evidence_id)
        if kind in VIDEO_TYPES:
            return Preview(kind, data)
        try:
            image = open_image(data, self.hl.settings.image_limits(), min_side=PREVIEW_SIDE)
        except Exception:  # not a picture Pillow decodes safely: no preview, the case page says so
            return None
        image.thumbnail((PREVIEW_SIDE, PREVIEW_SIDE))
        out = io.BytesIO()
        image.save(out, "PNG")
        return Preview("image/png", out.getvalue())
