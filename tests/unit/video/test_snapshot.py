"""A video index saved and mapped back answers the same; damaged or foreign files are refused."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.unit.video.frames import to_frames
from tests.unit.video.test_index import corpus
from vigil.index import PdqIndex, snapshot
from vigil.index.base import SnapshotError
from vigil.index.vpdq import VpdqIndex
from vigil.video.matching import Frames, Rule


@pytest.fixture(scope="module")
def built() -> tuple[VpdqIndex, list[Frames]]:
    query, videos = corpus(21, 30, 40)
    index = VpdqIndex.build(((i, to_frames(f)) for i, f in videos.items()), quality=51, strategy="mih")
    queries = [to_frames(query), *(to_frames(f) for f in list(videos.values())[:5])]
    return index, queries


@pytest.mark.parametrize("options", [{}, {"populate": True, "verify": True}])
def test_round_trip(built: tuple[VpdqIndex, list[Frames]], tmp_path: Path, options: dict[str, bool]) -> None:
    index, queries = built
    path = tmp_path / "videos.idx"
    index.save(path)
    loaded = VpdqIndex.load(path, **options)
    assert (len(loaded), loaded.frames, loaded.quality) == (len(index), index.frames, 51)
    rule = Rule(quality=51, query_percent=0.0)
    answers = [index.query(q, rule) for q in queries]
    assert any(answers)
    assert [loaded.query(q, rule) for q in queries] == answers
    assert loaded.info() == index.info() | {"pdq": loaded.info()["pdq"]}


def test_empty_round_trip(tmp_path: Path) -> None:
    VpdqIndex.build([]).save(tmp_path / "empty.idx")
    loaded = VpdqIndex.load(tmp_path / "empty.idx")
    assert (len(loaded), loaded.frames) == (0, 0)
    assert loaded.query(to_frames([])) == []


def test_damage_is_refused(built: tuple[VpdqIndex, list[Frames]], tmp_path: Path) -> None:
    index, _ = built
    path = tmp_path / "videos.idx"
    index.save(path)
    data = path.read_bytes()
    (tmp_path / "short.idx").write_bytes(data[:-100])
    with pytest.raises(SnapshotError, match="truncated"):
        VpdqIndex.load(tmp_path / "short.idx")
    flipped = bytearray(data)
    flipped[-200] ^= 0xFF
    (tmp_path / "flipped.idx").write_bytes(bytes(flipped))
    with pytest.raises(SnapshotError, match="checksum"):
        VpdqIndex.load(tmp_path / "flipped.idx", verify=True)
    with pytest.raises(SnapshotError, match="expected pdq"):
        PdqIndex.load(path)
    PdqIndex.build(np.zeros((1, 32), dtype=np.uint8)).save(tmp_path / "pdq.idx")
    with pytest.raises(SnapshotError, match="expected vpdq"):
        VpdqIndex.load(tmp_path / "pdq.idx")


def rewrite(
    src: Path,
    dst: Path,
    params: Mapping[str, Any] | None = None,
    arrays: Mapping[str, np.ndarray] | None = None,
) -> Path:
    """``src`` written again with some parameters or arrays replaced (a crafted file, checksums valid)."""
    snap = snapshot.read(src, frozenset({"vpdq"}), PdqIndex.snapshot_dtypes() | {
        "frame_numbers": "<i4", "frame_times": "<f8", "video_ids": "<i8", "video_starts": "<i8"})  # fmt: skip
    snapshot.write(
        dst, "vpdq", snap.count, snap.params | dict(params or {}), {**snap.arrays, **(arrays or {})}
    )
    return dst


def test_crafted_files_are_refused(built: tuple[VpdqIndex, list[Frames]], tmp_path: Path) -> None:
    index, _ = built
    path = tmp_path / "videos.idx"
    index.save(path)
    cases = {
        "rise": {
            "video_starts": np.concatenate([[0, 5, 3], np.full(len(index) - 2, index.frames)]).astype("<i8")
        },
        "video arrays": {"video_ids": np.arange(3, dtype="<i8")},
        "frame arrays": {"frame_times": np.zeros(3, dtype="<f8")},
    }
    for why, arrays in cases.items():
        with pytest.raises(SnapshotError, match=why):
            VpdqIndex.load(rewrite(path, tmp_path / f"{why}.idx", arrays=arrays))
    for params, why in [
        ({"format": 2}, "format 2"),
        ({"quality": 300}, "quality"),
        ({"frames": 1}, "corrupt"),
    ]:
        with pytest.raises(SnapshotError, match=why):
            VpdqIndex.load(rewrite(path, tmp_path / "params.idx", params))


def test_frame_ids_outside_the_frames_are_refused_at_query(
    built: tuple[VpdqIndex, list[Frames]], tmp_path: Path
) -> None:
    index, queries = built
    path = tmp_path / "videos.idx"
    index.save(path)
    ids = np.arange(index.frames, dtype="<i8") + index.frames  # every row's id past the last frame
    loaded = VpdqIndex.load(rewrite(path, tmp_path / "ids.idx", arrays={"base_ids": ids}))
    with pytest.raises(SnapshotError, match="outside the frames"):
        loaded.query(queries[1], Rule(quality=51, query_percent=0.0))
