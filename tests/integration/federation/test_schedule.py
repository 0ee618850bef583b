"""Scheduled pulls: which peers are due, and the periodic task enqueuing one pull job per due peer."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from huey import MemoryHuey
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from vigil.config import Settings
from vigil.db.base import utcnow
from vigil.federation.jobs import FederationJobs
from vigil.federation.models import Peer
from vigil.federation.peers import PeerService
from vigil.federation.policy import SharingPolicy
from vigil.federation.pull import Puller, schedule_due
from vigil.hotline.jobs import JsonSerializer
from vigil.signing import generate_private_key, public_key_to_pem


def test_due_peers_are_enqueued_once_each(tmp_path: Path, sessions: sessionmaker[Session]) -> None:
    service = PeerService(sessions, tmp_path / "keys", "test")
    pem = public_key_to_pem(generate_private_key().public_key())
    for name, minutes in (("never-pulled", 15), ("by-hand", 0), ("recent", 15), ("stale", 15)):
        service.add(name, "https://peer.example", "t", pem, policy=SharingPolicy(pull_minutes=minutes))
    service.add("off", "https://peer.example", "t", pem)
    service.set_policy("off", enabled=False)
    now = utcnow()
    with sessions() as session, session.begin():
        session.execute(
            update(Peer).where(Peer.name == "recent").values(last_pull_at=now - timedelta(minutes=5))
        )
        session.execute(
            update(Peer).where(Peer.name == "stale").values(last_pull_at=now - timedelta(minutes=20))
        )
    assert schedule_due(sessions, now) == ["never-pulled", "stale"]

    huey = MemoryHuey("test-federation", serializer=JsonSerializer(), results=False)
    settings = Settings(data_dir=tmp_path, federation_instance="here")
    jobs = FederationJobs(huey, lambda: Puller(settings, sessions, "test"))
    assert jobs.schedule() == ["never-pulled", "stale"]
    assert huey.pending_count() == 2
