"""Between the HTTP routes and the matcher: caller's audience, errors as problems, matches as JSON."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Final

from pydantic import BaseModel

from vigil.auth.authenticate import Principal
from vigil.auth.roles import may_receive
from vigil.errors import Invalid
from vigil.matching import ListMatch, normalize_signal
from vigil.web.problems import Problem

#: Matches returned per signal; more are cut off and the answer says so.
MAX_MATCHES: Final = 100
#: Largest PDQ threshold a caller may ask for: beyond it every query scans the whole index.
MAX_THRESHOLD: Final = 64


class Match(BaseModel):
    list: str
    version: int
    entry_id: int
    distance: int
    category: str | None
    scheme: str | None

    @classmethod
    def of(cls, match: ListMatch) -> Match:
        scheme, code = (None, None)
        if match.category:
            scheme, _, code = match.category.partition(":")
        return cls(
            list=match.list,
            version=match.version,
            entry_id=match.entry_id,
            distance=match.distance,
            category=code,
            scheme=scheme,
        )


def audience(who: Principal) -> Callable[[Sequence[str]], bool]:
    return lambda recipients: may_receive(who.role, who.name, recipients)


def parse_lists(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [n.strip() for n in text.split(",") if n.strip()]
    return names or None


def canonical(signal_type: str, value: str) -> str:
    try:
        return normalize_signal(signal_type, value)
    except Invalid as exc:  # a malformed query: 400, as the HMA-compatible routes answer it
        raise Problem(400, str(exc)) from None


def cut(matches: Iterable[ListMatch]) -> tuple[list[Match], bool]:
    found = list(matches)
    return [Match.of(m) for m in found[:MAX_MATCHES]], len(found) > MAX_MATCHES
