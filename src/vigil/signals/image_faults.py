"""What is wrong with an image file that the codecs alone do not say.

- Which exceptions are the file's fault: a codec may raise anything on hostile bytes, while the same
  exception raised by Vigil's own code is a bug that must not be reported as a corrupt file.
- Which files are images by their signature even when no decoder opens them (a truncated AVIF or HEIC
  is not identified by its plugin at all): they are corrupt images, not "not an image".
- Which JPEGs decode from far less data than their header claims: libjpeg fills what is missing with
  grey after an early end-of-image marker and reports nothing, so a 16x16 JPEG whose header claims
  9000x9000 would hash with no error.
"""

from __future__ import annotations

import importlib.util
import os
import re
from dataclasses import dataclass
from typing import Final

import PIL

import vigil

_VIGIL_ROOT: Final = os.path.dirname(os.path.abspath(vigil.__file__)) + os.sep


def _package_root(module_file: str | None) -> str | None:
    return None if module_file is None else os.path.dirname(os.path.abspath(module_file)) + os.sep


def _codec_roots() -> tuple[str, ...]:
    roots = [_package_root(PIL.__file__)]
    # Found, not imported: loading pillow_heif's library costs every command 0.2 s, and only a HEIF
    # decode needs it.
    heif = importlib.util.find_spec("pillow_heif")
    if heif is not None:  # pragma: no branch - a dependency; without it HEIC is simply not decoded
        roots.append(_package_root(heif.origin))
    return tuple(r for r in roots if r is not None)


_CODEC_ROOTS: Final = _codec_roots()


def raised_in_vigil(exc: BaseException) -> bool:
    """Whether ``exc`` was raised by Vigil's own code rather than by a codec.

    The innermost frame that belongs to either decides: frames of the standard library or numpy are
    passed over, so that ``int()`` failing inside Pillow is Pillow's and ``numpy`` failing under a
    Vigil function is Vigil's. An exception raised by C code has no frame of its own: the Python frame
    that called it decides.
    """
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame.f_code.co_filename)
        tb = tb.tb_next
    for filename in reversed(frames):
        path = os.path.abspath(filename)
        if path.startswith(_CODEC_ROOTS):
            return False
        if path.startswith(_VIGIL_ROOT):
            return True
    return False


#: ISO base media brands of still images (AVIF, HEIF/HEIC).
_ISOBMFF_BRANDS: Final = {
    b"avif": "AVIF",
    b"avis": "AVIF",
    b"heic": "HEIC",
    b"heix": "HEIC",
    b"heim": "HEIC",
    b"heis": "HEIC",
    b"hevc": "HEIC",
    b"hevx": "HEIC",
    b"mif1": "HEIF",
    b"msf1": "HEIF",
}
_PREFIXES: Final = (
    (b"\xff\xd8\xff", "JPEG"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "TIFF"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"qoif", "QOI"),
    (b"8BPS", "PSD"),
)


def image_signature(head: bytes) -> str | None:
    """The image format that the first bytes of a file announce, or None.

    Only signatures that text or other formats do not begin with by chance (BMP's ``BM`` is left out).
    """
    for prefix, name in _PREFIXES:
        if head.startswith(prefix):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WebP"
    if head[4:8] == b"ftyp":
        return _ISOBMFF_BRANDS.get(head[8:12])
    return None


# --- JPEG: is there enough entropy-coded data for the size the header claims? ---

#: Start-of-frame markers of Huffman-coded DCT frames (baseline, extended, progressive, and their
#: hierarchical forms). Arithmetic coding has no per-block minimum; lossless frames Pillow cannot read.
_HUFFMAN_DCT_FRAMES: Final = frozenset({0xC0, 0xC1, 0xC2, 0xC5, 0xC6})
_ARITHMETIC_OR_LOSSLESS_FRAMES: Final = frozenset({0xC3, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})
_SOS: Final = 0xDA
_EOI: Final = 0xD9
#: In entropy-coded data, 0xFF is followed by 0x00 (a stuffed byte) or a restart marker; anything else
#: ends the scan.
_SCAN_END: Final = re.compile(rb"\xff[^\x00\xd0-\xd7]")


