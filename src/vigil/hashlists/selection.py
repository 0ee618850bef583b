"""What a hash list holds right now: its explicit members plus the media its rules select.

Media are evaluated in ranges of ids, a few thousand at a time, so that a list over millions of media is
computed in bounded memory with the same queries on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Final

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from vigil.formats.base import HashRecord
from vigil.hashlists.acceptance import BASELINE_COUNTRIES, Accepted, Vote, accepted_categories, is_baseline
from vigil.hashlists.catalog import Catalog, CatalogError
from vigil.hashlists.models import (
    Classification,
    Contributor,
    HashList,
    HashListMember,
    Media,
    MediaSignal,
)
from vigil.hashlists.votes import VOTE_COLUMNS
from vigil.signals.registry import IDENTITY_DIGESTS

RANGE: Final = 5000


@dataclass(frozen=True)
class SelectionRules:
    """A list's rules. Selecting rules combine with AND; a list without any holds its members only.

    ``categories`` are ``scheme:code`` (``vics-us:1``); ``signal_types`` say which hashes and signals the
    list publishes (empty: all); ``scheme`` is the scheme whose accepted category entries carry.
    """

    categories: tuple[str, ...] = ()
    schemes: tuple[str, ...] = ()
    jurisdictions: tuple[str, ...] = ()
    contributors: tuple[str, ...] = ()
    baseline_only: bool = False
    signal_types: tuple[str, ...] = ()
    scheme: str = "vics-us"

    def selects(self) -> bool:
        return bool(
            self.categories or self.schemes or self.jurisdictions or self.contributors or self.baseline_only
        )

    def to_json(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> SelectionRules:
        data = dict(data or {})
        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown list rules: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return cls(**values)

    def check(self, catalog: Catalog) -> None:
        catalog.scheme(self.scheme)
        for name in self.schemes:
            catalog.scheme(name)
        for code in self.jurisdictions:
            catalog.jurisdiction(code)
        for qualified in self.categories:
            scheme, sep, code = qualified.partition(":")
            if not sep or code not in catalog.scheme(scheme).categories:
                raise CatalogError(f"not a category: {qualified!r} (write scheme:code, e.g. vics-us:1)")


@dataclass
class MediaView:
    """Everything the rules look at for one media item."""

    id: int
    sha256: str | None
    md5: str | None
    sha1: str | None
    size: int | None
    contributor_id: int
    mime_type: str | None = None
    signals: dict[str, list[str]] = field(default_factory=dict)
    votes: list[Vote] = field(default_factory=list)
    voters: set[int] = field(default_factory=set)


def canonical_entry(record: HashRecord) -> str:
    """The text a version digest covers for one entry. The MIME type is left out: versions published
    before entries carried it keep their digests, and so does a consumer's check of a copy."""
    signals = sorted(record.signals)
    return json.dumps(
        [record.sha256, record.md5, record.sha1, record.size, signals, record.category, record.scheme],
        separators=(",", ":"),
    )


def same_entry(old: HashRecord, new: HashRecord) -> bool:
    """Whether two entries say the same: what the digest covers, and the MIME type it does not (a MIME
    type learnt later is a change of the entry, published as one)."""
    return old.mime_type == new.mime_type and canonical_entry(old) == canonical_entry(new)


