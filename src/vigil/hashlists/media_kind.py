"""What kind of content a known item is (image, video, other file), told from what the database
holds of it: its MIME type, else the kinds of its signals. The database stores no content and no
kind column: a VICS file says ``MimeType`` (or a video file name), a vPDQ is only ever of a video."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from vigil.signals import registry
from vigil.video.signal import VPDQ

MEDIA_KINDS: Final = ("image", "video", "file")


def media_kind(mime_type: str | None, signal_types: Iterable[str]) -> str:
    """``video``, ``image`` or ``file``: the MIME type's when it names one of the first two, else the
    content kind of a perceptual signal the item has (a vPDQ: video; PDQ, PhotoDNA: image)."""
    major = (mime_type or "").split("/", 1)[0].strip().lower()
    if major in ("video", "image"):
        return major
    known = registry.signal_types()
    kinds = {known[t].content_kind for t in signal_types if t in known}
    for kind in ("video", "image"):
        if kind in kinds:
            return kind
    return "file"


def signal_summary(signal_type: str, value: str) -> str | None:
    """A short account of a long signal value for pages that show it (None: show the value as is). A
    vPDQ (Meta's text form, one ``frame,quality,hex,seconds`` line per hashed frame) is summarised as
    its frames, the time they span and their mean quality."""
    if signal_type != VPDQ.name:
        return None
    lines = [line.split(",") for line in value.splitlines() if line.strip()]
    try:
        qualities = [int(parts[1]) for parts in lines]
        last = float(lines[-1][3]) if lines else 0.0
    except (IndexError, ValueError):
        return None
    mean = round(sum(qualities) / len(qualities)) if qualities else 0
    return f"{len(lines)} frames over {last:.3f} s, mean quality {mean}"
