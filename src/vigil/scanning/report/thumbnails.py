"""Thumbnails for the review queue: the previews that scan workers kept, or, for an item whose preview
was not kept, the same preview made again from the evidence itself (never copied).

An archive member is read again through its chain of containers, under the same limits as the scan.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Mapping

from vigil.scanning.archives import ArchiveError, ArchiveLimits, members
from vigil.scanning.filetypes import sniff
from vigil.scanning.pipeline import SEP, ScanOptions
from vigil.signals.content import hash_bytes, hash_file
from vigil.signals.preview import PREVIEW_SIDE
from vigil.storage import s3


def item_bytes(path: str, archive_of: Mapping[str, str | None], limits: ArchiveLimits) -> bytes | None:
    """The content of a file on disk, an object (``s3://``) or a member, through its containers; None
    if unreadable."""
    container = archive_of.get(path)
    if container is None:
        return _stored_bytes(path, limits.max_member_bytes + 1)
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


def _stored_bytes(path: str, most: int) -> bytes | None:
    """Up to ``most`` bytes of a file or an object; None if unreadable."""
    unreadable: tuple[type[Exception], ...] = (OSError, *s3.failures())
    try:
        if s3.is_s3(path):
            with s3.open_object(path) as body:
                return body.read(most)
        with open(path, "rb") as f:
            return f.read(most)
    except unreadable:
        return None


def make_preview(path: str, archive_of: Mapping[str, str | None], options: ScanOptions) -> bytes | None:
    """The preview a scan worker makes of this item with ``options``, made again from its content."""
    hashing = dataclasses.replace(options.hashing, dihedral=False, preview=PREVIEW_SIDE)
    if archive_of.get(path) is None and not s3.is_s3(path):
        # From the file itself, as the scan read it: a large video is decoded from disk, not memory.
        return hash_file(path, hashing).preview
    content = item_bytes(path, archive_of, options.archives)
    if not content:
        return None
    return hash_bytes(path, content, hashing).preview


def data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")
