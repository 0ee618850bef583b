"""The initiating side of a private set intersection: ``compare(base_url, token, ...)``.

Round 1: this side sends its values blinded by its scalar ``a`` (shuffled, in batches) and gets back, in
the same order, tags of them under both scalars; it fetches the peer's values blinded by the peer's ``b``
and raises them to ``a``. Equal tags are common values: this side learns which of its values the peer
holds, and how many values each of the peer's sets holds. Round 2: it sends the tags of the peer's values
back, shuffled, so that the peer can count the common values without learning which they are. The
result is journalled on both sides (here by :func:`compare`, there by the responder).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import httpx
from sqlalchemy.orm import Session, sessionmaker

from vigil.audit import journal
from vigil.errors import Conflict, Unavailable
from vigil.federation.address import PinnedAddress, PinnedTransport
from vigil.federation.psi import POINT_BYTES, TAG_BYTES, Blinder, PsiError, split, tag
from vigil.federation.psi_responder import PsiResponder, SetCount, Started
from vigil.federation.psi_sets import check_sets, holdings

API: str = "/api/v1/federation/psi"


class PeerError(Unavailable):
    """The peer could not be reached, or failed (5xx): try again later."""


class PeerRefusedError(Conflict):
    """The peer refused the request (4xx: a wrong token, a set it does not know, too many sessions)."""


class PsiTransport(Protocol):
    """How the initiator reaches the responder: HTTP (:class:`HttpTransport`) or in the process (bench)."""

    def start(self, sizes: dict[str, int]) -> Started: ...
    def reblind(self, session: str, name: str, points: bytes) -> bytes: ...
    def points(self, session: str, name: str, offset: int, limit: int) -> bytes: ...
    def back(self, session: str, name: str, tags: bytes) -> None: ...
    def finish(self, session: str) -> dict[str, SetCount]: ...


@dataclass
class Wire:
    """Payload bytes each way (bodies only, not HTTP headers)."""

    sent: int = 0
    received: int = 0


class HttpTransport:
    def __init__(
        self,
        base_url: str,
        token: str,
        timeout: float = 300.0,
        client: httpx.Client | None = None,
        pinned: PinnedAddress | None = None,
    ):
        """``pinned``: the peer's checked address, to which its requests go (address.py)."""
        self.client = client or httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            transport=PinnedTransport(pinned) if pinned is not None else None,
            trust_env=False,  # a proxy from the environment would bypass the pinned address
        )
        self.wire = Wire()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.client.request(method, f"{API}{path}", **kwargs)
        except httpx.HTTPError as exc:
            raise PeerError(f"the peer did not answer: {exc}") from exc
        if response.status_code >= 400:
            detail = response.text[:300]
            with contextlib.suppress(ValueError):
                detail = str(response.json().get("detail", detail))
            error = PeerError if response.status_code >= 500 else PeerRefusedError
            raise error(f"the peer answered {response.status_code}: {detail}")
        self.wire.received += len(response.content)
        return response

    def start(self, sizes: dict[str, int]) -> Started:
        body = self._call("POST", "/sessions", json={"sets": sizes}).json()
        return Started(
            str(body["session"]), {str(k): int(v) for k, v in body["sets"].items()}, int(body["batch"])
        )

    def reblind(self, session: str, name: str, points: bytes) -> bytes:
        self.wire.sent += len(points)
        return self._call("POST", f"/sessions/{session}/sets/{name}/blind", content=points).content

    def points(self, session: str, name: str, offset: int, limit: int) -> bytes:
        path = f"/sessions/{session}/sets/{name}/points"
        return self._call("GET", path, params={"offset": offset, "limit": limit}).content

    def back(self, session: str, name: str, tags: bytes) -> None:
        self.wire.sent += len(tags)
        self._call("POST", f"/sessions/{session}/sets/{name}/back", content=tags)

    def finish(self, session: str) -> dict[str, SetCount]:
        body = self._call("POST", f"/sessions/{session}/finish").json()
        return {
            str(k): SetCount(int(v["ours"]), int(v["theirs"]), v.get("common"))
            for k, v in body["sets"].items()
        }


