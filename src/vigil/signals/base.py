"""The SignalType protocol every signal (pdq, md5, sha1, sha256, vpdq, url, ...) implements."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

if TYPE_CHECKING:
    from vigil.index.base import HashesLike, IdsLike

from vigil.errors import Invalid

ContentKind = Literal["image", "video", "file", "url"]


class InvalidSignalError(Invalid):
    """A signal value that is not of its type's form (wrong length, not hex, ...)."""


class UnknownSignalTypeError(Invalid):
    """A signal type name the registry does not hold."""


@runtime_checkable
class SignalType(Protocol):
    """A kind of signal: how its values are written, checked and compared.

    ``name`` is stable and explicit: it is stored in databases, exports and federation feeds.
    """

    @property
    def name(self) -> str: ...

    @property
    def content_kind(self) -> ContentKind:
        """The kind of content the signal is computed from first (``content_kinds[0]``)."""
        ...

    @property
    def content_kinds(self) -> tuple[ContentKind, ...]:
        """Every kind of content the signal can be computed from."""
        ...

    @property
    def bits(self) -> int:
        """Width of a value in bits (0 for values of no fixed width, such as URLs)."""
        ...

    @property
    def default_threshold(self) -> int:
        """Largest distance that counts as a match (0 for exact signals)."""
        ...

    def normalize(self, value: str) -> str:
        """The canonical text of ``value``; raises InvalidSignalError when it is not one."""
        ...

    def distance(self, a: str, b: str) -> int:
        """Distance between two canonical values (0 means equal)."""
        ...


@runtime_checkable
class Hasher(Protocol):
    """A running digest (what ``hashlib`` objects offer)."""

    def update(self, data: bytes, /) -> None: ...

    def hexdigest(self) -> str: ...


@runtime_checkable
class DigestSignalType(SignalType, Protocol):
    """A signal computed from a file's bytes in one streamed pass (md5, sha256, a plugin's sha512)."""

    def hasher(self) -> Hasher:
        """A fresh running digest of this type; its ``hexdigest()`` is the canonical value."""
        ...


@runtime_checkable
class IndexedSignalType(SignalType, Protocol):
    """A signal type with an index: published lists and standalone index files are searched by it."""

    def build_index(self, hashes: HashesLike, ids: IdsLike | None = None) -> Any:
        """An index (``vigil.index.base.Index``) of ``hashes`` under ``ids``."""
        ...
