"""Following a reported page: each item it shows (:mod:`vigil.hotline.pages`) is fetched through the same
hostile-fetch guard as the page, under the page's caps (items, bytes, time), hashed and matched on its
own; the case records every item with its outcome, and a known item's verdict decides the case as a
known picture reported directly would.

Fetching and matching happen before the case's transaction (:func:`follow_page`); what they found is
recorded inside it (:func:`record_items`).
"""

from __future__ import annotations

import mimetypes
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from vigil.hotline.fetch import Fetched, FetchError, FetchRefusedError, FetchTooLargeError
from vigil.hotline.known import KnownContent, identify, list_matches, record_video_matches
from vigil.hotline.models import Case, Evidence, PageItem
from vigil.hotline.pages import PageItems, data_url_bytes, extract, is_html
from vigil.hotline.runtime import Hotline
from vigil.matching import ListMatch
from vigil.signals.content import hash_bytes
from vigil.signals.values import Signals

#: How much of a ``data:`` URL the case records (its bytes are in the sealed evidence).
DATA_URL_SHOWN = 64

Capture = Callable[[Session, Case, Fetched, Signals], Evidence]


@dataclass
class Followed:
    position: int
    url: str
    #: ``fetched``, ``failed``, ``refused`` or ``skipped`` until the case's transaction matches it.
    outcome: str
    fetched: Fetched | None = None
    signals: Signals | None = None
    matches: list[ListMatch] = field(default_factory=list)
    error: str | None = None


@dataclass
class FollowedPage:
    found: PageItems
    items: list[Followed]


def shown_url(url: str) -> str:
    """A URL as the case shows it: a ``data:`` URL by its type only."""
    if url.lower().startswith("data:"):
        return url[: min(DATA_URL_SHOWN, url.find(",") + 1 or DATA_URL_SHOWN)] + "…"
    return url


def _data_item(page: Fetched, url: str, budget: int) -> Fetched:
    body = data_url_bytes(url)
    if len(body) > budget:
        raise FetchTooLargeError(f"content exceeds the {budget} bytes left of the page's budget")
    mime = url[5:].split(",", 1)[0].split(";", 1)[0] or None
    return Fetched(shown_url(url), shown_url(url), page.ip, 200, mime, body)


def follow_page(hl: Hotline, page: Fetched) -> FollowedPage | None:
    """Fetch, hash and match every item of ``page``; None when it is not HTML (or following is off)."""
    settings = hl.settings
    if settings.hotline_page_max_items == 0 or not is_html(page.content_type, page.body):
        return None
    found = extract(
        page.body,
        page.final_url,
        page.content_type,
        settings.hotline_page_max_items,
        settings.hotline_page_max_html_bytes,
    )
    budget = settings.hotline_page_max_bytes
    deadline = time.monotonic() + settings.hotline_page_timeout
    out: list[Followed] = []
    for position, url in enumerate(found.urls):
        item = Followed(position, url, "fetched")
        out.append(item)
        left = deadline - time.monotonic()
        if budget <= 0 or left <= 0:
            item.outcome = "skipped"
            item.error = "the page's byte budget is spent" if budget <= 0 else "the page's time limit passed"
            continue
        try:
            if url.lower().startswith("data:"):
                fetched = _data_item(page, url, budget)
            else:
                fetched = hl.fetcher.fetch(url, max_bytes=budget, timeout=left)
        except FetchRefusedError as exc:
            item.outcome, item.error = "refused", str(exc)
            continue
        except FetchTooLargeError as exc:
            item.outcome, item.error = "failed", str(exc)
            if budget < hl.fetcher.policy.max_bytes:
                budget = 0  # cut off by what was left of the page's budget: that is spent now
            continue
        except (FetchError, ValueError) as exc:
            item.outcome, item.error = "failed", str(exc)
            continue
        item.fetched = fetched
        budget -= len(fetched.body)
        if fetched.status != 200 or not fetched.body:
            item.outcome, item.error = "failed", f"http-{fetched.status}"
            continue
        name = fetched.final_url.rsplit("/", 1)[-1].split("?", 1)[0] or "item"
        if "." not in name and fetched.content_type:
            name += mimetypes.guess_extension(fetched.content_type.split(";", 1)[0].strip()) or ""
        item.signals = hash_bytes(name, fetched.body, hl.hash_options).signals
        item.matches = list_matches(hl.matcher, item.signals)
    return FollowedPage(found, out)


def record_items(
    hl: Hotline,
    session: Session,
    case: Case,
    page_evidence: Evidence,
    followed: FollowedPage,
    capture: Capture,
) -> list[tuple[PageItem, KnownContent]]:
    """Seal each fetched item as evidence, identify it, and add its row; returns the known items."""
    known: list[tuple[PageItem, KnownContent]] = []
    now = hl.clock.now()
    for item in followed.items:
        row = PageItem(
            case_id=case.id,
            page_evidence_id=page_evidence.id,
            position=item.position,
            url=shown_url(item.url),
            fetched_at=now,
            outcome=item.outcome,
            error=item.error[:2000] if item.error else None,
        )
        fetched = item.fetched
        if fetched is not None:
            row.final_url = fetched.final_url
            row.http_status = fetched.status
            row.content_type = (fetched.content_type or "")[:255] or None
            row.size = len(fetched.body)
        if fetched is not None and item.signals is not None:
            row.evidence_id = capture(session, case, fetched, item.signals).id
            found = identify(session, item.signals, hl.settings.hotline_jurisdiction, item.matches)
            record_video_matches(hl.lifecycle, session, case, item.matches, item=item.position)
            row.media_id, row.matched_on, row.distance = found.media_id, found.matched_on, found.distance
            row.outcome = "unknown" if found.media_id is None else "matched"
            if found.known is not None:
                row.outcome = "known"
                row.scheme, row.category, row.verdict = (
                    found.known.scheme,
                    found.known.category,
                    found.known.verdict,
                )
                known.append((row, found.known))
        session.add(row)
    session.flush()
    outcomes = [i.outcome for i in followed.items]
    hl.lifecycle.record(
        session,
        case,
        "page",
        "system",
        items=len(followed.items),
        known=len(known),
        failed=outcomes.count("failed") + outcomes.count("refused"),
        skipped=outcomes.count("skipped"),
        not_followed=followed.found.dropped,
        html_truncated=followed.found.truncated,
    )
    return known
