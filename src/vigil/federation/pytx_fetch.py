"""Fetching from any python-threatexchange ``SignalExchangeAPI`` into a Vigil list, from a checkpoint.

An exchange is named here (``vigil exchanges fetch NAME``) and configured once by its API (pytx's name of
a built-in exchange: ``sample``, ``local_file``, ``ncmec``, ``stop_ncii``, ``fb_threatexchange``, ``tat``,
or ``module:Class`` of any other) and its collaboration config (the API's config dataclass, as JSON).
State lives in ``data_dir/exchanges/NAME/state.sqlite`` (``exchange_state.py``): the configuration, the
API's last checkpoint, and what each fetched record key converted to, so that a later update or deletion
of a key is understood.

Signals are imported into the list through the hash database's own import (one all-or-nothing import per
flush, journalled; importing a signal twice changes nothing), and only then is the checkpoint saved: a
fetch stopped anywhere resumes from the last saved checkpoint and at worst imports some signals again.
Signals a key lost (deleted at the source, replaced by an update, or not delivered again by an exchange
that delivers everything at every fetch) take their media off the list in that same import's transaction.
"""

from __future__ import annotations

import csv
import dataclasses
import importlib
import json
import typing as t
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from threatexchange.exchanges.impl.fb_threatexchange_api import FBThreatExchangeSignalExchangeAPI
from threatexchange.exchanges.impl.file_api import LocalFileSignalExchangeAPI
from threatexchange.exchanges.impl.ncmec_api import NCMECSignalExchangeAPI
from threatexchange.exchanges.impl.static_sample import StaticSampleSignalExchangeAPI
from threatexchange.exchanges.impl.stop_ncii_api import StopNCIISignalExchangeAPI
from threatexchange.exchanges.impl.techagainstterrorism_api import TATSignalExchangeAPI
from threatexchange.exchanges.signal_exchange_api import SignalExchangeAPI
from threatexchange.signal_type.md5 import VideoMD5Signal
from threatexchange.signal_type.pdq.signal import PdqSignal
from threatexchange.signal_type.sha256 import VideoSHA256Signal
from threatexchange.utils import dataclass_json

from vigil.audit import journal
from vigil.errors import Invalid, NotFound
from vigil.federation.exchange_state import ExchangeState
from vigil.federation.pytx_names import to_vigil
from vigil.formats.csv import CSV
from vigil.hashlists.service import HashDatabase
from vigil.hashlists.summary import ImportSummary
from vigil.hashlists.withdrawal import Withdrawal
from vigil.signals import registry
from vigil.signals.base import InvalidSignalError

BUILT_IN: t.Final = (
    StaticSampleSignalExchangeAPI,
    LocalFileSignalExchangeAPI,
    StopNCIISignalExchangeAPI,
    NCMECSignalExchangeAPI,
    FBThreatExchangeSignalExchangeAPI,
    TATSignalExchangeAPI,
)
#: The pytx signal types Vigil asks exchanges for (those it has a type for).
SIGNAL_TYPES: t.Final = (PdqSignal, VideoMD5Signal, VideoSHA256Signal)
#: Records imported at once (one import, one provenance) while fetching.
FLUSH_RECORDS: t.Final = 20_000


class ExchangeError(Invalid):
    """The exchange's API or configuration is refused as given."""


class UnknownExchangeError(NotFound):
    """No exchange of that name has been fetched before (and no API was given)."""


@dataclass
class FetchResult:
    name: str
    api: str
    updates: int = 0
    #: Record keys deleted by the exchange (their media leave the list unless another key names them).
    deleted: int = 0
    imports: list[ImportSummary] = field(default_factory=list)
    checkpoint: dict[str, t.Any] | None = None
    #: False when stopped by ``max_updates`` before the exchange had nothing more.
    complete: bool = True

    @property
    def added(self) -> int:
        return sum(s.added for s in self.imports)

    @property
    def withdrawn(self) -> int:
        """Members taken off the list for deleted records."""
        return sum(s.withdrawn for s in self.imports)


