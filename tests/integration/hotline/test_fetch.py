"""Fetching reported URLs: limits, pinning, and every SSRF refusal made before any connection."""

from __future__ import annotations

import ipaddress
import time

import pytest

from tests.integration.hotline.servers import ConnectGuard, Page, StubResolver, dns_server, http_site
from vigil.hotline.fetch import (
    DnsResolver,
    Fetcher,
    FetchError,
    FetchPolicy,
    FetchRefusedError,
    NameNotFoundError,
    refusal,
)

LOOPBACK_ONLY = (ipaddress.ip_network("127.0.0.1/32"),)
POLICY = FetchPolicy(max_bytes=64 * 1024, timeout=2.0, max_redirects=3, allow=LOOPBACK_ONLY)


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "127.0.0.2",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "192.0.2.10",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "2001:db8::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "64:ff9b::a00:1",
        "2002:a00:1::1",
    ],
)
def test_refused_addresses(address: str) -> None:
    ip = ipaddress.ip_address(address)
    assert refusal(ip) is not None
    assert refusal(ip, LOOPBACK_ONLY) is not None or address in {"::ffff:127.0.0.1"}


@pytest.mark.parametrize("address", ["8.8.8.8", "193.0.6.139", "2a00:1450:4001::1", "64:ff9b::808:808"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def test_fetch_pins_the_checked_address(connect_guard: ConnectGuard) -> None:
    with http_site() as site:
        url = site.put(
            "pics.example", "/a.jpg", Page(body=b"x" * 100, headers={"Content-Type": "image/jpeg"})
        )
        # The second answer would be a rebinding to the hotline's network: it must never be asked for.
        resolver = StubResolver({"pics.example": [["127.0.0.1"], ["10.0.0.7"]]})
        got = Fetcher(POLICY, resolver).fetch(url)
    assert (got.status, got.body, got.ip, got.content_type) == (200, b"x" * 100, "127.0.0.1", "image/jpeg")
    assert resolver.asked == ["pics.example"]
    assert site.requests == [("pics.example", "/a.jpg")]
    assert set(connect_guard.connected) == {"127.0.0.1"}


@pytest.mark.parametrize(
    "answers",
    [["10.0.0.7"], ["169.254.169.254"], ["127.0.0.1", "192.168.0.1"], ["::1"], ["::ffff:10.0.0.7"]],
)
def test_names_resolving_to_forbidden_addresses_are_refused(
    connect_guard: ConnectGuard, answers: list[str]
) -> None:
    resolver = StubResolver({"inside.test": answers})
    with pytest.raises(FetchRefusedError):
        Fetcher(POLICY, resolver).fetch("http://inside.test:8080/x")
    assert connect_guard.connected == []


@pytest.mark.parametrize(
    "url",
    [
        "http://10.0.0.1/",
        "http://0x7f.0.0.2:8080/",
        "http://[::1]:8080/",
        "http://[::ffff:a00:1]/",
        "file:///etc/passwd",
        "gopher://127.0.0.1:6379/_INFO",
        "ftp://pics.example/a",
    ],
)
def test_forbidden_literals_and_schemes(connect_guard: ConnectGuard, url: str) -> None:
    with pytest.raises(FetchRefusedError):
        Fetcher(POLICY, StubResolver()).fetch(url)
    assert connect_guard.connected == []


def test_redirects_are_checked_hop_by_hop(connect_guard: ConnectGuard) -> None:
    with http_site() as site:
        resolver = StubResolver({"pics.example": ["127.0.0.1"], "internal.test": ["10.9.9.9"]})
        site.put("pics.example", "/ok", Page(302, headers={"Location": "/final"}))
        site.put("pics.example", "/final", Page(body=b"done"))
        site.put("pics.example", "/to-inside", Page(302, headers={"Location": "http://internal.test/admin"}))
        site.put("pics.example", "/to-meta", Page(301, headers={"Location": "http://169.254.169.254/latest"}))
        site.put("pics.example", "/to-file", Page(302, headers={"Location": "file:///etc/passwd"}))
        site.put("pics.example", "/loop", Page(302, headers={"Location": "/loop"}))
        fetcher = Fetcher(POLICY, resolver)
        got = fetcher.fetch(site.url("pics.example", "/ok"))
        assert (got.body, got.final_url, got.redirects) == (
            b"done",
            site.url("pics.example", "/final"),
            [site.url("pics.example", "/ok")],
        )
        for path in ("/to-inside", "/to-meta", "/to-file"):
            with pytest.raises(FetchRefusedError):
                fetcher.fetch(site.url("pics.example", path))
        with pytest.raises(FetchError, match="more than 3 redirects"):
            fetcher.fetch(site.url("pics.example", "/loop"))
    assert set(connect_guard.connected) == {"127.0.0.1"}


def test_a_name_that_rebinds_between_redirect_hops_is_refused(connect_guard: ConnectGuard) -> None:
    with http_site() as site:
        site.put("flip.example", "/a", Page(302, headers={"Location": "/b"}))
        site.put("flip.example", "/b", Page(body=b"secret"))
        resolver = StubResolver({"flip.example": [["127.0.0.1"], ["10.0.0.8"]]})
        with pytest.raises(FetchRefusedError, match=r"10\.0\.0\.8"):
            Fetcher(POLICY, resolver).fetch(site.url("flip.example", "/a"))
        assert site.requests == [("flip.example", "/a")]


def test_size_cap(connect_guard: ConnectGuard) -> None:
    with http_site() as site:
        site.put("big.example", "/big", Page(body=b"y" * (POLICY.max_bytes + 1)))
        with pytest.raises(FetchError, match="exceeds"):
            Fetcher(POLICY, StubResolver({"big.example": ["127.0.0.1"]})).fetch(
                site.url("big.example", "/big")
            )


def test_time_cap(connect_guard: ConnectGuard) -> None:
    policy = FetchPolicy(timeout=0.5, allow=LOOPBACK_ONLY)
    with http_site() as site:
        site.put("slow.example", "/drip", Page(body=b"z" * 40, drip=0.05))
        started = time.monotonic()
        with pytest.raises(FetchError, match="time limit"):
            Fetcher(policy, StubResolver({"slow.example": ["127.0.0.1"]})).fetch(
                site.url("slow.example", "/drip")
            )
        assert time.monotonic() - started < 1.5


def test_dns_resolver_on_a_local_server(connect_guard: ConnectGuard) -> None:
    records = {"pics.example": ["127.0.0.1"], "v6.example": ["::1"], "inside.test": ["10.1.1.1"]}
    with dns_server(records) as port, http_site() as site:
        resolver = DnsResolver(["127.0.0.1"], port=port, timeout=2.0)
        assert resolver.resolve("pics.example") == ["127.0.0.1"]
        assert resolver.resolve("v6.example") == ["::1"]
        with pytest.raises(NameNotFoundError):
            resolver.resolve("gone.example")
        url = site.put("pics.example", "/p", Page(body=b"ok"))
        assert Fetcher(POLICY, resolver).fetch(url).body == b"ok"
        with pytest.raises(FetchRefusedError):
            Fetcher(POLICY, resolver).fetch("http://inside.test/")
        with pytest.raises(NameNotFoundError):
            Fetcher(POLICY, resolver).fetch("http://gone.example/")
