"""One file (or byte string) → all its signals. Pure apart from reading the file; never raises for
bad content: every problem becomes the ``error`` of the result."""

from __future__ import annotations

import errno
import io
import logging
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from vigil.signals.crypto import StreamRead, read_and_digest
from vigil.signals.image_faults import jpeg_shortfall
from vigil.signals.images import (
    IMAGE_EXTENSIONS,
    ImageDecodeError,
    ImageLimits,
    NotAnImageError,
    looks_like_image,
    open_image,
    rgb_array,
)
from vigil.signals.pdq import (
    MIN_GOOD_QUALITY,
    PDQ,
    PdqDihedral,
    PdqHash,
    pdq_dihedral_from_rgb,
    pdq_from_rgb,
)
from vigil.signals.pdq_fast import fast_pdq
from vigil.signals.preview import jpeg_preview
from vigil.signals.regions import PDQ_REGIONS, RegionHashes, oriented_luma, regions_from_luma
from vigil.signals.values import Signals
from vigil.video.facts import VideoFacts
from vigil.video.limits import VideoLimits
from vigil.video.magic import looks_like_video

#: Fast mode decodes so that the shorter side keeps at least this many pixels, and computes from that
#: decode the 64x64 buffer that PDQ would compute at full resolution (signals/pdq_fast.py). The
#: benchmark checks the distance to the full decode over its whole corpus (bench/hashing.py).
FAST_MIN_SIDE = 256

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HashOptions:
    limits: ImageLimits = field(default_factory=ImageLimits)
    fast: bool = True
    #: Also what lookups search with besides the value: an image's rotations and flips, a video's
    #: frames inside its letterbox bars (video/bars.py).
    dihedral: bool = False
    fast_min_side: int = FAST_MIN_SIDE
    #: > 0: keep a JPEG preview of this side for each image of good quality (``HashResult.preview``).
    preview: int = 0
    #: Videos get their vPDQ with these options; None: videos get their digests only.
    video: VideoOptions | None = None

    #: Also the crop-resistant ``pdq_regions`` signal (signals/regions.py; ``VIGIL_PDQ_REGIONS``).
    regions: bool = False


@dataclass(frozen=True, slots=True)
class VideoOptions:
    limits: VideoLimits = field(default_factory=VideoLimits)
    #: Seconds between hashed frames (Meta's ``seconds_per_hash``; 0: every frame).
    seconds_per_hash: float = 1.0


@dataclass(frozen=True, slots=True)
class HashResult:
    """One file or byte string hashed: its signals, or why some are missing."""

    path: str
    signals: Signals = field(default_factory=Signals)
    #: Why a signal is missing (not an image, undecodable, too large, unreadable ...).
    error: str | None = None
    #: A JPEG preview of a good-quality image (``HashOptions.preview``); never in JSON.
    preview: bytes | None = field(default=None, repr=False, compare=False)
    #: A video's length and frame count (None for anything else); never in ``vigil hash``'s output.
    video: VideoFacts | None = None

    def as_dict(self, *, dihedral: bool = False) -> dict[str, object]:
        """What ``vigil hash`` writes for it (one JSON line, one CSV row)."""
        out: dict[str, object] = {"path": self.path, **self.signals.to_json(), "error": self.error}
        if dihedral:
            out.update(self.signals.variants_json())
        return out


