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
from vigil.signals.pdq import MIN_GOOD_QUALITY, PdqDihedral, PdqHash, pdq_dihedral_from_rgb, pdq_from_rgb
from vigil.signals.pdq_fast import fast_pdq
from vigil.signals.preview import jpeg_preview
from vigil.signals.registry import IDENTITY_DIGESTS

#: Fast mode decodes so that the shorter side keeps at least this many pixels, and computes from that
#: decode the 64x64 buffer that PDQ would compute at full resolution (signals/pdq_fast.py). The
#: benchmark checks the distance to the full decode over its whole corpus (bench/hashing.py).
FAST_MIN_SIDE = 256

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class HashOptions:
    limits: ImageLimits = field(default_factory=ImageLimits)
    fast: bool = True
    dihedral: bool = False
    fast_min_side: int = FAST_MIN_SIDE
    #: > 0: keep a JPEG preview of this side for each image of good quality (``FileSignals.preview``).
    preview: int = 0


@dataclass(slots=True)
class FileSignals:
    path: str
    size: int | None = None
    md5: str | None = None
    sha1: str | None = None
    sha256: str | None = None
    pdq: str | None = None
    pdq_quality: int | None = None
    pdq_dihedral: list[str] | None = None
    error: str | None = None
    preview: bytes | None = None
    #: Digests of plugins' digest types (``vigil.signals.registry.extra_digest_types``), by name.
    extra: dict[str, str] = field(default_factory=dict)

    def digest(self, kind: str) -> str | None:
        """The ``kind`` digest of the content: an identity digest or a plugin's; None when not computed."""
        if kind in IDENTITY_DIGESTS:
            value: str | None = getattr(self, kind)
            return value
        return self.extra.get(kind)

    def as_dict(self, *, dihedral: bool = False) -> dict[str, object]:
        out: dict[str, object] = {
            "path": self.path,
            "size": self.size,
            "md5": self.md5,
            "sha1": self.sha1,
            "sha256": self.sha256,
            "pdq": self.pdq,
            "pdq_quality": self.pdq_quality,
            **self.extra,
            "error": self.error,
        }
        if dihedral:
            out["pdq_dihedral"] = self.pdq_dihedral
        return out


def _claims_image(name: str) -> bool:
    return Path(name).suffix.lower() in IMAGE_EXTENSIONS


def _pdq_signal(data: bytes, options: HashOptions) -> tuple[PdqHash | PdqDihedral, bytes | None]:
    if options.fast:
        fast = fast_pdq(
            data, options.limits, options.fast_min_side, dihedral=options.dihedral, preview=options.preview
        )
        return fast.signal, fast.preview
    image = open_image(data, options.limits)
    pixels = rgb_array(image)
    signal = pdq_dihedral_from_rgb(pixels) if options.dihedral else pdq_from_rgb(pixels)
    if options.preview and signal.quality >= MIN_GOOD_QUALITY:
        return signal, jpeg_preview(image, None, options.preview)
    return signal, None


def _add_image_signals(result: FileSignals, data: bytes, options: HashOptions) -> None:
    try:
        signal, result.preview = _pdq_signal(data, options)
    except NotAnImageError:
        if _claims_image(result.path):
            result.error = "not an image: content matches no image format"
        return
    except ImageDecodeError as exc:
        result.error = str(exc)
        return
    except Exception as exc:  # a bug in Vigil must not cost the file its digests
        log.exception("internal error computing the image signals of %s", result.path)
        result.error = internal_error(exc)
        return
    if isinstance(signal, PdqDihedral):
        result.pdq, result.pdq_quality = signal.hashes[0], signal.quality
        result.pdq_dihedral = list(signal.hashes)
    else:
        result.pdq, result.pdq_quality = signal.hex, signal.quality
    # The hash of what was decoded is kept (a carved fragment may still match); the error says that
    # most of the picture is the decoder's filler.
    result.error = jpeg_shortfall(data)


def internal_error(exc: BaseException) -> str:
    """The per-file reason of a failure in Vigil itself (logged with its traceback by the caller)."""
    return f"internal error: {type(exc).__name__}: {exc}"[:200]


def hash_stream(name: str, stream: BinaryIO, options: HashOptions) -> FileSignals:
    return signals_from_read(name, read_and_digest(stream, keep_up_to=options.limits.max_bytes), options)


def signals_from_read(name: str, read: StreamRead, options: HashOptions) -> FileSignals:
    """Signals of content already read and digested (the scanner reads once, then hashes and unpacks)."""
    d = read.digests
    result = FileSignals(path=name, size=d.size, md5=d.md5, sha1=d.sha1, sha256=d.sha256, extra=dict(d.extra))
    too_big = read.data is None or len(read.data) > options.limits.max_bytes
    if d.size == 0:
        result.error = "empty file"
    elif too_big:
        if looks_like_image(read.head) or _claims_image(name):
            result.error = f"file too large to decode ({d.size} bytes > {options.limits.max_bytes})"
    elif read.data is not None:
        _add_image_signals(result, read.data, options)
    return result


def hash_bytes(name: str, data: bytes, options: HashOptions | None = None) -> FileSignals:
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


def hash_file(path: str, options: HashOptions | None = None) -> FileSignals:
    """Signals of one file on disk. Special files are refused without being opened (a FIFO would block)."""
    options = options or HashOptions()
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            return FileSignals(path=path, error=f"not hashed: {_file_kind(st.st_mode)}")
        with open(path, "rb") as stream:
            return hash_stream(path, stream, options)
    except OSError as exc:
        return FileSignals(path=path, error=os_error_reason(exc))
