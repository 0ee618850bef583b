"""The ``vpdq`` signal type: a video's frame hashes as one canonical text.

The text is Meta's (the ``vpdq`` sample hashes, ``vpdq-hash-video`` output): one line per hashed frame,
``frame number,quality,PDQ hex,timestamp``, the timestamp in seconds with 3 decimals (python-
threatexchange rounds timestamps to 3 decimals too, ``VPDQ_TIMESTAMP_PRECISION``), lines joined by
``\\n``. Accepted as input besides: lines separated by any whitespace or ``;`` (a value on one line of
a form or a CSV cell), upper-case hex, other decimals; and python-threatexchange's serialisation of
``VPDQSignal`` (a JSON list of ``"hex,quality,timestamp"`` strings), whose frames are numbered in order
from 0 since that form has no frame numbers.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Final

import numpy as np

from vigil.signals.base import ContentKind, InvalidSignalError
from vigil.signals.hexbits import normalize_hex
from vigil.signals.pdq import DEFAULT_THRESHOLD, PDQ_BITS
from vigil.video.matching import NBYTES, Frames, InvalidFramesError, Rule, compare, frames_of

if TYPE_CHECKING:
    from collections.abc import Iterable

    import numpy.typing as npt

    from vigil.index.vpdq import VpdqIndex

#: Frames of one value: an 8-hour video hashed every second, with room to spare.
MAX_FRAMES: Final = 100_000
_SEPARATORS: Final = re.compile(r"[\s;]+")


def frames_to_text(frames: Frames) -> str:
    """The canonical text of ``frames`` (module docstring)."""
    return "\n".join(
        f"{int(n)},{int(q)},{bytes(h).hex()},{t:.3f}"
        for n, q, h, t in zip(
            frames.frame_numbers, frames.qualities, frames.hashes, frames.timestamps, strict=True
        )
    )


def to_pytx(value: str) -> str:
    """python-threatexchange's serialisation of a vPDQ (what HMA's ``vpdq`` signal type exchanges): a
    JSON list of ``"hex,quality,timestamp"`` strings. Frame numbers are not part of it."""
    frames = frames_from_text(value)
    return json.dumps(
        [
            f"{bytes(h).hex()},{int(q)},{t:.3f}"
            for h, q, t in zip(frames.hashes, frames.qualities, frames.timestamps, strict=True)
        ]
    )


def _bad(why: str, value: str) -> InvalidSignalError:
    return InvalidSignalError(f"not a vPDQ hash: {why} (value starts {value[:80]!r})")


def _parse_lines(value: str) -> list[tuple[int, int, str, float]]:
    lines = [line for line in _SEPARATORS.split(value.strip()) if line]
    out = []
    for number, line in enumerate(lines, 1):
        parts = line.split(",")
        if len(parts) != 4:
            raise _bad(f"frame {number}: expected 'frame,quality,hex,timestamp', got {line[:100]!r}", value)
        out.append(_feature(number, parts[0], parts[1], parts[2], parts[3], value))
    return out


def _parse_pytx(value: str) -> list[tuple[int, int, str, float]]:
    try:
        items = json.loads(value)
    except ValueError:
        raise _bad("not JSON, although it starts with '['", value) from None
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise _bad("expected a JSON list of 'hex,quality,timestamp' strings", value)
    out = []
    for number, item in enumerate(items):
        parts = item.split(",")
        if len(parts) != 3:
            raise _bad(f"item {number + 1}: expected 'hex,quality,timestamp', got {item[:100]!r}", value)
        out.append(_feature(number + 1, str(number), parts[1], parts[0], parts[2], value))
    return out


def _feature(
    line: int, frame: str, quality: str, hex_hash: str, stamp: str, value: str
) -> tuple[int, int, str, float]:
    try:
        number, grade, seconds = int(frame), int(quality), float(stamp)
    except ValueError:
        raise _bad(f"frame {line}: frame number, quality and timestamp must be numbers", value) from None
    try:
        text = normalize_hex(hex_hash, PDQ_BITS, "PDQ hash")
    except InvalidSignalError as exc:
        raise _bad(f"frame {line}: {exc}", value) from None
    return number, grade, text, seconds


def frames_from_text(value: str) -> Frames:
    """The frames a vPDQ text describes (either accepted form); InvalidSignalError saying what is wrong."""
    if not value.strip():
        raise _bad("no frames", value)
    features = _parse_pytx(value) if value.lstrip().startswith("[") else _parse_lines(value)
    if len(features) > MAX_FRAMES:
        raise _bad(f"{len(features)} frames, more than {MAX_FRAMES}", value)
    numbers = np.array([f[0] for f in features], dtype=np.int64)
    if len(numbers) > 1 and bool(np.any(np.diff(numbers) <= 0)):
        raise _bad("frame numbers must increase from line to line", value)

    class _Arrays:
        hashes = np.frombuffer(bytes.fromhex("".join(f[2] for f in features)), dtype=np.uint8).reshape(
            -1, NBYTES
        )
        qualities = np.array([f[1] for f in features], dtype=np.int64)
        frame_numbers = numbers
        timestamps = np.array([f[3] for f in features], dtype=np.float64)

    try:
        return frames_of(_Arrays())
    except InvalidFramesError as exc:
        raise _bad(str(exc), value) from None


class VpdqSignal:
    """The ``vpdq`` signal type (Meta's video PDQ)."""

    name: Final = "vpdq"
    content_kind: Final[ContentKind] = "video"
    content_kinds: Final[tuple[ContentKind, ...]] = ("video",)
    #: A value has as many frames as the video: no fixed width.
    bits: Final = 0
    #: The PDQ distance at which two frames match (the video rule is in video/matching.py).
    default_threshold: Final = DEFAULT_THRESHOLD
    label: Final = "vPDQ"

    def normalize(self, value: str) -> str:
        return frames_to_text(frames_from_text(value))

    def distance(self, a: str, b: str) -> int:
        """100 minus the smaller of the two match percentages of Meta's rule (0: every kept frame of
        each video is within the PDQ distance of a frame of the other; 100: no match)."""
        found = compare(frames_from_text(a), frames_from_text(b))
        if found is None:
            return 100
        return int(100 - min(found.query_percent, found.compared_percent))

    def build_index(
        self, hashes: Iterable[str], ids: npt.ArrayLike | None = None, *, rule: Rule | None = None
    ) -> VpdqIndex:
        """A :class:`~vigil.index.vpdq.VpdqIndex` of vPDQ values under ``ids`` (which may repeat),
        matching by ``rule`` (default: pytx's thresholds)."""
        from vigil.index.vpdq import VpdqIndex

        return VpdqIndex.from_values(hashes, ids, rule=rule)


VPDQ: Final = VpdqSignal()