def _claims_image(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_EXTENSIONS


@dataclass(frozen=True, slots=True)
class _Image:
    signal: PdqHash | PdqDihedral
    preview: bytes | None = None
    regions: RegionHashes | None = None


def _pdq_signal(data: bytes, options: HashOptions) -> _Image:
    if options.fast:
        fast = fast_pdq(
            data,
            options.limits,
            options.fast_min_side,
            dihedral=options.dihedral,
            preview=options.preview,
            regions=options.regions,
        )
        return _Image(fast.signal, fast.preview, fast.regions)
    image = open_image(data, options.limits)
    pixels = rgb_array(image)
    signal = pdq_dihedral_from_rgb(pixels) if options.dihedral else pdq_from_rgb(pixels)
    regions = regions_from_luma(oriented_luma(image)) if options.regions else None
    if options.preview and signal.quality >= MIN_GOOD_QUALITY:
        return _Image(signal, jpeg_preview(image, None, options.preview), regions)
    return _Image(signal, None, regions)


def _image_signals(path: str, data: bytes, options: HashOptions) -> tuple[_Image | None, str | None]:
    """PDQ (with its variants when asked for), the preview, the region hashes, and the error to report."""
    try:
        image = _pdq_signal(data, options)
    except NotAnImageError:
        return None, "not an image: content matches no image format" if _claims_image(path) else None
    except ImageDecodeError as exc:
        return None, str(exc)
    except Exception as exc:  # a bug in Vigil must not cost the file its digests
        log.exception("internal error computing the image signals of %s", path)
        return None, internal_error(exc)
    # The hash of what was decoded is kept (a carved fragment may still match); the error says that
    # most of the picture is the decoder's filler.
    return image, jpeg_shortfall(data)


def _with_image(digests: Signals, image: _Image | None) -> Signals:
    if image is None:
        return digests
    signal = image.signal
    values = dict(digests.values)
    quality = {PDQ.name: signal.quality}
    variants: dict[str, tuple[str, ...]] = {}
    if isinstance(signal, PdqDihedral):
        values[PDQ.name] = signal.hashes[0]
        variants[PDQ.name] = tuple(signal.hashes)
    else:
        values[PDQ.name] = signal.hex
    if image.regions is not None:
        # The stored value; lookups search with the query regions (the type's one variant).
        values[PDQ_REGIONS.name] = image.regions.value
        quality[PDQ_REGIONS.name] = image.regions.quality
        variants[PDQ_REGIONS.name] = (image.regions.query,)
    return Signals(digests.size, values, quality, variants)


def _with_video(
    name: str,
    digests: Signals,
    source: bytes | str | None,
    options: VideoOptions,
    preview: int = 0,
    variants: bool = False,
) -> HashResult:
    """The digests and the vPDQ of a video (``video/vpdq.py``); decoding problems become the error.
    ``preview`` > 0: the preview is a strip of a few frames (``video/stills.py``) of that side each.
    ``variants``: a video with letterbox bars also carries its frames hashed inside them, as the vPDQ's
    second query form after the value (a lookup matches by either; never stored)."""
    # Imported on the first video: PyAV (FFmpeg) is not loaded by processes that meet none.
    from vigil.video.decode import VideoDecodeError
    from vigil.video.signal import VPDQ, frames_to_text
    from vigil.video.stills import Stills
    from vigil.video.vpdq import hash_video

    if source is None:
        return HashResult(name, digests, "video not decoded: its bytes are no longer available")
    stills = Stills(side=preview) if preview > 0 else None
    try:
        found = hash_video(source, options.limits, options.seconds_per_hash, stills, letterbox=variants)
    except VideoDecodeError as exc:
        return HashResult(name, digests, str(exc))
    except Exception as exc:  # a bug in Vigil must not cost the file its digests
        log.exception("internal error computing the vPDQ of %s", name)
        return HashResult(name, digests, internal_error(exc))
    value = frames_to_text(found.frames)
    values = {**digests.values, VPDQ.name: value}
    quality = {} if found.mean_quality is None else {VPDQ.name: found.mean_quality}
    queries = {} if found.cropped is None else {VPDQ.name: (value, frames_to_text(found.cropped))}
    facts = VideoFacts(found.decoded, found.seconds, len(found.frames))
    strip = stills.jpeg() if stills is not None else None
    return HashResult(name, Signals(digests.size, values, quality, queries), found.problem, strip, facts)


def internal_error(exc: BaseException) -> str:
    """The per-file reason of a failure in Vigil itself (logged with its traceback by the caller)."""
    return f"internal error: {type(exc).__name__}: {exc}"[:200]


def hash_stream(name: str, stream: BinaryIO, options: HashOptions) -> HashResult:
    return signals_from_read(name, read_and_digest(stream, keep_up_to=options.limits.max_bytes), options)


def signals_from_read(
    name: str, read: StreamRead, options: HashOptions, path: str | None = None
) -> HashResult:
    """Signals of content already read and digested (the scanner reads once, then hashes and unpacks).
    ``path``: where the content can be read again (a video too large to keep in memory is decoded
    from there)."""
    d = read.digests
    digests = Signals(d.size, d.values())
    too_big = read.data is None or len(read.data) > options.limits.max_bytes
    if d.size == 0:
        return HashResult(name, digests, "empty file")
    if options.video is not None and looks_like_video(read.head):
        source = read.data if read.data is not None else path
        return _with_video(name, digests, source, options.video, options.preview, options.dihedral)
    if too_big:
        if looks_like_image(read.head) or _claims_image(name):
            return HashResult(
                name, digests, f"file too large to decode ({d.size} bytes > {options.limits.max_bytes})"
            )
        return HashResult(name, digests)
    assert read.data is not None
    image, error = _image_signals(name, read.data, options)
    return HashResult(name, _with_image(digests, image), error, None if image is None else image.preview)


def hash_bytes(name: str, data: bytes, options: HashOptions | None = None) -> HashResult:
    """Signals of content already in memory (an upload, an archive member)."""
    return hash_stream(name, io.BytesIO(data), options or HashOptions())


def _file_kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device file"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def os_error_reason(exc: OSError) -> str:
    reasons = {
        errno.ENOENT: "no such file",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
        errno.ELOOP: "symlink loop",
        errno.EISDIR: "is a directory",
        errno.EIO: "I/O error",
    }
    return reasons.get(exc.errno or 0, f"cannot read: {exc.strerror or exc}")


def hash_file(path: str, options: HashOptions | None = None) -> HashResult:
    """Signals of one file on disk. Special files are refused without being opened (a FIFO would block)."""
    options = options or HashOptions()
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return HashResult(path, error=f"not hashed: {_file_kind(st.st_mode)}")
        with open(path, "rb") as stream:
            read = read_and_digest(stream, keep_up_to=options.limits.max_bytes)
        return signals_from_read(path, read, options, path)
    except OSError as exc:
        return HashResult(path, error=os_error_reason(exc))
