"""A peer's votes follow the jurisdiction of its sharing policy: a change moves those its batches
brought, in the policy's transaction, journalled, and the baseline is published again; a batch applied
after the change (even within the same pull) lands there too. On SQLite and PostgreSQL; the peer is
played in-process (fake_peer.py). Hashes are made up from counters (benign)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.federation.fake_peer import FakePeer, hashes, item, peer_and_puller
from vigil.audit.models import AuditEntry
from vigil.config import Settings
from vigil.db.base import core_table
from vigil.federation.peers import PeerService
from vigil.federation.policy import SharingPolicy
from vigil.federation.pull import ListPull
from vigil.formats.registry import get_format
from vigil.hashlists.catalog import define_jurisdiction, load_catalog
from vigil.hashlists.contributors import get_contributor
from vigil.hashlists.lists import get_list, list_info
from vigil.hashlists.models import Classification
from vigil.hashlists.records.media import media_record
from vigil.hashlists.service import HashDatabase

OURS = "Hotline B"
#: A second jurisdiction of vics-us, where category 1 is not illegal: the baseline drops what counts there.
ELSEWHERE = "ca-test"


@pytest.fixture
def hotline(tmp_path: Path, sessions: sessionmaker[Session]) -> HashDatabase:
    """Items 0-4 voted category 1 by a hotline of DE; the catalog with a second vics-us jurisdiction."""
    with sessions() as session, session.begin():
        define_jurisdiction(session, ELSEWHERE, "Elsewhere", "CA", "vics-us", {"1": "not_illegal"})
    listing = tmp_path / "ours.csv"
    rows = [",".join([*hashes(i), "1", "vics-us"]) for i in range(5)]
    listing.write_text("\n".join(["sha256,md5,sha1,category,scheme", *rows]) + "\n")
    db = HashDatabase(sessions, "test")
    db.import_file(listing, get_format("csv"), OURS, kind="hotline", country="DE")
    return db


def _where(sessions: sessionmaker[Session], analyst: str = "") -> dict[int, str]:
    """Item number → the jurisdiction of peer-a's vote on it (analyst empty: the feed's)."""
    out = {}
    with sessions() as session:
        for i in range(12):
            try:
                votes = media_record(session, hashes(i)[0]).votes
            except LookupError:
                continue  # not pulled (yet)
            places = sorted(
                v.jurisdiction for v in votes if v.contributor == "peer-a" and v.analyst == analyst
            )
            if places:
                out[i] = ",".join(places)  # two places would show: one vote per item expected
    return out


def _baseline(sessions: sessionmaker[Session]) -> tuple[int, int]:
    """(latest version, entries) of the baseline."""
    with sessions() as session:
        info = list_info(session, get_list(session, "baseline"))
        assert info.latest_version is not None and info.latest_entries is not None
        return info.latest_version, info.latest_entries


def test_changing_the_jurisdiction_moves_the_peers_votes_and_the_baseline_follows(
    db_settings: Settings, sessions: sessionmaker[Session], hotline: HashDatabase
) -> None:
    peer = FakePeer([item(i, "1") for i in range(10)])
    service, puller = peer_and_puller(db_settings, sessions, peer)
    puller.pull("peer-a")
    assert _where(sessions) == dict.fromkeys(range(10), "us")
    # An analyst's vote under the peer's name, with a jurisdiction chosen by hand: not the feed's.
    hotline.vote(hashes(7)[0], "vics-us", "2", "peer-a", "analyst-x", jurisdiction="us")
    before, entries = _baseline(sessions)
    assert entries == 5  # items 0-4: category 1 in us by agencies of DE and FR

    change = service.set_policy("peer-a", jurisdiction=ELSEWHERE)
    assert change.peer.policy.jurisdiction == ELSEWHERE
    assert change.votes is not None
    assert (change.votes.moved, change.votes.merged) == (10, 0)
    assert [(m.scheme, m.source, m.target, m.votes) for m in change.votes.moves] == [
        ("vics-us", "us", ELSEWHERE, 10)
    ]
    assert _where(sessions) == dict.fromkeys(range(10), ELSEWHERE)
    assert _where(sessions, "analyst-x") == {7: "us"}
    # Items 0-4 are now accepted in us by DE only, and not illegal where the peer's votes count.
    assert _baseline(sessions) == (change.votes.baseline_version, 0) and before < _baseline(sessions)[0]
    with sessions() as session:
        entry = session.execute(
            select(AuditEntry).where(AuditEntry.action == "federation.peer_policy")
        ).scalar_one()
        details = json.loads(entry.details)
        assert details["votes"]["moved"] == 10
        assert details["votes"]["moves"] == [
            {"scheme": "vics-us", "source": "us", "target": ELSEWHERE, "votes": 10}
        ]

    # What comes later counts there too, and the copy is not made again for it.
    peer.publish(item(10, "1"), item(11, "1"))
    result = puller.pull("peer-a")
    assert result.lists[0].recopied is None and result.lists[0].applied.added == 2
    assert _where(sessions) == dict.fromkeys(range(12), ELSEWHERE)

    back = service.set_policy("peer-a", jurisdiction=None)  # the default: us, for a peer of FR
    assert back.votes is not None and back.votes.moved == 12
    assert _where(sessions) == dict.fromkeys(range(12), "us")
    assert _baseline(sessions)[1] == 5
    again = service.set_policy("peer-a", jurisdiction=None)  # in place: nothing to do
    assert again.votes is not None and (again.votes.moved, again.votes.baseline_version) == (0, None)
    assert service.set_policy("peer-a", pull_minutes=5).votes is None


def test_a_change_between_two_batches_of_one_pull_leaves_no_vote_behind(
    db_settings: Settings, sessions: sessionmaker[Session], hotline: HashDatabase
) -> None:
    peer = FakePeer([item(i, "1") for i in range(10)])
    service, puller = peer_and_puller(db_settings, sessions, peer, page_size=4)
    moved: list[int] = []

    def after_a_batch(state: ListPull) -> None:
        if state.batches == 1:
            change = service.set_policy("peer-a", jurisdiction=ELSEWHERE)
            assert change.votes is not None
            moved.append(change.votes.moved)

    result = puller.pull("peer-a", after_a_batch)
    assert result.lists[0].batches == 3 and moved == [4]
    assert _where(sessions) == dict.fromkeys(range(10), ELSEWHERE)


def test_votes_left_behind_by_an_earlier_change_are_gathered_and_merged(
    db_settings: Settings, sessions: sessionmaker[Session], hotline: HashDatabase
) -> None:
    """Before votes followed the jurisdiction, a change left them where they were, and a later batch
    brought the same vote again in the new one: gathering keeps one per voter, item and category, the
    latest."""
    peer = FakePeer([item(i, "1") for i in range(6)])
    service, puller = peer_and_puller(db_settings, sessions, peer)
    puller.pull("peer-a")
    with sessions() as session, session.begin():
        catalog = load_catalog(session)
        contributor = get_contributor(session, "peer-a")
        votes = session.execute(
            select(Classification).where(Classification.contributor_id == contributor.id)
        ).scalars()
        by_media = {v.media_id: v for v in votes}
        elsewhere = catalog.jurisdiction(ELSEWHERE).id
        copies = []
        for n, vote in enumerate(sorted(by_media.values(), key=lambda v: v.media_id)[:3]):
            # Two copies later than the vote in us, one earlier.
            at = vote.classified_at + timedelta(minutes=-1 if n == 2 else 1)
            copies.append(
                {
                    "media_id": vote.media_id,
                    "scheme_id": vote.scheme_id,
                    "jurisdiction_id": elsewhere,
                    "category_id": vote.category_id,
                    "raw_code": vote.raw_code,
                    "contributor_id": vote.contributor_id,
                    "analyst": "",
                    "classified_at": at,
                    "provenance_id": vote.provenance_id,
                }
            )
        session.execute(insert(core_table(Classification)), copies)
        latest = {c["media_id"]: c["classified_at"] for c in copies[:2]}
        latest |= {v.media_id: v.classified_at for v in by_media.values() if v.media_id not in latest}

    change = service.set_policy("peer-a", jurisdiction=ELSEWHERE)
    assert change.votes is not None and (change.votes.moved, change.votes.merged) == (4, 3)
    with sessions() as session:
        contributor = get_contributor(session, "peer-a")
        kept = session.execute(
            select(
                Classification.media_id, Classification.jurisdiction_id, Classification.classified_at
            ).where(Classification.contributor_id == contributor.id)
        ).all()
    assert sorted(m for m, _, _ in kept) == sorted(by_media)  # one vote per item
    assert {j for _, j, _ in kept} == {elsewhere}
    assert {m: at for m, _, at in kept} == latest


def test_a_peer_added_again_brings_its_votes_to_its_new_policy(
    tmp_path: Path, db_settings: Settings, sessions: sessionmaker[Session], hotline: HashDatabase
) -> None:
    peer = FakePeer([item(i, "1") for i in range(3)])
    service, puller = peer_and_puller(db_settings, sessions, peer)
    puller.pull("peer-a")
    service.remove("peer-a")  # what it brought stays, with its contributor
    service.add("peer-a", "http://127.0.0.1:9", "token", peer.pem(), country="FR",
                policy=SharingPolicy(jurisdiction=ELSEWHERE))  # fmt: skip
    assert _where(sessions) == dict.fromkeys(range(3), ELSEWHERE)


def test_an_unknown_jurisdiction_changes_nothing(
    db_settings: Settings, sessions: sessionmaker[Session], hotline: HashDatabase
) -> None:
    peer = FakePeer([item(i, "1") for i in range(3)])
    service, puller = peer_and_puller(db_settings, sessions, peer)
    puller.pull("peer-a")
    with pytest.raises(ValueError, match="unknown jurisdiction"):
        service.set_policy("peer-a", jurisdiction="nowhere")
    assert service.show("peer-a").policy.jurisdiction is None
    assert _where(sessions) == dict.fromkeys(range(3), "us")


def test_a_service_without_a_peer_refuses(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    with pytest.raises(LookupError):
        PeerService(sessions, tmp_path / "keys", "test").set_policy("nobody", jurisdiction="us")
