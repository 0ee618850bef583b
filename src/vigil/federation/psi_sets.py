"""What a private set intersection compares: an instance's holdings, one set per signal type, and series.

A set is named by a signal type of the registry (the identity digests are the media table's columns, the
others its signals, compared by equal canonical value: a PDQ hash meets only the same PDQ hash) or by
``series`` (series names, as agreed between the two hotlines). Both sides must name a set alike for it
to meet: the names are the registry's, so a plugin's digest is one more set.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.federation.psi import PsiError
from vigil.hashlists.models import Media, MediaSignal, Series
from vigil.signals import registry

SERIES: Final = "series"


def set_names() -> list[str]:
    """Every set an instance can compare, identity digests first."""
    others = sorted(n for n in registry.signal_types() if n not in registry.IDENTITY_DIGESTS)
    return [*registry.IDENTITY_DIGESTS, *others, SERIES]


def check_sets(names: Sequence[str]) -> list[str]:
    known = set_names()
    chosen = list(dict.fromkeys(names)) or known
    unknown = [n for n in chosen if n not in known]
    if unknown:
        raise PsiError(f"unknown set {', '.join(map(repr, unknown))}; known: {', '.join(known)}")
    return chosen


def _values(session: Session, name: str) -> Iterator[str]:
    if name == SERIES:
        query = select(Series.name)
    elif name in registry.IDENTITY_DIGESTS:
        column = getattr(Media, name)
        query = select(column).where(column.is_not(None))
    else:
        query = select(MediaSignal.value).where(MediaSignal.signal_type == name).distinct()
    for value in session.execute(query.execution_options(yield_per=10_000)).scalars():
        yield str(value)


def holdings(session: Session, name: str, limit: int) -> list[str]:
    """The distinct values of one set; more than ``limit`` is refused (the session would not be bounded)."""
    values = list(dict.fromkeys(_values(session, name)))
    if len(values) > limit:
        raise PsiError(f"the {name} set holds {len(values)} values, over the limit of {limit}")
    return values
