"""The hotline's use cases, one method each, each a transaction, each change audited. The web API, the
CLI and the queue's jobs call these and nothing below them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.audit import journal
from vigil.errors import Conflict, Invalid, NotFound
from vigil.hashlists.catalog import CatalogError, load_catalog
from vigil.hotline import actions
from vigil.hotline.fetch import Fetched, FetchError, FetchRefusedError
from vigil.hotline.follow import FollowedPage, follow_page, record_items
from vigil.hotline.item_rule import case_category, items_say, jurisdiction_scheme
from vigil.hotline.known import identify, list_matches, record_video_matches, worst
from vigil.hotline.lifecycle import CLOSED
from vigil.hotline.models import Assessment, Case, Evidence, Hold, Report
from vigil.hotline.runtime import Hotline
from vigil.matching import ListMatch
from vigil.signals.content import hash_bytes
from vigil.signals.url import InvalidURLError, canonical_url, sha256_of_canonical
from vigil.signals.values import Signals

log = logging.getLogger(__name__)


RowT = TypeVar("RowT")


class CaseNotFoundError(NotFound):
    pass


def existing(session: Session, model: type[RowT], ident: int, what: str) -> RowT:
    """The ``model`` row ``ident`` of a case's records; CaseNotFoundError ("no case 7") when there is none."""
    row = session.get(model, ident)
    if row is None:
        raise CaseNotFoundError(f"no {what} {ident}")
    return row


class HotlineError(Conflict, ValueError):
    """A request the hotline refuses in the case's state (wrong state, unknown category, closed case)."""


class CaseLockedError(HotlineError):
    """Another analyst has the case open in the console (``case_locks``)."""

    def __init__(self, case_id: int, holder: str) -> None:
        super().__init__(f"case {case_id} is open by {holder}")
        self.holder = holder


class InvalidReportError(Invalid, HotlineError):
    """A report the hotline cannot take as given (not an http(s) URL)."""


@dataclass(frozen=True)
class Submitted:
    case_id: int
    report_id: int
    duplicate: bool
    url: str


@dataclass(frozen=True)
class QueueItem:
    case_id: int
    url: str
    opened_at: datetime
    reports: int
    has_evidence: bool


def signals_dict(signals: Signals) -> dict[str, Any]:
    """What the evidence keeps of the content's signals (sealed beside it)."""
    return signals.to_json()


