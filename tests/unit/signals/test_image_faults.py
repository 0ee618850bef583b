"""Corrupt images keep their digests whatever the codec raises; a bug in Vigil is not called corruption;
a JPEG whose data cannot hold the size its header claims is flagged (issue 20)."""

from __future__ import annotations

import hashlib
import io
import logging

import pytest
from PIL import Image

from tests.imagefiles import corrupt_images, encoded, jpeg_claiming
from vigil.signals import images
from vigil.signals.content import HashOptions, hash_bytes
from vigil.signals.image_faults import image_signature, jpeg_shortfall, raised_in_vigil
from vigil.signals.images import ImageLimits, open_image

CORRUPT = corrupt_images()


def test_the_avif_sample_makes_pillow_raise_runtime_error() -> None:
    """The case of the issue: not an OSError, so the old guard let it through."""
    with pytest.raises(RuntimeError), Image.open(io.BytesIO(CORRUPT["avif-payload.avif"])) as im:
        im.load()


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "exact"])
@pytest.mark.parametrize("name", sorted(CORRUPT))
@pytest.mark.parametrize("as_named", [True, False], ids=["own-extension", "renamed"])
def test_corrupt_image_keeps_digests(name: str, fast: bool, as_named: bool) -> None:
    data = CORRUPT[name]
    got = hash_bytes(name if as_named else "evidence.bin", data, HashOptions(fast=fast))
    assert got.signals.size == len(data)
    assert got.signals.get("md5") == hashlib.md5(data).hexdigest()
    assert got.signals.get("sha1") == hashlib.sha1(data).hexdigest()
    assert got.signals.get("sha256") == hashlib.sha256(data).hexdigest()
    assert got.signals.get("pdq") is None and got.signals.quality_of("pdq") is None
    assert got.error is not None and got.error.startswith("corrupt or truncated image: "), got.error
    assert "\n" not in got.error


def test_bug_in_vigil_is_an_internal_error_with_digests(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def buggy(*args: object, **kwargs: object) -> object:
        return images._draft_scale(None, None, 1)  # type: ignore[arg-type]  # TypeError in Vigil's code

    monkeypatch.setattr(images, "_reduced", buggy)
    data = encoded("PNG")
    with caplog.at_level(logging.ERROR):
        got = hash_bytes("a.png", data)
    assert got.error is not None and got.error.startswith("internal error: TypeError"), got.error
    assert got.signals.get("sha256") == hashlib.sha256(data).hexdigest() and got.signals.size == len(data)
    assert got.signals.get("pdq") is None
    logged = [r for r in caplog.records if r.exc_info]
    assert logged and "a.png" in logged[0].getMessage()


def test_decode_guard_lets_vigil_bugs_through(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(images, "to_rgb", lambda im: images._draft_scale(None, None, 1))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        open_image(encoded("PNG"), ImageLimits())


def test_raised_in_vigil_tells_codec_from_vigil() -> None:
    with pytest.raises(ValueError) as from_pillow:
        Image.new("NO-SUCH-MODE", (1, 1))
    assert not raised_in_vigil(from_pillow.value)
    with pytest.raises(TypeError) as from_vigil:
        images._draft_scale(None, None, 1)  # type: ignore[arg-type]
    assert raised_in_vigil(from_vigil.value)


@pytest.mark.parametrize(
    ("fmt", "name"),
    [
        ("AVIF", "AVIF"),
        ("HEIF", "HEIC"),
        ("WEBP", "WebP"),
        ("JPEG", "JPEG"),
        ("PNG", "PNG"),
        ("TIFF", "TIFF"),
    ],
)
def test_image_signature(fmt: str, name: str) -> None:
    assert image_signature(encoded(fmt, size=(8, 8))[:16]) == name


@pytest.mark.parametrize("head", [b"", b"hello, I am text", b"BM not a bitmap", b"\x00\x00\x00\x20ftypisom"])
def test_no_image_signature(head: bytes) -> None:
    assert image_signature(head) is None


@pytest.mark.parametrize("fast", [True, False], ids=["fast", "exact"])
def test_jpeg_claiming_far_more_than_it_holds_is_flagged(fast: bool) -> None:
    data = jpeg_claiming(3000, 3000)
    got = hash_bytes("liar.jpg", data, HashOptions(fast=fast))
    assert got.error is not None and got.error.startswith("truncated image: "), got.error
    assert "3000x3000" in got.error
    # What was decoded is still hashed (a carved fragment may match); its quality says it is worthless.
    assert got.signals.get("pdq") is not None and got.signals.quality_of("pdq") == 0
    assert got.signals.get("sha256") == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("size", "mode", "params"),
    [
        ((1, 1), "RGB", {}),
        ((7, 9), "L", {"quality": 1}),
        ((2000, 1500), "RGB", {"quality": 1, "optimize": True, "progressive": True}),
        ((2000, 1500), "RGB", {"quality": 1, "optimize": True, "subsampling": 2}),
        ((1500, 2000), "L", {"quality": 1, "optimize": True}),
        ((640, 480), "CMYK", {"quality": 1}),
    ],
)
def test_flat_jpegs_are_not_flagged(size: tuple[int, int], mode: str, params: dict[str, object]) -> None:
    """The bound is physical: the flattest well-formed JPEG still holds a bit per block."""
    buf = io.BytesIO()
    Image.new(mode, size).save(buf, "JPEG", **params)
    assert jpeg_shortfall(buf.getvalue()) is None
    assert hash_bytes("flat.jpg", buf.getvalue()).error is None


def test_photo_jpeg_not_flagged_and_other_formats_ignored() -> None:
    assert jpeg_shortfall(encoded("JPEG", size=(640, 480), quality=90)) is None
    assert jpeg_shortfall(encoded("PNG")) is None
    assert jpeg_shortfall(b"\xff\xd8") is None


def test_arithmetic_coded_jpeg_is_not_judged() -> None:
    """Arithmetic coding has no per-block minimum: an SOF9 frame is left to the decoder."""
    data = bytearray(jpeg_claiming(3000, 3000))
    sof = data.index(b"\xff\xc0")
    data[sof + 1] = 0xC9
    assert jpeg_shortfall(bytes(data)) is None
