"""7z archives, in memory, under the scan's limits (a module of its own: py7zr and its ciphers load only
when a scan meets a 7z)."""

from __future__ import annotations

import io
import lzma
from collections.abc import Iterator

import py7zr

from vigil.scanning.archives import ArchiveError, ArchiveLimits, BombError, Budget, Member, unsafe_name_reason


class _CappedWriter(py7zr.Py7zIO):
    def __init__(self, budget: Budget) -> None:
        self.buf = io.BytesIO()
        self.budget = budget

    def write(self, s: bytes | bytearray) -> int:
        if self.buf.tell() + len(s) > self.budget.limits.max_member_bytes:
            raise BombError(f"member expands past {self.budget.limits.max_member_bytes} bytes")
        self.budget.take(len(s))
        return self.buf.write(s)

    def read(self, size: int | None = None) -> bytes:
        return self.buf.read(size)

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.buf.seek(offset, whence)

    def flush(self) -> None:
        return None

    def size(self) -> int:
        return self.buf.getbuffer().nbytes


class _Collector(py7zr.WriterFactory):
    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.files: dict[str, _CappedWriter] = {}

    def create(self, filename: str) -> py7zr.Py7zIO:
        writer = _CappedWriter(self.budget)
        self.files[filename] = writer
        return writer


def sevenzip_members(data: bytes, limits: ArchiveLimits) -> Iterator[Member]:
    budget = Budget(limits, len(data))
    try:
        with py7zr.SevenZipFile(io.BytesIO(data), mode="r") as zf:
            if zf.needs_password():
                raise ArchiveError("encrypted archive (no password)")
            infos = [i for i in zf.list() if not i.is_directory]
            if len(infos) > limits.max_members:
                raise BombError(f"{len(infos)} members > limit {limits.max_members}")
            declared = sum(int(i.uncompressed or 0) for i in infos)
            if declared > limits.max_total_bytes:
                raise BombError(f"archive declares {declared} bytes > limit {limits.max_total_bytes}")
            collector = _Collector(budget)
            zf.extractall(factory=collector)
    except ArchiveError:
        raise
    except py7zr.exceptions.PasswordRequired as exc:
        raise ArchiveError("encrypted archive (no password)") from exc
    except (py7zr.exceptions.ArchiveError, lzma.LZMAError, OSError, EOFError, ValueError, KeyError) as exc:
        raise ArchiveError(f"corrupt 7z: {exc}"[:200]) from exc
    for info in infos:
        writer = collector.files.get(info.filename)
        member = Member(name=info.filename)
        if reason := unsafe_name_reason(info.filename):
            member.warnings.append(reason)
        if writer is None:
            member.error = "member could not be extracted"
        else:
            member.data = writer.buf.getvalue()
        yield member
