"""Content → signals: PDQ for images, cryptographic digests for every file."""

from vigil.signals.base import InvalidSignalError, SignalType
from vigil.signals.content import FileSignals, HashOptions, hash_bytes, hash_file

__all__ = ["FileSignals", "HashOptions", "InvalidSignalError", "SignalType", "hash_bytes", "hash_file"]
