"""What the hotline captured of known media: for hash-database items (a series' media, say), the
evidence whose content matched them, so the console can show a blurred preview through the case's own
preview route. The hash database holds hashes only; the pictures are the hotline's sealed evidence.

A case whose own content matched (``Case.media_id``) gives its first evidence; an item found in a
reported page and fetched (``PageItem``) gives that item's evidence. The newest capture wins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vigil.hotline.desk import VIDEO_TYPES
from vigil.hotline.models import Case, Evidence, PageItem


@dataclass(frozen=True, slots=True)
class Capture:
    media_id: int
    case_id: int
    evidence_id: int
    video: bool


def captures(session: Session, media_ids: Sequence[int]) -> dict[int, Capture]:
    """The newest captured evidence of each of ``media_ids`` that has one."""
    if not media_ids:
        return {}
    ids = list(media_ids)
    page_items = session.execute(
        select(PageItem.media_id, PageItem.case_id, func.max(PageItem.evidence_id))
        .where(PageItem.media_id.in_(ids), PageItem.evidence_id.is_not(None))
        .group_by(PageItem.media_id, PageItem.case_id)
    ).all()
    first_of_case = (
        select(Evidence.case_id, func.min(Evidence.id).label("evidence_id"))
        .group_by(Evidence.case_id)
        .subquery()
    )
    cases = session.execute(
        select(Case.media_id, Case.id, first_of_case.c.evidence_id)
        .join(first_of_case, first_of_case.c.case_id == Case.id)
        .where(Case.media_id.in_(ids))
    ).all()
    newest: dict[int, tuple[int, int]] = {}
    for media_id, case_id, evidence_id in [*page_items, *cases]:
        if media_id is None or evidence_id is None:
            continue
        if media_id not in newest or evidence_id > newest[media_id][1]:
            newest[media_id] = (case_id, evidence_id)
    kinds = dict(
        session.execute(
            select(Evidence.id, Evidence.content_type).where(Evidence.id.in_([e for _, e in newest.values()]))
        ).all()
    )
    return {
        media_id: Capture(media_id, case_id, evidence_id, _kind(kinds.get(evidence_id)) in VIDEO_TYPES)
        for media_id, (case_id, evidence_id) in newest.items()
    }


def _kind(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()
