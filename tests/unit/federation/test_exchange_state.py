"""An exchange's state on disk: keys written as they change, with the checkpoint, all or nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from vigil.federation.exchange_state import ExchangeState


def test_a_save_writes_the_changed_keys_and_the_checkpoint(tmp_path: Path) -> None:
    store = ExchangeState(tmp_path / "x")
    assert not store.exists
    store.save("sample", {"a": 1}, None, {"k1": [["md5", "1" * 32]], "k2": [["md5", "2" * 32]]})
    assert store.exists and store.source() == ("sample", {"a": 1}, None)
    store.save("sample", {"a": 1}, {"page": 2}, {"k1": None, "k3": [["pdq", "f" * 64]]})
    assert store.source()[2] == {"page": 2}
    assert store.keys() == {"k2": [["md5", "2" * 32]], "k3": [["pdq", "f" * 64]]}
    # Another source under the same name: every key of the old one is forgotten.
    store.save("local_file", {}, None, {"k9": [["md5", "9" * 32]]}, fresh=True)
    assert store.keys() == {"k9": [["md5", "9" * 32]]}


def test_a_failed_save_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = ExchangeState(tmp_path / "x")
    store.save("sample", {}, {"page": 1}, {"k1": [["md5", "1" * 32]]})

    real = json.dumps

    def broken(value: object) -> str:
        # The checkpoint and the deletion are written before a key's signals fail.
        if isinstance(value, list):
            raise ValueError("not serialisable")
        return real(value)

    monkeypatch.setattr("vigil.federation.exchange_state.json.dumps", broken)
    with pytest.raises(ValueError):
        store.save("sample", {}, {"page": 2}, {"k1": None, "k2": [["md5", "2" * 32]]})
    monkeypatch.undo()
    assert store.source()[2] == {"page": 1} and store.keys() == {"k1": [["md5", "1" * 32]]}


def test_an_earlier_state_json_is_taken_in(tmp_path: Path) -> None:
    folder = tmp_path / "x"
    folder.mkdir()
    legacy = {"api": "sample", "config": {}, "checkpoint": {"page": 3}, "keys": {"k": [["md5", "1" * 32]]}}
    (folder / "state.json").write_text(json.dumps(legacy))
    store = ExchangeState(folder)
    assert store.exists and store.source() == ("sample", {}, {"page": 3})
    assert store.keys() == legacy["keys"] and not (folder / "state.json").exists()
    with sqlite3.connect(folder / "state.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM keys").fetchone() == (1,)
