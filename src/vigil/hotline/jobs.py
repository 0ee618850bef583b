"""Scheduled hotline work on huey: a periodic sweep finds due cases and enqueues one job per case; a job
does that case's due work under a database lease (:func:`vigil.hotline.recheck.run_case`).

Storage is a SQLite file in ``data_dir`` by default and Redis in production (``hotline_queue_url``).
Huey hands each message to one consumer (an atomic pop); the lease adds what a queue cannot promise:
two schedulers enqueuing the same sweep, or a retry overlapping a slow first attempt, still never work
one case twice at once, and a dead worker's case is taken up again when its lease runs out. A job whose
notices did not leave raises, and huey retries it.

Messages are JSON, not huey's default pickle: a queue in Redis is reachable by other programs, and
unpickling what another program wrote runs its code. Jobs take plain case ids only.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Final

from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.registry import Message
from huey.serializer import Serializer

from vigil.config import Settings
from vigil.hotline import actions
from vigil.hotline.recheck import due_work, run_case
from vigil.hotline.runtime import Hotline

QUEUE_NAME: Final = "vigil-hotline"


class JsonSerializer(Serializer):  # type: ignore[misc]
    """Huey's messages as tagged JSON; anything that is not plain data is refused when enqueued."""

    def _serialize(self, data: Any) -> bytes:
        return json.dumps(_encode(data), separators=(",", ":")).encode("utf-8")

    def _deserialize(self, data: bytes) -> Any:
        return _decode(json.loads(data))


def _encode(value: Any) -> Any:
    if isinstance(value, Message):
        return {"$message": [_encode(v) for v in value]}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, timedelta):
        return {"$timedelta": value.total_seconds()}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise TypeError("job arguments: dictionary keys must be strings")
        return {k: _encode(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"job arguments must be plain JSON data, not {type(value).__name__}")


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if "$message" in value:
            return Message(*[_decode(v) for v in value["$message"]])
        if "$datetime" in value:
            return datetime.fromisoformat(value["$datetime"])
        if "$timedelta" in value:
            return timedelta(seconds=value["$timedelta"])
        return {k: _decode(v) for k, v in value.items()}
    return value


def make_queue(settings: Settings, name: str = QUEUE_NAME) -> Huey:
    url = settings.hotline_queue_url
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        return RedisHuey(name, url=url, serializer=JsonSerializer(), results=False)
    if url:
        raise ValueError(f"hotline_queue_url: only redis:// URLs are supported, not {url.split(':', 1)[0]}")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "hotline-queue.sqlite3"
    return SqliteHuey(name, filename=str(path), serializer=JsonSerializer(), results=False)


class DeliveryPendingError(RuntimeError):
    """Notices or forwards of the case did not leave; raised so that the queue retries the job."""


class HotlineJobs:
    """The hotline's tasks, registered on one huey instance. ``hotline`` builds the runtime lazily (in
    the consumer process, not in whoever enqueues)."""

    def __init__(
        self,
        huey: Huey,
        hotline: Callable[[], Hotline],
        *,
        sweep_minutes: int = 5,
        retries: int = 5,
        retry_delay: int = 300,
        owner: str | None = None,
    ) -> None:
        self.huey = huey
        self._factory = hotline
        self._hotline: Hotline | None = None
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}"

        @huey.task(name="hotline.case", retries=retries, retry_delay=retry_delay)  # type: ignore[untyped-decorator]
        def case_job(case_id: int) -> None:
            self.run(int(case_id))

        @huey.periodic_task(crontab(minute=f"*/{sweep_minutes}"), name="hotline.sweep")  # type: ignore[untyped-decorator]
        def sweep_job() -> None:
            self.sweep()

        self.case_job = case_job
        self.sweep_job = sweep_job

    @property
    def hotline(self) -> Hotline:
        if self._hotline is None:
            self._hotline = self._factory()
        return self._hotline

    def run(self, case_id: int) -> bool:
        hl = self.hotline
        ran = run_case(hl, case_id, self.owner)
        if ran:
            with hl.sessions() as session:
                undelivered = actions.undelivered(session, case_id, hl.clock.now())
            if undelivered:
                raise DeliveryPendingError(f"case {case_id}: {undelivered} notices or forwards still to send")
        return ran

    def sweep(self) -> int:
        """Enqueue one job per case with due work; returns how many."""
        hl = self.hotline
        with hl.sessions() as session:
            due = due_work(session, hl.clock.now())
        for case_id in due:
            self.case_job(case_id)
        return len(due)
