"""Signed exports of published URL-list versions, whole or since a serial, cached on disk.

A version never changes, so neither does its export for given options and signing key: each export is
rendered once, written with its detached signature into the cache folder, and served from there. Its
ETag is known before anything is rendered (it names the version, the format, the options and the key),
so a consumer that already holds it costs one query for the latest serial.

``--since N`` exports are the changes from version N: for RPZ, the records an incremental zone transfer
would carry; for JSON, the diff document. Hosts files and proxy lists have no incremental form.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, get_args

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from vigil.blocklists.export.hosts import render_hosts
from vigil.blocklists.export.json import diff_to_json, version_to_json
from vigil.blocklists.export.proxy import Resolve, build_proxy_list, render_proxy_list
from vigil.blocklists.export.rpz import RpzOptions, render_rpz, render_rpz_ixfr
from vigil.blocklists.lists import BlocklistError
from vigil.blocklists.service import BlocklistService
from vigil.blocklists.versions import ListVersion, diff_versions
from vigil.config import Settings
from vigil.signing import key_id, sign
from vigil.signing.keyfile import load_or_create_signing_key, signing_key_path

ExportFormat = Literal["rpz", "hosts", "proxy", "json"]
FORMATS: Final[tuple[ExportFormat, ...]] = get_args(ExportFormat)
INCREMENTAL: Final = frozenset({"rpz", "json"})
MEDIA_TYPES: Final = {
    "rpz": "text/dns",
    "hosts": "text/plain; charset=utf-8",
    "proxy": "text/plain; charset=utf-8",
    "json": "application/json",
}
SIGNATURE_MEDIA_TYPE: Final = "text/plain; charset=us-ascii"
#: Cached exports of older serials than this many behind the latest are deleted.
KEEP_SERIALS: Final = 3


class ExportError(BlocklistError):
    """An export that cannot be made: unknown format, no incremental form, serial out of range."""


def no_addresses(_name: str) -> Iterable[str]:
    """The proxy list's default resolver: only URLs on IP literals give routes (see the docs)."""
    return ()


@dataclass(frozen=True)
class ExportOptions:
    #: An RPZ export of list NAME is the zone ``NAME.<suffix>``: the name resolvers configure.
    rpz_zone_suffix: str = "rpz.vigil."
    #: Absolute name of the stop-page host, or None for NXDOMAIN.
    stop_page_host: str | None = None
    resolve: Resolve = field(default=no_addresses, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> ExportOptions:
        return cls(
            rpz_zone_suffix=settings.blocklist_rpz_zone_suffix,
            stop_page_host=settings.blocklist_stop_page_host,
        )

    def rpz(self, list_name: str) -> RpzOptions:
        suffix = self.rpz_zone_suffix if self.rpz_zone_suffix.endswith(".") else self.rpz_zone_suffix + "."
        return RpzOptions(origin=f"{list_name}.{suffix}", stop_page_host=self.stop_page_host)

    def fingerprint(self) -> str:
        """Changes whenever the rendered output could (so cached exports of other settings are not used)."""
        text = f"{self.rpz_zone_suffix}|{self.stop_page_host}|{getattr(self.resolve, '__qualname__', '?')}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def check_format(fmt: str) -> ExportFormat:
    for known in FORMATS:
        if fmt == known:
            return known
    raise ExportError(f"unknown format {fmt!r}; known: {', '.join(FORMATS)}")


def render(
    fmt: ExportFormat, new: ListVersion, options: ExportOptions, base: ListVersion | None = None
) -> str:
    """The export of ``new``, or of its changes since ``base`` (rpz and json only)."""
    if base is not None and fmt not in INCREMENTAL:
        raise ExportError(f"the {fmt} format has no incremental form: use rpz or json with --since")
    if fmt == "rpz":
        rpz = options.rpz(new.name)
        return render_rpz(new, rpz) if base is None else render_rpz_ixfr(base, new, rpz)
    if fmt == "json":
        return version_to_json(new) if base is None else diff_to_json(diff_versions(base, new))
    if fmt == "hosts":
        return render_hosts(new)
    return render_proxy_list(build_proxy_list(new, options.resolve))


@dataclass(frozen=True)
class SignedExport:
    list_name: str
    fmt: ExportFormat
    serial: int
    since: int | None
    path: Path
    signature: str
    etag: str

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.fmt]

    @property
    def filename(self) -> str:
        since = f"-since-{self.since}" if self.since is not None else ""
        return f"{self.list_name}-{self.serial}{since}.{self.fmt}"

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


