"""The responding side of a private set intersection: sessions kept in files, answered batch by batch.

A session lives in ``data_dir/psi/<id>/`` (so that every API worker process can answer any of its
requests): the session's scalar (mode 0600), its state, this side's set as shuffled 64-byte value digests,
the initiator's doubly blinded tags and the tags the initiator sends back. The scalar and everything else
go when the session finishes or expires. What this side learns: how many values each of the initiator's
sets holds, and how many of them it holds too (never which). Both are journalled when the session ends.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from vigil.audit import journal
from vigil.errors import Conflict, NotFound
from vigil.federation.psi import POINT_BYTES, TAG_BYTES, Blinder, PsiError, split, value_digest
from vigil.federation.psi_sets import check_sets, holdings

#: Points in one request or answer: 512 KiB of points, under the API's default body limit.
MAX_BATCH: Final = 16_384
DIGEST_BYTES: Final = 64


class PsiSessionNotFoundError(NotFound):
    """No such session (it finished, expired, or belongs to another peer)."""


class PsiStateError(Conflict):
    """The request does not fit where the session stands (a set sent twice, finishing too early)."""


@dataclass(frozen=True)
class SetCount:
    #: Values this side holds in the set, values the initiator holds, values both hold.
    ours: int
    theirs: int
    common: int | None = None


@dataclass(frozen=True)
class Started:
    session: str
    #: This side's set sizes, by set name, in the order the sets will be compared.
    sizes: dict[str, int]
    batch: int


class PsiResponder:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        root: Path,
        actor: str,
        *,
        max_items: int,
        ttl_seconds: float,
        max_sessions: int = 4,
        batch: int = MAX_BATCH,
        clock: Callable[[], float] = time.time,
        values: Callable[[str], list[str]] | None = None,
    ) -> None:
        self.sessions = sessions
        self.root = root
        self.actor = actor
        self.max_items = max_items
        self.ttl_seconds = ttl_seconds
        self.max_sessions = max_sessions
        self.batch = max(1, min(batch, MAX_BATCH))
        self.clock = clock
        #: This side's values of a set; default: its holdings in the database (the bench gives its own).
        self.values = values

    # -- sessions on disk ----------------------------------------------------------------------------

    def _dir(self, session: str) -> Path:
        if not session.isalnum() or len(session) > 64:
            raise PsiSessionNotFoundError("unknown PSI session")
        return self.root / session

    def _sweep(self) -> None:
        """Remove expired sessions (their scalars with them)."""
        if not self.root.is_dir():
            return
        for path in self.root.iterdir():
            try:
                state = json.loads((path / "state.json").read_text())
                expired = state["created"] + self.ttl_seconds < self.clock()
            except (OSError, ValueError, KeyError):
                expired = path.stat().st_mtime + self.ttl_seconds < self.clock()
            if expired:
                shutil.rmtree(path, ignore_errors=True)

    @contextmanager
    def _open(self, peer: str, session: str) -> Iterator[tuple[Path, dict[str, Any]]]:
        """The session's folder and state, locked against the peer's other requests; state saved after."""
        folder = self._dir(session)
        try:
            lock = (folder / "lock").open("a")
        except OSError:
            raise PsiSessionNotFoundError("unknown PSI session") from None
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = json.loads((folder / "state.json").read_text())
            except (OSError, ValueError):
                raise PsiSessionNotFoundError("unknown PSI session") from None
            if state["peer"] != peer or state["created"] + self.ttl_seconds < self.clock():
                raise PsiSessionNotFoundError("unknown PSI session")
            yield folder, state
            tmp = folder / "state.json.tmp"
            tmp.write_text(json.dumps(state))
            tmp.replace(folder / "state.json")

    def _set(self, state: dict[str, Any], name: str) -> tuple[int, dict[str, int]]:
        names: list[str] = list(state["sets"])
        if name not in names:
            raise PsiStateError(f"the session does not compare the {name!r} set")
        return names.index(name), state["sets"][name]

    # -- the protocol ---------------------------------------------------------------------------------

    def start(self, peer: str, theirs: dict[str, int]) -> Started:
        """Open a session over the initiator's sets (name → how many values it will send)."""
        names = check_sets(list(theirs))
        for name in names:
            if not 0 <= theirs[name] <= self.max_items:
                raise PsiError(f"the {name} set may hold 0 to {self.max_items} values")
        self._sweep()
        self.root.mkdir(parents=True, exist_ok=True)
        if sum(1 for _ in self.root.iterdir()) >= self.max_sessions:
            raise PsiStateError("too many PSI sessions at once; try again later")
        session = secrets.token_hex(16)
        folder = self.root / session
        folder.mkdir(mode=0o700)
        try:
            sets: dict[str, dict[str, int]] = {}
            with self.sessions() as db:
                for index, name in enumerate(names):
                    values = self.values(name) if self.values else holdings(db, name, self.max_items)
                    digests = [value_digest(name, v) for v in values]
                    secrets.SystemRandom().shuffle(digests)
                    (folder / f"ours-{index}.bin").write_bytes(b"".join(digests))
                    sets[name] = {"ours": len(digests), "theirs": theirs[name], "received": 0, "back": 0}
            fd = os.open(folder / "scalar", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(Blinder().scalar)
            state = {"peer": peer, "created": self.clock(), "sets": sets}
            (folder / "state.json").write_text(json.dumps(state))
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        with self.sessions() as db, db.begin():
            journal.append(
                db,
                self.actor,
                "federation.psi.start",
                f"psi/{session}",
                {
                    "peer": peer,
                    "sets": {n: {"ours": s["ours"], "theirs": s["theirs"]} for n, s in sets.items()},
                },
            )
        return Started(session, {n: s["ours"] for n, s in sets.items()}, self.batch)

    def _blinder(self, folder: Path) -> Blinder:
        return Blinder((folder / "scalar").read_bytes())

    def reblind(self, peer: str, session: str, name: str, points: bytes) -> bytes:
        """Round 1: the initiator's blinded values raised to this side's scalar, as tags, in order."""
        with self._open(peer, session) as (folder, state):
            index, counts = self._set(state, name)
            n = len(points) // POINT_BYTES
            if n > self.batch:
                raise PsiError(f"at most {self.batch} points a request")
            if counts["received"] + n > counts["theirs"]:
                raise PsiStateError(f"more {name} values than the {counts['theirs']} announced")
            tags = self._blinder(folder).reblind_tags(points)
            with (folder / f"theirs-{index}.bin").open("ab") as out:
                out.write(tags)
            counts["received"] += n
            return tags

    def points(self, peer: str, session: str, name: str, offset: int, limit: int) -> bytes:
        """Round 1: this side's values of a set, blinded, a page at a time (shuffled at the start)."""
        with self._open(peer, session) as (folder, state):
            index, counts = self._set(state, name)
            if not 0 <= offset <= counts["ours"] or not 1 <= limit <= self.batch:
                raise PsiError(f"offset 0 to {counts['ours']}, limit 1 to {self.batch}")
            with (folder / f"ours-{index}.bin").open("rb") as src:
                src.seek(offset * DIGEST_BYTES)
                data = src.read(limit * DIGEST_BYTES)
            return self._blinder(folder).blind_digests(split(data, DIGEST_BYTES))

    def back(self, peer: str, session: str, name: str, tags: bytes) -> None:
        """Round 2: the initiator's tags of this side's values under both scalars (shuffled: no order)."""
        with self._open(peer, session) as (folder, state):
            index, counts = self._set(state, name)
            n = len(split(tags, TAG_BYTES))
            if n > self.batch:
                raise PsiError(f"at most {self.batch} tags a request")
            if counts["back"] + n > counts["ours"]:
                raise PsiStateError(f"more {name} tags than the {counts['ours']} values sent")
            with (folder / f"back-{index}.bin").open("ab") as out:
                out.write(tags)
            counts["back"] += n

    def finish(self, peer: str, session: str) -> dict[str, SetCount]:
        """Count the common values of each set, journal the counts, and forget the session."""
        with self._open(peer, session) as (folder, state):
            result = {}
            for index, (name, counts) in enumerate(state["sets"].items()):
                if counts["received"] != counts["theirs"] or counts["back"] != counts["ours"]:
                    raise PsiStateError(f"the {name} set is not complete on both sides")
                result[name] = SetCount(counts["ours"], counts["theirs"], _common(folder, index))
            with self.sessions() as db, db.begin():
                journal.append(
                    db,
                    self.actor,
                    "federation.psi.compare",
                    f"psi/{session}",
                    {"peer": peer, "role": "responder", "sets": {n: vars(c) for n, c in result.items()}},
                )
        shutil.rmtree(folder, ignore_errors=True)
        return result


def _tags(path: Path) -> np.ndarray[Any, Any]:
    data = path.read_bytes() if path.exists() else b""
    return np.frombuffer(data, dtype=f"S{TAG_BYTES}")


def _common(folder: Path, index: int) -> int:
    theirs, back = _tags(folder / f"theirs-{index}.bin"), _tags(folder / f"back-{index}.bin")
    return int(np.intersect1d(theirs, back).size)
