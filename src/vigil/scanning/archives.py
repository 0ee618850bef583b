"""Archive members as bytes, with the limits that keep a zip bomb or a hostile member name harmless.

Nothing is ever written to disk: members are read into memory under per-member and per-archive caps, so
a traversal name (``../../etc/passwd``) cannot escape anywhere; it is still reported, because a name like
that in a seized archive is a finding in itself.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import tarfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Final, Protocol

from vigil.scanning.filetypes import looks_like_tar

READ_CHUNK: Final = 1 << 20
#: Ratios are only judged above this size: tiny members compress absurdly well and are harmless.
RATIO_FLOOR: Final = 1 << 20


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    max_depth: int = 8
    max_member_bytes: int = 512 * 1024 * 1024
    max_total_bytes: int = 2 * 1024 * 1024 * 1024
    max_ratio: float = 250.0
    max_members: int = 200_000


class ArchiveError(Exception):
    """The archive as a whole cannot be opened (corrupt, encrypted headers, a bomb)."""


class BombError(ArchiveError):
    """Decompression went past a size or ratio limit."""


@dataclass(slots=True)
class Member:
    """One entry of an archive: its bytes, or why it has none."""

    name: str
    data: bytes | None = None
    error: str | None = None
    warnings: list[str] = field(default_factory=list)


class Budget:
    """Bytes an archive may still decompress to, shared by all its members."""

    def __init__(self, limits: ArchiveLimits, compressed_size: int) -> None:
        self.limits = limits
        self.left = limits.max_total_bytes
        self.compressed_size = max(compressed_size, 1)
        self.produced = 0

    def take(self, n: int) -> None:
        self.left -= n
        self.produced += n
        if self.left < 0:
            raise BombError(f"archive expands past {self.limits.max_total_bytes} bytes")
        ratio = self.produced / self.compressed_size
        if self.produced > RATIO_FLOOR and ratio > self.limits.max_ratio:
            raise BombError(f"compression ratio above {self.limits.max_ratio:.0f}:1 (zip bomb)")


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def read_capped(stream: Readable, budget: Budget, declared: int | None = None) -> bytes:
    """Read a member, failing as soon as it passes the member cap or the archive's budget."""
    cap = budget.limits.max_member_bytes
    if declared is not None and declared > cap:
        raise BombError(f"member declares {declared} bytes > limit {cap}")
    parts: list[bytes] = []
    size = 0
    while chunk := stream.read(READ_CHUNK):
        size += len(chunk)
        if size > cap:
            raise BombError(f"member expands past {cap} bytes")
        budget.take(len(chunk))
        parts.append(chunk)
    return b"".join(parts)


def unsafe_name_reason(name: str) -> str | None:
    path = PurePosixPath(name.replace("\\", "/"))
    if path.is_absolute() or (len(name) > 1 and name[1] == ":"):
        return "absolute path in member name"
    if ".." in path.parts:
        return "path traversal in member name"
    return None


def _member(name: str, read: Callable[[], bytes]) -> Member:
    member = Member(name=name)
    if reason := unsafe_name_reason(name):
        member.warnings.append(reason)
    try:
        member.data = read()
    except BombError:
        raise
    except (zipfile.BadZipFile, tarfile.TarError, zlib.error, lzma.LZMAError, OSError, EOFError) as exc:
        member.error = f"corrupt member: {exc}"[:200]
    return member


def zip_members(data: bytes, limits: ArchiveLimits) -> Iterator[Member]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveError(f"corrupt zip: {exc}") from exc
    budget = Budget(limits, len(data))
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > limits.max_members:
            raise BombError(f"{len(infos)} members > limit {limits.max_members}")
        for info in infos:
            if info.flag_bits & 0x1:
                yield Member(name=info.filename, error="encrypted archive member (no password)")
                continue
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_FLOOR and ratio > limits.max_ratio:
                raise BombError(f"member {info.filename!r} declares a ratio above {limits.max_ratio:.0f}:1")

            def read(info: zipfile.ZipInfo = info) -> bytes:
                with zf.open(info) as stream:
                    return read_capped(stream, budget, info.file_size)

            try:
                yield _member(info.filename, read)
            except NotImplementedError as exc:  # unsupported compression method
                yield Member(name=info.filename, error=f"unsupported compression: {exc}")


