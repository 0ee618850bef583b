"""The caps on decoding one video (settings ``VIGIL_VIDEO_MAX_*``, docs/limits.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from vigil.fields import field_names, pick

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
        return cls(**pick(settings, *field_names(cls), prefix="video_"))
