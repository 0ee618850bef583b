"""The caps on decoding one video (settings ``VIGIL_VIDEO_MAX_*``, docs/limits.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vigil.config import Settings


@dataclass(frozen=True, slots=True)
class VideoLimits:
    max_seconds: float = 4 * 3600.0
    max_frames: int = 1_000_000
    max_pixels: int = 7680 * 4320
    max_bytes: int = 8 * 1024**3

    @classmethod
    def from_settings(cls, settings: Settings) -> VideoLimits:
        return cls(
            max_seconds=settings.video_max_seconds,
            max_frames=settings.video_max_frames,
            max_pixels=settings.video_max_pixels,
            max_bytes=settings.video_max_bytes,
        )
