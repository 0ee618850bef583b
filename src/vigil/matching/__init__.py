"""Matching against the published hash lists: an index per list version, loaded from memory-mapped
snapshots, swapped for the next version without a restart.

from vigil.matching import Matcher
matcher = Matcher(sessions, settings.data_dir / "index")
matcher.refresh()                                   # load (or build) the latest version of every list
matcher.lookup("pdq", [hex], threshold=31)          # [[ListMatch(list, version, entry_id, distance, ...)]]
"""

from vigil.matching.matcher import ListMatch, Matcher, MatcherNotReadyError, UnknownListError
from vigil.matching.signals import lookup_signals, normalize_signal

__all__ = [
    "ListMatch",
    "Matcher",
    "MatcherNotReadyError",
    "UnknownListError",
    "lookup_signals",
    "normalize_signal",
]
