"""Where a case goes once its host is traced (docs/hotline.md): a domestic host gets a notice and law
enforcement a report; a foreign host's case goes to the partner hotline of that country, or to law
enforcement where the country has none (or the country is unknown)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from vigil.hotline.directory import Directory, HostEntry, LawEnforcement, Partner
from vigil.hotline.hosting import Trace

RouteKind = Literal["domestic", "partner", "law_enforcement"]


@dataclass(frozen=True)
class Route:
    kind: RouteKind
    host: HostEntry | None = None
    partner: Partner | None = None
    police: LawEnforcement | None = None


def decide(trace: Trace, home_country: str, directory: Directory) -> Route:
    home_police = directory.police(home_country)
    if trace.country == home_country:
        return Route("domestic", host=trace.entry, police=home_police)
    partner = directory.partner(trace.country)
    if partner is not None:
        return Route("partner", partner=partner)
    return Route("law_enforcement", police=directory.police(trace.country) or home_police)