def resolve_api(spec: str) -> type[SignalExchangeAPI[t.Any, t.Any, t.Any, t.Any, t.Any]]:
    """A built-in exchange by its pytx name, or any ``module:Class``."""
    if ":" in spec:
        module, _, name = spec.partition(":")
        try:
            found = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as exc:
            raise ExchangeError(f"no exchange API {spec!r}: {exc}") from None
    else:
        found = next((api for api in BUILT_IN if api.get_name() == spec), None)
        if found is None:
            known = ", ".join(api.get_name() for api in BUILT_IN)
            raise ExchangeError(f"no built-in exchange API {spec!r}; known: {known}, or module:Class")
    if not (isinstance(found, type) and issubclass(found, SignalExchangeAPI)):
        raise ExchangeError(f"{spec!r} is not a python-threatexchange SignalExchangeAPI")
    return found


def collab_config(
    api: type[SignalExchangeAPI[t.Any, t.Any, t.Any, t.Any, t.Any]], name: str, config: dict[str, t.Any]
) -> t.Any:
    """The API's collaboration config from JSON fields (enum members by name or value)."""
    cls = api.get_config_cls()
    init = {f.name: f for f in dataclasses.fields(cls) if f.init}
    data: dict[str, t.Any] = {"name": name, "enabled": True, **config}
    if "api" in init:
        data["api"] = api.get_name()
    unknown = sorted(set(data) - set(init))
    if unknown:
        raise ExchangeError(
            f"the {api.get_name()} config has no field {', '.join(unknown)}; it has {', '.join(init)}"
        )
    for key, value in data.items():
        kind = t.get_type_hints(cls).get(key)
        if (
            isinstance(kind, type)
            and issubclass(kind, Enum)
            and isinstance(value, str)
            and value in kind.__members__
        ):
            data[key] = kind[value].value
    try:
        return dataclass_json.dataclass_load_dict(data, cls)
    except Exception as exc:  # dacite's errors name the field and the type it wanted
        raise ExchangeError(f"invalid {api.get_name()} config: {exc}") from None


def _delivers_whole(
    api: type[SignalExchangeAPI[t.Any, t.Any, t.Any, t.Any, t.Any]], checkpoint: t.Any
) -> bool:
    """Whether a fetch from ``checkpoint`` delivers every record the exchange holds: from none, or from a
    checkpoint without fields (pytx's file exchange), which cannot tell the API where to resume."""
    cls = api.get_checkpoint_cls()
    return checkpoint is None or (dataclasses.is_dataclass(cls) and not dataclasses.fields(cls))


def _canonical(pytx: str, value: str) -> tuple[str, str] | None:
    name = to_vigil(pytx)
    if name is None:
        return None
    try:
        return name, registry.normalize(name, value)
    except InvalidSignalError:
        return None


