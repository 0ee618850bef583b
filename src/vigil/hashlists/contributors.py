"""Contributors (agencies, hotlines, industry, NGOs) and the provenance rows that name them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from vigil.db.named import find_named, get_named
from vigil.errors import Invalid
from vigil.hashlists.models import CONTRIBUTOR_KINDS, Contributor, Provenance


class ContributorError(Invalid):
    pass


def find_contributor(session: Session, name: str) -> Contributor | None:
    return find_named(session, Contributor, name)


def get_contributor(session: Session, name: str) -> Contributor:
    return get_named(session, Contributor, name, lambda n: ContributorError(f"unknown contributor {n!r}"))


def ensure_contributor(
    session: Session, name: str, kind: str | None = None, country: str | None = None
) -> tuple[Contributor, bool]:
    """The contributor called ``name``, created when missing; True when it was created.

    Kind and country of an existing contributor are never changed silently: a mismatch is an error.
    """
    if kind is not None and kind not in CONTRIBUTOR_KINDS:
        raise ContributorError(f"unknown contributor kind {kind!r}; known: {', '.join(CONTRIBUTOR_KINDS)}")
    if country is not None:
        country = country.strip().upper()
        if len(country) != 2 or not country.isalpha():
            raise ContributorError(f"country must be an ISO 3166 two-letter code, not {country!r}")
    existing = find_contributor(session, name)
    if existing is not None:
        if (kind and kind != existing.kind) or (country and country != existing.country):
            raise ContributorError(
                f"contributor {name!r} exists as {existing.kind}/{existing.country or '-'}, "
                f"not {kind or existing.kind}/{country or existing.country or '-'}"
            )
        return existing, False
    if not name.strip():
        raise ContributorError("a contributor needs a name")
    contributor = Contributor(name=name.strip(), kind=kind or "other", country=country)
    session.add(contributor)
    session.flush()
    return contributor, True


def new_provenance(
    session: Session,
    contributor: Contributor,
    actor: str,
    source: str,
    fmt: str | None = None,
) -> Provenance:
    provenance = Provenance(contributor_id=contributor.id, source=source[:500], format=fmt, actor=actor[:200])
    session.add(provenance)
    session.flush()
    return provenance
