from __future__ import annotations

import hashlib

import pytest
from ada_url import parse_url
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.plugins import build_registry, plugin_manager
from vigil.signals.base import InvalidSignalError, SignalType
from vigil.signals.url import (
    URL,
    InvalidDomainError,
    InvalidURLError,
    canonical_domain,
    canonical_url,
    is_ip_host,
    url_host,
    url_sha256,
)

CANONICAL = [
    # scheme and host lowercase, default port and fragment dropped, dot segments resolved
    ("HTTP://EXAMPLE.com:80/a/./b/../c#frag", "http://example.com/a/c"),
    ("https://example.com:443", "https://example.com/"),
    ("http://example.com:8080/x", "http://example.com:8080/x"),
    # IDNA / UTS-46: to punycode, with mapping (ß, full-width letters, roman numeral six)
    ("http://Bücher.example/", "http://xn--bcher-kva.example/"),
    ("https://Straße.example/", "https://xn--strae-oqa.example/"),
    ("http://ｅｘａｍｐｌｅ.test/", "http://example.test/"),
    ("http://\u2165.test/", "http://vi.test/"),
    # trailing dot of the host
    ("http://example.test./p", "http://example.test/p"),
    # IPv4 literals in legacy spellings, IPv6 compressed
    ("http://0x7f.1/", "http://127.0.0.1/"),
    ("http://0177.0.0.1/", "http://127.0.0.1/"),
    ("http://[0:0:0:0:0:0:0:1]:8080/", "http://[::1]:8080/"),
    ("http://[2001:DB8::0:1]/", "http://[2001:db8::1]/"),
    # percent-encoding: unreserved decoded, hex upper-cased, delimiters kept escaped
    ("http://a.test/%7euser/%41%2fb%3f", "http://a.test/~user/A%2Fb%3F"),
    ("http://a.test/?q=%7e&r=%2b", "http://a.test/?q=~&r=%2B"),
    ("http://a.test/%2e%2E/x", "http://a.test/x"),
    ("http://a.test/a|b%7cc", "http://a.test/a%7Cb%7Cc"),
    ("http://a.test/ü p", "http://a.test/%C3%BC%20p"),
    ("http://a.test/bad%zz%", "http://a.test/bad%25zz%25"),
    # userinfo and empty query dropped
    ("http://user:pw@a.test/x?", "http://a.test/x"),
    # scheme-less input, as people type it
    ("example.test/path", "http://example.test/path"),
    ("//example.test/p", "http://example.test/p"),
    ("example.test:8080/x", "http://example.test:8080/x"),
    ("  http://a.test/\t\n", "http://a.test/"),
    ("http://a.test/a\\b", "http://a.test/a/b"),
]


@pytest.mark.parametrize(("text", "expected"), CANONICAL)
def test_canonical_form(text: str, expected: str) -> None:
    assert canonical_url(text) == expected
    assert canonical_url(expected) == expected


INVALID = [
    "",
    "   ",
    "ftp://a.test/",
    "mailto:someone@a.test",
    "javascript:alert(1)",
    "http://a..test/",
    "http://-a.test/",
    "http://exa mple.test/",
    "http://xn--zz.test/",  # not valid punycode
    "http://a|b.test/",
    "http://" + "a" * 64 + ".test/",
    "http://1.2.3.256/",
    "http://a.test/" + "x" * 9000,
    "http://\ud800.test/",
]


@pytest.mark.parametrize("text", INVALID)
def test_invalid_urls_are_refused(text: str) -> None:
    with pytest.raises(InvalidURLError):
        canonical_url(text)


def test_errors_are_signal_errors() -> None:
    assert issubclass(InvalidURLError, InvalidSignalError)
    assert issubclass(InvalidDomainError, InvalidSignalError)


def test_sha256_is_over_the_canonical_form() -> None:
    expected = hashlib.sha256(b"http://example.com/a/c").hexdigest()
    assert url_sha256("HTTP://Example.COM:80/a/./b/../c#x") == expected


