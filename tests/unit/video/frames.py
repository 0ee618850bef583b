"""Benign generated frame hashes for the video matching tests: random bit patterns, never images."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tests.unit.video.pytx_rule import Frame
from vigil.video.matching import Frames


def to_frames(frames: Sequence[Frame]) -> Frames:
    """Sample-file tuples as the arrays matching takes."""
    hashes = np.frombuffer(b"".join(bytes.fromhex(f[2]) for f in frames), dtype=np.uint8).reshape(-1, 32)
    return Frames(
        hashes,
        np.array([f[1] for f in frames], dtype=np.int32),
        np.array([f[0] for f in frames], dtype=np.int32),
        np.array([f[3] for f in frames], dtype=np.float64),
    )


def random_hex(rng: np.random.Generator) -> str:
    return bytes(rng.integers(0, 256, size=32, dtype=np.uint8)).hex()


def flipped(rng: np.random.Generator, pdq: str, bits: int) -> str:
    value = int(pdq, 16)
    for b in rng.choice(256, size=bits, replace=False).tolist():
        value ^= 1 << b
    return f"{value:064x}"


def video(rng: np.random.Generator, scenes: Sequence[str], n: int, max_flips: int = 44) -> list[Frame]:
    """``n`` frames near some of ``scenes``, with exact repeats, low-quality frames and equal
    timestamps mixed in, as a real video's hashes have."""
    frames: list[Frame] = []
    stamp = 0.0
    for number in range(n):
        if frames and rng.random() < 0.15:
            pdq = frames[int(rng.integers(len(frames)))][2]
        else:
            pdq = flipped(rng, scenes[int(rng.integers(len(scenes)))], int(rng.integers(0, max_flips + 1)))
        quality = int(rng.choice([0, 10, 49, 50, 51, 80, 100]))
        stamp += float(rng.choice([0.0, 0.5, 1.0]))
        frames.append((number, quality, pdq, stamp))
    return frames
