"""``VigilSignalExchangeAPI`` against Vigil's API in one process (SQLite and PostgreSQL): a fetch stopped
between two pages of a delta resumes at the next page from its checkpoint, a new version arrives as its
delta (an entry taken off the list as a deletion), and pytx's merge and conversion give the list's
signals under pytx's names."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete
from sqlalchemy.orm import Session, sessionmaker
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal

from tests.integration.federation.holdings import items
from vigil.auth.service import UserService
from vigil.config import Settings
from vigil.federation.pytx_exchange import VigilCheckpoint, VigilCollabConfig, VigilSignalExchangeAPI
from vigil.formats.registry import get_format
from vigil.hashlists.lists import get_list
from vigil.hashlists.models import HashListMember, Media
from vigil.hashlists.service import HashDatabase
from vigil.web.app import create_app

TYPES = [PdqSignal, VideoMD5Signal]


def _import(sessions: sessionmaker[Session], path: Path, seed: int, n: int) -> dict[str, str]:
    rng, pdqs = random.Random(seed), {}
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["md5", "pdq"])
        for item in items(seed, n):
            pdqs[item.md5] = rng.randbytes(32).hex()
            writer.writerow([item.md5, pdqs[item.md5]])
    HashDatabase(sessions, "test").import_file(
        path, get_format("csv"), "Hotline", kind="hotline", list_name="out"
    )
    return pdqs


@pytest.fixture
def exchange(sessions: sessionmaker[Session], db_settings: Settings) -> VigilSignalExchangeAPI:
    settings = db_settings.model_copy(update={"api_rate_per_second": 0, "index_poll_seconds": 0})
    token = UserService(sessions, "test").add_user("hma", "peer").secret
    collab = VigilCollabConfig(name="vigil", url="http://testserver", list="out")
    client = TestClient(create_app(settings), headers={"Authorization": f"Bearer {token}"})
    api = VigilSignalExchangeAPI(collab, token, client=client)
    api.page_size = 2
    return api


def test_fetch_resumes_mid_delta_and_follows_versions(
    sessions: sessionmaker[Session], exchange: VigilSignalExchangeAPI, tmp_path: Path
) -> None:
    db = HashDatabase(sessions, "test")
    with pytest.raises(httpx.HTTPStatusError, match="404"):  # no such list
        list(exchange.fetch_iter(TYPES, None))
    pdqs = _import(sessions, tmp_path / "a.csv", 1, 5)  # makes the list (explicit members)
    with sessions() as s, s.begin():
        get_list(s, "out").recipients = ["peer"]
    assert list(exchange.fetch_iter(TYPES, None)) == []  # nothing published yet
    db.publish("out")
    # Stop after the first page: its checkpoint names the page to go on with.
    first = next(iter(exchange.fetch_iter(TYPES, None)))
    assert len(first.updates) == 2
    # The cursor is the API's next_cursor (an entry key: not 2 on a database whose ids went on).
    assert (first.checkpoint.version, first.checkpoint.until) == (0, 1) and first.checkpoint.cursor > 0
    state: dict[int, object] = {}
    VigilSignalExchangeAPI.naive_fetch_merge(state, first.updates)  # type: ignore[arg-type]
    rest = list(exchange.fetch_iter(TYPES, first.checkpoint))
    assert [len(d.updates) for d in rest] == [2, 1]
    assert rest[-1].checkpoint == VigilCheckpoint(version=1)
    for delta in rest:
        VigilSignalExchangeAPI.naive_fetch_merge(state, delta.updates)  # type: ignore[arg-type]
    converted = VigilSignalExchangeAPI.naive_convert_to_signal_type(TYPES, exchange.collab, state)  # type: ignore[arg-type]
    assert set(converted[VideoMD5Signal]) == set(pdqs)
    assert set(converted[PdqSignal]) == set(pdqs.values())
    # Up to date: nothing more. A second version (one member off, three on) arrives as its delta.
    assert list(exchange.fetch_iter(TYPES, rest[-1].checkpoint)) == []
    gone = sorted(pdqs)[0]
    with sessions() as s, s.begin():
        media = s.query(Media).filter(Media.md5 == gone).one()
        s.execute(delete(HashListMember).where(HashListMember.media_id == media.id))
    more = _import(sessions, tmp_path / "b.csv", 2, 3)
    db.publish("out")
    second = list(exchange.fetch_iter(TYPES, rest[-1].checkpoint))
    assert second[-1].checkpoint == VigilCheckpoint(version=2)
    for delta in second:
        VigilSignalExchangeAPI.naive_fetch_merge(state, delta.updates)  # type: ignore[arg-type]
    converted = VigilSignalExchangeAPI.naive_convert_to_signal_type(TYPES, exchange.collab, state)  # type: ignore[arg-type]
    assert set(converted[VideoMD5Signal]) == (set(pdqs) - {gone}) | set(more)
