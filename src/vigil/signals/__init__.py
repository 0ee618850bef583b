"""Content → signals: PDQ for images, cryptographic digests for every file."""

from vigil.signals.base import InvalidSignalError, SignalType
from vigil.signals.content import HashOptions, HashResult, hash_bytes, hash_file
from vigil.signals.values import Signals

__all__ = [
    "HashOptions",
    "HashResult",
    "InvalidSignalError",
    "SignalType",
    "Signals",
    "hash_bytes",
    "hash_file",
]
