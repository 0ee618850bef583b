"""hash_file / hash_bytes: digests of every file, PDQ of images, a per-file error for bad input."""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest

from vigil.demo.images import scene
from vigil.signals import content
from vigil.signals.content import HashOptions, hash_bytes, hash_file
from vigil.signals.images import ImageLimits


def jpeg_bytes(seed: int = 1) -> bytes:
    buf = io.BytesIO()
    scene(seed, (320, 240)).save(buf, "JPEG", quality=90)
    return buf.getvalue()


def test_digests_match_hashlib(tmp_path: Path) -> None:
    data = os.urandom(3 * 1024 * 1024 + 17)  # spans several read chunks
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    got = hash_file(str(path))
    assert got.signals.size == len(data)
    assert got.signals.get("md5") == hashlib.md5(data).hexdigest()
    assert got.signals.get("sha1") == hashlib.sha1(data).hexdigest()
    assert got.signals.get("sha256") == hashlib.sha256(data).hexdigest()
    assert got.signals.get("pdq") is None and got.error is None


def test_image_gets_digests_and_pdq() -> None:
    data = jpeg_bytes()
    got = hash_bytes("a.jpg", data)
    assert got.signals.get("sha256") == hashlib.sha256(data).hexdigest()
    assert got.signals.values["pdq"] is not None and len(got.signals.values["pdq"]) == 64
    assert got.signals.quality["pdq"] is not None and 0 <= got.signals.quality["pdq"] <= 100
    assert got.error is None


def test_non_image_without_image_extension_is_not_an_error() -> None:
    got = hash_bytes("notes.txt", b"hello\n")
    assert (
        got.signals.get("pdq") is None
        and got.error is None
        and got.signals.get("md5") == hashlib.md5(b"hello\n").hexdigest()
    )


def test_text_named_jpg_is_an_error() -> None:
    got = hash_bytes("fake.jpg", b"hello, I am text\n")
    assert got.error is not None and "not an image" in got.error
    assert got.signals.get("sha256") is not None  # the digests are still given


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.jpg").write_bytes(b"")
    got = hash_file(str(tmp_path / "empty.jpg"))
    assert (
        got.error == "empty file"
        and got.signals.size == 0
        and got.signals.get("md5") == hashlib.md5(b"").hexdigest()
    )


def test_truncated_jpeg_keeps_digests() -> None:
    data = jpeg_bytes()[:1500]
    got = hash_bytes("t.jpg", data)
    assert got.error is not None and ("truncated" in got.error or "corrupt" in got.error)
    assert got.signals.get("md5") == hashlib.md5(data).hexdigest() and got.signals.get("pdq") is None


def test_image_over_byte_limit_is_hashed_not_decoded() -> None:
    data = jpeg_bytes()
    got = hash_bytes("big.jpg", data, HashOptions(limits=ImageLimits(max_bytes=1000)))
    assert got.error is not None and "too large" in got.error
    assert got.signals.get("sha256") == hashlib.sha256(data).hexdigest() and got.signals.get("pdq") is None


def test_large_non_image_over_limit_is_fine() -> None:
    got = hash_bytes("disk.img", b"\0" * 5000, HashOptions(limits=ImageLimits(max_bytes=1000)))
    assert got.error is None and got.signals.size == 5000


def test_missing_file() -> None:
    got = hash_file("/nonexistent/for/sure.jpg")
    assert got.error == "no such file"


def test_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    assert hash_file(str(tmp_path / "a")).error == "symlink loop"


def test_fifo_is_not_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = hash_file(str(fifo))  # opening it would block forever
    assert got.error is not None and "FIFO" in got.error


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "secret.jpg"
    path.write_bytes(jpeg_bytes())

    def refuse(*args: object, **kwargs: object) -> object:
        raise PermissionError(13, "Permission denied")

    # Tests run as root in CI, where file modes do not stop a read; refuse the open itself instead.
    monkeypatch.setattr(content, "open", refuse, raising=False)
    assert hash_file(str(path)).error == "permission denied"


def test_dihedral_option() -> None:
    got = hash_bytes("a.jpg", jpeg_bytes(), HashOptions(dihedral=True))
    assert got.signals.variants["pdq"] is not None and len(got.signals.variants["pdq"]) == 8
    assert got.signals.variants["pdq"][0] == got.signals.values["pdq"]
    assert len(set(got.signals.variants["pdq"])) == 8