def tar_members(data: bytes, limits: ArchiveLimits, budget: Budget | None = None) -> Iterator[Member]:
    budget = budget or Budget(limits, len(data))
    try:
        tf = tarfile.open(fileobj=io.BytesIO(data), mode="r:")  # noqa: SIM115 - closed by the with below
    except (tarfile.TarError, OSError) as exc:
        raise ArchiveError(f"corrupt tar: {exc}") from exc
    count = 0
    with tf:
        try:
            for info in tf:
                count += 1
                if count > limits.max_members:
                    raise BombError(f"more than {limits.max_members} members")
                if info.isdir():
                    continue
                if not info.isreg():
                    kind = "link" if info.issym() or info.islnk() else "special file"
                    yield Member(name=info.name, error=f"not a regular file ({kind} in archive)")
                    continue

                def read(info: tarfile.TarInfo = info) -> bytes:
                    stream = tf.extractfile(info)
                    if stream is None:  # pragma: no cover - isreg() members always have data
                        return b""
                    return read_capped(stream, budget, info.size)

                yield _member(info.name, read)
        except tarfile.TarError as exc:
            raise ArchiveError(f"corrupt tar: {exc}") from exc


def _decompress(data: bytes, mime: str, limits: ArchiveLimits, budget: Budget) -> bytes:
    if mime == "application/gzip":
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            return read_capped(stream, budget)
    decomp: bz2.BZ2Decompressor | lzma.LZMADecompressor = (
        bz2.BZ2Decompressor() if mime == "application/x-bzip2" else lzma.LZMADecompressor()
    )
    parts: list[bytes] = []
    size = 0
    pending = data
    while True:
        chunk = decomp.decompress(pending, max_length=READ_CHUNK)
        pending = b""
        size += len(chunk)
        if size > limits.max_member_bytes:
            raise BombError(f"stream expands past {limits.max_member_bytes} bytes")
        budget.take(len(chunk))
        parts.append(chunk)
        if decomp.eof or (not chunk and decomp.needs_input):
            break
    return b"".join(parts)


def compressed_members(name: str, data: bytes, mime: str, limits: ArchiveLimits) -> Iterator[Member]:
    """A gzip/bzip2/xz stream: the tar inside it, member by member, or the one file it holds."""
    budget = Budget(limits, len(data))
    try:
        inner = _decompress(data, mime, limits, budget)
    except BombError:
        raise
    except (OSError, EOFError, lzma.LZMAError, zlib.error, ValueError) as exc:
        raise ArchiveError(f"corrupt compressed stream: {exc}") from exc
    if looks_like_tar(inner):
        yield from tar_members(inner, limits, budget)
        return
    stem = PurePosixPath(name).name
    for suffix in (".gz", ".tgz", ".bz2", ".tbz2", ".xz", ".txz"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)] or stem
            break
    yield Member(name=stem, data=inner)


def members(name: str, data: bytes, mime: str, limits: ArchiveLimits) -> Iterator[Member]:
    """Members of an archive of type ``mime``; raises ArchiveError for the archive as a whole."""
    if mime == "application/zip":
        return zip_members(data, limits)
    if mime == "application/x-tar":
        return tar_members(data, limits)
    if mime == "application/x-7z-compressed":
        from vigil.scanning.sevenzip import sevenzip_members  # py7zr loads only when a scan meets a 7z

        return sevenzip_members(data, limits)
    if mime in ("application/gzip", "application/x-bzip2", "application/x-xz"):
        return compressed_members(name, data, mime, limits)
    raise ArchiveError(f"not an archive type Vigil opens: {mime or 'unknown'}")
