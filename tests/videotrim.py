"""A trimmed, re-encoded copy of a benign generated clip (tests/videofiles.py): what a listed video
looks like after someone cut its start and saved it again at another size, codec and container."""

from __future__ import annotations

from tests.videofiles import reencode


def trimmed(
    data: bytes, first: int, size: tuple[int, int], codec: str = "mpeg4", container: str = "avi"
) -> bytes:
    """``data`` without its first ``first`` frames, encoded again at ``size`` with ``codec``."""
    return reencode(data, size, codec, container, first=first)
