"""The hotline runtime of a running app: built on first use from the app's settings and sessions (and its
matcher, for PDQ matching of fetched content), kept on ``app.state``."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from fastapi import Request

from vigil.hotline.jobs import HotlineJobs, make_queue
from vigil.hotline.runtime import Hotline, build_hotline
from vigil.web.context import context
from vigil.web.limits import RateLimiter

log = logging.getLogger(__name__)
_LOCK = threading.Lock()


@dataclass
class WebHotline:
    hotline: Hotline
    #: The public form's own, stricter limit (per address).
    form_limiter: RateLimiter
    jobs: HotlineJobs | None


def web_hotline(request: Request) -> WebHotline:
    state = request.app.state
    found = getattr(state, "hotline", None)
    if isinstance(found, WebHotline):
        return found
    with _LOCK:
        found = getattr(state, "hotline", None)
        if isinstance(found, WebHotline):
            return found
        ctx = context(request)
        settings = ctx.settings
        hotline = build_hotline(settings, ctx.sessions, matcher=ctx.matcher)
        rate = settings.hotline_report_rate_per_minute
        try:
            jobs: HotlineJobs | None = HotlineJobs(make_queue(settings), lambda: hotline)
        except Exception:  # the queue is an optimisation: the worker's sweep finds new cases anyway
            log.exception("the hotline job queue is not available; new reports wait for the sweep")
            jobs = None
        found = WebHotline(hotline, RateLimiter(rate / 60.0, max(1, int(rate))), jobs)
        state.hotline = found
        return found


def enqueue(web: WebHotline, case_id: int) -> None:
    """Ask a worker to fetch the new case now rather than at the next sweep (best effort)."""
    if web.jobs is None:
        return
    try:
        web.jobs.case_job(case_id)
    except Exception:  # same as above: the sweep is the guarantee, this only saves minutes
        log.exception("could not enqueue case %s", case_id)
