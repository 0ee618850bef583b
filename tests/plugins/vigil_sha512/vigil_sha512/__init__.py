"""An out-of-tree Vigil plugin: the ``sha512`` signal type, SHA-512 digests of files.

It implements the ``SignalType`` protocol with a hasher (so it is computed in the one streamed read of
every file) and an index factory (so lists, index files, lookups and scans can search by it), and
registers it through the ``vigil_signal_types`` hook. Nothing in Vigil names it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from vigil.index.exact import ExactIndex
from vigil.plugins import hookimpl
from vigil.signals.base import ContentKind, InvalidSignalError

_HEX = frozenset("0123456789abcdef")


class Sha512Signal:
    name = "sha512"
    content_kind: ContentKind = "file"
    content_kinds: tuple[ContentKind, ...] = ("file", "image", "video")
    bits = 512
    default_threshold = 0
    label = "SHA-512"

    def normalize(self, value: str) -> str:
        text = value.strip().lower()
        if len(text) != self.bits // 4 or not _HEX.issuperset(text):
            raise InvalidSignalError(f"not a SHA-512: expected 128 hex digits, got {value[:80]!r}")
        return text

    def distance(self, a: str, b: str) -> int:
        return 0 if self.normalize(a) == self.normalize(b) else 1

    def hasher(self) -> Any:
        return hashlib.sha512()

    def build_index(self, hashes: Any, ids: Any = None) -> ExactIndex:
        return ExactIndex.build(hashes, ids, signal=self.name, nbytes=self.bits // 8)


SHA512 = Sha512Signal()


@hookimpl
def vigil_signal_types() -> Sequence[Any]:
    return [SHA512]
