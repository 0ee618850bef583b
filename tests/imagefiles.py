"""Hand-made image files for bad-input tests."""

from __future__ import annotations

import io
import struct
import zlib


def png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16))


def encoded(fmt: str, size: tuple[int, int] = (320, 240), seed: int = 3, **params: object) -> bytes:
    """A benign generated scene, encoded by Pillow (HEIF through pillow-heif)."""
    from vigil.demo.images import scene
    from vigil.signals.images import enable_extra_formats

    enable_extra_formats()
    buf = io.BytesIO()
    scene(seed, size).save(buf, format=fmt, **params)
    return buf.getvalue()


def _blanked(data: bytes, start: int, count: int, value: int) -> bytes:
    out = bytearray(data)
    out[start : start + count] = bytes([value]) * count
    return bytes(out)


def corrupt_images() -> dict[str, bytes]:
    """Benign generated images, truncated or mutated so that no decoder can read them: file name → bytes.

    ``avif-payload.avif`` is the case of issue 20: Pillow's AVIF decoder raises RuntimeError on it.
    """
    avif, heic, webp = encoded("AVIF"), encoded("HEIF"), encoded("WEBP")
    jpeg, png, tiff = encoded("JPEG", quality=90), encoded("PNG"), encoded("TIFF")
    payload = avif.index(b"mdat") + 4  # the AV1 data: its OBU headers zeroed
    return {
        "avif-payload.avif": _blanked(avif, payload, 4, 0),
        "avif-truncated.avif": avif[: len(avif) * 2 // 3],
        "heic-truncated.heic": heic[: len(heic) * 2 // 3],
        "webp-truncated.webp": webp[: len(webp) * 2 // 3],
        "webp-mutated.webp": _blanked(webp, len(webp) // 3, 200, 0xFF),
        "jpeg-truncated.jpg": jpeg[: len(jpeg) * 2 // 3],
        "jpeg-mutated.jpg": _blanked(jpeg, len(jpeg) // 3, 200, 0xFF),
        "png-truncated.png": png[: len(png) * 2 // 3],
        "png-mutated.png": _blanked(png, len(png) // 3, 200, 0),
        "tiff-truncated.tif": tiff[: len(tiff) * 2 // 3],
    }


def jpeg_claiming(width: int, height: int) -> bytes:
    """A 16x16 JPEG whose frame header claims ``width`` x ``height`` (libjpeg fills the rest with grey)."""
    data = bytearray(encoded("JPEG", size=(16, 16), quality=90))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)
