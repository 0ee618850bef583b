from __future__ import annotations

from pathlib import Path

import pytest

from vigil.scanning.checkpoint import Checkpoint, CheckpointError
from vigil.scanning.pipeline import Match, ScanItem
from vigil.signals.values import Signals

PARAMS = {"inputs": ["x"], "threshold": 31}


def items(ordinal: int) -> list[ScanItem]:
    return [
        ScanItem(
            ordinal,
            f"f{ordinal}",
            signals=Signals(3, {"md5": "0" * 32}),
            matches=[Match("md5", 7, 0, "L", "1", "S")],
        )
    ]


def test_fresh_then_resume_continues_after_last_complete_entry(tmp_path: Path) -> None:
    cp = Checkpoint(tmp_path)
    assert cp.start(PARAMS, resume=False) == 0
    for n in range(3):
        cp.append(n, items(n))
    cp.close()
    with cp.items_path.open("a") as f:
        f.write('{"ordinal": 3, "items": [{"ordi')  # torn by a kill -9
    again = Checkpoint(tmp_path)
    assert again.start(PARAMS, resume=True) == 3
    again.append(3, items(3))
    again.close()
    got = list(again.entries())
    assert [o for o, _ in got] == [0, 1, 2, 3]
    assert got[1][1] == items(1)


def test_resume_refuses_other_params(tmp_path: Path) -> None:
    cp = Checkpoint(tmp_path)
    cp.start(PARAMS, resume=False)
    cp.close()
    with pytest.raises(CheckpointError, match="other inputs"):
        Checkpoint(tmp_path).start({**PARAMS, "threshold": 10}, resume=True)


def test_without_resume_starts_afresh(tmp_path: Path) -> None:
    cp = Checkpoint(tmp_path)
    cp.start(PARAMS, resume=False)
    cp.append(0, items(0))
    cp.close()
    fresh = Checkpoint(tmp_path)
    assert fresh.start(PARAMS, resume=False) == 0
    fresh.close()
    assert list(fresh.entries()) == []
