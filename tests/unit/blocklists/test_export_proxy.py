from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterable

import pytest

from vigil.blocklists.export.proxy import ProxyList, build_proxy_list, parse_proxy_list, render_proxy_list
from vigil.blocklists.versions import ListVersion
from vigil.signals.url import InvalidURLError, canonical_url, url_host, url_sha256

from .builders import entry, version

#: A made-up DNS: what the export would learn from a resolver, without a network.
FAKE_DNS = {
    "blocked.example": ["192.0.2.12", "2001:db8::12"],
    "dedicated.example": ["192.0.2.13"],
    "urlhost.example": ["192.0.2.15", "192.0.2.12"],
    "xn--bcher-kva.example": [],
}


def fake_resolve(name: str) -> Iterable[str]:
    return FAKE_DNS[name]


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_proxy_list_contents(sample: ListVersion) -> None:
    proxy = build_proxy_list(sample, fake_resolve)
    assert set(proxy.url_hashes) == {
        sha("http://urlhost.example/some/page?id=1"),
        sha("https://urlhost.example/some/page?id=1"),
        sha("http://192.0.2.50/on/a/bare/address"),
        sha("https://192.0.2.50/on/a/bare/address"),
        sha("https://blocked.example/also/a/url"),
        sha("http://blocked.example/also/a/url"),
    }
    assert dict(proxy.host_hashes) == {
        sha("blocked.example"): False,
        sha("dedicated.example"): True,
        sha("xn--bcher-kva.example"): False,
    }
    assert [str(a) for a in proxy.routes] == [
        "192.0.2.12",
        "192.0.2.13",
        "192.0.2.15",
        "192.0.2.50",
        "2001:db8::12",
    ]


def test_the_list_does_not_reveal_the_urls(sample: ListVersion) -> None:
    text = render_proxy_list(build_proxy_list(sample, fake_resolve))
    for revealing in ("urlhost", "some/page", "blocked.example", "dedicated", "bcher"):
        assert revealing not in text


def test_each_name_is_resolved_once() -> None:
    asked: list[str] = []

    def counting(name: str) -> list[str]:
        asked.append(name)
        return ["192.0.2.1"]

    v = version(1, entry("http://a.example/1"), entry("http://a.example/2"), entry("a.example"))
    build_proxy_list(v, counting)
    assert asked == ["a.example"]


def test_scheme_twin_drops_the_other_default_port() -> None:
    v = version(1, entry("https://a.example:80/x"))
    proxy = build_proxy_list(v, lambda _: [], both_schemes=True)
    assert set(proxy.url_hashes) == {sha("https://a.example:80/x"), sha("http://a.example/x")}
    assert build_proxy_list(v, lambda _: [], both_schemes=False).url_hashes == (
        sha("https://a.example:80/x"),
    )


def test_render_parse_round_trip(sample: ListVersion) -> None:
    proxy = build_proxy_list(sample, fake_resolve)
    text = render_proxy_list(proxy)
    assert text.startswith("vigil-proxy-list 1\nlist worst-of\nserial 7\n")
    assert parse_proxy_list(text) == proxy


def is_blocked(proxy: ProxyList, requested: str) -> bool:
    """What a second-stage proxy does with a request (the reference for proxy implementers)."""
    try:
        canonical = canonical_url(requested)
    except InvalidURLError:
        return False
    if url_sha256(canonical) in proxy.url_hashes:
        return True
    host = url_host(canonical)
    hosts = dict(proxy.host_hashes)
    labels = host.split(".")
    for start in range(len(labels)):
        digest = sha(".".join(labels[start:]))
        if digest in hosts and (start == 0 or hosts[digest]):
            return True
    return False


@pytest.mark.parametrize(
    ("requested", "blocked"),
    [
        ("http://URLHOST.example:80/some/./page?id=1#top", True),
        ("https://urlhost.example/some/page?id=1", True),
        ("http://urlhost.example/some/page?id=2", False),
        ("http://urlhost.example/", False),
        ("http://blocked.example/anything", True),
        ("http://www.blocked.example/anything", False),
        ("http://a.b.dedicated.example/x", True),
        ("http://bücher.example/", True),
        ("http://0xc0.0.2.50/on/a/bare/address", True),
        ("http://open.example/", False),
    ],
)
def test_a_proxy_blocks_exactly_the_listed(sample: ListVersion, requested: str, blocked: bool) -> None:
    proxy = parse_proxy_list(render_proxy_list(build_proxy_list(sample, fake_resolve)))
    assert is_blocked(proxy, requested) is blocked


@pytest.mark.parametrize(
    "text",
    [
        "vigil-proxy-list 2\n[url-sha256]\n",
        "list x\n[url-sha256]\n",
        "vigil-proxy-list 1\n[other]\n",
        "vigil-proxy-list 1\n[url-sha256]\nABC\n",
        "vigil-proxy-list 1\n[host-sha256]\n" + "0" * 64 + " everything\n",
        "vigil-proxy-list 1\n[route]\n300.1.1.1\n",
    ],
)
def test_malformed_proxy_lists_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_proxy_list(text)


def test_resolver_answers_are_checked() -> None:
    with pytest.raises(ValueError):
        build_proxy_list(version(1, entry("a.example")), lambda _: ["not an address"])
    assert (
        ipaddress.ip_address("192.0.2.1")
        in build_proxy_list(version(1, entry("a.example")), lambda _: ["192.0.2.1"]).routes
    )
