"""A few frames of a video, evenly spread over it, as one JPEG strip: what a scan report shows of an
unknown video (blurred until clicked, like its pictures).

The frames are taken from those vPDQ already converted to RGB, so the strip costs no decoding. A
video's length is not known before its last frame (containers lie or say nothing), so the frames are
kept at a stride that doubles whenever twice the wanted count is held: at most ``2 × count`` small
thumbnails in memory, evenly spaced whatever the length. The strip is a function of the frames alone,
so the same video gives the same bytes in any process.
"""

from __future__ import annotations

import io
from typing import Final

import numpy as np
import numpy.typing as npt
from PIL import Image

#: Frames a strip shows.
STILLS: Final = 4
STILL_QUALITY: Final = 70


class Stills:
    """Collects thumbnails of the sampled frames offered in order; ``jpeg()`` lays ``count`` of them,
    evenly spread, side by side."""

    def __init__(self, count: int = STILLS, side: int = 160) -> None:
        self.count = max(1, count)
        self.side = max(8, side)
        self._stride = 1
        self._kept: list[tuple[int, Image.Image]] = []

    def wants(self, index: int) -> bool:
        """Whether the ``index``-th sampled frame (from 0) would be kept: the caller converts only those."""
        return index % self._stride == 0

    def offer(self, index: int, rgb: npt.NDArray[np.uint8]) -> None:
        if not self.wants(index):
            return
        # Every k-th pixel first (to about twice the final size), then a bilinear shrink: a full-size
        # frame's shrink costs ~10 ms, and the strip only has to show what the frame is.
        step = int(max(rgb.shape[0], rgb.shape[1]) / self.side) // 2
        if step > 1:
            rgb = np.ascontiguousarray(rgb[::step, ::step])
        image = Image.fromarray(rgb, "RGB")
        image.thumbnail((self.side, self.side), Image.Resampling.BILINEAR)
        self._kept.append((index, image))
        if len(self._kept) >= 2 * self.count:
            self._stride *= 2
            self._kept = [(i, im) for i, im in self._kept if i % self._stride == 0]

    def jpeg(self) -> bytes | None:
        """The strip, or None when no frame was offered."""
        if not self._kept:
            return None
        n = len(self._kept)
        shown = min(self.count, n)
        picks = sorted({round(k * (n - 1) / max(1, shown - 1)) for k in range(shown)})
        images = [self._kept[p][1] for p in picks]
        gap = 4
        width = sum(im.width for im in images) + gap * (len(images) - 1)
        height = max(im.height for im in images)
        strip = Image.new("RGB", (width, height), (40, 40, 40))
        x = 0
        for im in images:
            strip.paste(im, (x, (height - im.height) // 2))
            x += im.width + gap
        out = io.BytesIO()
        strip.save(out, "JPEG", quality=STILL_QUALITY)
        return out.getvalue()
