"""What a scan records of a video beyond its signals: how long it is and how many frames it has. Plain
data (no decoder import), so that checkpoints and reports read it without loading PyAV."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class VideoFacts:
    #: Frames decoded (every frame, hashed or not).
    frames: int
    #: Seconds on vPDQ's timeline: frames decoded at the stream's frame rate.
    seconds: float
    #: Frames that got a vPDQ frame hash.
    hashed: int

    def to_json(self) -> dict[str, Any]:
        return {"frames": self.frames, "seconds": round(self.seconds, 3), "hashed": self.hashed}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VideoFacts:
        return cls(int(data["frames"]), float(data["seconds"]), int(data["hashed"]))
