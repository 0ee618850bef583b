"""What each fuzzed input is run through, inside a worker process, and what counts as a finding.

An input either is accepted (``ok``) or refused with a clear error (``refused``). Findings:
``crash`` (an exception other than the interface's clear errors, MemoryError included), ``partial`` (a
refused import that changed the database) and ``bad`` (an invariant broken: digests lost, a result
with neither hash nor error, an oversized value stored). Hangs and dead workers are the runner's to see.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy import Engine, MetaData, String, Text, select, text

from vigil.blocklists.entries import ListEntry
from vigil.blocklists.export.hosts import render_hosts
from vigil.blocklists.export.json import version_from_json
from vigil.blocklists.export.rpz import RpzOptions, render_rpz
from vigil.blocklists.keyword_check import KeywordChecker
from vigil.blocklists.keywords import keywords_from_json
from vigil.blocklists.rpz_reader import TriggerKind, read_rpz
from vigil.blocklists.versions import ListVersion
from vigil.config import Settings
from vigil.db.migrate import upgrade
from vigil.db.session import engine_for_url, make_session_factory
from vigil.errors import VigilError
from vigil.formats.registry import get_format
from vigil.hashlists.service import HashDatabase
from vigil.signals.content import HashOptions, hash_file
from vigil.signals.images import IMAGE_EXTENSIONS

#: A stored text value longer than this is a finding: every imported field must have a maximum
#: (issue 20 part 4), and none of them is anywhere near this long.
MAX_STORED_TEXT: Final = 64 * 1024
_HEX64: Final = re.compile(r"^[0-9a-f]{64}$")
#: Queries the keyword checker is run on: ordinary ones and ones built to make regexes backtrack.
_QUERIES: Final = (
    "where to buy a widget maker",
    "g.a.d.g.e.t",
    "a" * 2000,
    "a." * 1000,
    "_" * 1999 + "!",
    "\u200b".join("thing" * 100),
)


@dataclass(frozen=True)
class Outcome:
    status: str  # ok | refused | crash | partial | bad
    detail: str = ""

    @property
    def is_finding(self) -> bool:
        return self.status in ("crash", "partial", "bad")


def crash(exc: BaseException) -> Outcome:
    """A crash described by the exception and the innermost frame of Vigil's code (the signature)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "/vigil/" in f.filename]
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
    return Outcome("crash", f"{type(exc).__name__}{where}: {str(exc)[:200]}")


# -- images -----------------------------------------------------------------------------------------


def run_image(path: Path) -> Outcome:
    """The hashing pipeline must give the digests and either a PDQ hash or a clear error."""
    try:
        result = hash_file(str(path), HashOptions())
    except Exception as exc:  # the batch would drop the file's digests: a finding
        return crash(exc)
    if not (result.signals.get("md5") and result.signals.get("sha1") and result.signals.get("sha256")):
        return Outcome("bad", f"digests lost: {result.error}")
    if result.error is not None:
        if result.error.startswith("internal error"):
            return Outcome("bad", result.error[:200])
        return Outcome("refused", result.error[:200])
    if result.signals.get("pdq") is None:
        if path.suffix.lower() in IMAGE_EXTENSIONS:
            return Outcome("bad", "an image file with neither a PDQ hash nor an error")
        return Outcome("refused", "not an image")
    if not _HEX64.match(result.signals.values["pdq"]) or not 0 <= (result.signals.quality["pdq"] or 0) <= 100:
        return Outcome(
            "bad",
            f"malformed PDQ result {result.signals.get('pdq')!r} quality {result.signals.quality_of('pdq')}",
        )
    return Outcome("ok", f"pdq quality {result.signals.quality_of('pdq')}")


# -- hash-list imports ------------------------------------------------------------------------------