class LocalTransport:
    """A responder in this process, its payloads counted as if they went over the wire (the bench)."""

    def __init__(self, responder: PsiResponder, peer: str = "bench") -> None:
        self.responder, self.peer, self.wire = responder, peer, Wire()

    def start(self, sizes: dict[str, int]) -> Started:
        return self.responder.start(self.peer, sizes)

    def reblind(self, session: str, name: str, points: bytes) -> bytes:
        tags = self.responder.reblind(self.peer, session, name, points)
        self.wire.sent += len(points)
        self.wire.received += len(tags)
        return tags

    def points(self, session: str, name: str, offset: int, limit: int) -> bytes:
        data = self.responder.points(self.peer, session, name, offset, limit)
        self.wire.received += len(data)
        return data

    def back(self, session: str, name: str, tags: bytes) -> None:
        self.wire.sent += len(tags)
        self.responder.back(self.peer, session, name, tags)

    def finish(self, session: str) -> dict[str, SetCount]:
        return self.responder.finish(self.peer, session)


@dataclass(frozen=True)
class SetResult:
    name: str
    #: Values this side holds, values the peer holds, values both hold.
    ours: int
    theirs: int
    common: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Comparison:
    peer: str
    session: str
    sets: list[SetResult]
    #: What the peer counted on its side (it must agree with ``len(common)``).
    peer_counts: dict[str, SetCount]

    def to_json(self) -> dict[str, Any]:
        return {
            "peer": self.peer,
            "session": self.session,
            "sets": {s.name: {"ours": s.ours, "theirs": s.theirs, "common": s.common} for s in self.sets},
        }


def run(
    transport: PsiTransport,
    values: Mapping[str, Sequence[str]],
    progress: Callable[[int], None] | None = None,
) -> tuple[str, list[SetResult], dict[str, SetCount]]:
    """The protocol over ``transport`` for this side's ``values`` (set name → distinct values)."""
    started = transport.start({name: len(v) for name, v in values.items()})
    if list(started.sizes) != list(values):
        raise PsiError("the peer answered for other sets than those asked")
    blinder, batch, rng = Blinder(), max(1, started.batch), secrets.SystemRandom()
    results = []
    for name, own in values.items():
        order = list(own)
        rng.shuffle(order)  # the peer sees our points in an order that says nothing
        ours: list[bytes] = []
        for i in range(0, len(order), batch):
            chunk = order[i : i + batch]
            answer = transport.reblind(started.session, name, blinder.blind_values(name, chunk))
            if len(answer) != len(chunk) * TAG_BYTES:
                raise PsiError("the peer answered a different number of tags")
            ours += split(answer, TAG_BYTES)
            if progress:
                progress(len(chunk))
        theirs: list[bytes] = []
        size = started.sizes[name]
        for offset in range(0, size, batch):
            limit = min(batch, size - offset)
            page = transport.points(started.session, name, offset, limit)
            if len(page) != limit * POINT_BYTES:
                raise PsiError("the peer sent a different number of points")
            theirs += [tag(p) for p in blinder.reblind(page)]
            if progress:
                progress(limit)
        known = set(theirs)
        common = sorted(v for v, t in zip(order, ours, strict=True) if t in known)
        rng.shuffle(theirs)  # round 2: the peer may count the common values, not find them
        for i in range(0, len(theirs), batch):
            transport.back(started.session, name, b"".join(theirs[i : i + batch]))
        results.append(SetResult(name, len(order), size, common))
    return started.session, results, transport.finish(started.session)


def compare(
    base_url: str,
    token: str,
    sessions: sessionmaker[Session],
    actor: str,
    sets: Sequence[str] = (),
    *,
    max_items: int = 5_000_000,
    transport: PsiTransport | None = None,
    progress: Callable[[int], None] | None = None,
    pinned: PinnedAddress | None = None,
) -> Comparison:
    """Compare this instance's holdings with the peer at ``base_url`` (a token of its ``peer`` role).

    Returns the common values of each set (only this side learns them) and journals the counts here;
    the peer journals its own counts."""
    names = check_sets(sets)
    with sessions() as db:
        values = {name: holdings(db, name, max_items) for name in names}
    session, results, peer_counts = run(
        transport or HttpTransport(base_url, token, pinned=pinned), values, progress
    )
    for result in results:
        counted = peer_counts.get(result.name)
        if counted is None or counted.common != len(result.common):
            raise PsiError(f"the peer counted a different intersection of the {result.name} set")
    with sessions() as db, db.begin():
        journal.append(
            db,
            actor,
            "federation.psi.compare",
            f"psi/{session}",
            {
                "peer": base_url,
                "role": "initiator",
                "sets": {
                    r.name: {"ours": r.ours, "theirs": r.theirs, "common": len(r.common)} for r in results
                },
            },
        )
    return Comparison(base_url, session, results, peer_counts)
