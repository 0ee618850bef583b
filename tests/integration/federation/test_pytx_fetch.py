"""Fetching from python-threatexchange exchanges into a Vigil list (``vigil exchanges fetch``), on SQLite
and PostgreSQL: pytx's local file exchange (and a second fetch that adds only what is new), its static
sample, and its NCMEC exchange against a loopback server answering as NCMEC's hash-sharing API does
(paged, with a deleted entry, and a fetch stopped half way that resumes from its checkpoint)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal

from tests.conftest import REPO
from tests.integration.federation.ncmec_server import PASSWORD, USER, Database, Entry, ncmec_server
from vigil.audit.models import AuditEntry
from vigil.config import Settings
from vigil.federation.pytx_fetch import ExchangeError, ExchangeFetcher, UnknownExchangeError
from vigil.hashlists.importer import Importer
from vigil.hashlists.lists import get_list
from vigil.hashlists.models import HashListMember, Media, MediaSignal

NCMEC_API = "tests.integration.federation.ncmec_server:LoopbackNCMECExchange"


def _hex(rng: random.Random, n: int) -> str:
    return rng.randbytes(n).hex()


def _held(sessions: sessionmaker[Session], list_name: str) -> tuple[set[str], set[str]]:
    """The list's members' MD5s and PDQ hashes."""
    with sessions() as db:
        members = select(HashListMember.media_id).where(HashListMember.list_id == get_list(db, list_name).id)
        md5s = set(
            db.execute(select(Media.md5).where(Media.id.in_(members), Media.md5.is_not(None))).scalars()
        )
        pdqs = set(
            db.execute(
                select(MediaSignal.value).where(
                    MediaSignal.media_id.in_(members), MediaSignal.signal_type == "pdq"
                )
            ).scalars()
        )
    return {m for m in md5s if m}, pdqs


def test_local_file_exchange_then_only_what_is_new(
    sessions: sessionmaker[Session], db_settings: Settings, tmp_path: Path
) -> None:
    rng = random.Random(5)
    md5s, pdqs = [_hex(rng, 16) for _ in range(5)], [_hex(rng, 32) for _ in range(5)]
    signals = tmp_path / "signals.txt"
    signals.write_text("".join(f"video_md5 {m}\npdq {p}\n" for m, p in zip(md5s, pdqs, strict=True)))
    fetcher = ExchangeFetcher(sessions, db_settings.data_dir, "test")
    config = {"filename": str(signals)}
    first = fetcher.fetch("shared-file", "from-file", "Partner", api="local_file", config=config, kind="ngo")
    assert (first.updates, first.added, first.complete) == (10, 10, True)
    assert _held(sessions, "from-file") == (set(md5s), set(pdqs))
    # The exchange remembers its API and config; a second fetch imports only the new lines.
    more = _hex(rng, 16)
    with signals.open("a") as out:
        out.write(f"video_md5 {more}\n")
    second = fetcher.fetch("shared-file", "from-file", "Partner")
    assert (second.updates, second.added) == (11, 1)
    assert more in _held(sessions, "from-file")[0]
    # The file delivers everything each time: lines gone from it are deletions, their media leave the list.
    signals.write_text("".join(f"video_md5 {m}\npdq {p}\n" for m, p in zip(md5s[1:], pdqs[:-1], strict=True)))
    third = fetcher.fetch("shared-file", "from-file", "Partner")
    assert (third.updates, third.deleted, third.withdrawn, third.added) == (8, 3, 3, 0)
    assert _held(sessions, "from-file") == (set(md5s[1:]), set(pdqs[:-1]))
    with sessions() as db:
        actions = list(db.execute(select(AuditEntry.action).order_by(AuditEntry.seq)).scalars())
        # The media and their signals stay in the hash database: only the membership went.
        assert db.execute(select(func.count()).select_from(Media)).scalar_one() == 11
    assert actions.count("federation.exchange.fetch") == 3 and actions.count("hashlists.import") == 3


def test_deletions_land_with_the_additions_or_not_at_all(
    sessions: sessionmaker[Session], db_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(6)
    md5s = [_hex(rng, 16) for _ in range(4)]
    signals = tmp_path / "signals.txt"
    signals.write_text("".join(f"video_md5 {m}\n" for m in md5s[:3]))
    fetcher = ExchangeFetcher(sessions, db_settings.data_dir, "test")
    fetcher.fetch(
        "f", "from-file", "Partner", api="local_file", config={"filename": str(signals)}, kind="ngo"
    )
    saved = fetcher.state("f")
    # One line gone, one new: the import fails, so neither the deletion nor the addition lands.
    signals.write_text("".join(f"video_md5 {m}\n" for m in md5s[1:]))

    def fail(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(Importer, "run", fail)
    with pytest.raises(RuntimeError, match="went away"):
        fetcher.fetch("f", "from-file", "Partner")
    assert _held(sessions, "from-file")[0] == set(md5s[:3])
    assert fetcher.state("f") == saved
    monkeypatch.undo()
    again = fetcher.fetch("f", "from-file", "Partner")
    assert (again.deleted, again.withdrawn, again.added) == (1, 1, 1)
    assert _held(sessions, "from-file")[0] == set(md5s[1:])


def test_static_sample_exchange(sessions: sessionmaker[Session], db_settings: Settings) -> None:
    fetcher = ExchangeFetcher(sessions, db_settings.data_dir, "test")
    result = fetcher.fetch("sample", "samples", "pytx samples", api="sample", kind="other")
    md5s, pdqs = _held(sessions, "samples")
    assert set(VideoMD5Signal.get_examples()) <= md5s
    assert {p for p in PdqSignal.get_examples()} <= pdqs
    assert result.checkpoint is not None
    # No checkpoint to resume from (pytx: NoCheckpointing is always stale): all again, nothing new, and
    # nothing deleted (every key it knew was delivered again).
    again = fetcher.fetch("sample", "samples", "pytx samples")
    assert (again.added, again.deleted, again.withdrawn) == (0, 0, 0)
    assert _held(sessions, "samples") == (md5s, pdqs)
    # A key this exchange once delivered and no longer does was deleted at the source. The key comes in
    # through a state.json as earlier versions wrote it, which the next fetch takes in.
    folder = db_settings.data_dir / "exchanges" / "sample"
    state = fetcher.state("sample")
    state["keys"][json.dumps(["pdq", "f" * 64])] = [["pdq", "f" * 64]]
    (folder / "state.json").write_text(json.dumps(state))
    assert fetcher.fetch("sample", "samples", "pytx samples").deleted == 1
    assert _held(sessions, "samples") == (md5s, pdqs)
    assert not (folder / "state.json").exists() and (folder / "state.sqlite").is_file()
    assert json.dumps(["pdq", "f" * 64]) not in fetcher.state("sample")["keys"]


def test_refusals(sessions: sessionmaker[Session], db_settings: Settings, tmp_path: Path) -> None:
    fetcher = ExchangeFetcher(sessions, db_settings.data_dir, "test")
    with pytest.raises(UnknownExchangeError):
        fetcher.fetch("never", "x", "y")
    with pytest.raises(ExchangeError, match="no built-in exchange API 'nope'"):
        fetcher.fetch("bad", "x", "y", api="nope")
    with pytest.raises(ExchangeError, match="not a python-threatexchange SignalExchangeAPI"):
        fetcher.fetch("bad", "x", "y", api="vigil.errors:NotFound")
    with pytest.raises(ExchangeError, match="has no field colour"):
        fetcher.fetch("bad", "x", "y", api="local_file", config={"filename": "f", "colour": 1})
    with pytest.raises(ExchangeError, match="an exchange name is letters"):
        fetcher.fetch("../up", "x", "y", api="sample")
    assert not (db_settings.data_dir / "exchanges" / "bad").exists()
    with sessions() as db:
        assert db.execute(select(func.count()).select_from(Media)).scalar_one() == 0


def _ncmec_entries(rng: random.Random, now: int) -> list[Entry]:
    entries = []
    for n in range(7):
        kind = "image" if n % 2 == 0 else "video"
        prints = {"pdq": _hex(rng, 32), "md5": _hex(rng, 16)} if kind == "image" else {"md5": _hex(rng, 16)}
        entries.append(Entry(f"e{n:03}", 100 + n % 2, kind, now - 5000 + n * 100, prints))
    return entries


def test_ncmec_exchange_against_a_loopback_ncmec(
    sessions: sessionmaker[Session], db_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")  # pytx formats NCMEC's times in local time with a 'Z'
    time.tzset()
    monkeypatch.setenv("TX_NCMEC_CREDENTIALS", f"{USER}:{PASSWORD}")
    rng, now = random.Random(9), int(time.time())
    db = Database(entries=_ncmec_entries(rng, now), page=2)
    images = [e for e in db.entries if e.kind == "image"]
    videos = [e for e in db.entries if e.kind == "video"]
    fetcher = ExchangeFetcher(sessions, db_settings.data_dir, "test")
    with ncmec_server(db):
        config = {"environment": "NGO"}
        # Stopped after 3 records: the checkpoint is saved with what was imported.
        first = fetcher.fetch(
            "ncmec", "ncmec", "NCMEC", api=NCMEC_API, config=config, kind="ngo", max_updates=3
        )
        assert not first.complete and first.updates >= 3
        stopped_at = fetcher.state("ncmec")["checkpoint"]
        assert stopped_at is not None
        asked = len(db.requests)
        rest = fetcher.fetch("ncmec", "ncmec", "NCMEC")
        assert rest.complete
        # Resumed: it did not start from the beginning (the paging link or the time reached).
        assert first.updates + rest.updates >= len(db.entries)
        # Resumed from the checkpoint: mid-page from its paging link, or from the time it had reached.
        if stopped_at["paging_info"]:
            assert db.requests[asked] == stopped_at["paging_info"]["paging_url"]
        else:
            assert stopped_at["get_entries_max_ts"] > 0 and "from=1970" not in db.requests[asked]
        md5s, pdqs = _held(sessions, "ncmec")
        # pytx reads NCMEC's PDQ of images and MD5 of videos (its conversion); all of them arrived.
        assert pdqs == {e.fingerprints["pdq"] for e in images}
        assert md5s == {e.fingerprints["md5"] for e in videos}
        # An entry deleted at NCMEC (a tombstone) leaves the list; an image whose PDQ changed at NCMEC
        # swaps its old PDQ for the new one. Both land in the fetch's one import with its checkpoint.
        gone, changed = videos[0], images[0]
        old_pdq = changed.fingerprints["pdq"]
        reached = fetcher.state("ncmec")["checkpoint"]["get_entries_max_ts"]
        gone.deleted, gone.at = True, reached  # changed after the time the last fetch reached
        changed.fingerprints["pdq"], changed.at = _hex(rng, 32), reached
        time.sleep(2)  # pytx fetches up to 5 s before now: let that pass the change
        later = fetcher.fetch("ncmec", "ncmec", "NCMEC")
        assert (later.deleted, later.withdrawn, later.added) == (1, 2, 1)
        assert len(later.imports) == 1 and later.complete
        md5s, pdqs = _held(sessions, "ncmec")
        assert md5s == {e.fingerprints["md5"] for e in videos[1:]}
        assert pdqs == {e.fingerprints["pdq"] for e in images} and old_pdq not in pdqs
        # The next fetch resumes from the checkpoint saved with that import: nothing again.
        asked = len(db.requests)
        time.sleep(1)
        nothing = fetcher.fetch("ncmec", "ncmec", "NCMEC")
        assert (nothing.updates, nothing.deleted, nothing.added) == (0, 0, 0)
        assert all("from=1970" not in r for r in db.requests[asked:])
    assert json.dumps(stopped_at)


@pytest.mark.slow
def test_vigil_exchanges_fetch_command(db_env: Settings, tmp_path: Path) -> None:
    signals = tmp_path / "signals.txt"
    rng = random.Random(3)
    md5s = [_hex(rng, 16) for _ in range(3)]
    signals.write_text("".join(f"video_md5 {m}\n" for m in md5s))
    env = {**os.environ, "TZ": "UTC"}

    def vigil(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "vigil", *args],
            check=False,
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )

    config = json.dumps({"filename": str(signals)})
    done = vigil("exchanges", "fetch", "partner", "--list", "partner", "--contributor", "Partner",
                 "--kind", "ngo", "--api", "local_file", "--config", config)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (
        "partner (local_file): 3 records, 3 media added to partner, 0 deleted at the source "
        "(0 taken off partner); up to date" in done.stdout
    )
    signals.write_text(f"video_md5 {md5s[0]}\n")
    done = vigil("exchanges", "fetch", "partner", "--list", "partner", "--contributor", "Partner")
    assert "1 records, 0 media added to partner, 2 deleted at the source (2 taken off partner)" in done.stdout
    shown = json.loads(vigil("exchanges", "show", "partner").stdout)
    assert shown["api"] == "local_file" and shown["records"] == 1
    refused = vigil("exchanges", "fetch", "other", "--list", "x", "--contributor", "y", "--api", "nope")
    assert refused.returncode == 2 and "no built-in exchange API 'nope'" in refused.stderr
