"""The feed's batches and their application, in-process on both backends: one database plays both
instances (records carry the origin instance they came from, which is what loop prevention reads)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from vigil.config import Settings
from vigil.federation.apply import apply_batch
from vigil.federation.batches import BatchError, open_batch, seal
from vigil.federation.feed import Cursor, feed_page
from vigil.federation.keys import signing_key
from vigil.federation.models import MediaOrigin, Peer
from vigil.federation.peers import PeerService
from vigil.federation.policy import Direction, SharingPolicy
from vigil.formats.registry import get_format
from vigil.hashlists.catalog import load_catalog
from vigil.hashlists.contributors import get_contributor, new_provenance
from vigil.hashlists.lists import ensure_list, get_list
from vigil.hashlists.models import HashListMember, Media
from vigil.hashlists.publish import Digest, publish, version_entries
from vigil.hashlists.records.media import media_record
from vigil.hashlists.selection import SelectionRules
from vigil.hashlists.service import HashDatabase
from vigil.hashlists.withdrawal import Withdrawal
from vigil.signing import generate_private_key, public_key_to_pem

SOURCE = "Hotline A"


def _hashes(i: int) -> tuple[str, str, str, str]:
    seed = i.to_bytes(8, "big")
    return (
        hashlib.sha256(seed).hexdigest(),
        hashlib.md5(seed, usedforsecurity=False).hexdigest(),
        hashlib.sha1(seed, usedforsecurity=False).hexdigest(),
        hashlib.sha256(b"pdq" + seed).hexdigest(),
    )


def _seed(tmp_path: Path, sessions: sessionmaker[Session], categories: list[str]) -> HashDatabase:
    rows = ["sha256,md5,sha1,pdq,category,scheme,size"]
    rows += [",".join([*_hashes(i), c, "vics-us", str(100 + i)]) for i, c in enumerate(categories)]
    listing = tmp_path / "listing.csv"
    listing.write_text("\n".join(rows) + "\n")
    db = HashDatabase(sessions, "test")
    db.import_file(listing, get_format("csv"), SOURCE, kind="hotline", country="FR")
    db.create_list("shared", SOURCE, SelectionRules(contributors=(SOURCE,)), recipients=["peer"])
    db.publish("shared")
    return db


def _body(
    session: Session, cursor: str, direction: Direction, audience: str | None = "inst-b"
) -> dict[str, object]:
    return feed_page(
        session, get_list(session, "shared"), Cursor.parse(cursor), 100, direction,
        instance="inst-a", audience="inst-b", nonce="n",
    )  # fmt: skip


def test_a_batch_carries_provenance_and_its_policy_filters(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    _seed(tmp_path, sessions, ["1", "2", "1"])
    with sessions() as session:
        body = _body(session, "0", Direction())
        items = body["items"]
        assert isinstance(items, list) and len(items) == 3
        first = items[0]
        assert first["origin"] == {"instance": "inst-a", "record": first["key"]}
        assert first["contributor"] == SOURCE and first["confirmations"] == 1
        assert set(first["record"]["signals"]) == {"pdq"}
        assert (body["cursor"], body["next_cursor"], body["complete"]) == ("0.1.0", "1", True)

        only_pdq = _body(session, "0", Direction(signal_types=("pdq",)))["items"]
        assert isinstance(only_pdq, list)
        assert all(i["record"]["md5"] is None and i["record"]["signals"]["pdq"] for i in only_pdq)

        # A first sync leaves out what the policy does not share; a later batch would retract it.
        one = _body(session, "0", Direction(categories=("vics-us:1",)))["items"]
        assert isinstance(one, list) and [i["record"]["category"] for i in one] == ["1", "1"]
        stripped = _body(session, "0", Direction(schemes=("uk-caid",)))["items"]
        assert isinstance(stripped, list) and {i["record"]["category"] for i in stripped} == {None}

        # The feed never hands a peer back what originated with it.
        media_id = first["key"]
        session.add(MediaOrigin(media_id=media_id, origin_instance="inst-b", origin_record=7))
        session.flush()
        again = _body(session, "0", Direction())["items"]
        assert isinstance(again, list) and media_id not in [i["key"] for i in again]
        session.rollback()


def test_tombstones_go_only_to_a_peer_that_was_sent_the_record(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    categories = ["1", "2", "1"]
    rows = ["sha256,md5,sha1,pdq,category,scheme,size"]
    rows += [",".join([*_hashes(i), c, "vics-us", str(100 + i)]) for i, c in enumerate(categories)]
    (tmp_path / "picked.csv").write_text("\n".join(rows) + "\n")
    db = HashDatabase(sessions, "test")
    csv = get_format("csv")
    db.import_file(tmp_path / "picked.csv", csv, SOURCE, kind="hotline", country="FR", list_name="picked")
    db.publish("picked")
    # Items 0 (category 1) and 1 (category 2) leave the list in version 2.
    (tmp_path / "none.csv").write_text("md5\n")
    gone = Withdrawal([("md5", _hashes(0)[1]), ("md5", _hashes(1)[1])])
    assert (
        db.import_file(tmp_path / "none.csv", csv, SOURCE, list_name="picked", withdraw=gone).withdrawn == 2
    )
    db.publish("picked")

    def tombstones(cursor: str, direction: Direction) -> list[int]:
        with sessions() as session:
            hash_list = get_list(session, "picked")
            body = feed_page(session, hash_list, Cursor.parse(cursor), 100, direction,
                             instance="inst-a", audience="inst-b", nonce="n")  # fmt: skip
        assert all(i["record"] is None for i in body["items"])
        return sorted(i["key"] for i in body["items"])

    first, second = (ids := _ids(sessions))[0], ids[1]
    # A peer that shares category 1 only was sent item 0, never item 1: only item 0's tombstone.
    assert tombstones("1", Direction(categories=("vics-us:1",))) == [first]
    assert tombstones("1", Direction()) == sorted([first, second])
    # A peer syncing from nothing learns of neither.
    with sessions() as session:
        whole = feed_page(session, get_list(session, "picked"), Cursor.parse("0"), 100, Direction(),
                          instance="inst-a", audience="inst-b", nonce="n")  # fmt: skip
    assert [i["key"] for i in whole["items"]] == [ids[2]]


def _ids(sessions: sessionmaker[Session]) -> list[int]:
    """Media ids of the seeded items 0, 1, 2 (by MD5)."""
    with sessions() as session:
        by_md5 = {m.md5: m.id for m in session.execute(select(Media)).scalars()}
    return [by_md5[_hashes(i)[1]] for i in range(3)]


def test_signed_batches_verify_only_unchanged_and_with_a_trusted_key(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    _seed(tmp_path, sessions, ["1"])
    with sessions() as session, session.begin():
        key = signing_key(session, tmp_path / "keys", "inst-a")
        batch = seal(_body(session, "0", Direction()), key.private)
    body, key_id, _ = open_batch(batch, [key.private.public_key()])
    assert key_id == key.key_id and body["list"] == "shared"
    batch["body"]["items"][0]["record"]["category"] = "2"  # tampered on the way
    try:
        open_batch(batch, [key.private.public_key()])
        raise AssertionError("a tampered batch verified")
    except BatchError as exc:
        assert "does not match" in str(exc)
    try:
        open_batch(seal({"x": 1}, generate_private_key()), [key.private.public_key()])
        raise AssertionError("a batch of an untrusted key verified")
    except BatchError as exc:
        assert "not among the trusted keys" in str(exc)


def _peer(sessions: sessionmaker[Session], tmp_path: Path) -> Peer:
    pem = public_key_to_pem(generate_private_key().public_key())
    PeerService(sessions, tmp_path / "keys", "test").add(
        "hot-b", "https://peer.example", "token", pem, country="DE", policy=SharingPolicy()
    )
    with sessions() as session:
        peer = session.execute(select(Peer)).scalar_one()
        session.expunge(peer)
        return peer


def test_applying_skips_own_records_rejects_malformed_ones_and_retracts(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    _seed(tmp_path, sessions, ["1"])
    peer = _peer(sessions, tmp_path)
    sha256, md5, sha1, pdq = _hashes(50)
    items = [
        {"key": 1, "origin": {"instance": "inst-b", "record": 1},
         "record": {"sha256": sha256, "md5": md5, "sha1": sha1, "size": 9, "category": "2",
                    "scheme": "vics-us", "signals": {"pdq": [pdq]}}},
        {"key": 2, "origin": {"instance": "here", "record": 1},
         "record": {"sha256": _hashes(0)[0], "signals": {}}},
        {"key": 3, "origin": {"instance": "inst-b", "record": 3},
         "record": {"md5": "not a hash", "signals": {}}},
    ]  # fmt: skip
    with sessions() as session, session.begin():
        catalog = load_catalog(session)
        provenance = new_provenance(session, get_contributor(session, "hot-b"), "test", "feed:hot-b")
        mirror, _ = ensure_list(session, catalog, "hot-b:shared", provenance)
        applied, _ = apply_batch(
            session, catalog, peer, mirror, provenance, items,
            here="here", into=Direction(), jurisdiction=None,
        )  # fmt: skip
        assert (applied.added, applied.own, applied.rejected) == (1, 1, 1)
        assert session.execute(select(func.count()).select_from(Media)).scalar_one() == 2
        origin = session.execute(select(MediaOrigin)).scalar_one()
        assert (origin.origin_instance, origin.origin_record, origin.peer_id) == ("inst-b", 1, peer.id)
        members = select(func.count()).select_from(HashListMember).where(HashListMember.list_id == mirror.id)
        assert session.execute(members).scalar_one() == 1

        tombstone = [{"key": 1, "origin": {"instance": "inst-b", "record": 1}, "record": None}]
        retracted, _ = apply_batch(
            session, catalog, peer, mirror, provenance, tombstone,
            here="here", into=Direction(), jurisdiction=None,
        )  # fmt: skip
        assert retracted.tombstones == 1
        assert session.execute(members).scalar_one() == 0
        # The item and the peer's vote stay: a retraction takes it off the peer's list only.
        assert session.execute(select(func.count()).select_from(Media)).scalar_one() == 2


def test_a_peers_category_is_one_vote_beside_ours(tmp_path: Path, sessions: sessionmaker[Session]) -> None:
    db = _seed(tmp_path, sessions, ["1"])
    peer = _peer(sessions, tmp_path)
    sha256, md5, sha1, _ = _hashes(0)
    item = {"key": 1, "origin": {"instance": "inst-b", "record": 1},
            "record": {"sha256": sha256, "md5": md5, "sha1": sha1, "category": "2", "scheme": "vics-us",
                       "signals": {}}}  # fmt: skip
    with sessions() as session, session.begin():
        catalog = load_catalog(session)
        provenance = new_provenance(session, get_contributor(session, "hot-b"), "test", "feed:hot-b")
        mirror, _ = ensure_list(session, catalog, "hot-b:shared", provenance)
        applied, _ = apply_batch(
            session, catalog, peer, mirror, provenance, [item],
            here="here", into=Direction(), jurisdiction=None,
        )  # fmt: skip
        assert applied.merged == 1
    with sessions() as session:
        kept = {(v.contributor, v.code) for v in media_record(session, sha256).votes}
    assert kept == {(SOURCE, "1"), ("hot-b", "2")}
    # Both opinions count as votes: the most severe category is taken, and marked contested.
    status = db.vote(sha256, "vics-us", "1", SOURCE, "analyst-1")
    assert [a.contested for a in status.accepted] == [True]


def test_cursor_text_round_trips_and_refuses_garbage() -> None:
    assert Cursor.parse("").text() == "0"
    assert Cursor.parse("3.7.120") == Cursor(3, 7, 120)
    for bad in ("x", "1.2", "5.3.0", "99999999999", "-1"):
        try:
            Cursor.parse(bad)
            raise AssertionError(f"cursor {bad!r} accepted")
        except ValueError:
            pass


def test_settings_name_the_key_folder(tmp_path: Path) -> None:
    assert Settings(data_dir=tmp_path).federation_keys == tmp_path / "keys" / "federation"


def test_publishing_only_the_touched_media_gives_the_digest_of_a_full_evaluation(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    db = _seed(tmp_path, sessions, ["1"] * 12)
    with sessions() as session, session.begin():  # a list of explicit members, like a peer's copy
        provenance = new_provenance(session, get_contributor(session, SOURCE), "test", "test")
        hash_list, _ = ensure_list(session, load_catalog(session), "ones", provenance)
        every = list(session.execute(select(Media.id)).scalars())
        session.add_all(
            HashListMember(list_id=hash_list.id, media_id=m, provenance_id=provenance.id) for m in every
        )
    db.publish("ones")
    with sessions() as session, session.begin():
        changed = [_hashes(2)[0], _hashes(7)[0]]
        ids = list(session.execute(select(Media.id).where(Media.sha256.in_(changed))).scalars())
        hash_list = get_list(session, "ones")
        session.execute(
            delete(HashListMember).where(
                HashListMember.list_id == hash_list.id, HashListMember.media_id.in_(ids)
            )
        )
        result = publish(session, load_catalog(session), hash_list, "test", touched=ids)
        assert (result.version, result.entries, result.removed) == (2, 10, 2)
        full = Digest()
        for _, record in version_entries(session, hash_list, 2):
            full.add(record)
        assert result.digest == full.hexdigest()


def test_the_feed_carries_a_known_mime_type_and_the_puller_keeps_it(
    tmp_path: Path, sessions: sessionmaker[Session]
) -> None:
    rows = ["sha256,md5,sha1,size,mime_type"]
    rows += [",".join([*_hashes(i)[:3], "100", mime]) for i, mime in ((0, "video/mp4"), (1, ""))]
    (tmp_path / "mixed.csv").write_text("\n".join(rows) + "\n")
    db = HashDatabase(sessions, "test")
    db.import_file(tmp_path / "mixed.csv", get_format("csv"), SOURCE, kind="hotline", country="FR")
    db.create_list("shared", SOURCE, SelectionRules(contributors=(SOURCE,)), recipients=["peer"])
    db.publish("shared")
    with sessions() as session:
        items = _body(session, "0", Direction())["items"]
    assert isinstance(items, list)
    sent = {i["record"]["md5"]: i["record"] for i in items}
    assert sent[_hashes(0)[1]]["mime_type"] == "video/mp4"
    assert "mime_type" not in sent[_hashes(1)[1]]  # a record without one is sent as before

    peer = _peer(sessions, tmp_path)
    sha256, md5, _, _ = _hashes(70)
    incoming = [
        {"key": 1, "origin": {"instance": "inst-b", "record": 1},
         "record": {"sha256": sha256, "md5": md5, "mime_type": "video/webm", "signals": {}}},
        {"key": 2, "origin": {"instance": "inst-b", "record": 2},
         "record": {"md5": _hashes(71)[1], "mime_type": "video/" + "x" * 250, "signals": {}}},
    ]  # fmt: skip
    with sessions() as session, session.begin():
        catalog = load_catalog(session)
        provenance = new_provenance(session, get_contributor(session, "hot-b"), "test", "feed:hot-b")
        mirror, _ = ensure_list(session, catalog, "hot-b:shared", provenance)
        applied, _ = apply_batch(
            session, catalog, peer, mirror, provenance, incoming,
            here="here", into=Direction(), jurisdiction=None,
        )  # fmt: skip
        assert (applied.added, applied.rejected) == (1, 1)  # a MIME type past 255 characters rejects
        assert media_record(session, md5).mime_type == "video/webm"
        publish(session, catalog, mirror, "test")
        ((_, copied),) = version_entries(session, mirror, 1)
        assert (copied.md5, copied.mime_type) == (md5, "video/webm")