class Selector:
    """Evaluates one list's rules over ranges of media."""

    def __init__(self, session: Session, catalog: Catalog, hash_list: HashList) -> None:
        self.session = session
        self.catalog = catalog
        self.hash_list = hash_list
        self.rules = SelectionRules.from_json(hash_list.rules)
        self.rules.check(catalog)
        self._contributors = self._contributor_ids(self.rules.contributors)
        self._schemes = {catalog.scheme(s).id for s in self.rules.schemes}
        self._jurisdictions = {catalog.jurisdiction(j).id for j in self.rules.jurisdictions}
        self._categories = {
            catalog.scheme(s).categories[c].id
            for s, _, c in (q.partition(":") for q in self.rules.categories)
        }
        self._entry_scheme = catalog.scheme(self.rules.scheme)

    def _contributor_ids(self, names: tuple[str, ...]) -> set[int]:
        if not names:
            return set()
        query = select(Contributor.name, Contributor.id).where(Contributor.name.in_(names))
        found = {name: contributor_id for name, contributor_id in self.session.execute(query)}
        missing = set(names) - found.keys()
        if missing:
            raise CatalogError(f"unknown contributors in the list's rules: {', '.join(sorted(missing))}")
        return set(found.values())

    def ranges(self) -> Iterator[tuple[int, int]]:
        top = self.session.execute(select(func.max(Media.id))).scalar() or 0
        for lo in range(1, top + 1, RANGE):
            yield lo, lo + RANGE

    def select_range(self, lo: int, hi: int, within: set[int] | None = None) -> dict[int, HashRecord]:
        """media id → the entry the list holds for it, for media ids in [lo, hi) (and in ``within``,
        when given: an incremental publish evaluates only the media it was told may have changed)."""
        members = set(
            self.session.execute(
                select(HashListMember.media_id).where(
                    HashListMember.list_id == self.hash_list.id,
                    HashListMember.media_id >= lo,
                    HashListMember.media_id < hi,
                )
            ).scalars()
        )
        if within is not None:
            members &= within
        if not members and not self.rules.selects():
            return {}
        only = None if self.rules.selects() else members
        if self.rules.baseline_only:
            # Only media classified by agencies of two countries can be baseline: skip the rest early.
            only = members | self._multinational(lo, hi)
        if within is not None:
            only = within if only is None else only & within
        views = self._views(lo, hi, only)
        out = {}
        for view in views.values():
            accepted = accepted_categories(view.votes, self.catalog)
            if view.id in members or (self.rules.selects() and self._matches(view, accepted)):
                entry = self._entry(view, accepted)
                if entry is not None:
                    out[view.id] = entry
        return out

    def _multinational(self, lo: int, hi: int) -> set[int]:
        cl = Classification
        query = (
            select(cl.media_id)
            .join(Contributor, Contributor.id == cl.contributor_id)
            .where(cl.media_id >= lo, cl.media_id < hi, cl.category_id.is_not(None))
            .group_by(cl.media_id)
            .having(func.count(distinct(Contributor.country)) >= BASELINE_COUNTRIES)
        )
        return set(self.session.execute(query).scalars())

    def current(self) -> Iterator[tuple[int, HashRecord]]:
        for lo, hi in self.ranges():
            yield from sorted(self.select_range(lo, hi).items())

    def _views(self, lo: int, hi: int, only: set[int] | None) -> dict[int, MediaView]:
        def within(column: Any) -> Any:
            return column.in_(only) if only is not None else (column >= lo) & (column < hi)

        # In MediaView's field order.
        columns = (
            Media.id,
            Media.sha256,
            Media.md5,
            Media.sha1,
            Media.size,
            Media.contributor_id,
            Media.mime_type,
        )
        views = {
            row.id: MediaView(*row) for row in self.session.execute(select(*columns).where(within(Media.id)))
        }
        if not views:
            return views
        cl = Classification
        votes = select(cl.media_id, *VOTE_COLUMNS).join(Contributor, Contributor.id == cl.contributor_id)
        for row in self.session.execute(votes.where(within(cl.media_id))):
            view = views[row.media_id]
            view.votes.append(Vote(*row[1:]))
            view.voters.add(row.contributor_id)
        wanted = self._signal_types()
        signals = select(MediaSignal.media_id, MediaSignal.signal_type, MediaSignal.value).where(
            within(MediaSignal.media_id)
        )
        if wanted is not None:
            signals = signals.where(MediaSignal.signal_type.in_(wanted))
        for media_id, kind, value in self.session.execute(signals.order_by(MediaSignal.id)):
            views[media_id].signals.setdefault(kind, []).append(value)
        return views

    def _signal_types(self) -> set[str] | None:
        if not self.rules.signal_types:
            return None
        return set(self.rules.signal_types) - set(IDENTITY_DIGESTS)

    def _matches(self, view: MediaView, accepted: list[Accepted]) -> bool:
        rules = self.rules
        if self._contributors and not (
            view.contributor_id in self._contributors or view.voters & self._contributors
        ):
            return False
        if (rules.categories or rules.schemes or rules.jurisdictions) and not any(
            (not self._categories or a.category_id in self._categories)
            and (not self._schemes or a.scheme_id in self._schemes)
            and (not self._jurisdictions or a.jurisdiction_id in self._jurisdictions)
            for a in accepted
        ):
            return False
        return not rules.baseline_only or is_baseline(accepted, self.catalog)

    def _entry(self, view: MediaView, accepted: list[Accepted]) -> HashRecord | None:
        published = set(self.rules.signal_types) or None
        record = HashRecord()
        for kind in IDENTITY_DIGESTS:
            if published is None or kind in published:
                setattr(record, kind, getattr(view, kind))
        record.signals = [
            (kind, value) for kind in sorted(view.signals) for value in sorted(view.signals[kind])
        ]
        if not (record.sha256 or record.md5 or record.sha1 or record.signals):
            return None
        record.size = view.size
        record.mime_type = view.mime_type
        mine = [a for a in accepted if a.scheme_id == self._entry_scheme.id]
        if mine:
            ranks = {c.id: (c.rank, c.code) for c in self._entry_scheme.categories.values()}
            record.category = min(ranks[a.category_id] for a in mine)[1]
            record.scheme = self._entry_scheme.name
        return record