class _Records:
    """The exchange's record keys (key → its signals, pytx names), what changed since the last import,
    and, in a fetch that delivers everything, the keys not delivered yet."""

    def __init__(self, keys: dict[str, list[list[str]]], *, whole: bool) -> None:
        self.keys = keys
        #: Keys that brought new signals since the last import, with all their signals.
        self.pending: dict[str, list[list[str]]] = {}
        #: Signals a key lost since the last import: deleted, or replaced by an update.
        self.dropped: set[tuple[str, str]] = set()
        #: Keys updated or deleted since the state was last saved (only they are written again).
        self.changed: set[str] = set()
        # A key known before and not delivered again by a whole fetch was deleted at the source.
        self.unseen = set(keys) if whole else set[str]()
        #: How many keys hold each canonical signal, kept as keys change: rebuilding it from every key
        #: at each flush would cost the whole exchange (millions of keys at NCMEC's scale) per batch.
        self.held: Counter[tuple[str, str]] = Counter()
        for signals in keys.values():
            self._count(signals, 1)

    def _count(self, signals: list[list[str]], step: int) -> None:
        for k, v in signals:
            canonical = _canonical(k, v)
            if canonical is None:
                continue
            self.held[canonical] += step
            if self.held[canonical] <= 0:
                del self.held[canonical]

    def _forget(self, key: str, keep: list[list[str]]) -> None:
        self.dropped.update((k, v) for k, v in self.keys.get(key, []) if [k, v] not in keep)

    def _replace(self, key: str, signals: list[list[str]] | None) -> None:
        self.changed.add(key)
        self._count(self.keys.get(key, []), -1)
        if signals is None:
            self.keys.pop(key, None)
        else:
            self._count(signals, 1)
            self.keys[key] = signals

    def update(self, key: str, signals: list[list[str]]) -> None:
        self.unseen.discard(key)
        fresh = [s for s in signals if s not in self.keys.get(key, [])]
        self._forget(key, signals)
        self._replace(key, signals)
        if fresh:
            self.pending[key] = signals

    def delete(self, key: str) -> int:
        """1 when the key was known (a deletion to apply), else 0."""
        self.unseen.discard(key)
        if key not in self.keys:
            return 0
        self._forget(key, [])
        self._replace(key, None)
        self.pending.pop(key, None)
        return 1

    def sweep(self) -> int:
        """After a whole fetch completed: the keys it did not deliver are deleted."""
        gone = sorted(self.unseen)
        for key in gone:
            self.delete(key)
        return len(gone)

    def withdrawal(self) -> Withdrawal | None:
        """The signals no key holds any more, as Vigil's canonical values; an item stays on the list
        while a key still holds one of its signals."""
        if not self.dropped:
            return None
        # The live count, not a copy: the flush imports before any further key changes.
        gone = {c for k, v in self.dropped if (c := _canonical(k, v)) is not None and c not in self.held}
        return Withdrawal(gone, self.held)


