"""The preview store is a cache beside the checkpoint: what it returns must be what was added, a resumed
scan must cut it back to the entries its checkpoint holds, and its cap must bound it."""

from __future__ import annotations

from pathlib import Path

from vigil.scanning.checkpoint import Checkpoint
from vigil.scanning.pipeline import ScanItem
from vigil.scanning.previews import MAGIC, PreviewStore

PARAMS = {"inputs": ["x"], "threshold": 31}


def jpeg_like(n: int, size: int = 100) -> bytes:
    return bytes([n % 256]) * size


def test_added_previews_read_back(tmp_path: Path) -> None:
    store = PreviewStore(tmp_path / "p.bin")
    store.start(None)
    store.add(0, [(0, jpeg_like(1)), (2, jpeg_like(2, 50))])
    store.add(5, [(1, jpeg_like(3))])
    store.close()
    reader = PreviewStore(tmp_path / "p.bin")
    assert reader.get((0, 0)) == jpeg_like(1)
    assert reader.get((0, 2)) == jpeg_like(2, 50)
    assert reader.get((5, 1)) == jpeg_like(3)
    assert reader.get((0, 1)) is None and reader.get((9, 0)) is None


def test_cap_drops_what_does_not_fit(tmp_path: Path) -> None:
    store = PreviewStore(tmp_path / "p.bin", max_bytes=len(MAGIC) + 2 * (16 + 100))
    store.start(None)
    for n in range(5):
        store.add(n, [(0, jpeg_like(n))])
    store.close()
    assert (tmp_path / "p.bin").stat().st_size <= store.max_bytes
    assert [store.get((n, 0)) is not None for n in range(5)] == [True, True, False, False, False]


def test_resume_keeps_earlier_entries_and_cuts_a_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "p.bin"
    store = PreviewStore(path)
    store.start(None)
    for n in range(4):
        store.add(n, [(0, jpeg_like(n))])
    store.close()
    with path.open("ab") as f:
        f.write(b"\x04\x00\x00")  # a record header torn by kill -9
    again = PreviewStore(path)
    again.start(2)  # the checkpoint holds entries 0 and 1 only
    again.add(2, [(0, jpeg_like(42))])
    again.close()
    reader = PreviewStore(path)
    assert reader.get((0, 0)) == jpeg_like(0) and reader.get((1, 0)) == jpeg_like(1)
    assert reader.get((2, 0)) == jpeg_like(42)
    assert reader.get((3, 0)) is None
    assert path.stat().st_size == len(MAGIC) + 3 * (16 + 100)


def test_foreign_file_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "p.bin"
    path.write_bytes(b"not a preview store at all")
    store = PreviewStore(path)
    store.start(3)
    store.add(3, [(0, jpeg_like(1))])
    store.close()
    assert path.read_bytes().startswith(MAGIC)
    assert PreviewStore(path).get((3, 0)) == jpeg_like(1)


def test_checkpoint_resume_cuts_previews_of_entries_it_lost(tmp_path: Path) -> None:
    cp = Checkpoint(tmp_path)
    cp.start(PARAMS, resume=False)
    for n in range(3):
        cp.append(n, [ScanItem(n, f"f{n}")], [(0, jpeg_like(n))])
    cp.close()
    # kill -9 after entry 3's preview reached the store but before its checkpoint line did
    extra = PreviewStore(cp.previews.path)
    extra.start(3)
    extra.add(3, [(0, jpeg_like(3))])
    extra.close()
    again = Checkpoint(tmp_path)
    assert again.start(PARAMS, resume=True) == 3
    again.close()
    assert again.previews.get((2, 0)) == jpeg_like(2)
    assert again.previews.get((3, 0)) is None
    again.previews.delete()
    assert not again.previews.path.exists()
