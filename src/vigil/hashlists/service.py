"""The hash database's service layer: one method per use case, each one transaction, each change audited.

The CLI and the web API call these and nothing below them. Methods open their own session from the
factory they were given, so a failure anywhere (a malformed file, a killed process) leaves the database
as it was before the call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.orm import Session, sessionmaker

from vigil.audit import journal
from vigil.formats.base import Diagnostics, HashRecord, HashSetFormat
from vigil.formats.limits import DEFAULT_LIMITS, ReadLimits
from vigil.hashlists import withdrawal
from vigil.hashlists.catalog import Catalog, load_catalog
from vigil.hashlists.compare import Comparison, compare_lists, describe_media
from vigil.hashlists.contributors import ensure_contributor, get_contributor, new_provenance
from vigil.hashlists.importer import Importer
from vigil.hashlists.lists import (
    ListInfo,
    all_lists,
    create_list,
    ensure_list,
    get_list,
    list_info,
    versions,
)
from vigil.hashlists.models import HashListVersion, Media, Provenance
from vigil.hashlists.publish import (
    PublishResult,
    delta,
    publish,
    publish_baseline,
    resolve_version,
    version_entries,
)
from vigil.hashlists.selection import SelectionRules
from vigil.hashlists.summary import ImportSummary
from vigil.hashlists.victims import (
    VictimFigures,
    add_note,
    add_victim,
    ensure_series,
    get_victim,
    identify_victim,
    link_media,
    victim_figures,
)
from vigil.hashlists.votes import MediaNotFoundError, MediaStatus, add_vote, find_media, media_status
from vigil.hashlists.withdrawal import Withdrawal


class _HashingReader:
    """Reads a binary stream on behalf of a parser and keeps the SHA-256 of every byte read."""

    def __init__(self, raw: BinaryIO) -> None:
        self._raw = raw
        self._sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._sha256.update(data)
        return data

    def hexdigest(self) -> str:
        while self.read(1 << 20):  # a parser may stop before the end (trailing whitespace)
            pass
        return self._sha256.hexdigest()


class _UnchangedError(Exception):
    """Raised inside the transaction to roll back an import that changed nothing."""


class _DryRunError(Exception):
    """Raised inside the transaction to roll back a dry run once its summary is known."""


@dataclass(frozen=True)
class ExportResult:
    list_name: str
    version: int
    written: int
    warnings: list[str]


@dataclass(frozen=True)
class ListDetails:
    info: ListInfo
    versions: list[HashListVersion]


class HashDatabase:
    def __init__(self, sessions: sessionmaker[Session], actor: str) -> None:
        self.sessions = sessions
        self.actor = actor

    # -- imports ------------------------------------------------------------------------------------

    def import_file(
        self,
        path: Path,
        fmt: HashSetFormat,
        contributor: str,
        *,
        kind: str | None = None,
        country: str | None = None,
        list_name: str | None = None,
        scheme: str = "vics-us",
        jurisdiction: str | None = None,
        chunk_size: int = 2000,
        progress: Callable[[int], None] | None = None,
        refresh_baseline: bool = True,
        limits: ReadLimits = DEFAULT_LIMITS,
        dry_run: bool = False,
        withdraw: Withdrawal | None = None,
    ) -> ImportSummary:
        """Import a file all or nothing. Importing the same file again changes nothing.

        ``withdraw`` (with ``list_name``) takes media off the list in the same transaction, before the
        file's records are added: a source's deletions and additions land together or not at all.

        A file past one of ``limits`` raises FormatError as soon as the bound is crossed (nothing is
        imported); a record with a value over its maximum is rejected with the reason.

        ``dry_run`` does the whole import in its transaction and rolls it back: the summary says what
        the import would add, merge, skip and reject (the same rules, so the same figures), and nothing
        is written or journalled.
        """
        summary = ImportSummary(source=path.name, format=fmt.name, contributor=contributor, dry_run=dry_run)
        with path.open("rb") as raw, self.sessions() as session:
            stream = _HashingReader(raw)
            try:
                with session.begin():
                    who, _ = ensure_contributor(session, contributor, kind, country)
                    provenance = new_provenance(session, who, self.actor, path.name, fmt.name)
                    catalog = load_catalog(session)
                    hash_list = ensure_list(session, catalog, list_name, provenance)[0] if list_name else None
                    if withdraw is not None:
                        if hash_list is None:
                            raise ValueError("a withdrawal needs the list it is from")
                        summary.withdrawn = withdrawal.withdraw(session, hash_list, withdraw)
                    importer = Importer(
                        session,
                        catalog,
                        provenance,
                        summary,
                        scheme=scheme,
                        jurisdiction=jurisdiction,
                        hash_list=hash_list,
                        limits=limits,
                    )
                    diagnostics = Diagnostics()
                    records = fmt.read(stream, diagnostics, limits)  # type: ignore[arg-type]
                    importer.run(records, diagnostics, chunk_size, progress)
                    summary.sha256 = stream.hexdigest()
                    if dry_run:
                        raise _DryRunError
                    summary.changed = summary.changed or summary.withdrawn > 0
                    if not summary.changed:
                        raise _UnchangedError
                    provenance.digest = summary.sha256
                    provenance.summary = summary.as_dict()
                    if refresh_baseline:
                        self._refresh_baseline(session, catalog, provenance)
                    journal.append(
                        session,
                        self.actor,
                        "hashlists.import",
                        f"provenance/{provenance.id}",
                        {"file": path.name, "sha256": provenance.digest, **summary.as_dict()},
                    )
                    summary.provenance_id = provenance.id
            except _UnchangedError:
                summary.changed = False
            except _DryRunError:
                pass  # rolled back; ``changed`` says whether the import would change anything
        return summary

    def _refresh_baseline(self, session: Session, catalog: Catalog, provenance: Provenance) -> None:
        """The baseline is recomputed on every change and versioned like any list."""
        publish_baseline(session, catalog, self.actor, lambda: provenance)

    def add_contributor(self, name: str, kind: str, country: str | None = None) -> bool:
        """Register an agency or organisation; False when it exists already (with the same kind/country)."""
        with self.sessions() as session, session.begin():
            contributor, created = ensure_contributor(session, name, kind, country)
            if created:
                journal.append(
                    session,
                    self.actor,
                    "contributors.add",
                    f"contributor/{contributor.id}",
                    {"name": name, "kind": kind, "country": contributor.country},
                )
            return created

    # -- lists --------------------------------------------------------------------------------------

    def create_list(
        self,
        name: str,
        contributor: str,
        rules: SelectionRules | None = None,
        recipients: Sequence[str] = (),
        description: str = "",
    ) -> ListInfo:
        with self.sessions() as session, session.begin():
            provenance = new_provenance(session, get_contributor(session, contributor), self.actor, "cli")
            hash_list = create_list(
                session, load_catalog(session), name, provenance, rules, recipients, description
            )
            journal.append(
                session, self.actor, "hashlists.create_list", f"list/{name}", {"rules": hash_list.rules}
            )
            return list_info(session, hash_list)

    def publish(self, name: str) -> PublishResult:
        with self.sessions() as session, session.begin():
            result = publish(session, load_catalog(session), get_list(session, name), self.actor)
            if result.new_version:
                journal.append(
                    session,
                    self.actor,
                    "hashlists.publish",
                    f"list/{name}",
                    {"version": result.version, "entries": result.entries, "digest": result.digest},
                )
            return result

    def export(
        self, name: str, fmt: HashSetFormat, out: BinaryIO, version: int | None = None
    ) -> ExportResult:
        """Write a published version (the latest by default); exports are journalled as reads."""
        with self.sessions() as session, session.begin():
            hash_list = get_list(session, name)
            chosen = resolve_version(session, hash_list, version).version
            diagnostics = Diagnostics()
            records = (record for _, record in version_entries(session, hash_list, chosen))
            written = fmt.write(records, out, diagnostics)
            journal.append(
                session,
                self.actor,
                "hashlists.export",
                f"list/{name}",
                {"version": chosen, "format": fmt.name, "written": written},
            )
            return ExportResult(name, chosen, written, diagnostics.messages)

    def lists(self) -> list[ListInfo]:
        with self.sessions() as session:
            return [list_info(session, hash_list) for hash_list in all_lists(session)]

    def show(self, name: str) -> ListDetails:
        with self.sessions() as session:
            hash_list = get_list(session, name)
            return ListDetails(list_info(session, hash_list), versions(session, hash_list))

    def compare(self, a: str, b: str) -> Comparison:
        with self.sessions() as session:
            return compare_lists(session, load_catalog(session), get_list(session, a), get_list(session, b))

    def describe_media(self, ids: Sequence[int]) -> list[HashRecord]:
        with self.sessions() as session:
            return describe_media(session, ids)

    def delta(self, name: str, since: int, until: int | None = None) -> list[tuple[int, HashRecord | None]]:
        with self.sessions() as session:
            return list(delta(session, get_list(session, name), since, until))

    # -- classification -----------------------------------------------------------------------------

    def vote(
        self,
        digest: str,
        scheme: str,
        code: str,
        contributor: str,
        analyst: str,
        jurisdiction: str | None = None,
    ) -> MediaStatus:
        with self.sessions() as session:
            media_id = find_media(session, digest).id
        return self.vote_on(media_id, scheme, code, contributor, analyst, jurisdiction)

    def vote_on(
        self,
        media_id: int,
        scheme: str,
        code: str,
        contributor: str,
        analyst: str,
        jurisdiction: str | None = None,
    ) -> MediaStatus:
        """One analyst's vote on the item with this id (an item may have no hash, only signals)."""
        with self.sessions() as session, session.begin():
            catalog = load_catalog(session)
            media = session.get(Media, media_id)
            if media is None:
                raise MediaNotFoundError(f"no media item {media_id}")
            provenance = new_provenance(session, get_contributor(session, contributor), self.actor, "vote")
            vote = add_vote(session, catalog, media, scheme, code, provenance, analyst, jurisdiction)
            self._refresh_baseline(session, catalog, provenance)
            journal.append(
                session,
                self.actor,
                "hashlists.vote",
                f"media/{media.id}",
                {"scheme": scheme, "category": code, "analyst": analyst, "classification": vote.id},
            )
            return media_status(session, catalog, media)

    # -- series and victims ---------------------------------------------------------------------------

    def add_victim(self, series: str, label: str, contributor: str, country: str | None = None) -> int:
        with self.sessions() as session, session.begin():
            provenance = new_provenance(session, get_contributor(session, contributor), self.actor, "victims")
            victim = add_victim(
                session, ensure_series(session, series, provenance), label, provenance, country
            )
            journal.append(session, self.actor, "victims.add", f"victim/{victim.id}", {"series": series})
            return victim.id

    def identify_victim(self, victim_id: int, on: date, agency: str) -> None:
        with self.sessions() as session, session.begin():
            victim = get_victim(session, victim_id)
            identify_victim(session, victim, on, get_contributor(session, agency))
            journal.append(
                session,
                self.actor,
                "victims.identify",
                f"victim/{victim_id}",
                {"on": on.isoformat(), "agency": agency},
            )

    def add_victim_note(self, victim_id: int, text: str) -> int:
        """An investigator's note on a victim, signed by the actor; journalled (the note's id and
        length: the text stays in its table)."""
        with self.sessions() as session, session.begin():
            victim = get_victim(session, victim_id)
            note = add_note(session, victim, text, self.actor)
            journal.append(
                session,
                self.actor,
                "victims.note",
                f"victim/{victim_id}",
                {"note": note.id, "length": len(note.text)},
            )
            return note.id

    def link_media_victim(self, digest: str, victim_id: int, contributor: str) -> bool:
        with self.sessions() as session, session.begin():
            victim = get_victim(session, victim_id)
            media = find_media(session, digest)
            provenance = new_provenance(session, get_contributor(session, contributor), self.actor, "victims")
            linked = link_media(session, media, victim, provenance)
            if linked:
                journal.append(
                    session, self.actor, "victims.link", f"media/{media.id}", {"victim": victim_id}
                )
            return linked

    def victim_figures(self) -> VictimFigures:
        with self.sessions() as session:
            return victim_figures(session)
