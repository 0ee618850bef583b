"""Pulling a peer's lists: fetch each signed batch, check it answers this request, apply it with its
checkpoint in one transaction, and publish the local copies at the end.

What a batch must satisfy before anything of it is written: signed by a key trusted for the peer (the
key set is refreshed first, following endorsements and revocations); of this protocol; naming the peer's
instance, the list and the cursor asked for, this instance as audience and the nonce just sent (so a
batch recorded earlier, or meant for another instance, is refused: replay protection); issued within
``federation_max_skew_seconds``; and moving the cursor forward. The checkpoint is written in the
transaction of the batch's records: a pull killed at any point resumes at the first batch not
committed, and the importer merges a record it has seen into the same item, so nothing is lost or
doubled.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
from sqlalchemy import delete, or_, update
from sqlalchemy.orm import Session, sessionmaker

from vigil.audit import journal
from vigil.config import Settings
from vigil.db.base import utcnow
from vigil.errors import Conflict, Unavailable
from vigil.federation.address import PinnedAddress, pin_address
from vigil.federation.apply import Applied, apply_batch
from vigil.federation.batches import FEED_FORMAT, PROTOCOL, BatchError, instance_name, open_batch
from vigil.federation.feed import Cursor, CursorError
from vigil.federation.models import Peer, PeerCheckpoint
from vigil.federation.peers import PeerError, get_peer, lock_peer, read_token
from vigil.federation.policy import SharingPolicy
from vigil.federation.trust import trusted_keys, update_trust
from vigil.hashlists.catalog import load_catalog
from vigil.hashlists.contributors import new_provenance
from vigil.hashlists.lists import BASELINE_LIST, ensure_baseline_list, ensure_list, find_list
from vigil.hashlists.models import Contributor, HashListMember
from vigil.hashlists.publish import TOUCHED_MAX, publish
from vigil.signals import registry


class PeerUnavailableError(Unavailable):
    """The peer did not answer, or answered an error: the pull may succeed later."""

    retry_after = 60


class PullBusyError(Conflict):
    """Another pull of the same peer holds it."""


@dataclass
class ListPull:
    remote_list: str
    local_list: str
    batches: int = 0
    version: int = 0
    applied: Applied = field(default_factory=Applied)
    #: Media ids the batches wrote; None: publish the copy whole.
    touched: set[int] | None = field(default_factory=set)
    #: The terms of this pull (peer's outgoing filter / this instance's incoming one).
    terms: str = ""
    #: Members taken off the local copy because the terms changed (it is then copied again).
    recopied: int | None = None

    def touch(self, media: set[int]) -> None:
        if self.touched is not None:
            self.touched |= media
            if len(self.touched) > TOUCHED_MAX:
                self.touched = None


@dataclass(frozen=True)
class _Batch:
    body: dict[str, Any]
    key_id: str
    digest: str
    asked: Cursor
    served: Cursor
    following: Cursor


@dataclass
class PullResult:
    peer: str
    lists: list[ListPull]
    trusted: list[str]
    revoked: list[str]
    published: dict[str, int]


def _dead_here(owner: str) -> bool:
    """Whether a lease owner ("host:pid:random") is a process of this host that no longer runs."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def check_address(url: str, allow_private: bool) -> PinnedAddress:
    """The peer's checked address, to which its requests go (address.py: no DNS rebinding)."""
    return pin_address(url, allow_private)


