"""Telling a video file by its first bytes, without importing a decoder."""

from __future__ import annotations

from typing import Final

#: First bytes of the containers Vigil decodes as videos. ISO media (MP4, MOV, 3GP) is told from
#: HEIC/AVIF images, which share its boxes, by brand (``_IMAGE_BRANDS``).
_MAGIC: Final = (
    (0, b"\x1a\x45\xdf\xa3"),  # Matroska, WebM
    (0, b"FLV\x01"),
    (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"),  # ASF, WMV
    (0, b"\x00\x00\x01\xba"),  # MPEG program stream
    (0, b"\x00\x00\x01\xb3"),  # MPEG-1/2 video elementary stream
    (0, b"YUV4MPEG2 "),
    (0, b"OggS"),
)
_ISO_BOXES: Final = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip", b"pnot")
_IMAGE_BRANDS: Final = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"mif1", b"msf1", b"avif", b"avis"}
)


def looks_like_video(head: bytes) -> bool:
    """Whether ``head`` (a file's first bytes) starts a container Vigil decodes as a video."""
    if any(head[at : at + len(magic)] == magic for at, magic in _MAGIC):
        return True
    if head[:4] == b"RIFF" and head[8:12] in (b"AVI ", b"AVIX"):
        return True
    if len(head) >= 189 and head[0] == 0x47 and head[188] == 0x47:  # MPEG transport stream packets
        return True
    if head[4:8] in _ISO_BOXES:
        return not (head[4:8] == b"ftyp" and head[8:12] in _IMAGE_BRANDS)
    return False
