"""Matching against the published hash lists: an index per list version, loaded from memory-mapped
snapshots, swapped for the next version without a restart.

from vigil.matching import Matcher
matcher = Matcher(sessions, settings.data_dir / "index")
matcher.refresh()                                   # load (or build) the latest version of every list
matcher.lookup("pdq", [hex], threshold=31)          # [[ListMatch(list, version, entry_id, distance, ...)]]

The package's names are imported on first use: ``vigil.matching.content`` (what scans import) must not
bring the database and the index kernels into a scan that matches nothing.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vigil.matching.matcher import ListMatch, Matcher, MatcherNotReadyError, UnknownListError
    from vigil.matching.signals import lookup_signals, normalize_signal

_HOME = {
    "ListMatch": "matcher",
    "Matcher": "matcher",
    "MatcherNotReadyError": "matcher",
    "UnknownListError": "matcher",
    "lookup_signals": "signals",
    "normalize_signal": "signals",
}


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOME[name]}"), name)


__all__ = [
    "ListMatch",
    "Matcher",
    "MatcherNotReadyError",
    "UnknownListError",
    "lookup_signals",
    "normalize_signal",
]
