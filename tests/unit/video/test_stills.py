from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from vigil.video.stills import Stills


def frame(value: int) -> np.ndarray:
    return np.full((90, 160, 3), value, dtype=np.uint8)


def shown(strip: bytes, count: int) -> list[int]:
    """The grey level of each frame laid in a strip (frames are 160 wide, 4 apart)."""
    image = Image.open(io.BytesIO(strip)).convert("L")
    return [image.getpixel((x * 164 + 80, 45)) for x in range(count)]  # type: ignore[misc]


@pytest.mark.parametrize("total", [1, 3, 4, 7, 100, 1001])
def test_frames_spread_over_the_whole_video(total: int) -> None:
    stills = Stills(count=4, side=160)
    for i in range(total):
        stills.offer(i, frame(min(250, i * 250 // max(1, total - 1))))
    strip = stills.jpeg()
    assert strip is not None
    n = min(4, total)
    image = Image.open(io.BytesIO(strip))
    assert image.size == (160 * n + 4 * (n - 1), 90)
    levels = shown(strip, n)
    assert levels[0] < 8  # the first frame
    if total > 1:
        assert levels == sorted(levels) and levels[-1] > 125  # in order, reaching the second half
    assert len(stills._kept) < 8  # never more than twice the count held


def test_only_kept_frames_are_wanted_and_same_frames_same_bytes() -> None:
    a, b = Stills(count=2), Stills(count=2)
    for i in range(50):
        for stills in (a, b):
            if stills.wants(i):
                stills.offer(i, frame(i * 5))
    assert a.jpeg() == b.jpeg()
    assert not a.wants(1)  # the stride has grown past 1


def test_no_frame_no_strip() -> None:
    assert Stills().jpeg() is None
