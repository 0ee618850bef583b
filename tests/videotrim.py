"""A trimmed, re-encoded copy of a benign generated clip (tests/videofiles.py): what a listed video
looks like after someone cut its start and saved it again at another size, codec and container."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import av
from av.video.stream import VideoStream


def trimmed(
    data: bytes, first: int, size: tuple[int, int], codec: str = "mpeg4", container: str = "avi"
) -> bytes:
    """``data`` without its first ``first`` frames, encoded again at ``size`` with ``codec``."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"trimmed.{container}"
        with (
            av.open(io.BytesIO(data), mode="r") as source,
            av.open(str(path), mode="w", format=container) as box,
        ):
            decoded = source.streams.video[0]
            stream = box.add_stream(codec, rate=decoded.average_rate)
            assert isinstance(stream, VideoStream)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            for number, frame in enumerate(source.decode(decoded)):
                if number < first:
                    continue
                pixels = frame.to_ndarray(width=size[0], height=size[1], format="rgb24")
                for packet in stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")):
                    box.mux(packet)
            for packet in stream.encode():
                box.mux(packet)
        return path.read_bytes()