class Puller:
    """Pulls for one process: ``sessions`` and ``settings`` from its composition root; ``client`` an
    httpx client (tests and the benchmark pass theirs)."""

    def __init__(
        self,
        settings: Settings,
        sessions: sessionmaker[Session],
        actor: str,
        client: httpx.Client | None = None,
    ) -> None:
        instance_name(settings)  # refused here, before anything is asked of the peer
        self.settings = settings
        self.sessions = sessions
        self.actor = actor
        self.here = settings.federation_instance
        # trust_env=False: a proxy from the environment would connect by name, not to the pinned address.
        self.client = client or httpx.Client(
            timeout=settings.federation_timeout, follow_redirects=False, trust_env=False
        )
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        #: The address of the peer being pulled, checked at the pull's start; every request goes there.
        self._pinned: PinnedAddress | None = None

    # -- HTTP -------------------------------------------------------------------------------------

    def _get(self, url: str, token: str, params: dict[str, str] | None = None) -> Any:
        request = self.client.build_request(
            "GET", url, params=params, headers={"Authorization": f"Bearer {token}"}
        )
        if self._pinned is not None:
            request = self._pinned.apply(request)
        try:
            answer = self.client.send(request)
        except httpx.HTTPError as exc:
            raise PeerUnavailableError(f"{url}: {exc.__class__.__name__}: {exc}") from None
        if answer.status_code != 200:
            detail = answer.text[:300].replace("\n", " ")
            raise PeerUnavailableError(f"{url}: HTTP {answer.status_code}: {detail}")
        try:
            return answer.json()
        except ValueError:
            raise BatchError(f"{url}: the answer is not JSON") from None

    # -- the pull ---------------------------------------------------------------------------------

    def _lease_time(self) -> timedelta:
        """A lease outlives a batch's request and transaction; each batch renews it."""
        return timedelta(seconds=max(60.0, 4 * self.settings.federation_timeout))

    def _lease(self, name: str, take: bool) -> Peer:
        with self.sessions() as session, session.begin():
            peer = get_peer(session, name)
            if take:
                now = utcnow()
                free = or_(
                    Peer.lease_until.is_(None), Peer.lease_until <= now, Peer.lease_owner == self.owner
                )
                if peer.lease_owner and _dead_here(peer.lease_owner):
                    free = or_(free, Peer.lease_owner == peer.lease_owner)  # a killed pull on this host
                done = session.execute(
                    update(Peer)
                    .where(Peer.id == peer.id, free)
                    .values(lease_owner=self.owner, lease_until=now + self._lease_time())
                    .execution_options(synchronize_session=False)
                )
                if not getattr(done, "rowcount", 0):
                    raise PullBusyError(f"peer {name} is being pulled by {peer.lease_owner}")
            else:
                session.execute(
                    update(Peer)
                    .where(Peer.id == peer.id, Peer.lease_owner == self.owner)
                    .values(lease_owner=None, lease_until=None)
                    .execution_options(synchronize_session=False)
                )
            session.expunge(peer)
            return peer

    def pull(self, name: str, progress: Callable[[ListPull], None] | None = None) -> PullResult:
        peer = self._lease(name, take=True)
        try:
            result = self._pull(peer, progress)
        except Exception as exc:
            with self.sessions() as session, session.begin():
                session.execute(update(Peer).where(Peer.id == peer.id).values(last_error=str(exc)[:2000]))
            raise
        finally:
            self._lease(name, take=False)
        return result

    def _pull(self, peer: Peer, progress: Callable[[ListPull], None] | None) -> PullResult:
        self._pinned = check_address(peer.url, self.settings.federation_allow_private)
        token = read_token(self.settings.federation_keys, peer.name)
        policy = SharingPolicy.from_json(peer.policy)
        offer = self._get(f"{peer.url}/api/v1/feed", token)
        if not isinstance(offer, dict) or PROTOCOL not in (offer.get("protocols") or []):
            raise BatchError(
                f"peer {peer.name} speaks feed protocols {offer.get('protocols')}, not {PROTOCOL}"
            )
        instance = str(offer.get("instance") or "")
        if instance == self.here:
            raise PeerError(f"peer {peer.name} is this instance ({instance})")
        key_set = self._get(f"{peer.url}/api/v1/feed/keys", token)
        with self.sessions() as session, session.begin():
            row = get_peer(session, peer.name)
            if row.instance is None:
                row.instance = instance
            elif row.instance != instance:
                raise BatchError(f"peer {peer.name} now says it is {instance!r}, not {row.instance!r}")
            trusted, revoked = update_trust(session, row, key_set, instance)
            if trusted or revoked:
                journal.append(
                    session,
                    self.actor,
                    "federation.peer_keys",
                    f"peer/{peer.name}",
                    {"trusted": trusted, "revoked": revoked},
                )
        offered = [str(n) for n in offer.get("lists") or []]
        wanted = [n for n in offered if not policy.lists_in or n in policy.lists_in]
        ours = set(registry.signal_types())
        types = sorted(
            t for t in offer.get("signal_types") or [] if t in ours and policy.into.signal_allowed(t)
        )
        if not types:
            raise BatchError(f"peer {peer.name} offers no signal type this instance takes in")
        pulls = []
        for remote in wanted:
            pulls.append(self._pull_list(peer, instance, token, policy, remote, types, progress))
        published: dict[str, int] = {}
        with self.sessions() as session, session.begin():
            row = lock_peer(session, peer.name)  # first, as a policy change does: no deadlock between them
            catalog = load_catalog(session)
            everything: set[int] | None = set()
            for done in pulls:
                hash_list = find_list(session, done.local_list)
                if hash_list is not None:
                    result = publish(session, catalog, hash_list, self.actor, done.touched)
                    published[done.local_list] = result.version
                checkpoint = session.get(PeerCheckpoint, (peer.id, done.remote_list))
                if checkpoint is not None:
                    checkpoint.pending_publish = False
                everything = None if everything is None or done.touched is None else everything | done.touched
            baseline = find_list(session, BASELINE_LIST)
            if baseline is None:
                contributor = session.get(Contributor, row.contributor_id)
                assert contributor is not None
                made = new_provenance(session, contributor, self.actor, f"feed:{peer.name}", FEED_FORMAT)
                baseline = ensure_baseline_list(session, catalog, made)
            # The baseline can change only for media whose votes the pull brought.
            publish(session, catalog, baseline, self.actor, everything)
            row.last_pull_at = utcnow()
            row.last_error = None
            journal.append(
                session,
                self.actor,
                "federation.pull",
                f"peer/{peer.name}",
                {
                    "lists": {
                        p.remote_list: {
                            "version": p.version,
                            "batches": p.batches,
                            "recopied": p.recopied,
                            **vars(p.applied),
                        }
                        for p in pulls
                    }
                },
            )
        return PullResult(peer.name, pulls, trusted, revoked, published)

    def _pull_list(
        self,
        peer: Peer,
        instance: str,
        token: str,
        policy: SharingPolicy,
        remote: str,
        types: list[str],
        progress: Callable[[ListPull], None] | None,
    ) -> ListPull:
        local = policy.local_list(peer.name, remote)
        state = ListPull(remote, local)
        with self.sessions() as session:
            checkpoint = session.get(PeerCheckpoint, (peer.id, remote))
            if checkpoint is not None and checkpoint.pending_publish:
                state.touched = None  # an earlier pull ended before publishing what it applied
        url = f"{peer.url}/api/v1/feed/lists/{quote(remote, safe='')}"
        while True:
            with self.sessions() as session:
                checkpoint = session.get(PeerCheckpoint, (peer.id, remote))
                cursor = Cursor.parse(checkpoint.cursor if checkpoint else "0")
                trusted = trusted_keys(session, peer)
            nonce = secrets.token_hex(16)
            params = {
                "cursor": cursor.text(),
                "limit": str(self.settings.federation_page_size),
                "audience": self.here,
                "nonce": nonce,
                "signal_types": ",".join(types),
            }
            body, key_id, digest = open_batch(self._get(url, token, params), trusted)
            served, following = self._check(body, instance, remote, cursor, nonce, types)
            theirs = str(body.get("terms") or "")[:40]
            if self._terms_changed(peer, state, cursor, theirs, _incoming_terms(policy, types)):
                continue  # the batch was cut for the old cursor: ask again from the start
            batch = _Batch(body, key_id, digest, cursor, served, following)
            applied, touched = self._apply(peer, policy, state, batch)
            state.batches += 1
            state.applied.add(applied)
            state.touch(touched)
            state.version = int(body["version"])
            if progress is not None:
                progress(state)
            if body.get("complete"):
                return state

    def _apply(
        self, peer: Peer, policy: SharingPolicy, state: ListPull, batch: _Batch
    ) -> tuple[Applied, set[int]]:
        """One verified batch and its checkpoint, in one transaction."""
        with self.sessions() as session, session.begin():
            row = lock_peer(session, peer.name)
            # The jurisdiction at this commit, not at the pull's start: a policy change in between has
            # moved the peer's votes already (peer_votes.py), and this batch's must join them.
            jurisdiction = SharingPolicy.from_json(row.policy).jurisdiction
            catalog = load_catalog(session)
            checkpoint = session.get(PeerCheckpoint, (peer.id, state.remote_list))
            if checkpoint is None:
                checkpoint = PeerCheckpoint(
                    peer_id=peer.id,
                    remote_list=state.remote_list,
                    local_list=state.local_list,
                    cursor="0",
                    version=0,
                    records=0,
                    tombstones=0,
                    batches=0,
                    pending_publish=False,
                    terms=state.terms,
                )
                session.add(checkpoint)
            elif checkpoint.cursor != batch.asked.text():
                raise PullBusyError(
                    f"the checkpoint of {peer.name}/{state.remote_list} moved under this pull"
                )
            if row.lease_owner != self.owner:
                raise PullBusyError(f"the pull of {peer.name} was taken over by {row.lease_owner}")
            row.lease_until = utcnow() + self._lease_time()
            contributor = session.get(Contributor, row.contributor_id)
            assert contributor is not None
            provenance = new_provenance(
                session,
                contributor,
                self.actor,
                f"feed:{peer.name}/{state.remote_list}@{batch.served.text()}",
                FEED_FORMAT,
            )
            provenance.digest = batch.digest
            hash_list, created = ensure_list(session, catalog, state.local_list, provenance)
            if created:
                hash_list.description = f"pulled from peer {peer.name} (its list {state.remote_list})"
                hash_list.recipients = list(policy.recipients_in)
            applied, touched = apply_batch(
                session,
                catalog,
                row,
                hash_list,
                provenance,
                list(batch.body.get("items") or []),
                here=self.here,
                into=policy.into,
                jurisdiction=jurisdiction,
            )
            provenance.summary = {"key": batch.key_id, "cursor": batch.served.text(), **vars(applied)}
            checkpoint.cursor = batch.following.text()
            if touched:
                checkpoint.pending_publish = True
            checkpoint.records += applied.records
            checkpoint.tombstones += applied.tombstones
            checkpoint.batches += 1
            checkpoint.updated_at = utcnow()
            if batch.body.get("complete"):
                checkpoint.version = int(batch.body["version"])
        return applied, touched

    def _terms_changed(self, peer: Peer, state: ListPull, asked: Cursor, theirs: str, ours: str) -> bool:
        """When the list's terms are not those it was pulled under (``next_terms``), take every member
        off the local copy and start again from cursor 0, in one transaction: a narrower filter (the
        peer's or ours) must retract what it no longer allows, and a wider one brings records that
        changed before it. The copy is published whole at the end of the pull, so its readers never see
        it half done."""
        with self.sessions() as session, session.begin():
            checkpoint = session.get(PeerCheckpoint, (peer.id, state.remote_list))
            previous = checkpoint.terms if checkpoint is not None else None
            state.terms, changed = next_terms(previous, theirs, ours)
            if checkpoint is None or (state.terms == previous and not changed):
                return False
            if checkpoint.cursor != asked.text():
                raise PullBusyError(
                    f"the checkpoint of {peer.name}/{state.remote_list} moved under this pull"
                )
            checkpoint.terms = state.terms
            if not changed:
                return False  # a checkpoint from before terms were recorded adopts these
            hash_list = find_list(session, state.local_list)
            removed = 0
            if hash_list is not None:
                done = session.execute(delete(HashListMember).where(HashListMember.list_id == hash_list.id))
                removed = int(getattr(done, "rowcount", 0) or 0)
            checkpoint.cursor = "0"
            checkpoint.version = 0
            checkpoint.pending_publish = True
            checkpoint.updated_at = utcnow()
            journal.append(
                session,
                self.actor,
                "federation.recopy",
                f"peer/{peer.name}",
                {"list": state.remote_list, "from": previous, "to": state.terms, "removed": removed},
            )
        state.touched = None
        state.recopied = (state.recopied or 0) + removed
        return True

    def _check(
        self, body: dict[str, Any], instance: str, remote: str, asked: Cursor, nonce: str, types: list[str]
    ) -> tuple[Cursor, Cursor]:
        """The served and the next cursor of a batch that answers this request, or BatchError."""
        expect = {
            "protocol": PROTOCOL,
            "instance": instance,
            "list": remote,
            "audience": self.here,
            "nonce": nonce,
        }
        for key, value in expect.items():
            if body.get(key) != value:
                raise BatchError(f"batch {key} is {str(body.get(key))[:80]!r}, not {value!r}: refused")
        try:
            issued = datetime.fromisoformat(str(body.get("issued_at")))
            served = Cursor.parse(str(body.get("cursor")))
            following = Cursor.parse(str(body.get("next_cursor")))
        except (ValueError, CursorError) as exc:
            raise BatchError(f"batch fields malformed: {exc}") from None
        skew = abs((datetime.now(UTC) - issued).total_seconds()) if issued.tzinfo else float("inf")
        if skew > self.settings.federation_max_skew_seconds:
            raise BatchError(f"batch issued {skew:.0f} s away from now: refused (replay window)")
        if served.since != asked.since or (
            asked.until is not None and (served.until, served.after) != (asked.until, asked.after)
        ):
            raise BatchError(f"batch answers cursor {served.text()}, not {asked.text()}")
        assert served.until is not None
        if body.get("complete"):
            moved = following.until is None and following.since == served.until
        else:
            moved = (following.since, following.until) == (
                served.since,
                served.until,
            ) and following.after > served.after
        if not moved or int(body.get("version", -1)) != served.until:
            raise BatchError(f"batch cursor does not move forward ({served.text()} → {following.text()})")
        extra = set(body.get("signal_types") or []) - set(types)
        if extra:
            raise BatchError(f"batch carries signal types not asked for: {sorted(extra)}")
        return served, following


