"""A peer instance played in-process for the puller: its feed, key set and signed batches of one list,
``shared``, answered through an httpx transport (nothing leaves the process). Hashes are made up from
counters (benign: no content behind them)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker

from vigil.config import Settings
from vigil.federation.batches import PROTOCOL, seal
from vigil.federation.feed import Cursor
from vigil.federation.peers import PeerService
from vigil.federation.policy import SharingPolicy
from vigil.federation.pull import Puller
from vigil.signing import generate_private_key, public_key_to_pem

INSTANCE = "inst-a"


def hashes(i: int) -> tuple[str, str, str]:
    seed = i.to_bytes(8, "big")
    return (
        hashlib.sha256(seed).hexdigest(),
        hashlib.md5(seed, usedforsecurity=False).hexdigest(),
        hashlib.sha1(seed, usedforsecurity=False).hexdigest(),
    )


def item(i: int, category: str) -> dict[str, Any]:
    sha256, md5, sha1 = hashes(i)
    record = {"sha256": sha256, "md5": md5, "sha1": sha1, "size": 100 + i, "category": category,
              "scheme": "vics-us", "signals": {}}  # fmt: skip
    return {"key": i + 1, "origin": {"instance": INSTANCE, "record": i + 1}, "record": record}


class FakePeer(httpx.BaseTransport):
    """``items`` are what the latest version of its list holds; a pull from an earlier version gets
    all of them (its delta is the whole list), in key order, a page at a time. ``terms`` None leaves
    the field out of its batches, as an older Vigil does."""

    def __init__(self, items: list[dict[str, Any]], terms: str | None = None) -> None:
        self.key = generate_private_key()
        self.items = items
        self.terms = terms
        self.version = 1

    def publish(self, *more: dict[str, Any]) -> None:
        self.items = [*self.items, *more]
        self.version += 1

    def pem(self) -> bytes:
        return public_key_to_pem(self.key.public_key())

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path, params = request.url.path, request.url.params
        if path == "/api/v1/feed":
            answer: dict[str, Any] = {"instance": INSTANCE, "protocols": [PROTOCOL], "lists": ["shared"],
                                      "signal_types": ["md5", "sha1", "sha256"]}  # fmt: skip
        elif path == "/api/v1/feed/keys":
            answer = {"instance": INSTANCE, "keys": []}  # the key pinned at `add` is the only one
        elif path == "/api/v1/feed/lists/shared":
            answer = seal(self._body(params), self.key)
        else:
            return httpx.Response(404)
        return httpx.Response(200, content=json.dumps(answer), headers={"content-type": "application/json"})

    def _body(self, params: httpx.QueryParams) -> dict[str, Any]:
        asked, version = Cursor.parse(params["cursor"]), self.version
        served = Cursor(asked.since, version, asked.after)
        waiting = sorted(
            (i for i in self.items if asked.since < version and i["key"] > asked.after),
            key=lambda i: i["key"],
        )
        page = waiting[: int(params["limit"])]
        complete = len(page) == len(waiting)
        following = Cursor(version) if complete else Cursor(asked.since, version, page[-1]["key"])
        body = {
            "protocol": PROTOCOL, "instance": INSTANCE, "list": "shared", "cursor": served.text(),
            "next_cursor": following.text(), "complete": complete, "version": version,
            "version_digest": "0" * 64, "audience": params["audience"], "nonce": params["nonce"],
            "issued_at": datetime.now(UTC).isoformat(), "signal_types": params["signal_types"].split(","),
            "items": page,
        }  # fmt: skip
        if self.terms is not None:
            body["terms"] = self.terms
        return body


def peer_and_puller(
    db_settings: Settings, sessions: sessionmaker[Session], peer: FakePeer, page_size: int = 1000
) -> tuple[PeerService, Puller]:
    """The peer ``peer-a`` (an agency of FR) added here, and a puller that reaches it through ``peer``."""
    settings = db_settings.model_copy(
        update={
            "federation_instance": "here",
            "federation_allow_private": True,
            "federation_page_size": page_size,
        }
    )
    service = PeerService(sessions, settings.federation_keys, "test")
    service.add("peer-a", "http://127.0.0.1:9", "token", peer.pem(), country="FR", policy=SharingPolicy())
    return service, Puller(settings, sessions, "test", httpx.Client(transport=peer))
