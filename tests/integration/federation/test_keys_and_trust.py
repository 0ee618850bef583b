"""Instance keys (rotation, revocation, files) and a peer's trust in them (endorsements), on both backends."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from vigil.federation.keys import KeyStateError, key_set, revoke, rotate, signing_key
from vigil.federation.models import Peer
from vigil.federation.peers import PeerExistsError, PeerService, get_peer, read_token
from vigil.federation.policy import PolicyError, SharingPolicy
from vigil.federation.trust import trusted_keys, update_trust
from vigil.signing import generate_private_key, key_id, public_key_to_pem


def test_rotation_endorses_and_revocation_withdraws(tmp_path: Path, sessions: sessionmaker[Session]) -> None:
    folder = tmp_path / "keys"
    with sessions() as session, session.begin():
        first = signing_key(session, folder, "inst-a")
        assert signing_key(session, folder, "inst-a").key_id == first.key_id  # made once
        key_file = next(folder.iterdir())
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        second = rotate(session, folder, "inst-a")
        assert signing_key(session, folder, "inst-a").key_id == second.key_id
        document = key_set(session, "inst-a")
    states = {k["key_id"]: (k["retired_at"] is not None, k["endorsement"]) for k in document["keys"]}
    assert states[first.key_id] == (True, None)
    assert states[second.key_id][1].split()[1] == first.key_id

    # A peer that pinned the first key learns the second through its endorsement ...
    service = PeerService(sessions, tmp_path / "peer-keys", "test")
    pinned = public_key_to_pem(first.private.public_key())
    service.add("hot-a", "https://a.example", "secret-token", pinned, country="FR")
    assert read_token(tmp_path / "peer-keys", "hot-a") == "secret-token"
    with sessions() as session, session.begin():
        peer = get_peer(session, "hot-a")
        assert update_trust(session, peer, document, "inst-a") == ([second.key_id], [])
        assert len(trusted_keys(session, peer)) == 2
        # ... but not a key endorsed for another instance, nor one nobody trusted endorsed.
        stranger = generate_private_key()
        forged = {"keys": [{"key_id": key_id(stranger.public_key()), "revoked_at": None,
                            "public_key": public_key_to_pem(stranger.public_key()).decode(),
                            "endorsement": document["keys"][1]["endorsement"]}]}  # fmt: skip
        assert update_trust(session, peer, forged, "inst-a") == ([], [])

    with sessions() as session, session.begin():
        revoke(session, first.key_id, "leaked")
        with pytest.raises(KeyStateError):
            revoke(session, first.key_id, "again")
        document = key_set(session, "inst-a")
    with sessions() as session, session.begin():
        peer = get_peer(session, "hot-a")
        assert update_trust(session, peer, document, "inst-a") == ([], [first.key_id])
        assert [key_id(k) for k in trusted_keys(session, peer)] == [second.key_id]


def test_peers_are_refused_when_malformed(tmp_path: Path, sessions: sessionmaker[Session]) -> None:
    service = PeerService(sessions, tmp_path / "keys", "test")
    pem = public_key_to_pem(generate_private_key().public_key())
    for name, url, key in (
        ("bad name", "https://a.example", pem),
        ("ok", "ftp://a.example", pem),
        ("ok", "https://user:pw@a.example", pem),
        ("ok", "https://a.example", b"not a key"),
    ):
        with pytest.raises(ValueError):
            service.add(name, url, "t", key)
    with pytest.raises(PolicyError):
        SharingPolicy.from_json({"out": {"categories": ["no-colon"]}})
    service.add("ok", "https://a.example/", "t", pem, policy=SharingPolicy(lists_in=("shared",)))
    with pytest.raises(PeerExistsError):
        service.add("ok", "https://a.example", "t", pem)
    info = service.set_policy("ok", pull_minutes=0, enabled=False).peer
    assert (info.url, info.policy.lists_in, info.policy.pull_minutes, info.enabled) == (
        "https://a.example",
        ("shared",),
        0,
        False,
    )
    service.remove("ok")
    with sessions() as session:
        assert session.query(Peer).count() == 0
