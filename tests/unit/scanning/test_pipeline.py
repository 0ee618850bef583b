from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from tests.archivefiles import mark_zip_encrypted, sevenzip_bytes, tar_bytes, zip_bomb, zip_bytes
from vigil.demo.images import scene
from vigil.scanning.archives import ArchiveLimits
from vigil.scanning.pipeline import ScanItem, ScanOptions, scan_bytes, scan_found
from vigil.scanning.walk import Found, walk


def jpeg(seed: int) -> bytes:
    buf = io.BytesIO()
    scene(seed, (200, 150)).save(buf, "JPEG", quality=85)
    return buf.getvalue()


def by_path(items: list[ScanItem]) -> dict[str, ScanItem]:
    return {i.path: i for i in items}


def test_plain_image_has_signals_and_dihedral() -> None:
    (item,) = scan_bytes(0, "a.jpg", jpeg(1), ScanOptions())
    assert (
        item.mime == "image/jpeg"
        and item.signals.values["pdq"]
        and item.signals.variants["pdq"]
        and len(item.signals.variants["pdq"]) == 8
    )
    assert item.signals.get("sha256") == hashlib.sha256(jpeg(1)).hexdigest()


def test_nested_three_deep() -> None:
    inner_zip = zip_bytes({"deep/photo.jpg": jpeg(2), "readme.txt": b"hello"})
    middle = tar_bytes({"level2/inner.zip": inner_zip, "mid.jpg": jpeg(3)})
    outer = sevenzip_bytes({"level1/middle.tar.gz": middle, "top.jpg": jpeg(4)})
    items = by_path(scan_bytes(7, "case.7z", outer, ScanOptions()))
    deep = items["case.7z!level1/middle.tar.gz!level2/inner.zip!deep/photo.jpg"]
    assert deep.depth == 3 and deep.archive == "case.7z!level1/middle.tar.gz!level2/inner.zip"
    assert deep.signals.get("sha256") == hashlib.sha256(jpeg(2)).hexdigest() and deep.signals.get("pdq")
    assert items["case.7z!level1/middle.tar.gz!mid.jpg"].depth == 2
    assert items["case.7z!top.jpg"].signals.get("pdq") is not None
    assert items["case.7z"].mime == "application/x-7z-compressed"
    assert all(i.ordinal == 7 for i in items.values())
    assert len(items) == 7  # 7z, tar.gz, zip, 2 zip members, mid.jpg, top.jpg


def test_depth_limit() -> None:
    nested = zip_bytes({"a.zip": zip_bytes({"b.zip": zip_bytes({"c.jpg": jpeg(5)})})})
    items = by_path(scan_bytes(0, "x.zip", nested, ScanOptions(archives=ArchiveLimits(max_depth=2))))
    limited = items["x.zip!a.zip!b.zip"]
    assert any("nested deeper" in w for w in limited.warnings)
    assert "x.zip!a.zip!b.zip!c.jpg" not in items


@pytest.mark.slow
def test_zip_bomb_refused_and_listed() -> None:
    items = scan_bytes(0, "bomb.zip", zip_bomb(), ScanOptions())
    assert items[0].error is not None and "archive refused" in items[0].error
    assert len(items) == 1


def test_total_size_limit() -> None:
    data = zip_bytes({f"{i}.bin": os.urandom(300_000) for i in range(5)}, compression=0)
    limits = ArchiveLimits(max_total_bytes=1_000_000)
    items = scan_bytes(0, "big.zip", data, ScanOptions(archives=limits))
    assert items[0].error is not None and "expands past" in items[0].error
    assert 1 <= len(items) - 1 < 5  # the members read before the limit are kept


@pytest.mark.slow
def test_gzip_bomb_refused() -> None:
    import gzip

    data = gzip.compress(b"\0" * (64 * 1024 * 1024))
    (item,) = scan_bytes(0, "zeros.gz", data, ScanOptions())
    assert item.error is not None and "zip bomb" in item.error


