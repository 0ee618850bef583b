"""The signal types a lookup accepts, and their canonical text: the registry's indexed types."""

from __future__ import annotations

from typing import Final

from vigil.signals import registry
from vigil.signals.base import UnknownSignalTypeError

PDQ_MAX_THRESHOLD: Final = 256


def lookup_signals() -> tuple[str, ...]:
    """Signal types the matcher indexes: PDQ by Hamming distance, digests by equality, plugins' too."""
    return tuple(registry.indexed_types())


def exact_signals() -> tuple[str, ...]:
    """Indexed signal types compared by equality."""
    return tuple(registry.exact_types())


def normalize_signal(signal_type: str, value: str) -> str:
    """Canonical text of ``value``; an ``Invalid`` error when it is not an indexed ``signal_type``."""
    known = lookup_signals()
    if signal_type not in known:
        raise UnknownSignalTypeError(f"unknown signal type {signal_type!r}; known: {', '.join(known)}")
    return registry.normalize(signal_type, value)
