"""Acceptance of issue 17 (federation), through public interfaces and real processes: instances on
PostgreSQL and SQLite, each served by ``vigil serve`` on loopback, pulling from each other with
``vigil peers pull``. Hashes are made up from counters (benign: no content behind them).

The first scenario, in order: a first sync killed with SIGKILL mid-pull and resumed (no record lost or
doubled: the copy's digest equals the source's), an incremental pull with retractions, a disagreement
kept side by side, a replayed batch refused, a key rotation followed through its endorsement, and the
loop A → B → A that brings nothing back to its origin. The second, three instances in a chain
A → B → C, and C's copy offered back to A."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import secrets
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.db_fixtures import _admin_engine, in_ci
from tests.e2e.test_hotline_pages import VIGIL, vigil
from tests.served_vigil import vigil_serve
from vigil.config import Settings
from vigil.db.session import engine_for_url, make_session_factory
from vigil.federation.batches import BatchError
from vigil.federation.pull import Puller
from vigil.hashlists.catalog import define_jurisdiction

pytestmark = pytest.mark.slow

FIRST = 1000
MORE = 100
RECATEGORISED = 20


def _row(i: int, category: str) -> list[str]:
    seed = i.to_bytes(8, "big")
    return [
        hashlib.sha256(seed).hexdigest(),
        hashlib.md5(seed, usedforsecurity=False).hexdigest(),
        hashlib.sha1(seed, usedforsecurity=False).hexdigest(),
        hashlib.sha256(b"pdq" + seed).hexdigest(),
        category,
        "vics-us",
        str(1000 + i),
    ]


def _listing(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["sha256", "md5", "sha1", "pdq", "category", "scheme", "size"])
        writer.writerows(rows)
    return path


@pytest.fixture
def postgres_url() -> Iterator[str]:
    admin = _admin_engine()
    if isinstance(admin, str):
        if in_ci():
            pytest.fail(admin)
        pytest.skip(admin)
    engine, url = admin
    name = f"vigil_test_{os.getpid()}_{secrets.token_hex(4)}"
    with engine.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()


def _env(data: Path, instance: str, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")}
    env |= {
        "VIGIL_DATA_DIR": str(data),
        "VIGIL_API_RATE_PER_SECOND": "0",
        "VIGIL_FEDERATION_INSTANCE": instance,
        "VIGIL_FEDERATION_ALLOW_PRIVATE": "true",  # the peers are on loopback
        "VIGIL_INDEX_POLL_SECONDS": "3600",
    }
    if database_url:
        env["VIGIL_DATABASE_URL"] = database_url
    return env


def _sqlite(env: dict[str, str], query: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(Path(env["VIGIL_DATA_DIR"]) / "vigil.sqlite3", timeout=30) as db:
        return db.execute(query).fetchall()


def _versions(base: str, token: str, name: str) -> list[dict[str, object]]:
    answer = httpx.get(f"{base}/api/v1/lists/{name}/versions", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    versions: list[dict[str, object]] = answer.json()
    return versions


def test_two_instances_sync_resume_retract_replay_rotate_and_loop(tmp_path: Path, postgres_url: str) -> None:
    a = _env(tmp_path / "a", "hotline-a", postgres_url)  # the source, on PostgreSQL
    b = _env(tmp_path / "b", "hotline-b")  # the puller, on SQLite
    for env in (a, b):
        vigil(env, "db", "upgrade")
    rows = [_row(i, "1") for i in range(FIRST)]
    vigil(a, "lists", "import", str(_listing(tmp_path / "first.csv", rows)), "--format", "csv",
          "--contributor", "Hotline A", "--kind", "hotline", "--country", "FR")  # fmt: skip
    vigil(a, "lists", "create", "shared", "--contributor", "Hotline A", "--category", "vics-us:1",
          "--recipient", "peer")  # fmt: skip
    vigil(a, "lists", "publish", "shared")
    a_admin = vigil(a, "users", "add", "admin-a", "--role", "admin").stdout.strip()
    b_admin = vigil(b, "users", "add", "admin-b", "--role", "admin").stdout.strip()
    token_of_b_at_a = vigil(a, "users", "add", "hotline-b", "--role", "peer").stdout.strip()
    token_of_a_at_b = vigil(b, "users", "add", "hotline-a", "--role", "peer").stdout.strip()
    (tmp_path / "a.pem").write_text(vigil(a, "peers", "keys", "export").stdout)
    (tmp_path / "b.pem").write_text(vigil(b, "peers", "keys", "export").stdout)

    with vigil_serve(a, tmp_path / "a.log") as url_a, vigil_serve(b, tmp_path / "b.log") as url_b:
        vigil(b, "peers", "add", "hotline-a", url_a, "--token", token_of_b_at_a,
              "--key", str(tmp_path / "a.pem"), "--country", "FR", "--recipient", "peer")  # fmt: skip
        vigil(a, "peers", "add", "hotline-b", url_b, "--token", token_of_a_at_b,
              "--key", str(tmp_path / "b.pem"), "--country", "DE")  # fmt: skip

        # First sync in batches of 25, killed mid-pull, then resumed.
        small = {**b, "VIGIL_FEDERATION_PAGE_SIZE": "25"}
        pull = subprocess.Popen([*VIGIL, "peers", "pull", "hotline-a"], env=small,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        deadline = time.monotonic() + 120
        while True:
            done = _sqlite(b, "SELECT cursor, batches FROM peer_checkpoints")
            if done and int(str(done[0][1])) >= 3:
                break
            assert pull.poll() is None, pull.communicate()
            assert time.monotonic() < deadline, "the pull made no progress"
            time.sleep(0.02)
        pull.send_signal(signal.SIGKILL)
        pull.wait()
        assert pull.returncode == -signal.SIGKILL
        ((cursor, batches),) = _sqlite(b, "SELECT cursor, batches FROM peer_checkpoints")
        assert str(cursor).startswith("0.1.") and int(str(batches)) < FIRST // 25, "killed too late"
        resumed = vigil(small, "peers", "pull", "hotline-a").stdout
        assert "version 1" in resumed, resumed
        ((media,),) = _sqlite(b, "SELECT count(*) FROM media")
        ((origins,),) = _sqlite(b, "SELECT count(*) FROM media_origins WHERE origin_instance = 'hotline-a'")
        assert media == origins == FIRST
        ((batches,),) = _sqlite(b, "SELECT batches FROM peer_checkpoints")
        assert batches == FIRST // 25  # every batch applied once: the killed one's work was rolled back
        source = _versions(url_a, a_admin, "shared")
        copy = _versions(url_b, b_admin, "hotline-a:shared")
        assert [v["entries"] for v in copy] == [FIRST]
        assert copy[-1]["digest"] == source[-1]["digest"]

        # Incremental: 100 new items, 20 recategorised out of the list (tombstones).
        more = [_row(FIRST + i, "1") for i in range(MORE)] + [_row(i, "2") for i in range(RECATEGORISED)]
        vigil(a, "lists", "import", str(_listing(tmp_path / "more.csv", more)), "--format", "csv",
              "--contributor", "Hotline A")  # fmt: skip
        vigil(a, "lists", "publish", "shared")
        out = vigil(b, "peers", "pull", "hotline-a").stdout
        assert f"{MORE} records (added {MORE}" in out and f"{RECATEGORISED} retracted" in out, out
        source = _versions(url_a, a_admin, "shared")
        copy = _versions(url_b, b_admin, "hotline-a:shared")
        assert copy[-1]["entries"] == FIRST + MORE - RECATEGORISED
        assert copy[-1]["digest"] == source[-1]["digest"]

        # A disagreement: B's own analysts say category 2 of an item A says is 1; both votes stay.
        vigil(b, "lists", "import", str(_listing(tmp_path / "b.csv", [_row(500, "2")])), "--format", "csv",
              "--contributor", "Hotline B", "--kind", "hotline", "--country", "DE")  # fmt: skip
        item = httpx.get(
            f"{url_b}/api/v1/media/{_row(500, '1')[0]}", headers={"Authorization": f"Bearer {b_admin}"}
        )
        assert item.status_code == 200, item.text
        votes = {(v["contributor"], v["category"]) for v in item.json()["votes"]}
        assert {("hotline-a", "1"), ("Hotline B", "2")} <= votes

        # A batch recorded earlier and replayed (a man in the middle) is refused; nothing is written.
        recorded = httpx.get(
            f"{url_a}/api/v1/feed/lists/shared",
            params={"cursor": "1", "audience": "hotline-b", "nonce": "0" * 32},
            headers={"Authorization": f"Bearer {token_of_b_at_a}"},
        )
        assert recorded.status_code == 200 and recorded.json()["signature"].startswith("vigil-ed25519 ")
        _replay_is_refused(b, recorded.content)

        # A rotates its key: B follows the endorsement and keeps pulling.
        old_key = vigil(a, "peers", "keys", "list").stdout
        vigil(a, "peers", "keys", "rotate")
        vigil(a, "lists", "import", str(_listing(tmp_path / "last.csv", [_row(FIRST + MORE, "1")])),
              "--format", "csv", "--contributor", "Hotline A")  # fmt: skip
        vigil(a, "lists", "publish", "shared")
        out = vigil(b, "peers", "pull", "hotline-a").stdout
        assert "1 records (added 1" in out, out
        trusted = _sqlite(b, "SELECT key_id, trusted_by FROM peer_keys ORDER BY id")
        assert len(trusted) == 2 and trusted[0][1] == "pinned" and trusted[1][1] == trusted[0][0]
        assert str(trusted[0][0]) in old_key

        # The loop A → B → A: B's copy comes from A, so nothing of it comes back to A as new.
        vigil(b, "lists", "publish", "hotline-a:shared")
        ((before,),) = _count(postgres_url, "SELECT count(*) FROM media")
        out = vigil(a, "peers", "pull", "hotline-b").stdout
        assert "0 records (added 0" in out, out
        ((after,),) = _count(postgres_url, "SELECT count(*) FROM media")
        assert after == before
        # ... whereas B's feed does show it to staff, with A as its origin.
        staff = httpx.get(f"{url_b}/api/v1/feed/lists/hotline-a:shared", params={"limit": 50},
                          headers={"Authorization": f"Bearer {b_admin}"}).json()  # fmt: skip
        assert len(staff["body"]["items"]) == 50 - RECATEGORISED  # the first 20 left in version 2
        assert {i["origin"]["instance"] for i in staff["body"]["items"]} == {"hotline-a"}
        assert all(
            i["contributor"] == "hotline-a" and i["confirmations"] >= 1 for i in staff["body"]["items"]
        )

        # What the two hold in common, learnt by private set intersection through the peer entry (its
        # URL and token): everything B holds came from A.
        compared = json.loads(vigil(b, "peers", "compare", "hotline-a", "--set", "md5", "--json").stdout)
        ((held,),) = _sqlite(b, "SELECT count(*) FROM media")
        md5 = compared["sets"]["md5"]
        assert md5["ours"] == md5["theirs"] == held == len(md5["common"])


class _Replaying(httpx.BaseTransport):
    """Between the puller and the real peer: answers every batch request with a recorded batch."""

    def __init__(self, recorded: bytes) -> None:
        self.recorded = recorded
        self.real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if "/feed/lists/" in request.url.path:
            return httpx.Response(200, content=self.recorded, headers={"content-type": "application/json"})
        return self.real.handle_request(request)


def _replay_is_refused(env: dict[str, str], recorded: bytes) -> None:
    settings = Settings(
        data_dir=Path(env["VIGIL_DATA_DIR"]), federation_instance="hotline-b", federation_allow_private=True
    )
    engine = engine_for_url(settings.sqlalchemy_url)
    try:
        sessions = make_session_factory(engine)
        before = _sqlite(env, "SELECT cursor, batches FROM peer_checkpoints")
        puller = Puller(settings, sessions, "test", httpx.Client(transport=_Replaying(recorded)))
        with pytest.raises(BatchError, match="nonce"):
            puller.pull("hotline-a")
        assert _sqlite(env, "SELECT cursor, batches FROM peer_checkpoints") == before
    finally:
        engine.dispose()


def _count(url: str, query: str) -> list[tuple[object, ...]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(query))]
    finally:
        engine.dispose()


CHAIN = 30


def test_three_instances_a_to_b_to_c_and_nothing_back_to_a(tmp_path: Path, postgres_url: str) -> None:
    """A (PostgreSQL) → B (SQLite) → C (SQLite), each served on loopback: C's copy of B's copy names A as
    the origin of every record, and A pulling from C gets none of them back as new."""
    a = _env(tmp_path / "a", "hotline-a", postgres_url)
    b = _env(tmp_path / "b", "hotline-b")
    c = _env(tmp_path / "c", "hotline-c")
    envs = {"a": a, "b": b, "c": c}
    for env in envs.values():
        vigil(env, "db", "upgrade")
    listing = _listing(tmp_path / "a.csv", [_row(i, "1") for i in range(CHAIN)])
    vigil(a, "lists", "import", str(listing), "--format", "csv", "--contributor", "Hotline A",
          "--kind", "hotline", "--country", "FR")  # fmt: skip
    vigil(a, "lists", "create", "shared", "--contributor", "Hotline A", "--category", "vics-us:1",
          "--recipient", "peer")  # fmt: skip
    vigil(a, "lists", "publish", "shared")
    # Who reads whose feed: B reads A's, C reads B's, A reads C's (a user of role peer on the server).
    tokens = {
        (reader, server): vigil(
            envs[server], "users", "add", f"hotline-{reader}", "--role", "peer"
        ).stdout.strip()
        for reader, server in (("b", "a"), ("c", "b"), ("a", "c"))
    }
    for name, env in envs.items():
        (tmp_path / f"{name}.pem").write_text(vigil(env, "peers", "keys", "export").stdout)
    c_admin = vigil(c, "users", "add", "admin-c", "--role", "admin").stdout.strip()

    with (
        vigil_serve(a, tmp_path / "a.log") as url_a,
        vigil_serve(b, tmp_path / "b.log") as url_b,
        vigil_serve(c, tmp_path / "c.log") as url_c,
    ):
        urls = {"a": url_a, "b": url_b, "c": url_c}

        def peer(here: str, there: str, *options: str) -> None:
            token = tokens.get((here, there), "unused: this side never pulls")
            vigil(envs[here], "peers", "add", f"hotline-{there}", urls[there], "--token", token,
                  "--key", str(tmp_path / f"{there}.pem"), *options)  # fmt: skip

        peer("a", "b", "--country", "DE")  # the feed A serves to B follows this entry's policy
        peer("b", "a", "--country", "FR", "--recipient", "peer")  # B's copy may go on to C
        peer("b", "c", "--country", "BE")
        peer("c", "b", "--country", "DE", "--recipient", "peer")
        peer("c", "a", "--country", "FR")  # the feed C serves to A
        peer("a", "c", "--country", "BE")

        out = vigil(b, "peers", "pull", "hotline-a").stdout
        assert f"{CHAIN} records (added {CHAIN}" in out, out
        out = vigil(c, "peers", "pull", "hotline-b").stdout
        assert f"{CHAIN} records (added {CHAIN}" in out and "hotline-a:shared" in out, out
        ((origins,),) = _sqlite(c, "SELECT count(*) FROM media_origins WHERE origin_instance = 'hotline-a'")
        ((others,),) = _sqlite(c, "SELECT count(*) FROM media_origins WHERE origin_instance != 'hotline-a'")
        assert (origins, others) == (CHAIN, 0)  # C sees A, not B, as where each record began
        # C's feed, as its staff see it, names A as the origin of everything; as A would read it, nothing.
        copy = "hotline-b:hotline-a:shared"
        staff = httpx.get(f"{url_c}/api/v1/feed/lists/{copy}", params={"limit": 100},
                          headers={"Authorization": f"Bearer {c_admin}"}).json()  # fmt: skip
        assert len(staff["body"]["items"]) == CHAIN
        assert {i["origin"]["instance"] for i in staff["body"]["items"]} == {"hotline-a"}

        ((media_before,),) = _count(postgres_url, "SELECT count(*) FROM media")
        ((origins_before,),) = _count(postgres_url, "SELECT count(*) FROM media_origins")
        out = vigil(a, "peers", "pull", "hotline-c").stdout
        assert f"{copy} → hotline-c:{copy}" in out and "0 records (added 0" in out, out
        assert _count(postgres_url, "SELECT count(*) FROM media") == [(media_before,)]
        assert _count(postgres_url, "SELECT count(*) FROM media_origins") == [(origins_before,)]
        ((members,),) = _count(
            postgres_url,
            "SELECT count(*) FROM hash_list_members m JOIN hash_lists l ON l.id = m.list_id "
            f"WHERE l.name = 'hotline-c:{copy}'",
        )
        assert members == 0


def test_a_changed_sharing_policy_retracts_or_sends_what_it_no_longer_or_now_allows(tmp_path: Path) -> None:
    """A shares a list of categories 1 and 2 with B; narrowing A's outgoing policy to category 1 takes
    the category-2 items off B's copy at the next pull (nothing in the list changed), widening it again
    brings them back, and narrowing B's own incoming policy does the same from B's side."""
    a = _env(tmp_path / "a", "hotline-a")
    b = _env(tmp_path / "b", "hotline-b")
    for env in (a, b):
        vigil(env, "db", "upgrade")
    ones, twos = [_row(i, "1") for i in range(20)], [_row(100 + i, "2") for i in range(10)]
    vigil(a, "lists", "import", str(_listing(tmp_path / "a.csv", ones + twos)), "--format", "csv",
          "--contributor", "Hotline A", "--kind", "hotline", "--country", "FR")  # fmt: skip
    vigil(a, "lists", "create", "shared", "--contributor", "Hotline A", "--category", "vics-us:1",
          "--category", "vics-us:2", "--recipient", "peer")  # fmt: skip
    vigil(a, "lists", "publish", "shared")
    token = vigil(a, "users", "add", "hotline-b", "--role", "peer").stdout.strip()
    b_admin = vigil(b, "users", "add", "admin-b", "--role", "admin").stdout.strip()
    (tmp_path / "a.pem").write_text(vigil(a, "peers", "keys", "export").stdout)

    def members() -> int:
        ((count,),) = _sqlite(
            b,
            "SELECT count(*) FROM hash_list_members m JOIN hash_lists l ON l.id = m.list_id "
            "WHERE l.name = 'hotline-a:shared'",
        )
        return int(str(count))

    with vigil_serve(a, tmp_path / "a.log") as url_a, vigil_serve(b, tmp_path / "b.log") as url_b:
        vigil(b, "peers", "add", "hotline-a", url_a, "--token", token, "--key", str(tmp_path / "a.pem"),
              "--country", "FR")  # fmt: skip
        vigil(a, "peers", "add", "hotline-b", url_b, "--token", "unused", "--key", str(tmp_path / "a.pem"),
              "--country", "DE")  # fmt: skip
        out = vigil(b, "peers", "pull", "hotline-a").stdout
        assert "30 records (added 30" in out and members() == 30, out
        out = vigil(b, "peers", "pull", "hotline-a").stdout  # same terms, nothing new: no copy again
        assert "copied again" not in out and "0 records" in out and members() == 30, out

        vigil(a, "peers", "policy", "hotline-b", "--out-category", "vics-us:1")
        out = vigil(b, "peers", "pull", "hotline-a").stdout
        assert "30 members taken off hotline-a:shared and the list copied again" in out, out
        assert "20 records" in out and members() == 20, out
        copy = _versions(url_b, b_admin, "hotline-a:shared")
        assert [v["entries"] for v in copy] == [30, 20]  # readers never saw the copy half done

        vigil(a, "peers", "policy", "hotline-b", "--out-category", "vics-us:1", "--out-category", "vics-us:2")
        out = vigil(b, "peers", "pull", "hotline-a").stdout
        assert "copied again" in out and members() == 30, out

        vigil(b, "peers", "policy", "hotline-a", "--in-category", "vics-us:2")
        out = vigil(b, "peers", "pull", "hotline-a").stdout
        assert "copied again" in out and "20 filtered" in out and members() == 10, out
    journal = _sqlite(b, "SELECT count(*) FROM audit_entries WHERE action = 'federation.recopy'")
    assert journal == [(3,)]


def _define_jurisdiction(env: dict[str, str], code: str, verdicts: dict[str, str]) -> None:
    """A second jurisdiction of vics-us in B's catalog (no command defines one yet: docs/hashdb.md)."""
    engine = engine_for_url(Settings(data_dir=Path(env["VIGIL_DATA_DIR"])).sqlalchemy_url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            define_jurisdiction(session, code, "Elsewhere", "CA", "vics-us", verdicts)
    finally:
        engine.dispose()


def test_a_changed_jurisdiction_moves_the_peers_votes_and_the_baseline_follows(tmp_path: Path) -> None:
    """B pulls A's list of ten category-1 items, five of which B's own hotline (DE) voted too: with A's
    votes (FR) in us, those five are baseline. ``vigil peers policy --jurisdiction`` counting A's votes
    in another jurisdiction of vics-us, where category 1 is not illegal, moves them there, and the
    baseline loses the five; what A sends later counts there too; back to the default, all return."""
    a = _env(tmp_path / "a", "hotline-a")
    b = _env(tmp_path / "b", "hotline-b")
    for env in (a, b):
        vigil(env, "db", "upgrade")
    listing = _listing(tmp_path / "a.csv", [_row(i, "1") for i in range(10)])
    vigil(a, "lists", "import", str(listing), "--format", "csv", "--contributor", "Hotline A",
          "--kind", "hotline", "--country", "FR")  # fmt: skip
    vigil(a, "lists", "create", "shared", "--contributor", "Hotline A", "--category", "vics-us:1",
          "--recipient", "peer")  # fmt: skip
    vigil(a, "lists", "publish", "shared")
    token = vigil(a, "users", "add", "hotline-b", "--role", "peer").stdout.strip()
    b_admin = vigil(b, "users", "add", "admin-b", "--role", "admin").stdout.strip()
    (tmp_path / "a.pem").write_text(vigil(a, "peers", "keys", "export").stdout)
    ours = _listing(tmp_path / "b.csv", [_row(i, "1") for i in range(5)])
    vigil(b, "lists", "import", str(ours), "--format", "csv", "--contributor", "Hotline B",
          "--kind", "hotline", "--country", "DE")  # fmt: skip
    _define_jurisdiction(b, "ca-test", {"1": "not_illegal"})

    with vigil_serve(a, tmp_path / "a.log") as url_a, vigil_serve(b, tmp_path / "b.log") as url_b:

        def where(items: int) -> set[str]:
            """The jurisdictions of A's votes on the first ``items`` items, as B's API shows them."""
            found = set()
            for i in range(items):
                answer = httpx.get(f"{url_b}/api/v1/media/{_row(i, '1')[0]}",
                                   headers={"Authorization": f"Bearer {b_admin}"})  # fmt: skip
                assert answer.status_code == 200, answer.text
                found |= {
                    v["jurisdiction"] for v in answer.json()["votes"] if v["contributor"] == "hotline-a"
                }
            return found

        def baseline() -> int:
            return int(str(_versions(url_b, b_admin, "baseline")[-1]["entries"]))

        vigil(b, "peers", "add", "hotline-a", url_a, "--token", token, "--key", str(tmp_path / "a.pem"),
              "--country", "FR")  # fmt: skip
        vigil(a, "peers", "add", "hotline-b", url_b, "--token", "unused", "--key", str(tmp_path / "a.pem"),
              "--country", "DE")  # fmt: skip
        out = vigil(b, "peers", "pull", "hotline-a").stdout
        assert "10 records" in out, out
        assert where(10) == {"us"} and baseline() == 5

        changed = vigil(b, "peers", "policy", "hotline-a", "--jurisdiction", "ca-test")
        assert "votes of hotline-a moved: 10 (10 vics-us us → ca-test), 0 merged" in changed.stderr
        assert json.loads(changed.stdout)["jurisdiction"] == "ca-test"
        assert where(10) == {"ca-test"} and baseline() == 0

        vigil(a, "lists", "import", str(_listing(tmp_path / "a2.csv", [_row(10, "1"), _row(11, "1")])),
              "--format", "csv", "--contributor", "Hotline A")  # fmt: skip
        vigil(a, "lists", "publish", "shared")
        out = vigil(b, "peers", "pull", "hotline-a").stdout
        assert "2 records (added 2" in out and "copied again" not in out, out
        assert where(12) == {"ca-test"}

        back = vigil(b, "peers", "policy", "hotline-a", "--jurisdiction", "")
        assert "votes of hotline-a moved: 12 (12 vics-us ca-test → us)" in back.stderr
        assert json.loads(back.stdout)["jurisdiction"] is None
        assert where(12) == {"us"} and baseline() == 5
    journal = _sqlite(b, "SELECT details FROM audit_entries WHERE action = 'federation.peer_policy'")
    assert [json.loads(str(d))["votes"]["moved"] for (d,) in journal] == [10, 12]
