"""Scheduled work on huey: JSON messages, leases, two consumers on one queue never working one case at
once, retries of undelivered notices; SQLite storage, and Redis on 127.0.0.1:6379 (required in CI)."""

from __future__ import annotations

import itertools
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from huey import Huey, RedisHuey
from huey.registry import Message
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.hotline.parts import (
    T0,
    hotline_settings,
    make_hotline,
    seed_known,
    smtp_server,
    write_directory,
    write_images,
)
from tests.integration.hotline.servers import Page, StubResolver, free_port, http_site
from vigil.config import Settings
from vigil.hotline import jobs as jobs_module
from vigil.hotline import leases
from vigil.hotline.clock import ManualClock
from vigil.hotline.jobs import HotlineJobs, JsonSerializer, make_queue
from vigil.hotline.models import Case, Notice
from vigil.hotline.recheck import run_case as real_run_case
from vigil.hotline.service import HotlineService

pytestmark = pytest.mark.slow


def test_json_messages_round_trip() -> None:
    serializer = JsonSerializer()
    eta = datetime(2026, 3, 2, 9, 0)
    message = Message("id-1", "hotline.case", eta, 3, 60, 0, (7,), {"x": [1, "a"]}, None, None, None, None)
    assert serializer.deserialize(serializer.serialize(message)) == Message(
        "id-1", "hotline.case", eta, 3, 60, 0, [7], {"x": [1, "a"]}, None, None, None, None
    )
    with pytest.raises(TypeError, match="plain JSON"):
        serializer.serialize(Message("id-2", "t", None, 0, 0, 0, (object(),), {}))


def test_leases_expire(sessions: sessionmaker[Session], db_settings: Settings) -> None:
    with sessions() as session, session.begin():
        session.add(
            Case(url="http://x.example/", url_sha256="0" * 64, host="x.example", state="new", opened_at=T0)
        )
    with sessions() as session, session.begin():
        case_id = session.query(Case.id).scalar()
        assert case_id is not None
        ttl = timedelta(minutes=10)
        assert leases.claim(session, case_id, "worker-a", T0, ttl)
        assert not leases.claim(session, case_id, "worker-b", T0 + timedelta(minutes=5), ttl)
        assert leases.claim(session, case_id, "worker-a", T0 + timedelta(minutes=5), ttl)  # renewal
        assert leases.claim(session, case_id, "worker-b", T0 + timedelta(minutes=16), ttl)  # a dead worker's
        leases.release(session, case_id, "worker-a")  # not its lease any more: no effect
        assert not leases.claim(session, case_id, "worker-c", T0 + timedelta(minutes=17), ttl)


