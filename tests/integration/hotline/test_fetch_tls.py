"""HTTPS with a pinned address: the connection goes to the checked address while the certificate is
verified against the URL's name (sent as SNI), so pinning neither breaks TLS nor weakens it."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.integration.hotline.servers import ConnectGuard, StubResolver
from vigil.hotline.fetch import Fetcher, FetchError, FetchPolicy

POLICY = FetchPolicy(timeout=5.0, allow=(ipaddress.ip_network("127.0.0.1/32"),))


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


class _Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = f"hello {self.headers.get('Host')}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def tls_server(cert: Path, key: Path) -> Iterator[int]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_https_to_a_pinned_address(tmp_path: Path, connect_guard: ConnectGuard) -> None:
    cert, key = _certificate(tmp_path, "tls.example")
    trust = ssl.create_default_context(cafile=str(cert))
    resolver = StubResolver({"tls.example": ["127.0.0.1"], "other.example": ["127.0.0.1"]})
    fetcher = Fetcher(POLICY, resolver, verify=trust)
    with tls_server(cert, key) as port:
        got = fetcher.fetch(f"https://tls.example:{port}/x")
        assert (got.status, got.body, got.ip) == (200, f"hello tls.example:{port}".encode(), "127.0.0.1")
        # Same address, another name: the certificate does not cover it.
        with pytest.raises(FetchError, match=r"CERTIFICATE_VERIFY_FAILED|hostname"):
            fetcher.fetch(f"https://other.example:{port}/x")
    assert set(connect_guard.connected) == {"127.0.0.1"}
