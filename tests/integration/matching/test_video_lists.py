"""Videos in published lists: a CSV's vpdq column imported, published, in the list's snapshot, looked up
by value and by content with the matched time ranges; `vigil index build --list` indexes them too.
Frame hashes are random bit patterns (no picture at all)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.unit.video.frames import flipped, random_hex
from vigil.config import Settings
from vigil.formats.csv import CSV
from vigil.hashlists.service import HashDatabase
from vigil.index import SnapshotFormatError, VpdqIndex, load_index
from vigil.index import vpdq as vpdq_index
from vigil.matching import Matcher
from vigil.matching.list_index import list_index
from vigil.signals.values import Signals
from vigil.video.matching import Rule

Frame = tuple[int, int, str, float]


def text(frames: list[Frame], sep: str = "\n") -> str:
    return sep.join(f"{n},{q},{h},{t:.3f}" for n, q, h, t in frames)


def _videos() -> list[list[Frame]]:
    rng = np.random.default_rng(1616)
    return [[(k * 25, 90, random_hex(rng), float(k)) for k in range(12)] for _ in range(3)]


def _publish(sessions: sessionmaker[Session], tmp_path: Path, videos: list[list[Frame]]) -> None:
    rows = ["md5,vpdq,category,scheme"]
    rows += [
        f'{hashlib.md5(str(i).encode()).hexdigest()},"{text(v, ";")}",{i + 1},vics-us'
        for i, v in enumerate(videos)
    ]
    (tmp_path / "v.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    db = HashDatabase(sessions, "test")
    db.add_contributor("Lab", "hotline", "NL")
    db.create_list("videos", "Lab")
    db.import_file(tmp_path / "v.csv", CSV, "Lab", list_name="videos")
    db.publish("videos")


def test_videos_are_looked_up_with_time_ranges(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    videos = _videos()
    _publish(sessions, tmp_path, videos)
    matcher = Matcher(
        sessions, tmp_path / "index", poll_seconds=0, video_rule=Rule.from_settings(db_settings)
    )
    matcher.refresh()
    snap = matcher.lists()["videos"]
    assert isinstance(snap.indexes["vpdq"], VpdqIndex) and len(snap.indexes["vpdq"]) == 3
    rng = np.random.default_rng(2)
    # Seconds 3 to 8 of the second video, re-encoded (a few bits flipped), on a timeline from 0.
    trimmed = [(k, 70, flipped(rng, h, 5), t - 3.0) for k, (_, _, h, t) in enumerate(videos[1][3:9])]
    [found] = matcher.lookup("vpdq", [text(trimmed)])
    assert [(m.list, m.distance, m.category, m.signal) for m in found] == [("videos", 0, "vics-us:2", "vpdq")]
    video = found[0].video
    assert video is not None and video.query_percent == 100.0 and video.compared_matched == 6
    assert [(r.start, r.end) for r in video.query_ranges] == [(0.0, 5.0)]
    assert [(r.start, r.end, r.first_frame, r.last_frame) for r in video.compared_ranges] == [
        (3.0, 8.0, 75, 200)
    ]
    # By content: the signals of an uploaded video go through match_content as any other item's.
    [by_content] = matcher.match_many([Signals(values={"vpdq": text(trimmed)})])
    assert [(m.entry_id, m.video is not None) for m in by_content] == [(found[0].entry_id, True)]
    # An unrelated video and a frame distance tighter than the flips: nothing.
    assert matcher.lookup("vpdq", [text([(k, 90, random_hex(rng), float(k)) for k in range(4)])]) == [[]]
    assert matcher.lookup("vpdq", [text(trimmed)], threshold=2) == [[]]

    # `vigil index build --list videos --signal vpdq`: the same videos, keyed by entry id.
    standalone = list_index(sessions, "videos", "vpdq")
    assert isinstance(standalone, VpdqIndex)
    assert [h.id for h in standalone.query_many([text(trimmed)])[0]] == [found[0].entry_id]


def test_a_snapshot_kept_at_another_quality_is_rebuilt(
    db_settings: Settings, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    videos = _videos()
    _publish(sessions, tmp_path, videos)
    Matcher(sessions, tmp_path / "index", poll_seconds=0).refresh()
    stricter = Matcher(sessions, tmp_path / "index", poll_seconds=0, video_rule=Rule(quality=95))
    stricter.refresh()
    index = stricter.lists()["videos"].indexes["vpdq"]
    assert isinstance(index, VpdqIndex) and index.quality == 95 and index.frames == 0
    # Every frame is of quality 90: under this rule nothing is compared, so nothing matches.
    assert stricter.lookup("vpdq", [text(videos[0])]) == [[]]


def test_a_snapshot_of_an_index_format_no_longer_read_is_rebuilt(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After an upgrade that changes an index format (pdq_regions gained a region), a published list's
    snapshot folder is built again from its rows instead of failing every refresh."""
    videos = _videos()
    _publish(sessions, tmp_path, videos)
    with monkeypatch.context() as older:
        older.setattr(vpdq_index, "FORMAT", vpdq_index.FORMAT - 1)
        Matcher(sessions, tmp_path / "index", poll_seconds=0).refresh()
    with pytest.raises(SnapshotFormatError, match="not one this Vigil reads"):
        load_index(next((tmp_path / "index").glob("*/vpdq.vidx")))
    matcher = Matcher(sessions, tmp_path / "index", poll_seconds=0)
    matcher.refresh()
    assert [m.list for m in matcher.lookup("vpdq", [text(videos[0])])[0]] == ["videos"]
    load_index(next((tmp_path / "index").glob("*/vpdq.vidx")))  # the rebuilt one reads