@dataclass(frozen=True, slots=True)
class _Frame:
    width: int
    height: int
    #: Component id → (horizontal, vertical) sampling factors.
    sampling: dict[int, tuple[int, int]]


def jpeg_shortfall(data: bytes) -> str | None:
    """A reason when a Huffman-coded JPEG holds too little entropy-coded data for its claimed size.

    Every 8x8 block of every component costs at least one bit in the scan that codes its DC
    coefficient (the shortest Huffman code is one bit), so a JPEG whose scans hold fewer bits than it
    has blocks cannot contain its picture: what libjpeg shows beyond the data is its grey filler. The
    bound is physical, so a well-formed JPEG, however flat, never trips it.
    """
    layout = _jpeg_layout(data) if data.startswith(b"\xff\xd8") else None
    if layout is None:
        return None
    frame, dc_components, entropy_bytes = layout
    blocks = _blocks(frame, dc_components)
    if frame.height == 0 or entropy_bytes * 8 >= blocks:  # height 0: given later by a DNL marker
        return None
    return (
        f"truncated image: its JPEG data ({entropy_bytes} bytes) cannot hold the {frame.width}x{frame.height}"
        f" pixels its header claims (at least {-(-blocks // 8)} bytes); the rest decodes as filler"
    )


def _jpeg_layout(data: bytes) -> tuple[_Frame, set[int], int] | None:
    """The first Huffman DCT frame, the components coded by DC-first scans, and the entropy-coded bytes
    of every scan up to the end-of-image marker; None when the file is not such a JPEG."""
    frame: _Frame | None = None
    dc_components: set[int] = set()
    entropy_bytes = 0
    pos = 2
    end = len(data)
    while pos + 4 <= end:
        if data[pos] != 0xFF:
            return None  # not a marker where one must be: the decoder judged this file, not us
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker == _EOI:
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:  # markers without a length
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        segment = data[pos + 4 : pos + 2 + length]
        pos += 2 + length
        if marker in _ARITHMETIC_OR_LOSSLESS_FRAMES:
            return None
        if marker in _HUFFMAN_DCT_FRAMES and frame is None:
            frame = _parse_frame(segment)
            if frame is None:
                return None
        elif marker == _SOS:
            dc_components |= _dc_first_components(segment)
            found = _SCAN_END.search(data, pos)
            scan_end = end if found is None else found.start()
            entropy_bytes += scan_end - pos
            pos = scan_end
    return None if frame is None else (frame, dc_components, entropy_bytes)


def _parse_frame(segment: bytes) -> _Frame | None:
    if len(segment) < 6:
        return None
    height = int.from_bytes(segment[1:3], "big")
    width = int.from_bytes(segment[3:5], "big")
    count = segment[5]
    if len(segment) < 6 + 3 * count or count == 0:
        return None
    sampling = {}
    for i in range(count):
        cid, factors = segment[6 + 3 * i], segment[7 + 3 * i]
        h, v = factors >> 4, factors & 0x0F
        if not (1 <= h <= 4 and 1 <= v <= 4):
            return None
        sampling[cid] = (h, v)
    return _Frame(width, height, sampling)


def _dc_first_components(segment: bytes) -> set[int]:
    """The components whose DC coefficients this scan codes for the first time (Ss = 0, Ah = 0)."""
    if not segment:
        return set()
    count = segment[0]
    spectral = segment[1 + 2 * count : 4 + 2 * count]
    if len(segment) < 1 + 2 * count or len(spectral) < 3:
        return set()
    ss, approx_high = spectral[0], spectral[2] >> 4
    if ss != 0 or approx_high != 0:
        return set()
    return {segment[1 + 2 * i] for i in range(count)}


def _blocks(frame: _Frame, components: set[int]) -> int:
    """8x8 blocks of ``components`` (those actually coded), without the padding of interleaved MCUs."""
    h_max = max(h for h, _ in frame.sampling.values())
    v_max = max(v for _, v in frame.sampling.values())
    total = 0
    for cid, (h, v) in frame.sampling.items():
        if cid not in components:
            continue
        width = -(-frame.width * h // h_max)
        height = -(-frame.height * v // v_max)
        total += -(-width // 8) * -(-height // 8)
    return total
