"""Snapshots: round trips, O(1) memory-mapped loading, and clear errors for bad files."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from tests.unit.index.oracle import brute, clustered, queries_near, uniform
from vigil.index import ExactIndex, PdqIndex, SnapshotError, load_index
from vigil.index.snapshot import FORMAT_VERSION, MAGIC


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, np.ndarray, PdqIndex]:
    rng = np.random.default_rng(11)
    stored = clustered(rng, 3000, centers=4, max_flips=40)
    index = PdqIndex.build(stored, np.arange(3000) * 7)
    index.auto_compact = False
    index.add(uniform(rng, 20), np.arange(20) + 50_000)
    index.remove([7, 14, 50_001])
    path = tmp_path / "pdq.vidx"
    index.save(path)
    return path, stored, index


def test_round_trip_keeps_everything(saved: tuple[Path, np.ndarray, PdqIndex]) -> None:
    path, stored, index = saved
    loaded = PdqIndex.load(path)
    assert len(loaded) == len(index) == 3000 + 20 - 3
    assert loaded.info() == index.info()
    queries = queries_near(np.random.default_rng(1), stored, 40, max_flips=40)
    for threshold in (0, 10, 31, 50):
        assert loaded.query_many(queries, threshold) == index.query_many(queries, threshold)
    # The loaded index stays live: adds, removes and compaction work on the mapped arrays.
    loaded.add(stored[:1], [999_999])
    assert loaded.query(stored[0], 0)[0] == (0, 0)
    assert (999_999, 0) in loaded.query(stored[0], 0)
    before = loaded.query_many(queries, 31)
    loaded.compact()
    assert loaded.info()["delta_rows"] == 0 and loaded.info()["removed"] == 0
    assert loaded.query_many(queries, 31) == before


def test_load_maps_the_file(saved: tuple[Path, np.ndarray, PdqIndex]) -> None:
    path, _, _ = saved
    loaded = PdqIndex.load(path)
    words = loaded._state.base.struct.words
    assert not words.flags.writeable and not words.flags.owndata  # a view of the mapping, not a copy
    assert load_index(path, populate=True, verify=True).info() == loaded.info()


def test_save_over_the_mapped_file(saved: tuple[Path, np.ndarray, PdqIndex]) -> None:
    path, stored, _ = saved
    loaded = PdqIndex.load(path)
    loaded.add(stored[5:6], [123])
    loaded.save(path)  # replaces the file the index is mapped from
    again = PdqIndex.load(path)
    assert (123, 0) in again.query(stored[5], 0)
    assert not list(path.parent.glob(".*.tmp"))


def test_oracle_after_reload_with_tombstones(saved: tuple[Path, np.ndarray, PdqIndex]) -> None:
    path, stored, _ = saved
    loaded = PdqIndex.load(path)
    ids = (np.arange(3000) * 7).tolist()
    alive = [i not in (7, 14) for i in ids]
    for q in queries_near(np.random.default_rng(2), stored, 10, max_flips=31):
        got = [m for m in loaded.query(q, 31) if m.id < 50_000]
        assert got == brute(stored, ids, alive, q, 31)


def test_exact_round_trip(tmp_path: Path) -> None:
    digests = uniform(np.random.default_rng(4), 100, nbytes=20)
    index = ExactIndex.build(digests, signal="sha1")
    index.save(tmp_path / "sha1.vidx")
    loaded = load_index(tmp_path / "sha1.vidx")
    assert isinstance(loaded, ExactIndex) and loaded.signal == "sha1"
    assert loaded.query(digests[42]) == [(42, 0)]


def _patch(path: Path, offset: int, data: bytes) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        f.write(data)


def test_truncated_snapshot_is_refused(saved: tuple[Path, np.ndarray, PdqIndex]) -> None:
    path, _, _ = saved
    size = path.stat().st_size
    for keep in (0, 10, 30, 200, size // 2, size - 1):
        cut = path.with_name(f"cut{keep}.vidx")
        cut.write_bytes(path.read_bytes()[:keep])
        with pytest.raises(SnapshotError, match=r"truncated|too short|corrupt"):
            PdqIndex.load(cut)


def test_bad_magic_newer_version_and_corrupt_header(saved: tuple[Path, np.ndarray, PdqIndex]) -> None:
    path, _, _ = saved
    original = path.read_bytes()
    _patch(path, 0, b"NOTANIDX")
    with pytest.raises(SnapshotError, match="not a Vigil index snapshot"):
        PdqIndex.load(path)
    path.write_bytes(original)
    _patch(path, len(MAGIC), struct.pack("<I", FORMAT_VERSION + 1))
    with pytest.raises(SnapshotError, match="newer than this Vigil reads"):
        PdqIndex.load(path)
    path.write_bytes(original)
    _patch(path, 40, b"#")  # inside the JSON header
    with pytest.raises(SnapshotError, match="header is corrupt"):
        PdqIndex.load(path)


def test_wrong_signal_is_refused(tmp_path: Path) -> None:
    ExactIndex.build(["00" * 32], signal="sha256").save(tmp_path / "x.vidx")
    with pytest.raises(SnapshotError, match="'sha256' index, expected pdq"):
        PdqIndex.load(tmp_path / "x.vidx")
    (tmp_path / "empty.vidx").write_bytes(b"")
    with pytest.raises(SnapshotError, match="too short"):
        load_index(tmp_path / "empty.vidx")
    with pytest.raises(SnapshotError, match="cannot read"):
        load_index(tmp_path / "missing.vidx")


def test_corrupt_arrays_fail_verification_and_never_crash(saved: tuple[Path, np.ndarray, PdqIndex]) -> None:
    path, stored, _ = saved
    size = path.stat().st_size
    rng = np.random.default_rng(5)
    # Garbage over the second half of the file: the bucket directories and entries.
    _patch(path, size // 2, rng.integers(0, 256, size=size // 2 - 64, dtype=np.uint8).tobytes())
    with pytest.raises(SnapshotError, match="fails its checksum"):
        PdqIndex.load(path, verify=True)
    try:
        loaded = PdqIndex.load(path)
    except SnapshotError:
        return  # caught by the O(1) checks: fine too
    loaded.strategy = "mih"
    # Wrong answers are possible, reads outside the arrays are not (the process would crash here).
    for threshold in (0, 31, 64):
        loaded.query_many(queries_near(rng, stored, 50, max_flips=threshold), threshold)


def test_empty_index_round_trip(tmp_path: Path) -> None:
    PdqIndex.build(np.zeros((0, 32), dtype=np.uint8)).save(tmp_path / "e.vidx")
    loaded = PdqIndex.load(tmp_path / "e.vidx")
    assert len(loaded) == 0 and loaded.query("00" * 32) == []
    loaded.add(["00" * 32])
    assert loaded.query("00" * 32) == [(0, 0)]
