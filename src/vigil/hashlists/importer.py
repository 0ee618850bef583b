"""Importing a stream of hash records into the database, chunk by chunk, inside the caller's transaction.

Memory stays bounded by the chunk size whatever the file size: each chunk is resolved against the rows
already stored (earlier chunks included, as they are flushed in the same transaction) and written with
set-based statements. Nothing is ever overwritten: a new opinion is a new classification row, and every
row carries the import's provenance.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import delete, exists, func, insert, select, text, update
from sqlalchemy.orm import Session

from vigil.db.base import core_table
from vigil.formats.base import Diagnostics, FormatError, HashRecord, Rejected
from vigil.formats.limits import DEFAULT_LIMITS, ReadLimits, field_problem
from vigil.formats.vics import VICS_SCHEME
from vigil.hashlists.catalog import Catalog, CatalogError, SchemeInfo
from vigil.hashlists.identity import IdentityConflictError, Item, ItemIndex
from vigil.hashlists.models import (
    Classification,
    Contributor,
    HashList,
    HashListMember,
    Media,
    MediaSeries,
    MediaSignal,
    MediaVictim,
    Provenance,
    Series,
    Victim,
)
from vigil.hashlists.summary import EXAMPLES_KEPT, ImportSummary
from vigil.parallel import chunks
from vigil.signals.registry import IDENTITY_DIGESTS as CRYPTO

#: Records after which PostgreSQL statistics are first refreshed (then at every fourfold growth).
ANALYZE_FIRST: Final = 4000
ANALYZED_TABLES: Final = ("media", "media_signals", "classifications", "hash_list_members", "media_series")
#: A PhotoDNA value on this many records of one file is a producer's placeholder, not a hash
#: (Cellebrite writes one constant into every Media of a VICS export).
PLACEHOLDER_REPEATS: Final = 3
#: Distinct rejection reasons counted one by one; the rest are counted together (a reason may quote a
#: value, and a file of a million bad lines must not make a summary of a million lines).
REASONS_KEPT: Final = 100
OTHER_REASONS: Final = "other reasons"


@dataclass
class _Row:
    """One record of a chunk on its way in."""

    record: HashRecord
    item: Item
    new: bool
    contributed: bool
    signals: list[tuple[str, str, str]]  # (type, value, digest)


def _identified(item: Item) -> bool:
    """Whether the item has one of the digests that identify media (the rest are found by signal)."""
    return any(getattr(item, digest) for digest in CRYPTO)


def signal_digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


class Importer:
    """One import: the caller owns the session's transaction and commits or rolls back."""

    def __init__(
        self,
        session: Session,
        catalog: Catalog,
        provenance: Provenance,
        summary: ImportSummary,
        *,
        scheme: str | None = None,
        jurisdiction: str | None = None,
        hash_list: HashList | None = None,
        limits: ReadLimits = DEFAULT_LIMITS,
    ) -> None:
        """``scheme``: that of the records that name none; by default the jurisdiction's, else VICS's."""
        self.session = session
        self.limits = limits
        self.catalog = catalog
        self.provenance = provenance
        self.contributor_id = provenance.contributor_id
        self.summary = summary
        named = catalog.scheme(scheme) if scheme is not None else None
        self.jurisdiction = catalog.jurisdiction(jurisdiction) if jurisdiction else None
        if named is None:
            named = (
                catalog.scheme_by_id(self.jurisdiction.scheme_id)
                if self.jurisdiction
                else catalog.scheme(VICS_SCHEME)
            )
        self.default_scheme = named
        if self.jurisdiction and self.jurisdiction.scheme_id != self.default_scheme.id:
            raise CatalogError(f"jurisdiction {jurisdiction} does not classify with scheme {scheme}")
        # The country a record without a jurisdiction is classified for: its contributor's, whom the
        # provenance names (already in the session, so no query).
        contributor = session.get(Contributor, provenance.contributor_id)
        self.country = contributor.country if contributor is not None else None
        self.hash_list = hash_list
        self.fills = 0
        self._photodna: Counter[str] = Counter()
        self._placeholders: set[str] = set()

    # -- the whole stream -------------------------------------------------------------------------

    def run(
        self,
        records: Iterable[HashRecord | Rejected],
        diagnostics: Diagnostics,
        chunk_size: int = 2000,
        progress: Callable[[int], None] | None = None,
    ) -> ImportSummary:
        self._diagnostics = diagnostics
        next_analyze = ANALYZE_FIRST
        for chunk in chunks(records, chunk_size):
            if self.summary.records + len(chunk) > self.limits.max_records:
                raise FormatError(f"more than {self.limits.max_records:,} records (VIGIL_IMPORT_MAX_RECORDS)")
            self._chunk(chunk)
            self.session.flush()
            if self.summary.records >= next_analyze:
                self._analyze()
                next_analyze *= 4
            if progress is not None:
                progress(self.summary.records)
        self._drop_placeholders()
        self.summary.warnings = diagnostics.messages
        self.summary.changed = self.fills > 0 or self._rows_written()
        return self.summary

    def _analyze(self) -> None:
        """Refresh PostgreSQL's statistics of the tables this import fills.

        The planner knows nothing of rows the running transaction added: planning for empty tables, it
        scans a whole table per chunk once they hold millions (seen: 6 s a query at 300 k rows). ANALYZE
        in the transaction samples its own rows; refreshed as the import grows fourfold, a few times in all.
        """
        if self.session.get_bind().dialect.name != "postgresql":
            return
        for table in ANALYZED_TABLES:
            self.session.execute(text(f"ANALYZE {table}"))

    def _reject(self, where: str, reason: str) -> None:
        self.summary.rejected += 1
        reasons = self.summary.rejection_reasons
        if reason not in reasons and len(reasons) >= REASONS_KEPT:
            reasons[OTHER_REASONS] += 1
        else:
            reasons[reason] += 1
        if len(self.summary.rejection_examples) < EXAMPLES_KEPT:
            self.summary.rejection_examples.append((where, reason))

    def _reject_in_order(self, rejections: list[tuple[int, str, str]]) -> None:
        for _, where, reason in sorted(rejections):
            self._reject(where, reason)

    # -- one chunk --------------------------------------------------------------------------------

    def _chunk(self, chunk: list[HashRecord | Rejected]) -> None:
        self.summary.records += len(chunk)
        records: list[tuple[int, HashRecord]] = []
        rejections: list[tuple[int, str, str]] = []
        for position, entry in enumerate(chunk):
            if isinstance(entry, Rejected):
                rejections.append((position, entry.where, entry.reason))
            elif (reason := field_problem(entry, self.limits) or self._scheme_problem(entry)) is not None:
                rejections.append((position, entry.where, reason))
            else:
                records.append((position, entry))
        index = ItemIndex(self._known_items([record for _, record in records]))
        rows: list[_Row] = []
        for position, record in records:
            signals = [(kind, value, signal_digest(value)) for kind, value in record.signals]
            try:
                item, new, filled = index.resolve(record, [(k, d) for k, _, d in signals])
            except IdentityConflictError as exc:
                rejections.append((position, record.where, str(exc)))
                continue
            rows.append(_Row(record, item, new, filled, signals))
        self._reject_in_order(rejections)
        self._write_media(rows)
        self._write_classifications(rows)
        self._write_signals(rows)
        self._write_series(rows)
        self._write_members(rows)
        for row in rows:
            if row.new:
                self.summary.added += 1
            elif row.contributed:
                self.summary.merged += 1
            else:
                self.summary.skipped += 1

    def _scheme_problem(self, record: HashRecord) -> str | None:
        if record.scheme is not None and record.scheme not in self.catalog.schemes:
            return f"unknown classification scheme {record.scheme!r}"
        return None

    def _known_items(self, records: list[HashRecord]) -> list[Item]:
        """Stored items sharing a hash (or, for hash-less records, a signal) with the chunk."""
        columns = (Media.id, Media.sha256, Media.md5, Media.sha1, Media.size, Media.mime_type)
        found: dict[int, Item] = {}
        for kind in CRYPTO:
            values = {getattr(r, kind) for r in records if getattr(r, kind)}
            if values:
                column = getattr(Media, kind)
                for row in self.session.execute(select(*columns).where(column.in_(values))):
                    found.setdefault(
                        row.id, Item(row.id, row.sha256, row.md5, row.sha1, row.size, row.mime_type)
                    )
        wanted = {
            (kind, signal_digest(value))
            for r in records
            if not any(getattr(r, k) for k in CRYPTO)
            for kind, value in r.signals
        }
        if wanted:
            digests = {d for _, d in wanted}
            query = select(MediaSignal.media_id, MediaSignal.signal_type, MediaSignal.digest).where(
                MediaSignal.digest.in_(digests)
            )
            by_media: dict[int, list[tuple[str, str]]] = {}
            for media_id, kind, digest in self.session.execute(query.order_by(MediaSignal.media_id)):
                if (kind, digest) in wanted:
                    by_media.setdefault(media_id, []).append((kind, digest))
            if by_media:
                for row in self.session.execute(select(*columns).where(Media.id.in_(by_media))):
                    item = found.setdefault(
                        row.id, Item(row.id, row.sha256, row.md5, row.sha1, row.size, row.mime_type)
                    )
                    item.signal_keys = by_media[row.id]
        return list(found.values())

    def _assign_ids(self, items: list[Item]) -> None:
        """Ids of just-inserted items, found through the first hash each of them has."""
        by_kind: dict[str, dict[str, Item]] = {kind: {} for kind in CRYPTO}
        for item in items:
            kind = next(k for k in CRYPTO if getattr(item, k))
            by_kind[kind][getattr(item, kind)] = item
        for kind, wanted in by_kind.items():
            if wanted:
                column = getattr(Media, kind)
                query = select(Media.id, column).where(column.in_(wanted))
                for media_id, value in self.session.execute(query):
                    wanted[value].id = media_id

    def _write_media(self, rows: list[_Row]) -> None:
        new_items: list[Item] = []
        seen: set[int] = set()
        for row in rows:
            if row.item.id is None and id(row.item) not in seen:
                seen.add(id(row.item))
                new_items.append(row.item)
        if new_items:
            params = [
                {
                    **{digest: getattr(i, digest) for digest in CRYPTO},
                    "size": i.size,
                    "mime_type": i.mime_type,
                    "first_seen": self.provenance.created_at,
                    "contributor_id": self.contributor_id,
                    "provenance_id": self.provenance.id,
                }
                for i in new_items
            ]
            hashed = [(i, p) for i, p in zip(new_items, params, strict=True) if _identified(i)]
            if hashed:
                # A plain executemany, then the ids looked up by hash: INSERT ... RETURNING in parameter
                # order falls back to one statement per row on SQLite.
                self.session.execute(insert(core_table(Media)), [p for _, p in hashed])
                self._assign_ids([i for i, _ in hashed])
            for item, values in zip(new_items, params, strict=True):
                if item.id is None:  # hash-less (signal-only) items: rare, one statement each
                    statement = insert(core_table(Media)).values(**values).returning(core_table(Media).c.id)
                    item.id = self.session.execute(statement).scalar_one()
        filled = {id(r.item): r.item for r in rows if r.item.filled}
        if filled:
            self.fills += len(filled)
            self.session.execute(
                update(Media),
                [
                    {
                        "id": i.id,
                        **{digest: getattr(i, digest) for digest in CRYPTO},
                        "size": i.size,
                        "mime_type": i.mime_type,
                    }
                    for i in filled.values()
                ],
            )
            for item in filled.values():
                item.filled = False

    def _category_id(self, scheme: SchemeInfo, code: str, where: str) -> int | None:
        category = scheme.categories.get(code)
        if category is None:
            category = next((c for k, c in scheme.categories.items() if k.lower() == code.lower()), None)
        if category is None:
            self._diagnostics.warn(
                f"category {code!r} is not one of {scheme.name} ({scheme.describe_codes()}): kept as unknown",
                where,
            )
            return None
        return category.id

    def _write_classifications(self, rows: list[_Row]) -> None:
        votes: dict[tuple[int, int, int, str], tuple[_Row, dict[str, Any]]] = {}
        for row in rows:
            record = row.record
            if record.category is None:
                continue
            scheme = self.catalog.schemes[record.scheme] if record.scheme else self.default_scheme
            jurisdiction = self.catalog.jurisdiction_for(scheme, self.jurisdiction, self.country)
            assert row.item.id is not None
            key = (row.item.id, scheme.id, jurisdiction.id, record.category)
            if key in votes:
                continue
            votes[key] = (
                row,
                {
                    "media_id": row.item.id,
                    "scheme_id": scheme.id,
                    "jurisdiction_id": jurisdiction.id,
                    "category_id": self._category_id(scheme, record.category, record.where),
                    "raw_code": record.category,
                    "contributor_id": self.contributor_id,
                    "analyst": "",
                    "classified_at": record.classified_at or self.provenance.created_at,
                    "victim_identified": record.victim_identified,
                    "provenance_id": self.provenance.id,
                },
            )
        if not votes:
            return
        cl = Classification
        # Only the media id is in the query: given the contributor too, SQLite searches its index, every
        # vote of the contributor (a list of a million, for a peer), instead of the few of these media.
        existing = self.session.execute(
            select(
                cl.media_id, cl.scheme_id, cl.jurisdiction_id, cl.raw_code, cl.contributor_id, cl.analyst
            ).where(cl.media_id.in_({k[0] for k in votes}))
        )
        for hit in existing:
            if hit.contributor_id == self.contributor_id and hit.analyst == "":
                votes.pop((hit.media_id, hit.scheme_id, hit.jurisdiction_id, hit.raw_code), None)
        if votes:
            self.session.execute(insert(core_table(Classification)), [params for _, params in votes.values()])
            for row, _ in votes.values():
                row.contributed = True

    def _write_signals(self, rows: list[_Row]) -> None:
        wanted: dict[tuple[int, str, str], tuple[_Row, str]] = {}
        for row in rows:
            for kind, value, digest in row.signals:
                if kind == "photodna" and self._is_placeholder(digest):
                    continue
                assert row.item.id is not None
                wanted.setdefault((row.item.id, kind, digest), (row, value))
        if not wanted:
            return
        sig = MediaSignal
        existing = self.session.execute(
            select(sig.media_id, sig.signal_type, sig.digest).where(sig.media_id.in_({k[0] for k in wanted}))
        )
        for hit in existing:
            wanted.pop((hit.media_id, hit.signal_type, hit.digest), None)
        if wanted:
            params = [
                {
                    "media_id": media_id,
                    "signal_type": kind,
                    "value": value,
                    "digest": digest,
                    "provenance_id": self.provenance.id,
                }
                for (media_id, kind, digest), (_, value) in wanted.items()
            ]
            self.session.execute(insert(core_table(MediaSignal)), params)
            for row, _ in wanted.values():
                row.contributed = True

    def _is_placeholder(self, digest: str) -> bool:
        self._photodna[digest] += 1
        if self._photodna[digest] >= PLACEHOLDER_REPEATS:
            self._placeholders.add(digest)
        return digest in self._placeholders

    def _drop_placeholders(self) -> None:
        if not self._placeholders:
            return
        for digest in self._placeholders:
            self._diagnostics.warn(
                f"PhotoDNA value repeated on {self._photodna[digest]} records: a placeholder, not imported"
            )
        self.session.execute(
            delete(MediaSignal).where(
                MediaSignal.provenance_id == self.provenance.id,
                MediaSignal.signal_type == "photodna",
                MediaSignal.digest.in_(self._placeholders),
            )
        )

    def _series_ids(self, names: set[str]) -> dict[str, int]:
        query = select(Series.name, Series.id).where(Series.name.in_(names))
        return {name: series_id for name, series_id in self.session.execute(query)}

    def _write_series(self, rows: list[_Row]) -> None:
        named = [r for r in rows if r.record.series]
        if not named:
            return
        names = {r.record.series for r in named if r.record.series}
        ids = self._series_ids(names)
        missing = sorted(names - ids.keys())
        if missing:
            self.session.execute(
                insert(core_table(Series)),
                [
                    {
                        "name": n,
                        "description": "",
                        "created_at": self.provenance.created_at,
                        "provenance_id": self.provenance.id,
                    }
                    for n in missing
                ],
            )
            ids.update(self._series_ids(set(missing)))
        links: dict[tuple[int, int], _Row] = {}
        for row in named:
            assert row.item.id is not None and row.record.series is not None
            links.setdefault((row.item.id, ids[row.record.series]), row)
        existing = self.session.execute(
            select(MediaSeries.media_id, MediaSeries.series_id).where(
                MediaSeries.media_id.in_({k[0] for k in links})
            )
        )
        for hit in existing:
            links.pop((hit.media_id, hit.series_id), None)
        if links:
            self.session.execute(
                insert(core_table(MediaSeries)),
                [{"media_id": m, "series_id": s, "provenance_id": self.provenance.id} for m, s in links],
            )
            for row in links.values():
                row.contributed = True

    def _write_members(self, rows: list[_Row]) -> None:
        if self.hash_list is None or not rows:
            return
        members: dict[int, _Row] = {}
        for row in rows:
            assert row.item.id is not None
            members.setdefault(row.item.id, row)
        mem = HashListMember
        existing = self.session.execute(
            select(mem.media_id).where(mem.list_id == self.hash_list.id, mem.media_id.in_(members))
        ).scalars()
        for media_id in existing:
            members.pop(media_id, None)
        if members:
            self.session.execute(
                insert(core_table(HashListMember)),
                [
                    {"list_id": self.hash_list.id, "media_id": m, "provenance_id": self.provenance.id}
                    for m in members
                ],
            )
            for row in members.values():
                row.contributed = True

    # -- after the stream ---------------------------------------------------------------------------

    def _rows_written(self) -> bool:
        """Whether any row carries this import's provenance (so the import changed something)."""
        tables = (
            Media,
            MediaSignal,
            Classification,
            Series,
            MediaSeries,
            MediaVictim,
            Victim,
            HashList,
            HashListMember,
        )
        pid = self.provenance.id
        return any(
            self.session.execute(select(exists().where(table.provenance_id == pid))).scalar()
            for table in tables
        )


def count_rows(session: Session, model: Any) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())