class Exporter:
    """Signed exports of one service's lists, rendered once per version and kept in ``cache_dir``."""

    @classmethod
    def from_settings(cls, settings: Settings, service: BlocklistService) -> Exporter:
        """The exporter the CLI and the web app use: key, options and cache folder from Settings."""
        return cls(
            service,
            load_or_create_signing_key(signing_key_path(settings)),
            ExportOptions.from_settings(settings),
            settings.data_dir / "blocklists" / "exports",
        )

    def __init__(
        self, service: BlocklistService, key: Ed25519PrivateKey, options: ExportOptions, cache_dir: Path
    ) -> None:
        self.service = service
        self.key = key
        self.key_id = key_id(key.public_key())
        self.options = options
        self.cache_dir = cache_dir

    def _stem(self, list_name: str, fmt: str, serial: int, since: int | None) -> str:
        since_part = "full" if since is None else f"since{since}"
        return f"{serial}.{since_part}.{fmt}.{self.options.fingerprint()}.{self.key_id}"

    def etag(self, list_name: str, fmt: str, serial: int, since: int | None) -> str:
        stem = self._stem(list_name, check_format(fmt), serial, since)
        return '"' + hashlib.sha256(f"{list_name}/{stem}".encode()).hexdigest()[:32] + '"'

    def export(
        self, list_name: str, fmt: str, *, since: int | None = None, serial: int | None = None
    ) -> SignedExport | None:
        """The signed export; None when ``since`` is the version asked for (nothing changed since)."""
        chosen = check_format(fmt)
        if since is not None and chosen not in INCREMENTAL:
            raise ExportError(f"the {chosen} format has no incremental form: use rpz or json with --since")
        latest = self.service.latest_serial(list_name)
        serial = latest if serial is None else serial
        if not 1 <= serial <= latest:
            raise ExportError(f"list {list_name!r} has versions 1 to {latest}, not {serial}")
        if since is not None:
            if since == serial:
                return None
            if not 0 <= since < serial:
                raise ExportError(f"serial {since} is not between 0 and {serial}")
        folder = self.cache_dir / list_name
        path = folder / self._stem(list_name, chosen, serial, since)
        signature_path = path.with_name(path.name + ".sig")
        if not (path.is_file() and signature_path.is_file()):
            data = self._render(list_name, chosen, serial, since).encode("utf-8")
            folder.mkdir(parents=True, exist_ok=True)
            _write_atomically(path, data)
            _write_atomically(signature_path, sign(data, self.key).encode("ascii"))
            self._prune(folder, latest)
        return SignedExport(
            list_name=list_name,
            fmt=chosen,
            serial=serial,
            since=since,
            path=path,
            signature=signature_path.read_text(encoding="ascii"),
            etag=self.etag(list_name, chosen, serial, since),
        )

    def signatures(self, list_name: str, serial: int) -> dict[str, str]:
        """The detached signature of each format's whole export of a version (rendered once, cached).

        Only the versions the cache keeps (the latest ``KEEP_SERIALS``) are asked for by the console:
        an older one would be rendered and pruned again at once."""
        found: dict[str, str] = {}
        for fmt in FORMATS:
            export = self.export(list_name, fmt, serial=serial)
            assert export is not None  # only an export since a serial can be empty
            found[fmt] = export.signature.strip()
        return found

    def _render(self, list_name: str, fmt: ExportFormat, serial: int, since: int | None) -> str:
        new = self.service.version(list_name, serial)
        base = None
        if since is not None:
            base = (
                ListVersion.empty(list_name, new.published_at)
                if since == 0
                else self.service.version(list_name, since)
            )
        return render(fmt, new, self.options, base)

    @staticmethod
    def _prune(folder: Path, latest: int) -> None:
        for cached in folder.iterdir():
            serial = cached.name.split(".", 1)[0]
            if serial.isdigit() and int(serial) <= latest - KEEP_SERIALS:
                cached.unlink(missing_ok=True)
