from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.blocklists.entries import ListEntry
from vigil.blocklists.versions import (
    ListVersion,
    VersionDiff,
    VersionError,
    apply_diff,
    diff_versions,
    dns_triggers,
)

from .builders import T0, entry, version


def test_entries_are_sorted_and_unique() -> None:
    v = version(1, entry("b.example"), entry("a.example"), entry("http://a.example/x"))
    assert [e.target for e in v.entries] == ["a.example", "b.example", "http://a.example/x"]
    with pytest.raises(VersionError, match="twice"):
        version(1, entry("a.example"), entry("A.Example."))


@pytest.mark.parametrize("serial", [-1, 2**32])
def test_serial_must_fit_a_soa(serial: int) -> None:
    with pytest.raises(VersionError):
        ListVersion(name="worst-of", serial=serial, published_at=T0, entries=())


@pytest.mark.parametrize("name", ["", "Worst-Of", "a b", "../x", "-x"])
def test_list_names_are_safe_in_files_and_urls(name: str) -> None:
    with pytest.raises(VersionError):
        version(1, name=name)


def test_diff_lists_added_removed_and_changed() -> None:
    old = version(1, entry("a.example"), entry("b.example"), entry("c.example"))
    new = version(2, entry("a.example"), entry("c.example", wildcard=True), entry("d.example"))
    diff = diff_versions(old, new)
    assert [e.target for e in diff.added] == ["c.example", "d.example"]
    assert [e.target for e in diff.removed] == ["b.example", "c.example"]
    assert diff.added[0].wildcard and not diff.removed[1].wildcard
    assert apply_diff(old, diff) == new


def test_diff_from_nothing_is_the_whole_list() -> None:
    new = version(3, entry("a.example"), entry("http://b.example/x"))
    diff = diff_versions(ListVersion.empty("worst-of", T0), new)
    assert diff.from_serial == 0 and diff.added == new.entries and diff.removed == ()


def test_apply_refuses_a_diff_made_from_another_version() -> None:
    v1 = version(1, entry("a.example"))
    v2 = version(2, entry("b.example"))
    v3 = version(3, entry("c.example"))
    with pytest.raises(VersionError, match="does not apply"):
        apply_diff(v1, diff_versions(v2, v3))
    forged = replace(diff_versions(v2, v3), from_serial=1)
    with pytest.raises(VersionError, match="does not hold"):
        apply_diff(v1, forged)
    with pytest.raises(VersionError, match="from serial"):
        VersionDiff("worst-of", 3, 3, T0, (), ())


def test_dns_triggers_merge_and_reduce() -> None:
    v = version(
        1,
        entry("a.example"),
        entry("http://a.example/page"),
        entry("*.b.example"),
        entry("http://c.example/x"),
        entry("http://192.0.2.1/x"),
        entry("http://x.b.example/y"),
    )
    assert dns_triggers(v.entries) == {
        "a.example": False,
        "b.example": True,
        "x.b.example": False,
        "c.example": False,
    }
    assert dns_triggers(v.entries, url_hosts=False) == {"a.example": False, "b.example": True}


# --- since-N diffs round-trip ------------------------------------------------------------------------

POOL: list[ListEntry] = [
    entry(text, wildcard=wild, reason=reason)
    for text in ["a.example", "b.example", "http://a.example/1", "http://c.example/2?q", "d.test"]
    for wild in (False, True)
    for reason in ("first", "second")
    if not (wild and "://" in text)
]


def _pick(indices: set[int]) -> tuple[ListEntry, ...]:
    chosen: dict[tuple[str, str], ListEntry] = {}
    for index in sorted(indices):
        chosen.setdefault(POOL[index].key, POOL[index])
    return tuple(chosen.values())


versions_strategy = st.lists(st.sets(st.integers(0, len(POOL) - 1)), min_size=1, max_size=6).map(
    lambda picks: [version(serial, *_pick(p)) for serial, p in enumerate(picks, start=1)]
)


@settings(max_examples=150, deadline=None)
@given(versions_strategy)
def test_chained_diffs_rebuild_every_version(history: list[ListVersion]) -> None:
    current = ListVersion.empty("worst-of", T0)
    for target in history:
        current = apply_diff(current, diff_versions(current, target))
        assert current == target


@settings(max_examples=150, deadline=None)
@given(versions_strategy, st.data())
def test_since_n_diff_equals_the_full_list(history: list[ListVersion], data: st.DataObject) -> None:
    since = data.draw(st.integers(0, len(history) - 1))
    base = ListVersion.empty("worst-of", T0) if since == 0 else history[since - 1]
    latest = history[-1]
    if base.serial == latest.serial:
        return
    assert apply_diff(base, diff_versions(base, latest)) == latest
