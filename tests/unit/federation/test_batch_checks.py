"""What a puller refuses in a verified batch before writing anything: the checks of replay protection
and of a cursor that must move forward (``Puller._check``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from vigil.config import Settings
from vigil.federation.batches import PROTOCOL, BatchError
from vigil.federation.feed import Cursor
from vigil.federation.policy import Direction, PolicyError, SharingPolicy
from vigil.federation.pull import Puller


def _puller(tmp_path: Path) -> Puller:
    settings = Settings(data_dir=tmp_path, federation_instance="inst-b")
    return Puller(settings, sessionmaker(), "test")


def _body(**changes: Any) -> dict[str, Any]:
    body = {
        "protocol": PROTOCOL,
        "instance": "inst-a",
        "list": "shared",
        "audience": "inst-b",
        "nonce": "n1",
        "issued_at": datetime.now(UTC).isoformat(),
        "cursor": "0.3.0",
        "next_cursor": "0.3.40",
        "complete": False,
        "version": 3,
        "signal_types": ["pdq"],
    }
    return body | changes


def _check(puller: Puller, body: dict[str, Any], asked: str = "0") -> tuple[Cursor, Cursor]:
    return puller._check(body, "inst-a", "shared", Cursor.parse(asked), "n1", ["pdq"])


def test_a_batch_answering_the_request_passes(tmp_path: Path) -> None:
    puller = _puller(tmp_path)
    assert _check(puller, _body()) == (Cursor(0, 3, 0), Cursor(0, 3, 40))
    last = _body(cursor="0.3.40", next_cursor="3", complete=True)
    assert _check(puller, last, "0.3.40") == (Cursor(0, 3, 40), Cursor(3))


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"nonce": "n0"}, "nonce"),  # recorded for another request
        ({"audience": "inst-c"}, "audience"),  # meant for another instance
        ({"instance": "inst-x"}, "instance"),
        ({"list": "other"}, "list"),
        ({"protocol": 2}, "protocol"),
        ({"issued_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}, "replay window"),
        ({"issued_at": "2026-01-01T00:00:00"}, "replay window"),  # no time zone
        ({"cursor": "1.3.0"}, "answers cursor"),
        ({"next_cursor": "0.3.0"}, "forward"),
        ({"next_cursor": "2", "complete": True}, "forward"),
        ({"version": 2}, "forward"),
        ({"signal_types": ["pdq", "md5"]}, "not asked for"),
        ({"next_cursor": "x"}, "malformed"),
    ],
)
def test_a_batch_not_answering_the_request_is_refused(
    tmp_path: Path, changes: dict[str, Any], why: str
) -> None:
    with pytest.raises(BatchError, match=why):
        _check(_puller(tmp_path), _body(**changes))


def test_policies_round_trip_and_filter() -> None:
    policy = SharingPolicy(
        lists_out=("b", "a", "a"),
        out=Direction(signal_types=("pdq",), categories=("vics-us:1",), schemes=("vics-us",)),
        jurisdiction="us",
        pull_minutes=0,
    )
    assert SharingPolicy.from_json(policy.to_json()) == policy
    assert policy.lists_out == ("a", "b")
    assert policy.out.category_allowed("vics-us", "1") and not policy.out.category_allowed("vics-us", "2")
    assert not policy.out.scheme_allowed(None) and Direction().scheme_allowed(None)
    assert policy.local_list("hot-a", "shared") == "hot-a:shared"
    with pytest.raises(PolicyError):
        SharingPolicy(pull_minutes=-1)
    with pytest.raises(PolicyError):
        Direction(signal_types=(" ",))
