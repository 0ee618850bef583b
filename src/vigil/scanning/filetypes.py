"""File types by content, never by name: a seized collection renames files to hide them."""

from __future__ import annotations

import io
import tarfile
from typing import Final

import filetype

ARCHIVE_TYPES: Final = frozenset(
    {
        "application/zip",
        "application/x-tar",
        "application/gzip",
        "application/x-bzip2",
        "application/x-xz",
        "application/x-7z-compressed",
    }
)


def sniff(head: bytes) -> str | None:
    """The MIME type of content beginning with ``head`` (a few KiB), or None when unknown."""
    if not head:
        return None
    if head[257:262] == b"ustar":  # filetype misses old-style and GNU tar headers in some layouts
        return "application/x-tar"
    # Office documents and EPUBs are zips too, and are opened as such: images embedded in them count.
    mime: str | None = filetype.guess_mime(head)
    return mime


def is_archive(mime: str | None) -> bool:
    return mime in ARCHIVE_TYPES


def looks_like_tar(data: bytes) -> bool:
    if data[257:262] == b"ustar":
        return True
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tf:
            return tf.next() is not None
    except (tarfile.TarError, OSError, EOFError):
        return False
