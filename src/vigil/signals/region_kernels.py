"""Numba kernel of the region signal (signals/regions.py): every region's 64x64 cell means at once."""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit


@njit(cache=True, nogil=True)
def cell_means(integral: Any, rects: Any, out: Any) -> None:  # pragma: no cover - compiled
    """``out[r]``: the mean of each of the 64x64 cells of region ``rects[r]`` (x0, y0, x1, y1 as
    fractions), from ``integral`` (H+1, W+1), sampled bilinearly so that cells may split pixels."""
    rows, cols = integral.shape[0] - 1, integral.shape[1] - 1
    ys = np.empty(65)
    xs = np.empty(65)
    yi = np.empty(65, dtype=np.int64)
    xi = np.empty(65, dtype=np.int64)
    sums = np.empty((65, 65))
    for r in range(rects.shape[0]):
        x0, y0, x1, y1 = rects[r, 0] * cols, rects[r, 1] * rows, rects[r, 2] * cols, rects[r, 3] * rows
        for k in range(65):
            y = min(max(y0 + (y1 - y0) * k / 64.0, 0.0), float(rows))
            x = min(max(x0 + (x1 - x0) * k / 64.0, 0.0), float(cols))
            yi[k] = min(int(y), rows - 1)
            xi[k] = min(int(x), cols - 1)
            ys[k] = y - yi[k]
            xs[k] = x - xi[k]
        for i in range(65):
            a, fy = yi[i], ys[i]
            for j in range(65):
                b, fx = xi[j], xs[j]
                top = integral[a, b] * (1.0 - fx) + integral[a, b + 1] * fx
                bottom = integral[a + 1, b] * (1.0 - fx) + integral[a + 1, b + 1] * fx
                sums[i, j] = top * (1.0 - fy) + bottom * fy
        area = ((y1 - y0) / 64.0) * ((x1 - x0) / 64.0)
        scale = 1.0 / max(area, 1e-9)
        for i in range(64):
            for j in range(64):
                cell = sums[i + 1, j + 1] - sums[i, j + 1] - sums[i + 1, j] + sums[i, j]
                out[r, i, j] = cell * scale