class ListImports:
    """Imports into a fresh copy of one migrated SQLite database: refused with it unchanged, or done."""

    def __init__(self, workdir: Path) -> None:
        self.template = workdir / "template.sqlite3"
        self.db = workdir / "import.sqlite3"
        self.template.unlink(missing_ok=True)
        upgrade(Settings(data_dir=workdir, database_url=f"sqlite:///{self.template}"))
        engine = engine_for_url(f"sqlite:///{self.template}")
        try:
            self.metadata = MetaData()
            self.metadata.reflect(engine)
            self.pristine = self._state(engine)
        finally:
            engine.dispose()

    def _state(self, engine: Engine) -> str:
        """A digest of every row of every table."""
        digest = hashlib.sha256()
        with engine.connect() as conn:
            for table in self.metadata.sorted_tables:
                rows = conn.execute(select(table).order_by(*table.columns)).all()
                digest.update(f"{table.name}:{sorted(map(repr, rows))}".encode())
        return digest.hexdigest()

    def _longest_text(self, engine: Engine) -> tuple[int, str]:
        longest = (0, "")
        with engine.connect() as conn:
            for table in self.metadata.sorted_tables:
                for column in table.columns:
                    if isinstance(column.type, String | Text):
                        query = text(f'SELECT max(length("{column.name}")) FROM "{table.name}"')
                        size = conn.execute(query).scalar() or 0
                        longest = max(longest, (int(size), f"{table.name}.{column.name}"))
        return longest

    def run(self, path: Path, fmt: str) -> Outcome:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.db}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(self.template, self.db)
        engine = engine_for_url(f"sqlite:///{self.db}")
        try:
            service = HashDatabase(make_session_factory(engine), "fuzz")
            try:
                summary = service.import_file(
                    path, get_format(fmt), "Fuzz Hotline", kind="hotline", country="GB", list_name="fuzz"
                )
            except VigilError as exc:  # what `vigil lists import` prints as a refusal
                if self._state(engine) != self.pristine:
                    return Outcome("partial", f"refused ({type(exc).__name__}: {str(exc)[:160]}) but changed")
                return Outcome("refused", f"{type(exc).__name__}: {str(exc)[:200]}")
            except Exception as exc:
                return crash(exc)
            counted = summary.added + summary.merged + summary.skipped + summary.rejected
            if counted != summary.records:
                return Outcome("bad", f"{summary.records} records but {counted} accounted for")
            size, where = self._longest_text(engine)
            if size > MAX_STORED_TEXT:
                return Outcome("bad", f"a {size}-character value stored in {where}")
            return Outcome("ok", f"{summary.records} records, {summary.rejected} rejected")
        finally:
            engine.dispose()


# -- blocklist inputs -------------------------------------------------------------------------------

_NOW: Final = datetime(2025, 6, 1, tzinfo=UTC)


def _rpz(data: bytes) -> None:
    zone = read_rpz(data.decode("utf-8"))
    for rule in zone.rules[:50]:
        zone.lookup(rule.owner)
    zone.lookup("www.abuse-host.example.")
    zone.ip_lookup(TriggerKind.RESPONSE_IP, "127.0.0.1")


def _hosts(data: bytes) -> None:
    """A hosts file's names as blocklist targets, then the accepted ones written back as hosts and RPZ."""
    entries = []
    for line in data.decode("utf-8").splitlines():
        fields = line.split("#", 1)[0].split()
        for name in fields[1:]:
            try:
                entries.append(ListEntry.create(name, category="fuzz", added_at=_NOW))
            except ValueError:
                continue
    version = ListVersion(name="fuzz", serial=1, published_at=_NOW, entries=tuple(entries))
    render_hosts(version)
    render_rpz(version, RpzOptions(origin="fuzz.rpz.vigil."))


def _keywords(data: bytes) -> None:
    checker = KeywordChecker(keywords_from_json(data))
    for query in _QUERIES:
        checker.check(query, language="en", at=_NOW)


def _blocklist_json(data: bytes) -> None:
    version = version_from_json(data)
    render_hosts(version)
    try:
        read_rpz(render_rpz(version, RpzOptions(origin="fuzz.rpz.vigil.")))
    except ValueError as exc:  # an accepted list must export to a zone the reader takes back
        raise AssertionError(f"its RPZ export does not read back: {exc}") from exc


_READERS: Final = {"rpz": _rpz, "hosts": _hosts, "keywords": _keywords, "blocklist-json": _blocklist_json}


def run_reader(path: Path, kind: str) -> Outcome:
    try:
        _READERS[kind](path.read_bytes())
    except ValueError as exc:  # every reader's clear error is a ValueError (UnicodeDecodeError too)
        return Outcome("refused", f"{type(exc).__name__}: {str(exc)[:200]}")
    except Exception as exc:
        return crash(exc)
    return Outcome("ok")
