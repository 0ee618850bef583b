"""Opening a video with PyAV (FFmpeg's libraries, shipped in its wheel) under caps: a seized disk or an
upload is hostile input.

Why PyAV: Meta's vPDQ decodes with FFmpeg's libraries and converts each frame to RGB24 with swscale;
PyAV calls the same libraries in-process (no ``ffmpeg`` executable, no Debian package, no pipe of raw
frames), so frames and their RGB pixels are what Meta's hasher sees.

Caps (``VideoLimits``, settings ``VIGIL_VIDEO_MAX_*``): the file's bytes before it is opened; the
frame size announced by the stream before any frame is decoded (a header can claim 60000x60000 in a
few bytes) and every decoded frame's size again (a stream may change size midway); the decoded frame
count and the seconds reached. Every FFmpeg failure becomes a :class:`VideoDecodeError` naming what
failed. Decoding stops at the first cap reached: the work done on any input is bounded by the caps.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import IO, TYPE_CHECKING, Final

import av
import av.error

from vigil.errors import Invalid
from vigil.video.limits import VideoLimits

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream


#: Where a container's duration is given in microseconds (FFmpeg's AV_TIME_BASE).
_TIME_BASE: Final = 1_000_000


class VideoDecodeError(Invalid):
    """A video that cannot be decoded (corrupt, truncated, no video stream) or that exceeds a cap."""


class NotAVideoError(VideoDecodeError):
    """Content that no video demuxer recognises."""


@dataclass(frozen=True, slots=True)
class DecodedFrame:
    #: Number in decoding output order, from 0 (Meta's numbering).
    number: int
    frame: VideoFrame


@dataclass
class OpenVideo:
    """One opened video stream: its announced properties, and its frames under the caps."""

    container: InputContainer
    stream: VideoStream
    limits: VideoLimits
    frame_rate: float
    width: int
    height: int
    #: Frames the container announces (0 when it does not say).
    announced_frames: int
    decoded: int = 0
    #: Packets the decoder refused (corrupt data): skipped, as FFmpeg's own tools do.
    bad_packets: int = 0
    #: Why reading stopped before the end of the stream (a demuxer error), if it did.
    stopped: str | None = None

    def frames(self) -> Iterator[DecodedFrame]:
        """Every frame in decoding output order. A packet the decoder refuses is skipped and counted;
        a demuxer failure ends the frames (``stopped``); a cap passed raises VideoDecodeError."""
        packets = self.container.demux(self.stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.error.FFmpegError as exc:
                self.stopped = f"unreadable after frame {self.decoded}: {_reason(exc)}"
                return
            try:
                # The last packet (no data) flushes the decoder's delayed frames.
                decoded = packet.decode()
            except av.error.FFmpegError:
                self.bad_packets += 1
                continue
            for frame in decoded:
                yield self._checked(frame)

    def _checked(self, frame: VideoFrame) -> DecodedFrame:
        limits, number = self.limits, self.decoded
        if number >= limits.max_frames:
            raise VideoDecodeError(f"video has more than {limits.max_frames} frames (the cap)")
        if number / self.frame_rate > limits.max_seconds:
            raise VideoDecodeError(f"video is longer than {limits.max_seconds:g} s (the cap)")
        if frame.width * frame.height > limits.max_pixels:
            raise VideoDecodeError(
                f"frame {number} is {frame.width}x{frame.height}, "
                f"more than {limits.max_pixels} pixels (the cap)"
            )
        self.decoded += 1
        return DecodedFrame(number, frame)

    def problem(self) -> str | None:
        """What went wrong while decoding the frames, if anything (the frames decoded are kept)."""
        found = []
        if self.stopped:
            found.append(self.stopped)
        if self.bad_packets:
            found.append(f"{self.bad_packets} corrupt packets skipped")
        if self.announced_frames and self.decoded < self.announced_frames:
            found.append(f"truncated: decoded {self.decoded} of {self.announced_frames} frames")
        return "corrupt video: " + "; ".join(found) if found else None


def _reason(exc: av.error.FFmpegError) -> str:
    return str(getattr(exc, "strerror", None) or exc)


def _frame_rate(stream: VideoStream) -> float:
    # Meta's rule: the average frame rate, else the rate every timestamp can be written in (r_frame_rate).
    for rate in (stream.average_rate, stream.base_rate, stream.guessed_rate):
        if rate:
            value = float(Fraction(rate))
            if value > 0:
                return value
    raise VideoDecodeError("video announces no frame rate")


def _check_announced(container: InputContainer, stream: VideoStream, limits: VideoLimits) -> tuple[int, int]:
    context = stream.codec_context
    width, height = int(context.width or 0), int(context.height or 0)
    if width <= 0 or height <= 0:
        raise VideoDecodeError("video stream announces no frame size")
    if width * height > limits.max_pixels:
        raise VideoDecodeError(
            f"video frames are {width}x{height}, more than {limits.max_pixels} pixels (the cap)"
        )
    seconds = None
    if stream.duration and stream.time_base:
        seconds = float(stream.duration * stream.time_base)
    elif container.duration:
        seconds = container.duration / _TIME_BASE
    if seconds is not None and seconds > limits.max_seconds:
        raise VideoDecodeError(f"video lasts {seconds:.0f} s, more than {limits.max_seconds:g} s (the cap)")
    if stream.frames and stream.frames > limits.max_frames:
        raise VideoDecodeError(f"video has {stream.frames} frames, more than {limits.max_frames} (the cap)")
    return width, height


@contextmanager
def open_video(source: str | Path | bytes | IO[bytes], limits: VideoLimits) -> Iterator[OpenVideo]:
    """The first video stream of ``source`` (a path, bytes or a binary file), checked against ``limits``
    before any frame is decoded."""
    if isinstance(source, bytes):
        size: int | None = len(source)
        target: str | IO[bytes] = io.BytesIO(source)
    elif isinstance(source, str | Path):
        size = Path(source).stat().st_size
        target = str(source)
    else:
        size, target = None, source
    if size is not None and size > limits.max_bytes:
        raise VideoDecodeError(f"video is {size} bytes, more than {limits.max_bytes} (the cap)")
    try:
        container = av.open(target, mode="r", metadata_errors="ignore")
    except av.error.InvalidDataError as exc:
        raise NotAVideoError(
            f"cannot open video (corrupt, truncated or not a video): {_reason(exc)}"
        ) from exc
    except av.error.FFmpegError as exc:
        raise VideoDecodeError(f"cannot open video: {_reason(exc)}") from exc
    try:
        if not container.streams.video:
            raise VideoDecodeError("no video stream (an audio-only file, or a video cut short)")
        stream = container.streams.video[0]
        # Frame threads decode several frames at once; the output order and pixels are unchanged.
        stream.thread_type = "AUTO"
        width, height = _check_announced(container, stream, limits)
        yield OpenVideo(
            container, stream, limits, _frame_rate(stream), width, height, int(stream.frames or 0)
        )
    finally:
        container.close()