def next_terms(previous: str | None, theirs: str, ours: str) -> tuple[str, bool]:
    """The terms to record for a list ("THEIRS/OURS") and whether its copy must be made again, from
    those it was pulled under (None: a checkpoint from before terms were recorded, which adopts these).

    Our part (this instance's incoming filter) is ours to compare: any change of it copies again,
    whatever the peer states. The peer's part is compared only when the batch states one. A peer that
    starts stating terms (an older Vigil upgraded) has its list copied once more, since the copy was
    made under an outgoing filter nobody recorded. A batch without terms (an older Vigil, or a feed
    without the field) says nothing about a change: the last terms the peer stated are kept, and it is
    not copied again for them (a peer served by two versions at once would otherwise be copied again at
    every other batch); should it state them again, a change since is seen."""
    if previous is None:
        return f"{theirs}/{ours}", False
    stated, _, before = previous.rpartition("/")
    kept = theirs or stated
    return f"{kept}/{ours}", ours != before or kept != stated


def _incoming_terms(policy: SharingPolicy, types: list[str]) -> str:
    text = json.dumps([policy.into.to_json(), types], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def schedule_due(sessions: sessionmaker[Session], now: datetime | None = None) -> list[str]:
    """Names of enabled peers whose scheduled pull is due (policy ``pull_minutes``)."""
    now = now or utcnow()
    with sessions() as session:
        due = []
        for peer in session.query(Peer).filter(Peer.enabled.is_(True)).order_by(Peer.name):
            minutes = SharingPolicy.from_json(peer.policy).pull_minutes
            if minutes and (
                peer.last_pull_at is None or peer.last_pull_at + timedelta(minutes=minutes) <= now
            ):
                due.append(peer.name)
        return due
