"""Applying one verified batch: its records through the hash database's importer, its tombstones as
retractions from the local copy of the list, and each record's origin, in the caller's transaction.

A peer's record is imported as its contributor's: hashes and signals merge into the item they identify,
and its category is a vote of the peer in its jurisdiction (policy.py), kept beside every other vote, so
that two instances that disagree keep both opinions and acceptance decides. A record that originated
here is not taken in again (loop prevention); a retraction takes the item out of the peer's list here,
and keeps the media, its votes and its provenance (rows are never deleted from the hash database).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from vigil.db.base import core_table
from vigil.federation.batches import FEED_FORMAT
from vigil.federation.feed import record_from_json
from vigil.federation.models import MediaOrigin, Peer
from vigil.federation.policy import Direction
from vigil.formats.base import Diagnostics, HashRecord
from vigil.hashlists.catalog import Catalog
from vigil.hashlists.importer import Importer, signal_digest
from vigil.hashlists.models import HashList, HashListMember, Media, MediaSignal, Provenance
from vigil.hashlists.summary import ImportSummary
from vigil.signals import registry
from vigil.signals.base import InvalidSignalError


@dataclass
class Applied:
    records: int = 0
    added: int = 0
    merged: int = 0
    skipped: int = 0
    rejected: int = 0
    tombstones: int = 0
    own: int = 0
    filtered: int = 0

    def add(self, other: Applied) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


def _canonical(kind: str, value: str) -> str:
    """A known type's canonical value (InvalidSignalError when malformed); others stay opaque."""
    return registry.normalize(kind, value) if kind in registry.signal_types() else value


def _incoming(record: HashRecord, into: Direction) -> HashRecord | None:
    """The record as taken in under ``into``; None when filtered out. A malformed value of a known
    signal type raises InvalidSignalError (the record is rejected, never stored as sent)."""
    for name in registry.IDENTITY_DIGESTS:
        value = getattr(record, name)
        setattr(record, name, _canonical(name, value) if value and into.signal_allowed(name) else None)
    record.signals = [(k, _canonical(k, v)) for k, v in record.signals if into.signal_allowed(k)]
    if not record.has_identity():
        return None
    if not into.category_allowed(record.scheme, record.category):
        return None
    if not into.scheme_allowed(record.scheme):
        record.category = record.scheme = None
    return record


def _media_ids(session: Session, records: list[HashRecord]) -> list[int | None]:
    """The media item each record is now, found the way the importer found it (identity digests
    first, then signals for records without any)."""
    found: dict[tuple[str, str], int] = {}
    for name in registry.IDENTITY_DIGESTS:
        values = {getattr(r, name) for r in records if getattr(r, name)}
        if values:
            column = getattr(Media, name)
            for media_id, value in session.execute(select(Media.id, column).where(column.in_(values))):
                found[(name, value)] = media_id
    digests = {
        signal_digest(v)
        for r in records
        if not any(getattr(r, n) for n in registry.IDENTITY_DIGESTS)
        for _, v in r.signals
    }
    by_signal: dict[tuple[str, str], int] = {}
    if digests:
        query = select(MediaSignal.signal_type, MediaSignal.digest, MediaSignal.media_id).where(
            MediaSignal.digest.in_(digests)
        )
        for kind, digest, media_id in session.execute(query):
            by_signal.setdefault((kind, digest), media_id)
    out: list[int | None] = []
    for r in records:
        media_id = next(
            (found[(n, getattr(r, n))] for n in registry.IDENTITY_DIGESTS if (n, getattr(r, n)) in found),
            None,
        )
        if media_id is None:
            media_id = next(
                (
                    by_signal[(k, signal_digest(v))]
                    for k, v in r.signals
                    if (k, signal_digest(v)) in by_signal
                ),
                None,
            )
        out.append(media_id)
    return out


def _record_origins(session: Session, peer: Peer, pairs: list[tuple[int, str, int]]) -> None:
    """(media id, origin instance, origin record) rows not known yet."""
    if not pairs:
        return
    wanted = {(m, inst): rec for m, inst, rec in pairs}
    # By media id alone: a tuple IN (VALUES …) makes SQLite scan every origin, a list's worth.
    existing = {
        (media_id, instance)
        for media_id, instance in session.execute(
            select(MediaOrigin.media_id, MediaOrigin.origin_instance).where(
                MediaOrigin.media_id.in_({m for m, _ in wanted})
            )
        )
    }
    rows = [
        {"media_id": m, "origin_instance": inst, "origin_record": rec, "peer_id": peer.id}
        for (m, inst), rec in wanted.items()
        if (m, inst) not in existing
    ]
    if rows:
        session.execute(insert(core_table(MediaOrigin)), rows)


def _retract(session: Session, hash_list: HashList, origins: list[tuple[str, int]]) -> tuple[int, list[int]]:
    if not origins:
        return 0, []
    by_instance: dict[str, set[int]] = {}
    for instance, record in origins:
        by_instance.setdefault(instance, set()).add(record)
    # One query per origin instance, on the (instance, record) index: a tuple IN (VALUES …) makes SQLite
    # scan every origin, a list's worth.
    media = [
        media_id
        for instance, records in by_instance.items()
        for media_id in session.execute(
            select(MediaOrigin.media_id).where(
                MediaOrigin.origin_instance == instance, MediaOrigin.origin_record.in_(records)
            )
        ).scalars()
    ]
    if not media:
        return 0, []
    done = session.execute(
        delete(HashListMember).where(
            HashListMember.list_id == hash_list.id, HashListMember.media_id.in_(media)
        )
    )
    return int(getattr(done, "rowcount", 0) or 0), media


def apply_batch(
    session: Session,
    catalog: Catalog,
    peer: Peer,
    hash_list: HashList,
    provenance: Provenance,
    items: list[dict[str, Any]],
    *,
    here: str,
    into: Direction,
    jurisdiction: str | None,
) -> tuple[Applied, set[int]]:
    """What was applied, and the media ids it touched (whose entries a publish must evaluate again)."""
    applied = Applied()
    records: list[HashRecord] = []
    origins: list[tuple[str, int]] = []
    retractions: list[tuple[str, int]] = []
    for item in items:
        origin = item.get("origin") or {}
        instance, record_id = str(origin.get("instance", "")), int(origin.get("record", 0))
        if instance == here:
            applied.own += 1  # our own record, back from a peer: never new here
            continue
        if item.get("record") is None:
            retractions.append((instance, record_id))
            continue
        try:
            record = _incoming(record_from_json(item["record"]), into)
        except InvalidSignalError:
            applied.rejected += 1
            continue
        if record is None:
            applied.filtered += 1
            continue
        record.where = f"{instance}#{record_id}"
        records.append(record)
        origins.append((instance, record_id))
    applied.tombstones, retracted = _retract(session, hash_list, retractions)
    touched = set(retracted)
    if records:
        summary = ImportSummary(source=provenance.source, format=FEED_FORMAT, contributor=peer.name)
        importer = Importer(
            session, catalog, provenance, summary, jurisdiction=jurisdiction, hash_list=hash_list
        )
        importer.run(records, Diagnostics(), chunk_size=max(len(records), 1))
        applied.records = summary.records
        applied.added, applied.merged = summary.added, summary.merged
        applied.skipped, applied.rejected = summary.skipped, applied.rejected + summary.rejected
        ids = _media_ids(session, records)
        touched.update(m for m in ids if m is not None)
        _record_origins(
            session,
            peer,
            [(m, inst, rec) for m, (inst, rec) in zip(ids, origins, strict=True) if m is not None],
        )
    return applied, touched
