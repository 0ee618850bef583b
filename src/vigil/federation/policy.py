"""What goes out to a peer and what comes in from it, and how what comes in is weighed.

Outgoing (the feed, for the peer's user): which lists, signal types, categories and schemes. A record of
a category the peer may not have is sent as a tombstone in later batches (it may have had it before the
category changed) and left out of a first sync. A change of either direction's filter changes its
``terms`` fingerprint, on which the puller copies the list again (pull.py). A scheme not shared strips
the category, never the record. Incoming (a pull): which of the peer's lists, into which local list,
which signal types and categories are taken; the peer's category is imported as a vote of its contributor
in ``jurisdiction`` (the scheme's jurisdiction of the peer's country by default): one vote among others,
weighed by the scheme's acceptance rules, never a verdict by itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from vigil.errors import Invalid


class PolicyError(Invalid):
    """A sharing policy that names nothing sensible."""


def _names(values: Iterable[str], what: str) -> tuple[str, ...]:
    out = []
    for raw in values:
        value = raw.strip()
        if not value or len(value) > 200:
            raise PolicyError(f"{what}: empty or over-long name {value[:40]!r}")
        out.append(value)
    return tuple(sorted(set(out)))


def _category(text: str) -> tuple[str, str]:
    scheme, sep, code = text.partition(":")
    if not sep or not scheme or not code:
        raise PolicyError(f"category {text!r} is not SCHEME:CODE (vics-us:1)")
    return scheme, code


@dataclass(frozen=True)
class Direction:
    """One direction's filter. Empty tuples mean "no restriction"."""

    signal_types: tuple[str, ...] = ()
    #: "scheme:code" strings.
    categories: tuple[str, ...] = ()
    schemes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "signal_types", _names(self.signal_types, "signal type"))
        object.__setattr__(self, "categories", _names(self.categories, "category"))
        object.__setattr__(self, "schemes", _names(self.schemes, "scheme"))
        for text in self.categories:
            _category(text)

    def signal_allowed(self, kind: str) -> bool:
        return not self.signal_types or kind in self.signal_types

    def scheme_allowed(self, scheme: str | None) -> bool:
        return not self.schemes or (scheme is not None and scheme in self.schemes)

    def category_allowed(self, scheme: str | None, code: str | None) -> bool:
        if not self.categories:
            return True
        return code is not None and f"{scheme}:{code}" in self.categories

    def to_json(self) -> dict[str, list[str]]:
        return {
            "signal_types": list(self.signal_types),
            "categories": list(self.categories),
            "schemes": list(self.schemes),
        }

    def terms(self) -> str:
        """A short fingerprint of the filter: a change of it (either side's) makes a pull copy the
        list again, since what was sent or taken under the old filter is not what the new one allows."""
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Direction:
        return cls(
            signal_types=tuple(data.get("signal_types", ())),
            categories=tuple(data.get("categories", ())),
            schemes=tuple(data.get("schemes", ())),
        )


@dataclass(frozen=True)
class SharingPolicy:
    """A peer's policy as stored in ``peers.policy``."""

    #: Our lists the peer may read through the feed (beside each list's recipients); empty: none.
    lists_out: tuple[str, ...] = ()
    out: Direction = field(default_factory=Direction)
    #: The peer's lists pulled (empty: all it offers), each into the local list "PEER:LIST".
    lists_in: tuple[str, ...] = ()
    into: Direction = field(default_factory=Direction)
    #: Recipients given to the local copies of its lists when they are made (none: internal only).
    recipients_in: tuple[str, ...] = ()
    #: The jurisdiction the peer's categories are votes in; None: its scheme's for the peer's country.
    jurisdiction: str | None = None
    #: Minutes between scheduled pulls; 0: never scheduled (pull by hand).
    pull_minutes: int = 15

    def __post_init__(self) -> None:
        object.__setattr__(self, "lists_out", _names(self.lists_out, "list"))
        object.__setattr__(self, "lists_in", _names(self.lists_in, "list"))
        object.__setattr__(self, "recipients_in", _names(self.recipients_in, "recipient"))
        if self.pull_minutes < 0:
            raise PolicyError("pull minutes cannot be negative")

    def local_list(self, peer: str, remote_list: str) -> str:
        return f"{peer}:{remote_list}"[:200]

    def with_changes(self, **changes: Any) -> SharingPolicy:
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        return {
            "lists_out": list(self.lists_out),
            "out": self.out.to_json(),
            "lists_in": list(self.lists_in),
            "in": self.into.to_json(),
            "recipients_in": list(self.recipients_in),
            "jurisdiction": self.jurisdiction,
            "pull_minutes": self.pull_minutes,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SharingPolicy:
        return cls(
            lists_out=tuple(data.get("lists_out", ())),
            out=Direction.from_json(data.get("out", {})),
            lists_in=tuple(data.get("lists_in", ())),
            into=Direction.from_json(data.get("in", {})),
            recipients_in=tuple(data.get("recipients_in", ())),
            jurisdiction=data.get("jurisdiction"),
            pull_minutes=int(data.get("pull_minutes", 15)),
        )
