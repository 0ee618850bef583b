"""When a pull copies a list again: a change of this instance's incoming filter does so whether or not
the peer's batches state their own terms, and a peer that starts or stops stating them is copied again
once, or not at all. The peer is played in-process (fake_peer.py); on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.federation.fake_peer import FakePeer, item, peer_and_puller
from vigil.audit.models import AuditEntry
from vigil.config import Settings
from vigil.federation.models import PeerCheckpoint
from vigil.federation.policy import Direction
from vigil.federation.pull import PullResult
from vigil.hashlists.lists import get_list
from vigil.hashlists.models import HashListMember

ITEMS = [item(i, "1") for i in range(6)] + [item(10 + i, "2") for i in range(4)]


def _members(sessions: sessionmaker[Session]) -> int:
    with sessions() as session:
        copy = get_list(session, "peer-a:shared")
        query = select(func.count()).select_from(HashListMember).where(HashListMember.list_id == copy.id)
        return int(session.execute(query).scalar_one())


def _recopied(result: PullResult) -> int | None:
    (done,) = result.lists
    return done.recopied


def _terms(sessions: sessionmaker[Session]) -> str | None:
    with sessions() as session:
        return session.execute(select(PeerCheckpoint.terms)).scalar_one()


def test_a_change_of_our_incoming_filter_copies_again_a_peer_that_states_no_terms(
    db_settings: Settings, sessions: sessionmaker[Session]
) -> None:
    peer = FakePeer(ITEMS, terms=None)  # an older Vigil
    service, puller = peer_and_puller(db_settings, sessions, peer)
    assert _recopied(puller.pull("peer-a")) is None and _members(sessions) == 10
    assert _recopied(puller.pull("peer-a")) is None  # nothing changed: not copied again

    service.set_policy("peer-a", into=Direction(categories=("vics-us:1",)))
    result = puller.pull("peer-a")
    assert _recopied(result) == 10 and result.lists[0].applied.filtered == 4
    assert _members(sessions) == 6
    assert _recopied(puller.pull("peer-a")) is None

    service.set_policy("peer-a", into=Direction())  # widened again: the category-2 items come back
    assert _recopied(puller.pull("peer-a")) == 6 and _members(sessions) == 10
    with sessions() as session:
        recopies = session.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "federation.recopy")
        ).scalar_one()
    assert recopies == 2


def test_a_peer_that_starts_or_stops_stating_terms(
    db_settings: Settings, sessions: sessionmaker[Session]
) -> None:
    peer = FakePeer(ITEMS, terms=None)
    _, puller = peer_and_puller(db_settings, sessions, peer)
    puller.pull("peer-a")
    ours = str(_terms(sessions)).rpartition("/")[2]
    assert _terms(sessions) == f"/{ours}"

    peer.terms = "t1"  # upgraded: the copy was made under terms nobody recorded, so once more
    assert _recopied(puller.pull("peer-a")) == 10 and _terms(sessions) == f"t1/{ours}"
    assert _recopied(puller.pull("peer-a")) is None

    peer.terms = None  # served by an older version again: no news, the terms it stated are kept
    assert _recopied(puller.pull("peer-a")) is None and _terms(sessions) == f"t1/{ours}"
    peer.terms = "t1"
    assert _recopied(puller.pull("peer-a")) is None
    peer.terms = None
    puller.pull("peer-a")
    peer.terms = "t2"  # changed while it stated none: seen when it states them again
    assert _recopied(puller.pull("peer-a")) == 10 and _terms(sessions) == f"t2/{ours}"
    assert _members(sessions) == 10


class _HalfUpgraded(FakePeer):
    """A peer behind a balancer, half of it upgraded: one batch states terms, the next none."""

    def _body(self, params: httpx.QueryParams) -> dict[str, Any]:
        self.terms = None if self.terms else "t1"
        return super()._body(params)


def test_batches_that_alternate_with_and_without_terms_are_not_copied_again_each_time(
    db_settings: Settings, sessions: sessionmaker[Session]
) -> None:
    _, puller = peer_and_puller(db_settings, sessions, _HalfUpgraded(ITEMS), page_size=3)
    result = puller.pull("peer-a")
    assert _recopied(result) is None and result.lists[0].batches == 4 and _members(sessions) == 10
    assert str(_terms(sessions)).startswith("t1/")
