"""Content against indexes: the one implementation of "which known entries are these signals".

Every caller matches through :func:`match_signals`: the API's content lookups, HMA and the hotline (one
item at a time, through ``Matcher.match_content``) and scans (thousands of items a batch, with a wider
"near" radius, against published lists or standalone index files). The rule is the same for all:

- exact types first (the identity digests strongest first, then plugins' digests), then distance
  types (PDQ) within the radius, over every rotation and flip the signals carry;
- each entry (an id of one index set) once per item, on its first exact signal or its nearest distance.

An index may answer more than ``id`` and ``distance`` (a video index's hit carries the matched time
ranges as ``video``); that detail travels with the match it belongs to.

Queries are batched per signal type and index: one ``query_many`` over all items' values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from vigil.signals import registry
from vigil.signals.values import Signals


class Hit(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def distance(self) -> int: ...


class Lookup(Protocol):
    """The part of an index (``PdqIndex``, ``ExactIndex``, ``VpdqIndex``, ...) matching needs. A
    threshold of None is the index's own (its type's default, or the rule it was loaded with)."""

    def query_many(self, values: Sequence[str], threshold: int | None = ...) -> Sequence[Sequence[Hit]]: ...


#: One list's (or one scan's standalone files') indexes, by signal type name.
IndexSet = Mapping[str, Lookup]


@dataclass(frozen=True, slots=True)
class Found:
    """An entry that an item matched."""

    #: Position of the index set in the ``sources`` given to :func:`match_signals`.
    source: int
    #: The index's id of the entry (a row of a list snapshot, or an id of an index file).
    id: int
    distance: int
    #: The signal type that matched.
    signal: str
    #: What the index said besides the distance (a video's percentages and time ranges), if anything.
    detail: object | None = None


def exact_order() -> tuple[str, ...]:
    """Exact signal types, the order a match is attributed in: identity digests strongest first, then
    the others (plugins') in registry order."""
    exact = registry.exact_types()
    identity = [n for n in registry.IDENTITY_DIGESTS if n in exact]
    return (*identity, *(n for n in exact if n not in identity))


def distance_types() -> tuple[str, ...]:
    """Indexed signal types compared by distance (PDQ)."""
    exact = registry.exact_types()
    return tuple(n for n in registry.indexed_types() if n not in exact)


def match_signals(
    sources: Sequence[IndexSet],
    items: Sequence[Signals],
    radius: int | None = None,
    *,
    dihedral: bool = True,
    radii: Mapping[str, int | None] | None = None,
) -> list[list[Found]]:
    """Per item, what it matched in ``sources``: exact matches first, then distance matches within
    ``radius`` (each index's own threshold when None) nearest first, each (source, id) once.
    ``radii`` replaces ``radius`` for the signal types it names (a scan's wide "near" radius is not the
    distance between a video's frames)."""
    found: list[list[Found]] = [[] for _ in items]
    seen: list[set[tuple[int, int]]] = [set() for _ in items]
    for name in exact_order():
        if lookups := _lookups(sources, name):
            _match_exact(lookups, items, name, found, seen)
    for name in distance_types():
        limit = radii[name] if radii is not None and name in radii else radius
        if lookups := _lookups(sources, name):
            _match_distance(lookups, items, name, limit, dihedral, found, seen)
    return found


def _lookups(sources: Sequence[IndexSet], name: str) -> list[tuple[int, Lookup]]:
    """The indexes of signal type ``name`` among ``sources``, each with its source's position."""
    return [(n, s[name]) for n, s in enumerate(sources) if name in s]


def _match_exact(
    lookups: Sequence[tuple[int, Lookup]],
    items: Sequence[Signals],
    name: str,
    found: list[list[Found]],
    seen: list[set[tuple[int, int]]],
) -> None:
    positions = [p for p, item in enumerate(items) if item.get(name)]
    if not positions:
        return
    values = [items[p].values[name] for p in positions]
    for number, lookup in lookups:
        for position, hits in zip(positions, lookup.query_many(values), strict=True):
            for hit in hits:
                key = (number, int(hit.id))
                if key not in seen[position]:
                    seen[position].add(key)
                    found[position].append(Found(number, key[1], 0, name))


def _match_distance(
    lookups: Sequence[tuple[int, Lookup]],
    items: Sequence[Signals],
    name: str,
    radius: int | None,
    dihedral: bool,
    found: list[list[Found]],
    seen: list[set[tuple[int, int]]],
) -> None:
    positions: list[int] = []
    counts: list[int] = []
    queries: list[str] = []
    for position, item in enumerate(items):
        asked = item.queries(name, dihedral=dihedral)
        if asked:
            positions.append(position)
            counts.append(len(asked))
            queries.extend(asked)
    if not queries:
        return
    best: list[dict[tuple[int, int], tuple[int, object | None]]] = [{} for _ in positions]
    for number, lookup in lookups:
        answers = lookup.query_many(queries, radius)
        start = 0
        for slot, count in enumerate(counts):
            nearest = best[slot]
            for answer in answers[start : start + count]:
                for hit in answer:
                    key = (number, int(hit.id))
                    distance = int(hit.distance)
                    if distance < nearest.get(key, (distance + 1, None))[0]:
                        nearest[key] = (distance, getattr(hit, "video", None))
            start += count
    for slot, position in enumerate(positions):
        already = seen[position]
        for key, (distance, detail) in sorted(best[slot].items(), key=lambda kv: (kv[1][0], kv[0])):
            if key not in already:
                already.add(key)
                found[position].append(Found(key[0], key[1], distance, name, detail))
