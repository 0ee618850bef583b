from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from vigil.blocklists.export.json import (
    JsonFormatError,
    diff_from_json,
    diff_to_json,
    version_from_json,
    version_to_json,
)
from vigil.blocklists.versions import ListVersion, apply_diff, diff_versions
from vigil.signals.url import url_sha256

from .builders import T0, entry, version


def test_version_round_trip(sample: ListVersion) -> None:
    expiring = replace(entry("expiring.example"), expires_at=T0 + timedelta(days=30))
    v = replace(sample, entries=(*sample.entries, expiring))
    assert version_from_json(version_to_json(v)) == v


def test_full_metadata_one_entry_per_line(sample: ListVersion) -> None:
    text = version_to_json(sample)
    lines = text.splitlines()
    assert len(lines) == 2 + len(sample.entries)
    data = json.loads(text)
    assert {k: data[k] for k in ("format", "format_version", "list", "serial", "published_at")} == {
        "format": "vigil-blocklist",
        "format_version": 1,
        "list": "worst-of",
        "serial": 7,
        "published_at": "2025-01-02T10:04:05+00:00",
    }
    url = next(e for e in data["entries"] if e["target"] == "http://urlhost.example/some/page?id=1")
    assert url == {
        "kind": "url",
        "target": "http://urlhost.example/some/page?id=1",
        "host": "urlhost.example",
        "sha256": url_sha256("http://urlhost.example/some/page?id=1"),
        "wildcard": False,
        "category": "test",
        "reason": "made-up test entry",
        "added_at": "2025-01-02T03:04:05+00:00",
        "expires_at": None,
    }
    dedicated = next(e for e in data["entries"] if e["target"] == "dedicated.example")
    assert dedicated["wildcard"] is True and "sha256" not in dedicated


def test_empty_version_is_valid_json() -> None:
    v = version(1)
    assert json.loads(version_to_json(v))["entries"] == []
    assert version_from_json(version_to_json(v)) == v


def test_diff_round_trip_and_apply() -> None:
    old = version(1, entry("a.example"), entry("http://b.example/x"))
    new = version(2, entry("a.example", wildcard=True), entry("c.example"))
    text = diff_to_json(diff_versions(old, new))
    data = json.loads(text)
    assert (data["format"], data["from_serial"], data["to_serial"]) == ("vigil-blocklist-diff", 1, 2)
    assert [e["target"] for e in data["added"]] == ["a.example", "c.example"]
    assert [e["target"] for e in data["removed"]] == ["a.example", "http://b.example/x"]
    assert apply_diff(old, diff_from_json(text)) == new


def _mutated(text: str, **changes: object) -> str:
    data = json.loads(text)
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    "changes",
    [
        {"format": "something-else"},
        {"format_version": 2},
        {"serial": "7"},
        {"serial": True},
        {"published_at": "2025-01-02T03:04:05"},  # no time zone
        {"entries": [{"kind": "domain", "target": "Not.Canonical.Example"}]},
        {"entries": [{"kind": "url", "target": "http://a.example/%7e"}]},
        {"entries": [{"kind": "domain", "target": "http://a.example/"}]},
        {"entries": ["a.example"]},
        {
            "entries": [
                {
                    "kind": "domain",
                    "target": "a.example",
                    "category": 1,
                    "added_at": "2025-01-02T03:04:05+00:00",
                }
            ]
        },
    ],
)
def test_malformed_documents_are_refused(sample: ListVersion, changes: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        version_from_json(_mutated(version_to_json(sample), **changes))


def test_not_json_at_all() -> None:
    with pytest.raises(JsonFormatError):
        version_from_json("{not json")
    with pytest.raises(JsonFormatError):
        diff_from_json(version_to_json(version(1)))


@pytest.mark.parametrize("bomb", ["[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000])
def test_deeply_nested_json_is_refused_clearly(bomb: str) -> None:
    """Found by the fuzz suite: a nesting bomb escaped as RecursionError instead of a format error."""
    with pytest.raises(JsonFormatError, match="nested too deep"):
        version_from_json(bomb)
    with pytest.raises(JsonFormatError, match="nested too deep"):
        diff_from_json('{"format": ' + bomb + "}")