class ExchangeFetcher:
    def __init__(self, sessions: sessionmaker[Session], data_dir: Path, actor: str) -> None:
        self.sessions = sessions
        self.root = data_dir / "exchanges"
        self.actor = actor

    def _folder(self, name: str) -> Path:
        if not name or not all(c.isalnum() or c in "-_." for c in name) or name.startswith("."):
            raise ExchangeError("an exchange name is letters, digits, '-', '_' and '.'")
        return self.root / name

    def _store(self, name: str) -> ExchangeState:
        return ExchangeState(self._folder(name))

    def state(self, name: str) -> dict[str, t.Any]:
        """What a fetch of ``name`` keeps: ``api``, ``config``, ``checkpoint`` and ``keys``."""
        store = self._store(name)
        if not store.exists:
            raise UnknownExchangeError(f"no exchange {name!r} has been fetched")
        api, config, checkpoint = store.source()
        return {"api": api, "config": config, "checkpoint": checkpoint, "keys": store.keys()}

    def _load(
        self, name: str, api: str | None, config: dict[str, t.Any] | None
    ) -> tuple[dict[str, t.Any], bool]:
        """The exchange's state, and whether it is a new one (a first fetch, or another source under the
        same name: what was fetched from the other source says nothing about this one)."""
        try:
            state = self.state(name)
        except UnknownExchangeError:
            if api is None:
                raise
            return {"api": api, "config": config or {}, "checkpoint": None, "keys": {}}, True
        if api is not None and (api != state["api"] or (config is not None and config != state["config"])):
            return {"api": api, "config": config or {}, "checkpoint": None, "keys": {}}, True
        return state, False

    def fetch(
        self,
        name: str,
        list_name: str,
        contributor: str,
        *,
        api: str | None = None,
        config: dict[str, t.Any] | None = None,
        kind: str | None = None,
        max_updates: int | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> FetchResult:
        folder = self._folder(name)
        state, fresh = self._load(name, api, config)
        api_cls = resolve_api(state["api"])
        collab = collab_config(api_cls, name, state["config"])
        try:
            exchange = api_cls.for_collab(collab)
        except Exception as exc:  # missing credentials and the like, as the API words them
            raise ExchangeError(f"cannot open the {api_cls.get_name()} exchange: {exc}") from None
        checkpoint = None
        if state["checkpoint"] is not None:
            checkpoint = dataclass_json.dataclass_load_dict(state["checkpoint"], api_cls.get_checkpoint_cls())
            if checkpoint.is_stale():
                checkpoint = None
        folder.mkdir(parents=True, exist_ok=True)
        result = FetchResult(name, state["api"])
        records = _Records(state["keys"], whole=_delivers_whole(api_cls, checkpoint))

        def flush(new_checkpoint: t.Any) -> None:
            if records.pending or records.dropped:
                result.imports.append(
                    self._import(
                        folder, name, records.pending, list_name, contributor, kind, records.withdrawal()
                    )
                )
                records.pending.clear()
                records.dropped.clear()
            nonlocal fresh
            state["checkpoint"] = (
                None if new_checkpoint is None else dataclass_json.dataclass_dump_dict(new_checkpoint)
            )
            changed = {key: records.keys.get(key) for key in records.changed}
            self._store(name).save(state["api"], state["config"], state["checkpoint"], changed, fresh=fresh)
            records.changed.clear()
            fresh = False

        last = None
        for delta in exchange.fetch_iter(list(SIGNAL_TYPES), checkpoint):
            for key, update in delta.updates.items():
                # An API may mark a deletion in the value (NCMEC's tombstones): its merge says None.
                value = None if update is None else api_cls.fetch_value_merge(None, update)
                if value is None:
                    result.deleted += records.delete(json.dumps(key))
                    continue
                converted = api_cls.naive_convert_to_signal_type(list(SIGNAL_TYPES), collab, {key: value})
                records.update(
                    json.dumps(key),
                    sorted([st.get_name(), s] for st, by_value in converted.items() for s in by_value),
                )
            result.updates += len(delta.updates)
            last = delta.checkpoint
            if progress:
                progress(len(delta.updates))
            if len(records.pending) >= FLUSH_RECORDS:
                flush(last)
            if max_updates is not None and result.updates >= max_updates:
                result.complete = False
                break
        if result.complete:
            result.deleted += records.sweep()
        flush(last if last is not None else checkpoint)
        result.checkpoint = state["checkpoint"]
        with self.sessions() as session, session.begin():
            journal.append(
                session,
                self.actor,
                "federation.exchange.fetch",
                f"exchange/{name}",
                {
                    "api": state["api"],
                    "list": list_name,
                    "updates": result.updates,
                    "deleted": result.deleted,
                    "added": result.added,
                    "withdrawn": result.withdrawn,
                    "complete": result.complete,
                },
            )
        return result

    def _import(
        self,
        folder: Path,
        name: str,
        records: dict[str, list[list[str]]],
        list_name: str,
        contributor: str,
        kind: str | None,
        withdraw: Withdrawal | None,
    ) -> ImportSummary:
        """One CSV row per record (its signals, in Vigil's names, stay one media item), imported by the
        hash database (journalled there)."""
        columns = [c for st in SIGNAL_TYPES if (c := to_vigil(st.get_name())) is not None]
        path = folder / f"{name}.csv"
        with path.open("w", newline="", encoding="ascii") as out:
            writer = csv.writer(out)
            writer.writerow(columns)
            for record in records.values():
                by_type: dict[str, list[str]] = {}
                for pytx, value in record:
                    if (vigil := to_vigil(pytx)) is not None:
                        by_type.setdefault(vigil, []).append(value)
                # A column holds one digest; perceptual hashes may be several, separated by spaces.
                writer.writerow(
                    [
                        " ".join(by_type.get(c, [])[: None if c not in registry.IDENTITY_DIGESTS else 1])
                        for c in columns
                    ]
                )
        try:
            return HashDatabase(self.sessions, self.actor).import_file(
                path, CSV, contributor, kind=kind, list_name=list_name, withdraw=withdraw
            )
        finally:
            path.unlink(missing_ok=True)
