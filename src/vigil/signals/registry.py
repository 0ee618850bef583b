"""The signal types of this process, as the plugin registry lists them, and the questions every
module asks about them: which exist, which are file digests, which a list can be searched by.

The registry is built once per process (entry points are read once); every lookup goes through it so
that a plugin's signal type reaches formats, hash lists, indexes and matching without editing them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from vigil.signals.base import DigestSignalType, IndexedSignalType, SignalType, UnknownSignalTypeError

#: The digests that identify a media item in the hash database (its columns), strongest first.
#: Other digest types (a plugin's) are kept beside them as signals of the item.
IDENTITY_DIGESTS = ("sha256", "md5", "sha1")


@cache
def signal_types() -> Mapping[str, SignalType]:
    """Every registered signal type by name (built-ins first, then plugins)."""
    from vigil.plugins import build_registry

    return dict(build_registry().signal_types)


def signal_type(name: str) -> SignalType:
    """The signal type called ``name``; :class:`UnknownSignalTypeError` naming the known ones otherwise."""
    known = signal_types()
    try:
        return known[name]
    except KeyError:
        raise UnknownSignalTypeError(f"unknown signal type {name!r}; known: {', '.join(known)}") from None


def normalize(name: str, value: str) -> str:
    """The canonical text of a ``name`` value (InvalidSignalError when it is not one)."""
    return signal_type(name).normalize(value)


def digest_types() -> dict[str, DigestSignalType]:
    """Signal types computed from a file's bytes, in registry order."""
    return {n: s for n, s in signal_types().items() if isinstance(s, DigestSignalType)}


def extra_digest_types() -> dict[str, DigestSignalType]:
    """Digest types that are not identity columns of the hash database (contributed by plugins)."""
    return {n: s for n, s in digest_types().items() if n not in IDENTITY_DIGESTS}


def indexed_types() -> dict[str, IndexedSignalType]:
    """Signal types with an index: what lookups, list snapshots and index files accept."""
    return {n: s for n, s in signal_types().items() if isinstance(s, IndexedSignalType)}


def exact_types() -> dict[str, IndexedSignalType]:
    """Indexed signal types compared by equality (threshold 0)."""
    return {n: s for n, s in indexed_types().items() if s.default_threshold == 0}


def default_threshold(name: str) -> int:
    return signal_type(name).default_threshold


def video_types() -> frozenset[str]:
    """Signal types computed from videos first (vpdq): their values grow with the video, so every bound
    on a value's length has a separate one for them."""
    return frozenset(n for n, t in signal_types().items() if t.content_kind == "video")
