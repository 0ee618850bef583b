"""A console app whose hotline resolves test names to loopback, and cases in triage with a captured
benign generated picture, made through the hotline's own services (report, fetch, capture)."""

from __future__ import annotations

import io

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hotline.servers import Page, Site, StubResolver
from vigil.config import Settings
from vigil.demo.images import scene
from vigil.hotline.clock import SystemClock
from vigil.hotline.ipdata import NoIpData
from vigil.hotline.models import PageItem
from vigil.hotline.runtime import Hotline, build_hotline
from vigil.hotline.service import HotlineService
from vigil.web.hotline import WebHotline
from vigil.web.limits import RateLimiter

NAMES = ("good.example", "bad.example", "far.example", "remote.example")


def console_hotline(settings: Settings, sessions: sessionmaker[Session]) -> Hotline:
    resolver = StubResolver({n: ["127.0.0.1"] for n in NAMES})
    return build_hotline(settings, sessions, clock=SystemClock(), resolver=resolver, ipdata=NoIpData())


def attach(app: FastAPI, hotline: Hotline) -> None:
    """Give the app this hotline (before its first request builds one that asks real DNS)."""
    app.state.hotline = WebHotline(hotline, RateLimiter(0, 1), None)


def jpeg(seed: int) -> bytes:
    out = io.BytesIO()
    scene(seed, (320, 240)).save(out, "JPEG", quality=90)
    return out.getvalue()


def triage_case(hotline: Hotline, site: Site, seed: int, host: str = "good.example") -> int:
    url = site.put(host, f"/item-{seed}.jpg", Page(body=jpeg(seed), headers={"Content-Type": "image/jpeg"}))
    done = HotlineService(hotline, "test").submit(url, source="partner", submitted_by="partner-x")
    state = HotlineService(hotline, "system").process(done.case_id)
    assert state == "triage", state
    return done.case_id


def triage_page(hotline: Hotline, site: Site, seeds: list[int], host: str = "good.example") -> int:
    """A reported page showing one generated picture per seed (none known): a case in triage whose
    items are captured and unknown, ready to be assessed item by item."""
    images = []
    for seed in seeds:
        url = site.put(
            host, f"/pics/{seed}.jpg", Page(body=jpeg(seed), headers={"Content-Type": "image/jpeg"})
        )
        images.append(f'<img src="{url}" alt="">')
    html = f"<!doctype html><html><body>{''.join(images)}</body></html>"
    page = site.put(
        host, f"/page-{seeds[0]}.html", Page(body=html.encode(), headers={"Content-Type": "text/html"})
    )
    done = HotlineService(hotline, "test").submit(page, source="partner", submitted_by="partner-x")
    state = HotlineService(hotline, "system").process(done.case_id)
    assert state == "triage", state
    return done.case_id


def page_items(hotline: Hotline, case_id: int) -> list[int]:
    """The ids of the case's page items, in page order."""
    with hotline.sessions() as session:
        query = select(PageItem.id).where(PageItem.case_id == case_id).order_by(PageItem.position)
        return list(session.execute(query).scalars())
