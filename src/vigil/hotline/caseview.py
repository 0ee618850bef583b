"""A case as staff see it (the API's case page, ``vigil hotline case``): named fields only, never the
content, its signals, a notice's body or signature, or a reporter's contact.

Every field shown is listed here: a column added to a table stays out of the view until it is added
below on purpose.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.db.base import Base
from vigil.hotline.hosting import TRACED
from vigil.hotline.lifecycle import state_reason
from vigil.hotline.models import (
    Assessment,
    Case,
    CaseEvent,
    Evidence,
    Forward,
    Hold,
    Hosting,
    ItemAssessment,
    Notice,
    PageItem,
    Recheck,
    Report,
)
from vigil.hotline.service import existing

#: What a case's assessment and an item's assessment both record.
_ASSESSED: Final = ("jurisdiction", "scheme", "category", "verdict", "assessed_by", "assessed_at")
CASE_FIELDS: Final = ("id", "url", "state", "opened_at", "closed_at", "media_id")
SHOWN: Final[dict[type[Base], tuple[str, ...]]] = {
    # Never the reporter's contact: it is personal data, read (and journaled) only where allowed.
    Report: ("id", "received_at", "source", "submitted_by", "reported_url", "description", "external_ref"),
    Assessment: ("id", *_ASSESSED, "media_id"),
    Hosting: ("id", "resolved_at", *TRACED),
    Notice: (
        "id",
        "kind",
        "channel",
        "recipient",
        "sequence",
        "subject",
        "status",
        "created_at",
        "sent_at",
        "attempts",
        "error",
    ),
    Hold: ("id", "agency", "placed_by", "reason", "placed_at", "expires_at", "lifted_at", "lifted_by"),
    CaseEvent: ("id", "at", "kind", "from_state", "to_state", "actor", "details"),
    # The console's sections (its evidence previews, forwards and re-checks); never a blob's name or the
    # sealed signals.
    Evidence: ("id", "captured_at", "final_url", "ip", "http_status", "content_type", "size", "blob_sha256"),
    Forward: ("id", "kind", "country", "recipient", "sent_at", "response_status", "remote_ref", "error"),
    Recheck: ("id", "checked_at", "outcome", "reason", "http_status"),
    PageItem: (
        "id",
        "position",
        "url",
        "final_url",
        "outcome",
        "evidence_id",
        "http_status",
        "content_type",
        "size",
        "media_id",
        "matched_on",
        "distance",
        "scheme",
        "category",
        "verdict",
        "error",
    ),
    ItemAssessment: ("item_id", *_ASSESSED),
}
SECTIONS: Final = (
    ("reports", Report),
    ("assessments", Assessment),
    ("hosting", Hosting),
    ("notices", Notice),
    ("holds", Hold),
    ("events", CaseEvent),
    ("items", PageItem),
)

#: The analyst's desk (``hotline/desk.py``): every section, the evidence, forwards and re-checks included;
#: each row shows the fields :data:`SHOWN` allows.
DESK_SECTIONS: Final = (
    ("reports", Report),
    ("hosting", Hosting),
    ("evidence", Evidence),
    ("assessments", Assessment),
    ("notices", Notice),
    ("forwards", Forward),
    ("rechecks", Recheck),
    ("holds", Hold),
    ("events", CaseEvent),
    ("items", PageItem),
    ("item_assessments", ItemAssessment),
)


def rows(session: Session, model: Any, case_id: int) -> list[dict[str, Any]]:
    """A case's rows of ``model``, in order, as their allow-listed fields."""
    fields = SHOWN[model]
    found = session.execute(select(model).where(model.case_id == case_id).order_by(model.id)).scalars()
    return [{name: getattr(row, name) for name in fields} for row in found]


def with_assessments(items: list[dict[str, Any]], assessments: list[dict[str, Any]]) -> None:
    """Give each item its analyst's ``assessment`` (None while unassessed) and its ``suggestion``: the
    category its match in the hash database carries here, shown to the analyst but never a verdict."""
    by_item = {a["item_id"]: a for a in assessments}
    for item in items:
        found = by_item.get(item["id"])
        item["assessment"] = {k: v for k, v in found.items() if k != "item_id"} if found else None
        item["suggestion"] = item["category"] if item["outcome"] == "known" else None


def case_view(session: Session, case_id: int) -> dict[str, Any]:
    """The case's page (:class:`CaseNotFoundError` when there is no such case). ``matched_item`` is the
    page item whose known verdict decided the case (None for a picture reported directly, or a page nobody
    matched)."""
    case = existing(session, Case, case_id, "case")
    view: dict[str, Any] = {name: getattr(case, name) for name in CASE_FIELDS}
    # Why it is in that state (a refusal by the fetch guard, a removal ...), from its latest change.
    view["state_reason"] = state_reason(session, case.id)
    for key, model in SECTIONS:
        view[key] = rows(session, model, case_id)
    with_assessments(view["items"], rows(session, ItemAssessment, case_id))
    decided = [a for a in view["assessments"] if a["assessed_by"] == "hashdb" and a["media_id"] is not None]
    view["matched_item"] = next(
        (
            item
            for item in view["items"]
            if decided and item["outcome"] == "known" and item["media_id"] == decided[-1]["media_id"]
        ),
        None,
    )
    return view
