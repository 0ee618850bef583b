"""The URL list's lifecycle on SQLite and PostgreSQL: two analysts, versions, expiry, appeals, journal."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.blocklists.conftest import Clock
from vigil.audit import journal
from vigil.audit.models import AuditEntry
from vigil.blocklists.export.json import diff_from_json, diff_to_json, version_from_json, version_to_json
from vigil.blocklists.lists import BlocklistError
from vigil.blocklists.models import BlocklistEntry, BlocklistPublished
from vigil.blocklists.service import BlocklistService
from vigil.blocklists.versions import ListVersion, apply_diff


def listed(version: ListVersion) -> list[str]:
    return [f"*.{e.target}" if e.wildcard else e.target for e in version.entries]


def add_confirmed(urls: BlocklistService, *targets: str, wildcard: bool = False) -> None:
    for target in targets:
        urls.add(target, by="alice", reason="made-up test entry", wildcard=wildcard)
        urls.confirm(target, by="bob")


def test_an_entry_is_published_only_after_a_second_different_analyst(
    urls: BlocklistService, clock: Clock
) -> None:
    added = urls.add("http://Blocked.example/a/../page", by="alice", reason="made-up")
    assert (added.kind, added.target, added.state(clock.now)) == (
        "url",
        "http://blocked.example/page",
        "awaiting confirmation",
    )
    first = urls.publish()
    assert (first.serial, first.new_version, first.entries) == (1, True, 0)
    for same in ("alice", "ALICE", " Alice "):
        with pytest.raises(BlocklistError, match="second, different analyst"):
            urls.confirm("http://blocked.example/page", by=same)
    clock.advance(minutes=5)
    confirmed = urls.confirm("blocked.example/page", by="bob")
    assert (confirmed.confirmed_by, confirmed.state(clock.now)) == ("bob", "confirmed")
    with pytest.raises(BlocklistError, match="already confirmed by bob"):
        urls.confirm("http://blocked.example/page", by="carol")
    second = urls.publish()
    assert (second.serial, second.new_version, second.entries, second.added) == (2, True, 1, 1)
    assert listed(urls.version()) == ["http://blocked.example/page"]


def test_the_database_refuses_one_analyst_twice(
    urls: BlocklistService,
    sessions: sessionmaker[Session],
) -> None:
    urls.add("blocked.example", by="alice")
    with sessions() as session, pytest.raises(IntegrityError):
        session.execute(update(BlocklistEntry).values(confirmed_by="alice"))
        session.commit()


def test_a_publish_without_changes_makes_no_version(urls: BlocklistService, clock: Clock) -> None:
    add_confirmed(urls, "one.example")
    assert urls.publish().serial == 1
    clock.advance(hours=1)
    again = urls.publish()
    assert (again.serial, again.new_version) == (1, False)
    urls.add("two.example", by="alice")  # unconfirmed: still no change
    assert urls.publish().new_version is False
    assert [v.serial for v in urls.versions()] == [1]


def test_versions_are_immutable_and_serials_rise(urls: BlocklistService, clock: Clock) -> None:
    add_confirmed(urls, "one.example", "two.example")
    urls.publish()
    clock.advance(hours=1)
    urls.remove("one.example", by="carol", reason="site cleaned")
    add_confirmed(urls, "three.example")
    result = urls.publish()
    assert (result.serial, result.added, result.removed, result.entries) == (2, 1, 1, 2)
    assert listed(urls.version(serial=1)) == ["one.example", "two.example"]
    assert listed(urls.version()) == ["three.example", "two.example"]
    removed = [e for e in urls.entries(include_removed=True) if e.target == "one.example"]
    assert removed[0].state(clock.now) == "removed" and removed[0].removal_reason == "site cleaned"
    with pytest.raises(BlocklistError, match="not on list"):
        urls.remove("one.example", by="carol")


def test_wildcards_and_typed_forms_name_one_entry(urls: BlocklistService) -> None:
    urls.add("*.Dedicated.example", by="alice")
    with pytest.raises(BlocklistError, match="already on list"):
        urls.add("dedicated.example", by="carol")
    urls.confirm("dedicated.example.", by="bob")
    urls.add("bücher.example", by="alice")
    urls.confirm("xn--bcher-kva.example", by="bob")
    urls.publish()
    assert listed(urls.version()) == ["*.dedicated.example", "xn--bcher-kva.example"]


@pytest.mark.parametrize("bad", ["", "not a domain", "ftp://files.example/x", "localhost", "http://[::1"])
def test_bad_targets_are_refused(urls: BlocklistService, bad: str) -> None:
    with pytest.raises(BlocklistError):
        urls.add(bad, by="alice")


def test_expiry(urls: BlocklistService, clock: Clock) -> None:
    add_confirmed(urls, "short.example", "long.example")
    urls.expire("short.example", by="alice", at=clock.now + timedelta(days=1))
    assert listed(urls.version(serial=urls.publish().serial)) == ["long.example", "short.example"]
    clock.advance(days=2)
    assert urls.publish().removed == 1
    assert listed(urls.version()) == ["long.example"]
    # An expired entry can be added again; the old row becomes history.
    urls.add("short.example", by="carol")
    assert [
        e.state(clock.now) for e in urls.entries(include_removed=True) if e.target == "short.example"
    ] == [
        "removed",
        "awaiting confirmation",
    ]
    with pytest.raises(BlocklistError, match="expires_at is not after"):
        urls.add("gone.example", by="alice", expires_at=clock.now)


@pytest.mark.slow
def test_appeals(urls: BlocklistService, clock: Clock) -> None:
    add_confirmed(urls, "appealed.example", "kept.example")
    urls.publish()
    upheld = urls.appeal(
        "appealed.example", appellant="owner@appealed.example", statement="The site was cleaned.", by="carol"
    )
    rejected = urls.appeal("kept.example", appellant="owner of kept", statement="Please remove.", by="carol")
    assert [a.status for a in urls.appeals(open_only=True)] == ["open", "open"]
    clock.advance(days=1)
    resolved = urls.resolve_appeal(upheld.id, by="dave", upheld=True, resolution="checked: clean")
    assert (resolved.status, resolved.resolved_by) == ("upheld", "dave")
    urls.resolve_appeal(rejected.id, by="dave", upheld=False, resolution="still listed")
    with pytest.raises(BlocklistError, match="already upheld"):
        urls.resolve_appeal(upheld.id, by="dave", upheld=False, resolution="again")
    assert urls.appeals(open_only=True) == []
    urls.publish()
    assert listed(urls.version()) == ["kept.example"]
    entry = next(e for e in urls.entries(include_removed=True) if e.target == "appealed.example")
    assert entry.removal_reason == f"appeal {upheld.id} upheld: checked: clean"


@pytest.mark.slow
def test_since_n_diffs_round_trip_to_the_full_list(urls: BlocklistService, clock: Clock) -> None:
    rng = random.Random(8)
    pool = [f"site{i}.example" for i in range(30)] + [f"http://host{i}.example/p?q={i}" for i in range(10)]
    live: set[str] = set()
    for _ in range(6):
        for target in rng.sample(pool, 8):
            if target in live:
                urls.remove(target, by="carol", reason="made-up")
                live.discard(target)
            else:
                add_confirmed(urls, target)
                live.add(target)
        clock.advance(hours=12)
        urls.publish()
    latest = urls.version()
    assert latest.serial == 6
    assert {e.target for e in latest.entries} == live
    assert version_from_json(version_to_json(latest)) == latest
    for since in range(6):
        base = ListVersion.empty("main", latest.published_at) if since == 0 else urls.version(serial=since)
        diff = urls.diff(since=since)
        assert (diff.from_serial, diff.to_serial) == (since, 6)
        assert apply_diff(base, diff) == latest
        assert apply_diff(base, diff_from_json(diff_to_json(diff))) == latest
    with pytest.raises(BlocklistError, match="between 0 and 5"):
        urls.diff(since=6)


def test_an_altered_version_is_detected(urls: BlocklistService, sessions: sessionmaker[Session]) -> None:
    add_confirmed(urls, "one.example")
    urls.publish()
    with sessions() as session, session.begin():
        session.execute(update(BlocklistPublished).values(reason="quietly changed"))
    with pytest.raises(BlocklistError, match="does not match its digest"):
        urls.version()


def test_every_change_is_journaled(urls: BlocklistService, sessions: sessionmaker[Session]) -> None:
    add_confirmed(urls, "one.example")
    urls.publish()
    urls.remove("one.example", by="carol", reason="made-up")
    with sessions() as session:
        actions = session.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars().all()
        assert actions == [
            "blocklists.create",
            "blocklists.add",
            "blocklists.confirm",
            "blocklists.publish",
            "blocklists.remove",
        ]
        assert journal.verify(session).ok


def test_unknown_lists(urls: BlocklistService) -> None:
    with pytest.raises(BlocklistError, match="unknown URL list"):
        urls.publish("nothing-here")
    with pytest.raises(BlocklistError, match="lowercase"):
        urls.add("one.example", by="alice", list_name="Bad Name")
