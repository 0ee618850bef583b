"""A case as staff read it (the API's case view, ``vigil hotline case``): its state and why, reports,
assessments, hosting, notices, holds and dated events; never its content, a notice's text or a
reporter's contact."""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.hotline.lifecycle import state_reason
from vigil.hotline.models import Assessment, Case, CaseEvent, Hold, Hosting, Notice, Report
from vigil.hotline.service import CaseNotFoundError

#: Columns never shown: notice text and signatures (long), a reporter's sealed contact (personal data).
HIDDEN: Final = frozenset({"body", "signature", "case_id", "reporter_contact"})


def _rows(session: Session, model: Any, case_id: int) -> list[dict[str, Any]]:
    found = session.execute(select(model).where(model.case_id == case_id).order_by(model.id)).scalars()
    columns = [c.key for c in model.__table__.columns if c.key not in HIDDEN]
    return [{key: getattr(row, key) for key in columns} for row in found]


def case_view(session: Session, case_id: int) -> dict[str, Any]:
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFoundError(f"no case {case_id}")
    return {
        "id": case.id,
        "url": case.url,
        "state": case.state,
        # Why it is in that state (a refusal by the fetch guard, a removal ...), from its latest change.
        "state_reason": state_reason(session, case.id),
        "opened_at": case.opened_at,
        "closed_at": case.closed_at,
        "media_id": case.media_id,
        "reports": _rows(session, Report, case_id),
        "assessments": _rows(session, Assessment, case_id),
        "hosting": _rows(session, Hosting, case_id),
        "notices": _rows(session, Notice, case_id),
        "holds": _rows(session, Hold, case_id),
        "events": _rows(session, CaseEvent, case_id),
    }
