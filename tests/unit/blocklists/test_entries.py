from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from vigil.blocklists.entries import InvalidEntryError, ListEntry, parse_target
from vigil.signals.url import InvalidDomainError, InvalidURLError, url_sha256

from .builders import T0, entry


@pytest.mark.parametrize(
    ("text", "kind", "target", "wildcard"),
    [
        ("Blocked.Example", "domain", "blocked.example", False),
        ("*.Dedicated.Example.", "domain", "dedicated.example", True),
        ("bücher.example", "domain", "xn--bcher-kva.example", False),
        ("http://Host.Example/a/../b#x", "url", "http://host.example/b", False),
        ("host.example/path", "url", "http://host.example/path", False),
        ("host.example:8080", "url", "http://host.example:8080/", False),
    ],
)
def test_parse_target(text: str, kind: str, target: str, wildcard: bool) -> None:
    assert parse_target(text) == (kind, target, wildcard)


@pytest.mark.parametrize("text", ["localhost", "*.", "192.0.2.1", "*.http://a.example/"])
def test_parse_target_refuses_non_sites(text: str) -> None:
    with pytest.raises((InvalidDomainError, InvalidURLError)):
        parse_target(text)


def test_entry_properties() -> None:
    url = entry("http://urlhost.example:8080/page")
    assert url.key == ("url", "http://urlhost.example:8080/page")
    assert url.host == url.dns_name == "urlhost.example"
    assert url.url_sha256 == url_sha256("http://urlhost.example:8080/page")
    on_ip = entry("http://[2001:db8::5]/page")
    assert on_ip.host == "[2001:db8::5]"
    assert on_ip.dns_name is None
    domain = entry("*.dedicated.example")
    assert (domain.kind, domain.host, domain.wildcard, domain.url_sha256) == (
        "domain",
        "dedicated.example",
        True,
        None,
    )


def test_entry_activity_window() -> None:
    e = replace(entry("a.example"), expires_at=T0 + timedelta(days=2))
    assert not e.is_active(T0 - timedelta(seconds=1))
    assert e.is_active(T0)
    assert e.is_active(T0 + timedelta(days=1))
    assert not e.is_active(T0 + timedelta(days=2))


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "ip"},
        {"wildcard": True, "kind": "url", "target": "http://a.example/"},
        {"category": " "},
        {"reason": "two\nlines"},
        {"target": "a.example\n0.0.0.0 other.example"},
        {"added_at": datetime(2025, 1, 1)},  # no time zone
        {"expires_at": T0},  # not after added_at
    ],
)
def test_inconsistent_entries_are_refused(changes: dict[str, object]) -> None:
    fields: dict[str, object] = {
        "kind": "domain",
        "target": "a.example",
        "category": "test",
        "added_at": T0,
    } | changes
    with pytest.raises(InvalidEntryError):
        ListEntry(**fields)  # type: ignore[arg-type]
