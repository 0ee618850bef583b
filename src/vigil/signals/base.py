"""The SignalType protocol every signal (pdq, md5, sha1, sha256, vpdq, url, ...) implements."""

from __future__ import annotations

from typing import Literal, Protocol, runtime_checkable

from vigil.errors import Invalid

ContentKind = Literal["image", "video", "file", "url"]


class InvalidSignalError(Invalid):
    """A signal value that is not of its type's form (wrong length, not hex, ...)."""


@runtime_checkable
class SignalType(Protocol):
    """A kind of signal: how its values are written, checked and compared.

    ``name`` is stable and explicit: it is stored in databases, exports and federation feeds.
    """

    @property
    def name(self) -> str: ...

    @property
    def content_kind(self) -> ContentKind: ...

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