class HotlineService:
    def __init__(self, hotline: Hotline, actor: str) -> None:
        self.hl = hotline
        self.actor = actor

    def _case(self, session: Session, case_id: int, lock: bool = False) -> Case:
        query = select(Case).where(Case.id == case_id)
        case = session.execute(query.with_for_update() if lock else query).scalar_one_or_none()
        if case is None:
            raise CaseNotFoundError(f"no case {case_id}")
        return case

    # -- intake -------------------------------------------------------------------------------------

    def submit(
        self,
        url: str,
        *,
        source: str = "public",
        submitted_by: str = "public",
        description: str = "",
        contact: str | None = None,
        external_ref: str | None = None,
    ) -> Submitted:
        """Record a report; it joins the open case of the same canonical URL, or opens one."""
        try:
            canonical = canonical_url(url)
        except InvalidURLError as exc:
            raise InvalidReportError(str(exc)) from None
        with self.hl.sessions() as session, session.begin():
            case = session.execute(
                select(Case).where(Case.open_url == sha256_of_canonical(canonical)).with_for_update()
            ).scalar_one_or_none()
            duplicate = case is not None
            if case is None:
                case = self.hl.lifecycle.open_case(session, canonical, self.actor)
            sealed_contact = None
            if contact:
                sealed_contact = self.hl.vault.seal(contact.encode("utf-8"), f"case:{case.id}:contact").hex()
            report = Report(
                case_id=case.id,
                received_at=self.hl.clock.now(),
                source=source,
                submitted_by=submitted_by[:200],
                reported_url=url[:8192],
                description=description[:10_000],
                reporter_contact=sealed_contact,
                external_ref=external_ref,
            )
            session.add(report)
            session.flush()
            self.hl.lifecycle.record(session, case, "report", self.actor, report=report.id, source=source)
            journal.append(
                session,
                self.actor,
                "hotline.report",
                f"case/{case.id}",
                {"report": report.id, "source": source, "duplicate": duplicate},
            )
            return Submitted(case.id, report.id, duplicate, canonical)

    # -- first fetch: evidence, known content -------------------------------------------------------

    def process(self, case_id: int) -> str:
        """Fetch a new case's URL, seal the content as evidence, and match it against the hash database:
        known content is assessed and routed at once, a URL the fetch guard refuses ends ``refused``
        (no analyst can fetch it either), anything else waits in the triage queue. A page is followed:
        each item it shows is fetched, sealed and matched, and a known illegal item decides the case
        the same way."""
        with self.hl.sessions() as session:
            case = self._case(session, case_id)
            if case.state != "new":
                return case.state
            url = case.url
        if not self._lists_current():
            return "new"
        fetched: Fetched | None = None
        problem: str | None = None
        try:
            fetched = self.hl.fetcher.fetch(url)
        except FetchRefusedError as exc:
            return self._refuse(case_id, str(exc))
        except FetchError as exc:
            problem = str(exc)
        signals = None
        matches: list[ListMatch] = []
        page: FollowedPage | None = None
        if fetched is not None and fetched.status == 200 and fetched.body:
            signals = hash_bytes(
                fetched.final_url.rsplit("/", 1)[-1] or "content", fetched.body, self.hl.hash_options
            ).signals
            matches = list_matches(self.hl.matcher, signals)
            page = follow_page(self.hl, fetched)
        with self.hl.sessions() as session, session.begin():
            case = self._case(session, case_id, lock=True)
            if case.state != "new":
                return case.state
            if fetched is not None:
                self.hl.lifecycle.record(
                    session, case, "fetch", "system", status=fetched.status, ip=fetched.ip
                )
            else:
                self.hl.lifecycle.record(session, case, "fetch.failed", "system", error=problem)
            if fetched is not None and signals is not None:
                evidence = self._capture(session, case, fetched, signals)
                found = identify(session, signals, self.hl.settings.hotline_jurisdiction, matches)
                record_video_matches(self.hl.lifecycle, session, case, matches)
                case.media_id = found.media_id
                known = found.known
                if known is None and page is not None:
                    items = record_items(self.hl, session, case, evidence, page, self._capture)
                    decided = worst([k for _, k in items])
                    # A page is judged by what it shows only when that is illegal: anything else
                    # (an unknown item beside a harmless one) still needs an analyst's eyes.
                    if decided is not None and decided.verdict == "illegal":
                        known = decided
                        case.media_id = decided.media_id
                if known is not None:
                    self._add_assessment(
                        session, case, known.scheme, known.category, known.verdict, "hashdb", known.media_id
                    )
                    return self._after_verdict(session, case, known.verdict, "hashdb")
            self.hl.lifecycle.move(session, case, "triage", "system")
            state = case.state
        return state

    def _refuse(self, case_id: int, reason: str) -> str:
        """Close a case whose URL the guard refused (a private, loopback, metadata ... address): a
        final answer about the URL itself, unlike a network failure, so it never reaches an analyst."""
        with self.hl.sessions() as session, session.begin():
            case = self._case(session, case_id, lock=True)
            if case.state != "new":
                return case.state
            self.hl.lifecycle.move(session, case, "refused", "system", reason=reason[:1000])
            journal.append(
                session, self.actor, "hotline.refused", f"case/{case.id}", {"reason": reason[:1000]}
            )
            return case.state

    def _lists_current(self) -> bool:
        """Bring the published lists up to date before matching; False (the case waits for the next
        sweep) when they cannot be loaded, so that known content never reaches an analyst for that."""
        if self.hl.matcher is None:
            return True
        try:
            self.hl.matcher.current()
        except Exception:  # any failure to load an index: logged, the case is fetched again later
            log.exception("the published lists could not be loaded; the case waits")
            return False
        return True

    def _capture(self, session: Session, case: Case, fetched: Fetched, signals: Signals) -> Evidence:
        sealed = self.hl.vault.store(case.id, fetched.body, signals_dict(signals))
        evidence = Evidence(
            case_id=case.id,
            captured_at=self.hl.clock.now(),
            final_url=fetched.final_url,
            ip=fetched.ip,
            http_status=fetched.status,
            content_type=(fetched.content_type or "")[:255] or None,
            size=sealed.size,
            blob=sealed.blob,
            blob_sha256=sealed.blob_sha256,
            sealed_signals=sealed.sealed_signals,
            key_id=sealed.key_id,
        )
        session.add(evidence)
        session.flush()
        self.hl.lifecycle.record(session, case, "evidence", "system", evidence=evidence.id)
        journal.append(
            session,
            self.actor,
            "hotline.evidence.capture",
            f"case/{case.id}",
            {
                "evidence": evidence.id,
                "url": fetched.final_url,
                "ip": fetched.ip,
                "size": sealed.size,
                "sealed_sha256": sealed.blob_sha256,
                "key": sealed.key_id,
            },
        )
        return evidence

    def evidence_bytes(self, evidence_id: int) -> bytes:
        """Open sealed evidence; every opening is a chain-of-custody entry."""
        with self.hl.sessions() as session, session.begin():
            evidence = existing(session, Evidence, evidence_id, "evidence")
            data = self.hl.vault.read(evidence.case_id, evidence.blob, evidence.blob_sha256)
            journal.append(
                session,
                self.actor,
                "hotline.evidence.open",
                f"case/{evidence.case_id}",
                {"evidence": evidence.id, "sealed_sha256": evidence.blob_sha256},
            )
            return data

    def reporter_contact(self, report_id: int) -> str | None:
        """A reporter's contact, unsealed; each reading is journalled (it is personal data)."""
        with self.hl.sessions() as session, session.begin():
            report = existing(session, Report, report_id, "report")
            if report.reporter_contact is None:
                return None
            raw = self.hl.vault.unseal(
                bytes.fromhex(report.reporter_contact), f"case:{report.case_id}:contact"
            )
            journal.append(
                session, self.actor, "hotline.contact.read", f"case/{report.case_id}", {"report": report_id}
            )
            return raw.decode("utf-8")

    # -- assessment -------------------------------------------------------------------------------------

    def _add_assessment(
        self,
        session: Session,
        case: Case,
        scheme: str,
        category: str,
        verdict: str,
        by: str,
        media_id: int | None = None,
    ) -> None:
        assessment = Assessment(
            case_id=case.id,
            jurisdiction=self.hl.settings.hotline_jurisdiction,
            scheme=scheme,
            category=category,
            verdict=verdict,
            assessed_by=by,
            assessed_at=self.hl.clock.now(),
            media_id=media_id,
        )
        session.add(assessment)
        session.flush()
        self.hl.lifecycle.record(
            session, case, "assessment", by, verdict=verdict, scheme=scheme, category=category
        )
        journal.append(
            session,
            self.actor,
            "hotline.assess",
            f"case/{case.id}",
            {
                "assessment": assessment.id,
                "by": by,
                "scheme": scheme,
                "category": category,
                "verdict": verdict,
            },
        )

    def _after_verdict(self, session: Session, case: Case, verdict: str, by: str) -> str:
        if verdict == "illegal":
            self.hl.lifecycle.move(session, case, "assessed", by)
            actions.route(self.hl, session, case, by)
        elif verdict == "not_illegal":
            self.hl.lifecycle.move(session, case, "rejected", by, reason="not illegal")
        elif case.state == "new":
            self.hl.lifecycle.move(session, case, "triage", by)
        return case.state

    def assess(self, case_id: int, analyst: str, category: str | None, scheme: str | None = None) -> str:
        """An analyst's verdict under the hotline's jurisdiction; an illegal one routes the case. With
        items assessed, the case is never less severe than the most severe of them, and without a
        category (None or "") it takes that one (``item_rule.case_category``)."""
        with self.hl.sessions() as session, session.begin():
            case = self._case(session, case_id, lock=True)
            if case.state not in ("new", "triage"):
                raise HotlineError(f"case {case_id} is {case.state}, not awaiting assessment")
            catalog = load_catalog(session)
            try:
                place = catalog.jurisdiction(self.hl.settings.hotline_jurisdiction)
                rules = jurisdiction_scheme(session, place.code)
            except CatalogError as exc:
                raise HotlineError(str(exc)) from None
            info = catalog.scheme_by_id(place.scheme_id)
            if scheme is not None and scheme != info.name:
                raise HotlineError(f"jurisdiction {place.code} classifies with {info.name}, not {scheme}")
            if category and category not in info.categories:
                raise HotlineError(f"{category!r} is not a category of {info.name} ({info.describe_codes()})")
            try:
                category = case_category(items_say(session, rules, case_id), rules, category)
            except ValueError as exc:
                raise HotlineError(str(exc)) from None
            if category not in info.categories:
                raise HotlineError(f"{category!r} is not a category of {info.name} ({info.describe_codes()})")
            verdict = place.verdicts.get(info.categories[category].id, "undetermined")
            self._add_assessment(session, case, info.name, category, verdict, analyst, case.media_id)
            state = self._after_verdict(session, case, verdict, analyst)
        actions.deliver_pending(self.hl, case_id, self.actor)
        return state

    def triage_queue(self, limit: int = 100) -> list[QueueItem]:
        """Cases awaiting an analyst, oldest first."""
        with self.hl.sessions() as session:
            cases = session.execute(
                select(Case).where(Case.state == "triage").order_by(Case.opened_at, Case.id).limit(limit)
            ).scalars()
            out = []
            for case in cases:
                reports = session.execute(select(Report.id).where(Report.case_id == case.id)).all()
                evidence = session.execute(
                    select(Evidence.id).where(Evidence.case_id == case.id).limit(1)
                ).first()
                out.append(QueueItem(case.id, case.url, case.opened_at, len(reports), evidence is not None))
            return out

    # -- law-enforcement holds ----------------------------------------------------------------------

    def place_hold(self, case_id: int, agency: str, until: datetime, reason: str = "") -> int:
        with self.hl.sessions() as session, session.begin():
            case = self._case(session, case_id, lock=True)
            if case.state in CLOSED:
                raise HotlineError(f"case {case_id} is closed ({case.state})")
            now = self.hl.clock.now()
            if until <= now:
                raise HotlineError("a hold must end in the future")
            hold = Hold(
                case_id=case.id,
                agency=agency,
                placed_by=self.actor,
                reason=reason,
                placed_at=now,
                expires_at=until,
            )
            session.add(hold)
            session.flush()
            self.hl.lifecycle.record(session, case, "hold", self.actor, hold=hold.id, until=until.isoformat())
            journal.append(
                session,
                self.actor,
                "hotline.hold.place",
                f"case/{case.id}",
                {"hold": hold.id, "agency": agency, "until": until.isoformat(), "reason": reason},
            )
            return hold.id

    def lift_hold(self, hold_id: int) -> None:
        with self.hl.sessions() as session, session.begin():
            hold = existing(session, Hold, hold_id, "hold")
            if hold.lifted_at is not None:
                return
            hold.lifted_at, hold.lifted_by = self.hl.clock.now(), self.actor
            case = self._case(session, hold.case_id)
            self.hl.lifecycle.record(session, case, "hold.lifted", self.actor, hold=hold.id)
            journal.append(session, self.actor, "hotline.hold.lift", f"case/{case.id}", {"hold": hold.id})