def test_traversal_names_reported_never_written(tmp_path: Path) -> None:
    data = zip_bytes({"../../escape.jpg": jpeg(6), "/etc/abs.txt": b"x"})
    items = by_path(scan_bytes(0, "t.zip", data, ScanOptions()))
    assert "path traversal in member name" in items["t.zip!../../escape.jpg"].warnings
    assert "absolute path in member name" in items["t.zip!/etc/abs.txt"].warnings
    assert items["t.zip!../../escape.jpg"].signals.get("pdq") is not None  # still hashed: in memory only
    assert not (tmp_path.parent / "escape.jpg").exists()


def test_encrypted_zip_member_and_encrypted_7z() -> None:
    zipped = mark_zip_encrypted(zip_bytes({"secret.jpg": jpeg(7)}))
    items = by_path(scan_bytes(0, "e.zip", zipped, ScanOptions()))
    assert items["e.zip!secret.jpg"].error == "encrypted archive member (no password)"
    (seven,) = scan_bytes(0, "e.7z", sevenzip_bytes({"s.jpg": jpeg(8)}, password="benign"), ScanOptions())
    assert seven.error is not None and "encrypted" in seven.error


def test_corrupt_archive() -> None:
    data = zip_bytes({"a.jpg": jpeg(9)})
    (item,) = scan_bytes(0, "c.zip", data[:60], ScanOptions())
    assert item.error is not None and "corrupt" in item.error


def test_type_by_content_not_name() -> None:
    items = by_path(scan_bytes(0, "holiday.txt", zip_bytes({"x.jpg": jpeg(10)}), ScanOptions()))
    assert items["holiday.txt"].mime == "application/zip"
    assert items["holiday.txt!x.jpg"].signals.get("pdq") is not None
    (renamed,) = scan_bytes(0, "document.pdf", jpeg(11), ScanOptions())
    assert renamed.mime == "image/jpeg" and renamed.signals.get("pdq") is not None


def test_walk_symlinks_and_special_files(tmp_path: Path) -> None:
    root = tmp_path / "case"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "a.jpg").write_bytes(jpeg(12))
    outside = tmp_path / "examiner-private.txt"
    outside.write_text("not evidence")
    (root / "out-link").symlink_to(outside)
    (root / "in-link").symlink_to(root / "sub" / "a.jpg")
    (root / "dir-link").symlink_to(root / "sub")
    (root / "loop").symlink_to(root / "loop")
    os.mkfifo(root / "fifo")
    found = {Path(f.path).name: f for f in walk([str(root)])}
    assert [f.ordinal for f in walk([str(root)])] == list(range(len(found)))
    assert found["out-link"].error is not None and "leaves the scanned tree" in found["out-link"].error
    assert found["loop"].error is not None
    assert found["dir-link"].skip
    assert found["in-link"].error is None
    items = {Path(i.path).name: i for f in found.values() for i in scan_found(f, ScanOptions())}
    assert items["fifo"].error == "not scanned: FIFO"
    assert items["in-link"].signals.get("sha256") == items["a.jpg"].signals.get("sha256")
    assert items["out-link"].signals.get("sha256") is None  # never read


def test_unreadable_and_missing(tmp_path: Path) -> None:
    (item,) = scan_found(Found(0, str(tmp_path / "missing.jpg")), ScanOptions())
    assert item.error == "no such file"


@pytest.mark.parametrize("mode", ["w:", "w:bz2", "w:xz"])
def test_tar_flavours(mode: str) -> None:
    data = tar_bytes({"p.jpg": jpeg(13)}, mode=mode)
    items = by_path(scan_bytes(0, "a.tar", data, ScanOptions()))
    assert items["a.tar!p.jpg"].signals.get("pdq") is not None


def test_round_trip_json() -> None:
    (item,) = scan_bytes(0, "a.jpg", jpeg(1), ScanOptions())
    assert ScanItem.from_json(item.to_json()) == item
