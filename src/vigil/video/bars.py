"""Letterbox and pillarbox bars: uniform dark bands a copy of a video gained at its edges (a 4:3 picture
put in a 16:9 frame, or the reverse), found on a few frames so that a lookup can also hash the picture
inside them.

PDQ hashes the whole frame: bars of 1/8 of the picture's height above and below move every DCT
coefficient, and a letterboxed copy matches nothing. The stored vPDQ stays Meta's (the full frame, as
the reference hashes are computed); only a *query* also carries the frames cropped to the picture, and
matches by either (``video/vpdq.py``, ``Signals.variants``).

A row (column) is bar when it is dark and flat: its mean brightness (the brightest channel, so a
coloured band is not dark) at most ``DARK_MEAN`` and its standard deviation at most ``FLAT_SPREAD``,
which a compressed black band keeps and a picture's edge rarely does; the few dim lines that an
encoder's ringing leaves next to the picture are bar too (``EDGE_LINES``). A frame's bars are the runs
of bar rows (columns) from each edge; a frame dark all over (a fade) shows no picture and says
nothing. A video's bars are each side's smallest over its first ``FRAMES`` frames that show a picture,
so a dark scene edge on one of them is not taken for a bar; a side under ``MIN_FRACTION`` of the frame
is none (encoders pad a few lines), and a picture left under ``MIN_PICTURE`` of a side is not a
picture.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from vigil.arrays import F32, U8

DARK_MEAN: Final = 24.0
FLAT_SPREAD: Final = 16.0
#: A bar is then extended by up to ``EDGE_LINES`` lines of mean at most ``EDGE_MEAN``: the lines an
#: encoder's ringing brightens where the bar meets the picture, which PDQ would otherwise see as an edge.
EDGE_LINES: Final = 4
EDGE_MEAN: Final = 48.0
#: A side's bar must cover this much of the frame's height (width) to count.
MIN_FRACTION: Final = 0.02
#: The picture inside the bars must keep this much of the frame's height and width.
MIN_PICTURE: Final = 0.5
#: Frames showing a picture that decide a video's bars, and the sampled frames looked at for them.
FRAMES: Final = 3
LOOKED_AT: Final = 10
#: Columns (rows) sampled to measure a row (column): enough for its mean and spread.
_SAMPLES: Final = 128


@dataclass(frozen=True, slots=True)
class Bars:
    """Pixels of bar at each edge of a frame."""

    top: int = 0
    bottom: int = 0
    left: int = 0
    right: int = 0

    def __bool__(self) -> bool:
        return bool(self.top or self.bottom or self.left or self.right)

    def crop(self, rgb: U8) -> U8:
        """The picture inside the bars (a contiguous copy: PDQ reads it row by row)."""
        height, width = rgb.shape[:2]
        return np.ascontiguousarray(rgb[self.top : height - self.bottom, self.left : width - self.right])


def _runs_from_edges(flags: np.ndarray) -> tuple[int, int]:
    """Lengths of the runs of True at the start and at the end of ``flags``."""
    off = np.flatnonzero(~flags)
    if off.shape[0] == 0:
        return flags.shape[0], flags.shape[0]
    return int(off[0]), int(flags.shape[0] - 1 - off[-1])


def _brightness(rgb: U8) -> F32:
    # Channel by channel on uint8: a reduction over the 3 channels of a strided view is 4x slower.
    brightest = np.maximum(np.maximum(rgb[..., 0], rgb[..., 1]), rgb[..., 2])
    return brightest.astype(np.float32)


def _bars_along(brightness: F32, axis: int) -> tuple[int, int]:
    """Bar lines at the start and at the end of the rows (axis 1: each measured over the columns) or
    columns (axis 0) of ``brightness``."""
    mean = brightness.mean(axis=axis)
    spread = brightness.std(axis=axis)
    start, end = _runs_from_edges((mean <= DARK_MEAN) & (spread <= FLAT_SPREAD))
    if start >= mean.shape[0]:
        return start, end
    dim = mean <= EDGE_MEAN
    return _extended(start, dim), _extended(end, dim[::-1])


def _extended(run: int, dim: np.ndarray) -> int:
    """A run of ``run`` bar lines from an edge, with the dim lines that follow it (up to EDGE_LINES)."""
    if run == 0:
        return 0
    limit = min(dim.shape[0], run + EDGE_LINES)
    while run < limit and dim[run]:
        run += 1
    return run


def frame_bars(rgb: U8) -> Bars | None:
    """The bars of one RGB frame (``(height, width, 3)``), or None when it shows no picture (dark all
    over, or too little left inside the bars)."""
    height, width = rgb.shape[:2]
    if height < 2 or width < 2:
        return None
    # Every row (column) is measured, over an even sample of the columns (rows): bars end on a line.
    col_step = max(1, width // _SAMPLES)
    row_step = max(1, height // _SAMPLES)
    rows, cols = _brightness(rgb[:, ::col_step]), _brightness(rgb[::row_step, :])
    top, bottom = _bars_along(rows, 1)
    left, right = _bars_along(cols, 0)
    if top >= height or left >= width:
        return None
    if height - top - bottom < MIN_PICTURE * height or width - left - right < MIN_PICTURE * width:
        return None
    return Bars(top, bottom, left, right)


def video_bars(found: list[Bars], height: int, width: int) -> Bars | None:
    """The bars common to the frames ``found`` (each side's smallest) of a video of ``height`` x
    ``width``, sides too thin to count dropped; None when no side is left or nothing was found."""
    if not found:
        return None

    def side(values: list[int], extent: int) -> int:
        least = min(values)
        return least if least >= max(2, MIN_FRACTION * extent) else 0

    bars = Bars(
        side([b.top for b in found], height),
        side([b.bottom for b in found], height),
        side([b.left for b in found], width),
        side([b.right for b in found], width),
    )
    return bars or None


class BarFinder:
    """Decides a video's bars from its sampled frames offered in order: after ``FRAMES`` frames showing
    a picture, or ``LOOKED_AT`` sampled frames, or at the end (``finish``)."""

    def __init__(self) -> None:
        self._found: list[Bars] = []
        self._looked = 0
        #: (height, width) of the frames the bars were measured on: the only ones they crop.
        self.size: tuple[int, int] | None = None
        self.done = False
        self.bars: Bars | None = None

    def offer(self, rgb: U8) -> bool:
        """Measures a frame (until decided); True when it showed a picture (it may then be cropped
        once the bars are known)."""
        if self.done:
            return False
        size = (int(rgb.shape[0]), int(rgb.shape[1]))
        if self.size is None:
            self.size = size
        elif size != self.size:
            # A stream that changes size midway: no one set of bars fits its frames.
            self._found.clear()
            self._finish()
            return False
        self._looked += 1
        bars = frame_bars(rgb)
        if bars is not None:
            self._found.append(bars)
        if len(self._found) >= FRAMES or self._looked >= LOOKED_AT:
            self._finish()
        return bars is not None

    def finish(self) -> Bars | None:
        """The bars, decided on what was offered if not already."""
        if not self.done:
            self._finish()
        return self.bars

    def _finish(self) -> None:
        self.done = True
        if self.size is not None:
            self.bars = video_bars(self._found, *self.size)
