"""The signal types a lookup accepts, and their canonical text."""

from __future__ import annotations

from typing import Final

from vigil.formats.base import canonical_hash

#: Signal types the matcher indexes: PDQ by Hamming distance, digests by equality.
LOOKUP_SIGNALS: Final = ("pdq", "md5", "sha1", "sha256")
EXACT_SIGNALS: Final = ("md5", "sha1", "sha256")
PDQ_MAX_THRESHOLD: Final = 256


def normalize_signal(signal_type: str, value: str) -> str:
    """Lower-case hex of ``value``; ValueError (InvalidSignalError) when it is not a ``signal_type``."""
    if signal_type not in LOOKUP_SIGNALS:
        raise ValueError(f"unknown signal type {signal_type!r}; known: {', '.join(LOOKUP_SIGNALS)}")
    return canonical_hash(signal_type, value)
