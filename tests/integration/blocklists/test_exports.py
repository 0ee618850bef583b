"""Signed exports of stored versions: every format, since-N, signatures and tampering, the cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.integration.blocklists.conftest import Clock
from vigil.blocklists.export.json import diff_from_json, version_from_json
from vigil.blocklists.export.proxy import parse_proxy_list
from vigil.blocklists.rpz_reader import read_rpz
from vigil.blocklists.service import BlocklistService
from vigil.blocklists.signed_exports import Exporter, ExportError, ExportOptions
from vigil.blocklists.versions import ListVersion, apply_diff
from vigil.signing import SignatureError, generate_private_key, verify


@pytest.fixture
def key() -> Ed25519PrivateKey:
    return generate_private_key()


@pytest.fixture
def exporter(urls: BlocklistService, key: Ed25519PrivateKey, tmp_path: Path, clock: Clock) -> Exporter:
    for target in ("blocked.example", "*.dedicated.example", "http://urlhost.example/page?id=1"):
        urls.add(target, by="alice", reason="made-up")
        urls.confirm(target, by="bob")
    urls.publish()
    clock.advance(hours=12)
    urls.remove("blocked.example", by="carol")
    urls.add("http://192.0.2.50/a/page", by="alice")
    urls.confirm("http://192.0.2.50/a/page", by="bob")
    urls.publish()
    return Exporter(urls, key, ExportOptions(stop_page_host="stop.vigil.test."), tmp_path / "cache")


def test_every_format_is_signed_and_verifies(exporter: Exporter, key: Ed25519PrivateKey) -> None:
    for fmt in ("rpz", "hosts", "proxy", "json"):
        export = exporter.export("main", fmt)
        assert export is not None and export.serial == 2
        assert verify(export.read_bytes(), export.signature, key.public_key())
        assert export.filename == f"main-2.{fmt}"


def test_tampering_is_detected(exporter: Exporter, key: Ed25519PrivateKey) -> None:
    export = exporter.export("main", "rpz")
    assert export is not None
    data = export.read_bytes()
    tampered = data.replace(b"dedicated", b"dedicatee")
    with pytest.raises(SignatureError, match="does not match"):
        verify(tampered, export.signature, key.public_key())
    with pytest.raises(SignatureError, match="does not match"):
        verify(data[:-10], export.signature, key.public_key())
    with pytest.raises(SignatureError, match="not among the trusted keys"):
        verify(data, export.signature, generate_private_key().public_key())


def test_rpz_zone_names_the_serial_and_the_stop_page(exporter: Exporter) -> None:
    export = exporter.export("main", "rpz")
    assert export is not None
    zone = read_rpz(export.read_bytes().decode())
    assert zone.serial == 2
    assert zone.origin == "main.rpz.vigil."
    text = export.read_bytes().decode()
    assert "*.dedicated.example CNAME stop.vigil.test." in text.splitlines()
    assert "blocked.example" not in text


def test_since_n_exports_round_trip(exporter: Exporter, urls: BlocklistService) -> None:
    latest = urls.version()
    first = exporter.export("main", "json", serial=1)
    assert first is not None
    for since, base in (
        (0, ListVersion.empty("main", latest.published_at)),
        (1, version_from_json(first.read_bytes())),
    ):
        export = exporter.export("main", "json", since=since)
        assert export is not None and export.filename == f"main-2-since-{since}.json"
        assert apply_diff(base, diff_from_json(export.read_bytes())) == latest
    rpz = exporter.export("main", "rpz", since=1)
    assert rpz is not None
    lines = rpz.read_bytes().decode().splitlines()
    assert "blocked.example.main.rpz.vigil. 300 IN CNAME stop.vigil.test." in lines
    assert exporter.export("main", "rpz", since=2) is None  # nothing changed since the latest
    for fmt in ("hosts", "proxy"):
        with pytest.raises(ExportError, match="no incremental form"):
            exporter.export("main", fmt, since=1)
    with pytest.raises(ExportError, match="between 0 and 2"):
        exporter.export("main", "json", since=3)
    with pytest.raises(ExportError, match="versions 1 to 2"):
        exporter.export("main", "json", serial=5)
    with pytest.raises(ExportError, match="unknown format"):
        exporter.export("main", "csv")


def test_proxy_list_routes_ip_literals_without_a_resolver(exporter: Exporter) -> None:
    export = exporter.export("main", "proxy")
    assert export is not None
    proxy = parse_proxy_list(export.read_bytes().decode())
    assert [str(a) for a in proxy.routes] == ["192.0.2.50"]
    assert len(proxy.url_hashes) == 4  # two URLs, each for http and https


def test_exports_are_rendered_once_and_etags_are_known_beforehand(exporter: Exporter) -> None:
    etag = exporter.etag("main", "hosts", 2, None)
    export = exporter.export("main", "hosts")
    assert export is not None and export.etag == etag
    export.path.write_bytes(b"cached copy")  # served from the cache, not rendered again
    again = exporter.export("main", "hosts")
    assert again is not None and again.read_bytes() == b"cached copy"
    assert exporter.etag("main", "hosts", 2, 1) != etag
    assert exporter.etag("main", "rpz", 2, None) != etag
    other = Exporter(exporter.service, exporter.key, ExportOptions(), exporter.cache_dir)
    assert other.etag("main", "hosts", 2, None) != etag  # other options, other export
