"""Thumbnails for the review queue, made at report time from the evidence itself (never copied).

An archive member is read again through its chain of containers, under the same limits as the scan.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Mapping

from PIL import Image

from vigil.scanning.archives import ArchiveError, ArchiveLimits, members
from vigil.scanning.filetypes import sniff
from vigil.scanning.pipeline import SEP
from vigil.signals.images import ImageDecodeError, ImageLimits, open_image

THUMB_SIZE = 160


def item_bytes(path: str, archive_of: Mapping[str, str | None], limits: ArchiveLimits) -> bytes | None:
    """The content of a file on disk or of a member, through its containers; None if unreadable."""
    container = archive_of.get(path)
    if container is None:
        try:
            with open(path, "rb") as f:
                return f.read(limits.max_member_bytes + 1)
        except OSError:
            return None
    outer = item_bytes(container, archive_of, limits)
    if outer is None:
        return None
    name = path[len(container) + len(SEP) :]
    mime = sniff(outer[:65536]) or ""
    try:
        for member in members(container, outer, mime, limits):
            if member.name == name:
                return member.data
    except (ArchiveError, ValueError):
        return None
    return None


def thumbnail_data_uri(data: bytes, limits: ImageLimits) -> str | None:
    try:
        im = open_image(data, limits, min_side=THUMB_SIZE)
    except ImageDecodeError:
        return None
    im.thumbnail((THUMB_SIZE, THUMB_SIZE), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=70)
    return "data:image/jpeg;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
