"""``VigilSignalExchangeAPI``: python-threatexchange (HMA, ``threatexchange fetch``) fetches a Vigil list.

A pytx extension (needs the ``vigil[pytx]`` extra)::

    threatexchange config extensions add vigil.federation.pytx_exchange
    threatexchange config collab edit vigil my_vigil --create --url https://vigil.example --list partners
    TX_VIGIL_TOKEN=… threatexchange fetch

It reads the list's paged deltas (``GET /api/v1/lists/{name}/delta``) with a token of a role that may
receive the list (``peer`` or ``isp``, the list naming them among its recipients). The checkpoint is the
version fetched, and inside a delta the page reached, so a fetch stopped anywhere resumes there. Records
are keyed by the delta's entry key: an entry taken off the list deletes its signals.
"""

# No ``from __future__ import annotations``: pytx builds its CLI options from the config dataclass's
# field types, which must be types at run time (and ``Optional``, not ``X | None``).
import os
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from threatexchange.exchanges import fetch_state as state
from threatexchange.exchanges.collab_config import CollaborationConfigWithDefaults
from threatexchange.exchanges.signal_exchange_api import SignalExchangeAPI
from threatexchange.extensions.manifest import ThreatExchangeExtensionManifest
from threatexchange.signal_type.signal_base import SignalType

from vigil.federation.pytx_names import pytx_signals
from vigil.signals.registry import IDENTITY_DIGESTS

TOKEN_VARIABLE: t.Final = "TX_VIGIL_TOKEN"  # noqa: S105 - the name of a variable, not a secret
PAGE: t.Final = 1000


@dataclass
class _Required:
    url: str = field(metadata={"help": "the Vigil instance's base URL, e.g. https://vigil.example.org"})
    list: str = field(metadata={"help": "the hash list to fetch"})


@dataclass
class VigilCollabConfig(CollaborationConfigWithDefaults, _Required):
    token_file: t.Optional[str] = field(  # noqa: UP045 - see the note at the imports
        default=None,
        metadata={"help": f"a file holding the API token (default: ${TOKEN_VARIABLE})", "metavar": "PATH"},
    )


@dataclass
class VigilCheckpoint(state.FetchCheckpointBase):
    #: The list version fully fetched (0: none yet).
    version: int = 0
    #: Inside a delta being fetched: its target version and the next page's cursor (0: between deltas).
    until: int = 0
    cursor: int = 0


@dataclass
class VigilSignalMetadata(state.FetchedSignalMetadata):
    """One list entry: its category (and scheme) as the list publishes it, and its signals (pytx names)."""

    category: str | None = None
    scheme: str | None = None
    signals: dict[str, list[str]] = field(default_factory=dict)

    def get_as_opinions(self) -> t.Sequence[state.SignalOpinion]:
        tags = {f"{self.scheme}:{self.category}"} if self.category else set()
        return [state.SignalOpinion(False, state.SignalOpinionCategory.POSITIVE_CLASS, tags)]


_Delta = state.FetchDelta[int, VigilSignalMetadata, VigilCheckpoint]


class VigilSignalExchangeAPI(
    SignalExchangeAPI[VigilCollabConfig, VigilCheckpoint, VigilSignalMetadata, int, VigilSignalMetadata]
):
    """A hash list of a Vigil instance, fetched by deltas."""

    def __init__(self, collab: VigilCollabConfig, token: str, client: httpx.Client | None = None) -> None:
        self.collab = collab
        #: Delta entries asked for a page (the API's maximum is 10 000).
        self.page_size = PAGE
        self.client = client or httpx.Client(
            base_url=collab.url.rstrip("/"), headers={"Authorization": f"Bearer {token}"}, timeout=120
        )

    @classmethod
    def get_name(cls) -> str:
        return "vigil"

    @staticmethod
    def get_config_cls() -> type[VigilCollabConfig]:
        return VigilCollabConfig

    @staticmethod
    def get_checkpoint_cls() -> type[VigilCheckpoint]:
        return VigilCheckpoint

    @staticmethod
    def get_record_cls() -> type[VigilSignalMetadata]:
        return VigilSignalMetadata

    @classmethod
    def for_collab(cls, collab: VigilCollabConfig) -> "VigilSignalExchangeAPI":
        token = (
            Path(collab.token_file).read_text(encoding="utf-8").strip()
            if collab.token_file
            else os.environ.get(TOKEN_VARIABLE, "")
        )
        if not token:
            raise ValueError(f"no token: set {TOKEN_VARIABLE} or the collab's token_file")
        return cls(collab, token)

    def _page(self, since: int, until: int | None, cursor: int) -> dict[str, t.Any]:
        params: dict[str, int] = {"since": since, "cursor": cursor, "limit": self.page_size}
        if until:
            params["until"] = until
        response = self.client.get(f"/api/v1/lists/{self.collab.list}/delta", params=params)
        response.raise_for_status()
        page: dict[str, t.Any] = response.json()
        return page

    def _latest(self) -> int:
        response = self.client.get(f"/api/v1/lists/{self.collab.list}/versions")
        response.raise_for_status()
        return max((int(v["version"]) for v in response.json()), default=0)

    def fetch_iter(
        self,
        supported_signal_types: t.Sequence[type[SignalType]],
        checkpoint: VigilCheckpoint | None,
    ) -> t.Iterator[_Delta]:
        done = checkpoint or VigilCheckpoint()
        until, cursor = done.until, done.cursor
        if not until:
            until = self._latest()
            if until <= done.version:
                return  # up to date (or nothing published yet)
        while True:
            page = self._page(done.version, until, cursor)
            updates: dict[int, VigilSignalMetadata | None] = {}
            for item in page["items"]:
                record = item["record"]
                updates[int(item["key"])] = None if record is None else _metadata(record)
            nxt = page["next_cursor"]
            if nxt is None:
                yield _Delta(updates, VigilCheckpoint(version=int(page["until"])))
                return
            cursor = int(nxt)
            yield _Delta(updates, VigilCheckpoint(version=done.version, until=until, cursor=cursor))

    @classmethod
    def naive_convert_to_signal_type(
        cls,
        signal_types: t.Sequence[type[SignalType]],
        collab: VigilCollabConfig,
        fetched: t.Mapping[int, VigilSignalMetadata],
    ) -> dict[type[SignalType], dict[str, VigilSignalMetadata]]:
        by_name = {s.get_name(): s for s in signal_types}
        out: dict[type[SignalType], dict[str, VigilSignalMetadata]] = {}
        for metadata in fetched.values():
            for name, values in metadata.signals.items():
                signal_type = by_name.get(name)
                if signal_type is not None:
                    for value in values:
                        out.setdefault(signal_type, {})[value] = metadata
        return out


def _metadata(record: dict[str, t.Any]) -> VigilSignalMetadata:
    signals = {name: list(values) for name, values in (record.get("signals") or {}).items()}
    for name in IDENTITY_DIGESTS:  # columns of the record beside its signals
        if record.get(name):
            signals.setdefault(name, []).append(record[name])
    return VigilSignalMetadata(
        category=record.get("category"), scheme=record.get("scheme"), signals=pytx_signals(signals)
    )


TX_MANIFEST = ThreatExchangeExtensionManifest(apis=(VigilSignalExchangeAPI,))
