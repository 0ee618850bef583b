"""MD5, SHA-1 and SHA-256 from one streamed read."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, BinaryIO, Final

from vigil.signals.base import ContentKind, Hasher
from vigil.signals.hexbits import normalize_hex

if TYPE_CHECKING:
    from vigil.index.base import HashesLike, IdsLike
    from vigil.index.exact import ExactIndex

CHUNK: Final = 1 << 20


@dataclass(frozen=True, slots=True)
class Digests:
    size: int
    md5: str
    sha1: str
    sha256: str
    #: Digests of the registered digest types beyond these three (plugins'), by name.
    extra: dict[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, str]:
        """Every digest by its signal type's name."""
        return {MD5.name: self.md5, SHA1.name: self.sha1, SHA256.name: self.sha256, **self.extra}


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
        extra=_extra_digests([data]),
    )


def _extra_hashers() -> dict[str, Hasher]:
    from vigil.signals.registry import extra_digest_types

    return {name: kind.hasher() for name, kind in extra_digest_types().items()}


def _extra_digests(chunks: list[bytes]) -> dict[str, str]:
    hashers = _extra_hashers()
    for chunk in chunks:
        for h in hashers.values():
            h.update(chunk)
    return {name: h.hexdigest() for name, h in hashers.items()}


def read_and_digest(stream: BinaryIO, keep_up_to: int, head_size: int = 64 * 1024) -> StreamRead:
    """Digest ``stream`` in one pass, keeping its bytes when small enough to decode afterwards."""
    md5 = hashlib.md5(usedforsecurity=False)
    sha1 = hashlib.sha1(usedforsecurity=False)
    sha256 = hashlib.sha256()
    extra = list(_extra_hashers().items())
    kept: list[bytes] | None = []
    head = b""
    size = 0
    while chunk := stream.read(CHUNK):
        if len(head) < head_size:
            head += chunk[: head_size - len(head)]
        md5.update(chunk)
        sha1.update(chunk)
        sha256.update(chunk)
        for _, h in extra:
            h.update(chunk)
        size += len(chunk)
        if kept is not None:
            if size <= keep_up_to:
                kept.append(chunk)
            else:
                kept = None
    digests = Digests(
        size, md5.hexdigest(), sha1.hexdigest(), sha256.hexdigest(), {n: h.hexdigest() for n, h in extra}
    )
    return StreamRead(digests, b"".join(kept) if kept is not None else None, head)


class CryptoSignal:
    """An exact-match digest signal of a file's bytes (``md5``, ``sha1``, ``sha256``; plugins add more)."""

    content_kind: Final[ContentKind] = "file"
    content_kinds: Final[tuple[ContentKind, ...]] = ("file", "image", "video")
    default_threshold: Final = 0

    def __init__(self, name: str, nbits: int, label: str | None = None, algorithm: str | None = None) -> None:
        self._name = name
        self.nbits = nbits
        #: How messages name a value of this type ("not a SHA-256: ...").
        self.label = label or name.upper()
        self._algorithm = algorithm or name

    @property
    def name(self) -> str:
        return self._name

    @property
    def bits(self) -> int:
        return self.nbits

    def normalize(self, value: str) -> str:
        return normalize_hex(value, self.nbits, self.label)

    def distance(self, a: str, b: str) -> int:
        return 0 if self.normalize(a) == self.normalize(b) else 1

    def hasher(self) -> Hasher:
        return hashlib.new(self._algorithm, usedforsecurity=self._algorithm not in _WEAK)

    def build_index(self, hashes: HashesLike, ids: IdsLike | None = None) -> ExactIndex:
        from vigil.index.exact import ExactIndex

        return ExactIndex.build(hashes, ids, signal=self._name, nbytes=self.nbits // 8)


#: Digests used to recognise content, not to protect it (FIPS builds refuse them otherwise).
_WEAK: Final = frozenset({"md5", "sha1"})

MD5: Final = CryptoSignal("md5", 128)
SHA1: Final = CryptoSignal("sha1", 160, "SHA-1")
SHA256: Final = CryptoSignal("sha256", 256, "SHA-256")
