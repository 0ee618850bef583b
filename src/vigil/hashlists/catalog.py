"""Classification schemes and jurisdictions, read from the database (they are data, not code).

Vigil ships ``vics-us``, ``uk-caid`` and ``interpol-baseline`` and one jurisdiction for each (migration
0001); :func:`define_scheme` and :func:`define_jurisdiction` add more without a code change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from vigil.errors import Invalid
from vigil.hashlists.models import (
    VERDICTS,
    ClassificationScheme,
    Jurisdiction,
    JurisdictionVerdict,
    SchemeCategory,
)


class CatalogError(Invalid):
    """An unknown scheme, category or jurisdiction, or a definition that contradicts itself."""


@dataclass(frozen=True, slots=True)
class CategoryInfo:
    id: int
    code: str
    label: str
    rank: int


@dataclass(frozen=True, slots=True)
class SchemeInfo:
    id: int
    name: str
    votes_required: int
    #: code → category
    categories: Mapping[str, CategoryInfo]

    def describe_codes(self) -> str:
        return ", ".join(sorted(self.categories, key=lambda c: self.categories[c].rank))


@dataclass(frozen=True, slots=True)
class JurisdictionInfo:
    id: int
    code: str
    country: str | None
    scheme_id: int
    #: category id → verdict
    verdicts: Mapping[int, str]


@dataclass(frozen=True)
class Catalog:
    schemes: Mapping[str, SchemeInfo]
    jurisdictions: Mapping[str, JurisdictionInfo]

    def __post_init__(self) -> None:
        # Looked up once per media item while lists are computed: dictionaries, not scans.
        object.__setattr__(self, "_schemes_by_id", {s.id: s for s in self.schemes.values()})
        object.__setattr__(self, "_jurisdictions_by_id", {j.id: j for j in self.jurisdictions.values()})

    def scheme(self, name: str) -> SchemeInfo:
        try:
            return self.schemes[name]
        except KeyError:
            raise CatalogError(
                f"unknown classification scheme {name!r}; known: {', '.join(self.schemes)}"
            ) from None

    def jurisdiction(self, code: str) -> JurisdictionInfo:
        try:
            return self.jurisdictions[code]
        except KeyError:
            known = ", ".join(self.jurisdictions)
            raise CatalogError(f"unknown jurisdiction {code!r}; known: {known}") from None

    def scheme_by_id(self, scheme_id: int) -> SchemeInfo:
        by_id: dict[int, SchemeInfo] = self.__dict__["_schemes_by_id"]
        return by_id[scheme_id]

    def jurisdiction_by_id(self, jurisdiction_id: int) -> JurisdictionInfo:
        by_id: dict[int, JurisdictionInfo] = self.__dict__["_jurisdictions_by_id"]
        return by_id[jurisdiction_id]

    def default_jurisdiction(self, scheme: SchemeInfo, country: str | None) -> JurisdictionInfo:
        """The jurisdiction a contributor of ``country`` classifies under with ``scheme``."""
        using = sorted(
            (j for j in self.jurisdictions.values() if j.scheme_id == scheme.id), key=lambda j: j.id
        )
        if not using:
            raise CatalogError(f"no jurisdiction uses scheme {scheme.name!r}: define one first")
        return next((j for j in using if country and j.country == country), using[0])

    def jurisdiction_for(
        self, scheme: SchemeInfo, chosen: JurisdictionInfo | None, country: str | None
    ) -> JurisdictionInfo:
        """Where a contributor's vote of ``scheme`` counts: the jurisdiction chosen for its votes when it
        classifies with that scheme, else the scheme's for the contributor's country."""
        if chosen is not None and chosen.scheme_id == scheme.id:
            return chosen
        return self.default_jurisdiction(scheme, country)


def load_catalog(session: Session) -> Catalog:
    categories: dict[int, dict[str, CategoryInfo]] = {}
    for cat in session.execute(select(SchemeCategory)).scalars():
        categories.setdefault(cat.scheme_id, {})[cat.code] = CategoryInfo(
            cat.id, cat.code, cat.label, cat.rank
        )
    schemes = {
        s.name: SchemeInfo(s.id, s.name, s.votes_required, categories.get(s.id, {}))
        for s in session.execute(select(ClassificationScheme)).scalars()
    }
    verdicts: dict[int, dict[int, str]] = {}
    for v in session.execute(select(JurisdictionVerdict)).scalars():
        verdicts.setdefault(v.jurisdiction_id, {})[v.category_id] = v.verdict
    jurisdictions = {
        j.code: JurisdictionInfo(j.id, j.code, j.country, j.scheme_id, verdicts.get(j.id, {}))
        for j in session.execute(select(Jurisdiction)).scalars()
    }
    return Catalog(schemes, jurisdictions)


def define_scheme(
    session: Session, name: str, title: str, categories: Sequence[tuple[str, str]], votes_required: int = 1
) -> ClassificationScheme:
    """A new scheme; ``categories`` are (code, label), most severe first."""
    if votes_required < 1:
        raise CatalogError("a scheme needs at least one vote to accept a category")
    codes = [code for code, _ in categories]
    if not codes or len(set(codes)) != len(codes):
        raise CatalogError("a scheme needs distinct category codes")
    scheme = ClassificationScheme(name=name, title=title, votes_required=votes_required, description="")
    session.add(scheme)
    session.flush()
    session.add_all(
        SchemeCategory(scheme_id=scheme.id, code=code, label=label, rank=rank)
        for rank, (code, label) in enumerate(categories)
    )
    session.flush()
    return scheme


def define_jurisdiction(
    session: Session, code: str, name: str, country: str | None, scheme: str, verdicts: Mapping[str, str]
) -> Jurisdiction:
    """A new jurisdiction: ``verdicts`` maps each category code of ``scheme`` to a verdict."""
    info = load_catalog(session).scheme(scheme)
    unknown = set(verdicts) - set(info.categories)
    if unknown:
        raise CatalogError(f"not categories of {scheme}: {', '.join(sorted(unknown))}")
    bad = {v for v in verdicts.values() if v not in VERDICTS}
    if bad:
        raise CatalogError(f"unknown verdicts {', '.join(sorted(bad))}; known: {', '.join(VERDICTS)}")
    jurisdiction = Jurisdiction(code=code, name=name, country=country, scheme_id=info.id)
    session.add(jurisdiction)
    session.flush()
    session.add_all(
        JurisdictionVerdict(jurisdiction_id=jurisdiction.id, category_id=info.categories[c].id, verdict=v)
        for c, v in verdicts.items()
    )
    session.flush()
    return jurisdiction