@pytest.mark.parametrize(
    ("url", "host", "ip"),
    [
        ("http://a.test:8080/x?y=1", "a.test", False),
        ("http://a.test?y=1", "a.test", False),
        ("https://[::1]:8443/x", "[::1]", True),
        ("http://192.0.2.7/x", "192.0.2.7", True),
        ("http://xn--bcher-kva.example/", "xn--bcher-kva.example", False),
    ],
)
def test_url_host(url: str, host: str, ip: bool) -> None:
    assert url_host(canonical_url(url)) == host
    assert is_ip_host(host) is ip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bücher.Example.", "xn--bcher-kva.example"),
        ("a.test", "a.test"),
        ("a_b.example", "a_b.example"),
        ("XN--BCHER-KVA.example", "xn--bcher-kva.example"),
    ],
)
def test_canonical_domain(text: str, expected: str) -> None:
    assert canonical_domain(text) == expected
    # A domain entry and the host of a URL entry for the same site agree.
    assert url_host(canonical_url(f"http://{text}/")) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "localhost",
        "1.2.3.4",
        "0x7f.1",
        "a.test:80",
        "a.test/x",
        "*.a.test",
        "-a.test",
        "ex$mple.test",
        "a..test",
    ],
)
def test_invalid_domains(text: str) -> None:
    with pytest.raises(InvalidDomainError):
        canonical_domain(text)


def test_url_signal_type() -> None:
    assert isinstance(URL, SignalType)
    assert (URL.name, URL.content_kind, URL.default_threshold) == ("url", "url", 0)
    assert URL.normalize("HTTP://A.test:80/") == "http://a.test/"
    assert URL.distance("http://a.test/x#1", "HTTP://a.test/x") == 0
    assert URL.distance("http://a.test/x", "http://a.test/y") == 1
    with pytest.raises(InvalidSignalError):
        URL.normalize("not a url at all")


def test_url_signal_is_registered() -> None:
    registry = build_registry(plugin_manager(entry_points=False))
    assert registry.signal_types["url"] is URL


# --- properties -------------------------------------------------------------------------------------

LABEL_CHARS = "abcXYZ019-_äßü☃" + "\u00ad"
PATH_CHARS = "aZ09-._~!$&'()*+,;=:@/%?|^`{}[]\\ é\t" + "0123456789abcdefABCDEF"

labels = st.text(alphabet=LABEL_CHARS, min_size=1, max_size=12)
hosts = st.one_of(
    st.lists(labels, min_size=1, max_size=4).map(".".join).map(lambda h: h + ".test"),
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
)
urls = st.builds(
    lambda scheme, host, port, path, query, fragment: f"{scheme}{host}{port}{path}{query}{fragment}",
    st.sampled_from(["http://", "https://", "HTTP://", "", "//"]),
    hosts,
    st.sampled_from(["", ":80", ":443", ":8080", ":0"]),
    st.text(alphabet=PATH_CHARS, max_size=30).map(lambda p: "/" + p),
    st.one_of(st.just(""), st.text(alphabet=PATH_CHARS, max_size=20).map(lambda q: "?" + q)),
    st.one_of(st.just(""), st.text(max_size=5).map(lambda f: "#" + f)),
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(urls)
def test_canonicalization_is_idempotent(text: str) -> None:
    try:
        once = canonical_url(text)
    except InvalidURLError:
        return
    assert canonical_url(once) == once
    # The canonical form is also what a WHATWG parser gives back for it: a proxy parsing it agrees.
    assert parse_url(once, attributes=("href",))["href"] == once
    assert "#" not in once and "@" not in once.split("?")[0].split("://", 1)[1].split("/")[0]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_arbitrary_text_is_refused_or_canonical(text: str) -> None:
    try:
        once = canonical_url(text)
    except InvalidURLError:
        return
    assert canonical_url(once) == once
    assert once.startswith(("http://", "https://"))
    assert once.isascii()


@settings(max_examples=200, deadline=None)
@given(st.lists(labels, min_size=2, max_size=4).map(".".join))
def test_domain_canonicalization_is_idempotent(text: str) -> None:
    try:
        once = canonical_domain(text)
    except InvalidDomainError:
        return
    assert canonical_domain(once) == once
    assert once == once.lower() and once.isascii() and not once.endswith(".")
