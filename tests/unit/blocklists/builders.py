"""Made-up entries and versions on reserved names (.example, .test, documentation addresses)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from vigil.blocklists.entries import ListEntry
from vigil.blocklists.versions import ListVersion

T0 = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)


def entry(
    text: str, *, wildcard: bool = False, reason: str = "made-up test entry", days: int = 0
) -> ListEntry:
    return ListEntry.create(
        text, category="test", added_at=T0 + timedelta(days=days), reason=reason, wildcard=wildcard
    )


def version(serial: int, *entries: ListEntry, name: str = "worst-of") -> ListVersion:
    return ListVersion(name=name, serial=serial, published_at=T0 + timedelta(hours=serial), entries=entries)


def sample_version() -> ListVersion:
    return version(
        7,
        entry("blocked.example"),
        entry("*.dedicated.example"),
        entry("http://urlhost.example/some/page?id=1"),
        entry("bücher.example"),
        entry("http://192.0.2.50/on/a/bare/address"),
        entry("https://blocked.example/also/a/url"),
    )
