"""Hosting resolution (packaged IP data, the host directory, a local DNS server), routing, webhooks and
re-check outcomes."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hotline.parts import (
    DIRECTORY,
    T0,
    hotline_settings,
    make_hotline,
    seed_known,
    smtp_server,
    write_directory,
    write_images,
)
from tests.integration.hotline.servers import ConnectGuard, Page, StubResolver, dns_server, http_site
from vigil import signing
from vigil.config import Settings
from vigil.demo.images import scene
from vigil.hotline.clock import ManualClock
from vigil.hotline.directory import DirectoryError, parse_directory
from vigil.hotline.fetch import DnsResolver
from vigil.hotline.hosting import HostingResolver
from vigil.hotline.ipdata import NoIpData, PackagedIpData
from vigil.hotline.models import Recheck
from vigil.hotline.notices import load_signing_key
from vigil.hotline.recheck import recheck, run_due
from vigil.hotline.routing import decide
from vigil.hotline.service import HotlineService

pytestmark = pytest.mark.slow

ip = ipaddress.ip_address


def test_packaged_ip_data_offline() -> None:
    data = PackagedIpData()
    for private in (
        "127.0.0.1",
        "192.0.2.7",
        "198.51.100.1",
        "203.0.113.9",
        "10.0.0.1",
        "2001:db8::1",
        "::1",
    ):
        assert (data.lookup(ip(private)).country, data.lookup(ip(private)).as_name) == (None, None)
    ripe = data.lookup(ip("193.0.6.139"))
    assert ripe.country == "NL"
    assert ripe.as_name and "RIPE" in ripe.as_name
    assert data.lookup(ip("2a00:1450:4001::1")).country is not None


def test_directory_parsing() -> None:
    directory = parse_directory(DIRECTORY.format(partner="http://127.0.0.1:1/r", token="t"))
    good = directory.host_for("img.good.example", None, None)
    assert good is not None and good.name == "Good Hosting" and good.abuse_email == "abuse@good.example"
    assert directory.host_for("notgood.example", None, None) is None
    assert directory.partner("NL") is not None and directory.partner("BR") is None
    networks = parse_directory('[[host]]\nname = "Net"\nnetworks = ["192.0.2.0/24"]\nasns = [64511]\n')
    assert networks.host_for("x.example", ip("192.0.2.77"), None) is not None
    assert networks.host_for("x.example", ip("198.51.100.1"), 64511) is not None
    for bad in (
        "[[host]]\nname = 3",
        '[[host]]\nname = "x"\ncountry = "USA"',
        "[[partner]]\ncountry = 'NL'",
        "x =",
    ):
        with pytest.raises(DirectoryError):
            parse_directory(bad)


def test_trace_through_a_local_dns_server(connect_guard: ConnectGuard) -> None:
    directory = parse_directory(DIRECTORY.format(partner="http://127.0.0.1:1/r", token=""))
    with dns_server({"img.good.example": ["127.0.0.1"], "far.example": ["127.0.0.1"]}) as port:
        hosting = HostingResolver(DnsResolver(["127.0.0.1"], port=port), NoIpData(), directory)
        trace = hosting.trace("img.good.example")
        assert (trace.ip, trace.country, trace.asn, trace.provider, trace.source) == (
            "127.0.0.1",
            "US",
            64500,
            "Good Hosting",
            "directory",
        )
        assert decide(trace, "US", directory).kind == "domestic"
        assert decide(hosting.trace("far.example"), "US", directory).kind == "partner"
        unknown = hosting.trace("127.0.0.1")
        assert (unknown.country, unknown.source) == (None, "none")
        assert decide(unknown, "US", directory).kind == "law_enforcement"


WEBHOOK = """
[[host]]
name = "Hook Hosting"
domains = ["hook.example"]
country = "US"
webhook_url = "{hook}"
webhook_secret = "s3cret"
"""


def test_webhook_notice_and_recheck_outcomes(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path, connect_guard: ConnectGuard
) -> None:
    images = write_images(tmp_path / "img", [51, 52, 53])
    seed_known(sessions, tmp_path, images)
    with http_site() as site, http_site() as hooks, smtp_server() as inbox:
        directory = tmp_path / "dir.toml"
        directory.write_text(WEBHOOK.format(hook=hooks.url("127.0.0.1", "/abuse")), encoding="utf-8")
        settings = hotline_settings(db_settings, inbox.port, directory)
        clock = ManualClock(T0)
        resolver = StubResolver({"hook.example": ["127.0.0.1"]})
        hl = make_hotline(settings, sessions, clock, resolver)
        service = HotlineService(hl, "test")
        urls = [
            site.put("hook.example", f"/{i}.jpg", Page(body=p.read_bytes())) for i, p in enumerate(images)
        ]
        cases = [service.submit(u).case_id for u in urls]
        run_due(hl)
        assert len(hooks.posts) == 3
        _, headers, body = hooks.posts[0]
        assert hmac.compare_digest(
            headers["X-Vigil-Hmac-SHA256"], hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
        )
        signing.verify(body, headers["X-Vigil-Signature"], load_signing_key(settings).public_key())
        assert json.loads(body)["reference"] == f"VIGIL-{cases[0]}"

        # Case 0: other content now at the URL; then the name stops resolving (cases 1 and 2).
        site.put("hook.example", "/0.jpg", Page(body=_jpeg_of(scene(99))))
        clock.advance(hours=24)
        first = recheck(hl, cases[0])
        resolver.table.pop("hook.example")
        results = [first, *(recheck(hl, c) for c in cases[1:])]
        assert [(r.outcome, r.reason) for r in results if r] == [
            ("removed", "content-changed"),
            ("removed", "nxdomain"),
            ("removed", "nxdomain"),
        ]
    with sessions() as session:
        reasons = [r.reason for r in session.execute(select(Recheck).order_by(Recheck.id)).scalars()]
    assert reasons == ["content-changed", "nxdomain", "nxdomain"]


def test_server_errors_prove_nothing(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path, connect_guard: ConnectGuard
) -> None:
    images = write_images(tmp_path / "img", [61])
    seed_known(sessions, tmp_path, images)
    with http_site() as site, smtp_server() as inbox:
        settings = hotline_settings(db_settings, inbox.port, write_directory(tmp_path / "dir.toml"))
        clock = ManualClock(T0)
        resolver = StubResolver({"good.example": ["127.0.0.1"]})
        hl = make_hotline(settings, sessions, clock, resolver)
        url = site.put("good.example", "/x.jpg", Page(body=images[0].read_bytes()))
        case_id = HotlineService(hl, "test").submit(url).case_id
        run_due(hl)
        for status, gone in ((503, False), (403, False), (200, False), (410, True)):
            site.put("good.example", "/x.jpg", Page(status, images[0].read_bytes()))
            clock.advance(timedelta(hours=24))
            result = recheck(hl, case_id)
            assert result is not None and (result.outcome == "removed") == gone, (status, result)


def _jpeg_of(image: object) -> bytes:
    import io

    from PIL import Image

    assert isinstance(image, Image.Image)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()