@contextmanager
def consumers(*queues: Huey, workers: int = 2) -> Iterator[None]:
    """Huey consumers in this process's threads (start() installs signal handlers: put them back)."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    running = []
    try:
        for queue in queues:
            consumer = queue.create_consumer(
                workers=workers, periodic=False, initial_delay=0.02, max_delay=0.1, check_worker_health=False
            )
            consumer.start()
            running.append(consumer)
        yield
    finally:
        for consumer in running:
            consumer.stop(graceful=True)
        for s, handler in saved.items():
            signal.signal(s, handler)


def wait_for(check: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@dataclass
class Run:
    case_id: int
    owner: str
    start: float
    end: float
    ran: bool


def _two_consumers_one_queue(
    make: Callable[[str], Huey],
    db: Settings,
    sessions: sessionmaker[Session],
    tmp_path: Path,
    monkeypatch: Any,
) -> None:
    runs: list[Run] = []
    lock = threading.Lock()
    real = real_run_case

    def recorded(hl: Any, case_id: int, owner: str, actor: str = "system") -> bool:
        start = time.monotonic()
        ran = real(hl, case_id, owner, actor)
        with lock:
            runs.append(Run(case_id, owner, start, time.monotonic(), ran))
        return ran

    monkeypatch.setattr(jobs_module, "run_case", recorded)
    # When each worker held each case's lease: from its claim to just before its release. A run's own
    # start and end enclose its lease with time on both sides, so runs may seem to overlap by a few
    # milliseconds while their leases never do.
    holds: list[Run] = []
    claimed: dict[str, tuple[int, float]] = {}
    real_claim, real_release = leases.claim, leases.release

    def claim(session: Session, case_id: int, owner: str, now: datetime, ttl: timedelta) -> bool:
        got = real_claim(session, case_id, owner, now, ttl)
        if got:
            with lock:
                claimed[owner] = (case_id, time.monotonic())
        return got

    def release(session: Session, case_id: int, owner: str) -> None:
        with lock:
            held, start = claimed.pop(owner)
            holds.append(Run(held, owner.partition("/")[0], start, time.monotonic(), True))
        real_release(session, case_id, owner)

    monkeypatch.setattr(leases, "claim", claim)
    monkeypatch.setattr(leases, "release", release)
    with http_site() as site, smtp_server() as inbox:
        settings = hotline_settings(db, inbox.port, write_directory(tmp_path / "dir.toml"))
        clock = ManualClock(datetime.now(UTC))
        resolver = StubResolver({"slow.example": ["127.0.0.1"]})
        urls = [site.put("slow.example", f"/{i}.jpg", Page(body=b"x" * 12, drip=0.01)) for i in range(8)]
        service = HotlineService(make_hotline(settings, sessions, clock, resolver), "test")
        cases = [service.submit(u).case_id for u in urls]
        name = f"vigil-test-{secrets.token_hex(4)}"
        queue_a, queue_b = make(name), make(name)
        # Two schedulers each enqueue every case: every case's job is in the queue twice.
        jobs_a = HotlineJobs(queue_a, lambda: make_hotline(settings, sessions, clock, resolver), owner="a")
        jobs_b = HotlineJobs(queue_b, lambda: make_hotline(settings, sessions, clock, resolver), owner="b")
        assert jobs_a.sweep() == jobs_b.sweep() == len(cases)
        with consumers(queue_a, queue_b):
            wait_for(lambda: len(runs) == 2 * len(cases))
    assert sorted(path for _, path in site.requests) == sorted(f"/{i}.jpg" for i in range(8))
    with sessions() as session:
        assert {session.get(Case, c).state for c in cases} == {"triage"}  # type: ignore[union-attr]
    assert len(holds) == sum(r.ran for r in runs)
    for case_id in cases:
        worked = sorted((h for h in holds if h.case_id == case_id), key=lambda h: h.start)
        assert worked
        for first, second in itertools.pairwise(worked):
            assert first.end <= second.start, "two workers on one case at once"
    assert {r.owner for r in runs} == {"a", "b"}


def test_two_sqlite_consumers(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "queue.sqlite3"

    def make(name: str) -> Huey:
        from huey import SqliteHuey

        return SqliteHuey(name, filename=str(path), serializer=JsonSerializer(), results=False)

    _two_consumers_one_queue(make, db_settings, sessions, tmp_path, monkeypatch)


def _redis_or_skip() -> str:
    import redis

    url = os.environ.get("VIGIL_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis not available at {url}: {exc}")
        pytest.skip(f"Redis not available at {url}: {exc}")
    return url


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_two_redis_consumers(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = _redis_or_skip()
    made: list[Huey] = []

    def make(name: str) -> Huey:
        queue = RedisHuey(name, url=url, serializer=JsonSerializer(), results=False)
        made.append(queue)
        return queue

    try:
        _two_consumers_one_queue(make, db_settings, sessions, tmp_path, monkeypatch)
    finally:
        for queue in made[:1]:
            queue.flush()


def test_make_queue_from_settings(tmp_path: Path) -> None:
    queue = make_queue(Settings(data_dir=tmp_path))
    assert (tmp_path / "hotline-queue.sqlite3").exists()
    assert isinstance(queue.serializer, JsonSerializer)
    with pytest.raises(ValueError, match="redis"):
        make_queue(Settings(data_dir=tmp_path, hotline_queue_url="amqp://127.0.0.1/"))


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_undelivered_notice_is_retried(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    images = write_images(tmp_path / "img", [31])
    seed_known(sessions, tmp_path, images)
    port = free_port()  # nothing listens there yet: the first delivery fails
    settings = hotline_settings(db_settings, port, write_directory(tmp_path / "dir.toml"))
    clock = ManualClock(datetime.now(UTC))
    resolver = StubResolver({"good.example": ["127.0.0.1"]})
    with http_site() as site:
        url = site.put("good.example", "/k.jpg", Page(body=images[0].read_bytes()))
        case_id = (
            HotlineService(make_hotline(settings, sessions, clock, resolver), "test").submit(url).case_id
        )
        queue = make_queue(settings, name=f"vigil-test-{secrets.token_hex(4)}")
        jobs = HotlineJobs(queue, lambda: make_hotline(settings, sessions, clock, resolver), retry_delay=1)
        jobs.case_job(case_id)
        with consumers(queue, workers=1):

            def failed_once() -> bool:
                with sessions() as session:
                    return any(n.attempts >= 1 for n in session.query(Notice).filter_by(kind="host"))

            wait_for(failed_once)
            with smtp_server_on(port) as inbox:
                wait_for(lambda: bool(inbox.to("abuse@good.example")))
    with sessions() as session:
        notice = session.query(Notice).filter_by(case_id=case_id, kind="host").one()
        assert (notice.status, notice.attempts) == ("sent", 2)


@contextmanager
def smtp_server_on(port: int) -> Iterator[Any]:
    from aiosmtpd.controller import Controller

    from tests.integration.hotline.parts import Inbox, _Collect

    inbox = Inbox(port)
    controller = Controller(_Collect(inbox), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox
    finally:
        controller.stop()
