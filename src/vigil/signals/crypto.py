"""MD5, SHA-1 and SHA-256 from one streamed read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import BinaryIO, Final

from vigil.signals.base import ContentKind
from vigil.signals.hexbits import normalize_hex

CHUNK: Final = 1 << 20


@dataclass(frozen=True, slots=True)
class Digests:
    size: int
    md5: str
    sha1: str
    sha256: str


@dataclass(frozen=True, slots=True)
class StreamRead:
    digests: Digests
    #: The whole content when it was at most ``keep_up_to`` bytes, else None.
    data: bytes | None
    #: The first bytes, always kept: enough to recognise a file type.
    head: bytes


def digest_bytes(data: bytes) -> Digests:
    return Digests(
        size=len(data),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        sha1=hashlib.sha1(data, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def read_and_digest(stream: BinaryIO, keep_up_to: int, head_size: int = 64 * 1024) -> StreamRead:
    """Digest ``stream`` in one pass, keeping its bytes when small enough to decode afterwards."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha1 = hashlib.sha1(usedforsecurity=False)
    sha256 = hashlib.sha256()
    kept: list[bytes] | None = []
    head = b""
    size = 0
    while chunk := stream.read(CHUNK):
        if len(head) < head_size:
            head += chunk[: head_size - len(head)]
        md5.update(chunk)
        sha1.update(chunk)
        sha256.update(chunk)
        size += len(chunk)
        if kept is not None:
            if size <= keep_up_to:
                kept.append(chunk)
            else:
                kept = None
    digests = Digests(size, md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest())
    return StreamRead(digests, b"".join(kept) if kept is not None else None, head)


class CryptoSignal:
    """An exact-match digest signal (``md5``, ``sha1``, ``sha256``)."""

    content_kind: Final[ContentKind] = "file"
    default_threshold: Final = 0

    def __init__(self, name: str, nbits: int) -> None:
        self._name = name
        self.nbits = nbits

    @property
    def name(self) -> str:
        return self._name

    def normalize(self, value: str) -> str:
        return normalize_hex(value, self.nbits, f"{self._name} digest")

    def distance(self, a: str, b: str) -> int:
        return 0 if self.normalize(a) == self.normalize(b) else 1


MD5: Final = CryptoSignal("md5", 128)
SHA1: Final = CryptoSignal("sha1", 160)
SHA256: Final = CryptoSignal("sha256", 256)
