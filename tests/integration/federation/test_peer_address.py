"""A peer's address is checked once and pinned: the pull's (and the comparison's) connections go to the
address that was checked, never to what the peer's name resolves to later (DNS rebinding). The peer is a
loopback HTTP server; name resolution is played by a stand-in for ``socket.getaddrinfo`` that answers
the test's names and hands every other name to the real resolver. On SQLite and PostgreSQL."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from vigil.config import Settings
from vigil.federation.address import PeerAddressError
from vigil.federation.peers import PeerService
from vigil.federation.psi_client import HttpTransport
from vigil.federation.pull import PeerUnavailableError, Puller, check_address
from vigil.signing import generate_private_key, public_key_to_pem

#: A public address the tests never connect to (the test's transport answers for it).
PUBLIC = "8.8.8.8"


@pytest.fixture
def peer_server() -> Iterator[tuple[int, list[tuple[str, str]]]]:
    """A loopback server recording (path, Host header) and answering 503 to everything."""
    seen: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            seen.append((self.path, self.headers.get("Host", "")))
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1]), seen
    finally:
        server.shutdown()
        server.server_close()


def _resolver(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[list[str]]]) -> list[str]:
    """``answers``: per name, the addresses of each successive resolution (the last repeats)."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in answers:
            return real(host, port, *args, **kwargs)
        asked.append(host)
        turns = answers[host]
        addresses = turns[min(len(asked) - 1, len(turns) - 1)]
        if not addresses:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, int(port or 0))) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def _puller(
    settings: Settings, sessions: sessionmaker[Session], url: str, client: httpx.Client | None = None
) -> Puller:
    pem = public_key_to_pem(generate_private_key().public_key())
    PeerService(sessions, settings.federation_keys, "test").add("peer-x", url, "secret", pem)
    return Puller(settings, sessions, "test", client)


class _PublicPeer(httpx.BaseTransport):
    """Answers for the public address itself (nothing leaves the machine); others go out for real."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()
        self.seen: list[tuple[str, str, str | None]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        sni = request.extensions.get("sni_hostname")
        self.seen.append((request.url.host, request.headers["host"], sni))
        if request.url.host == PUBLIC:
            return httpx.Response(503, text="the public peer")
        return self.real.handle_request(request)


def test_a_name_rebound_to_loopback_after_the_check_is_not_followed(
    db_settings: Settings,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    peer_server: tuple[int, list[tuple[str, str]]],
) -> None:
    port, reached = peer_server
    settings = db_settings.model_copy(
        update={"federation_instance": "here", "federation_allow_private": False}
    )
    # Public for the check, then loopback for whoever asks again: the rebinding attack.
    _resolver(monkeypatch, {"peer.rebind.test": [[PUBLIC], ["127.0.0.1"]]})
    transport = _PublicPeer()
    puller = _puller(settings, sessions, f"http://peer.rebind.test:{port}", httpx.Client(transport=transport))
    with pytest.raises(PeerUnavailableError, match="HTTP 503"):
        puller.pull("peer-x")
    assert reached == []  # nothing reached the loopback service
    assert transport.seen == [(PUBLIC, f"peer.rebind.test:{port}", "peer.rebind.test")]


def test_the_checked_address_is_used_without_resolving_again(
    db_settings: Settings,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    peer_server: tuple[int, list[tuple[str, str]]],
) -> None:
    port, reached = peer_server
    # Loopback explicitly allowed (the peer is a local server); the name resolves only once.
    settings = db_settings.model_copy(
        update={"federation_instance": "here", "federation_allow_private": True, "federation_timeout": 10.0}
    )
    # A proxy in the environment would connect by name, not to the pinned address: it is not used.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    asked = _resolver(monkeypatch, {"peer.pinned.test": [["127.0.0.1"], []]})
    puller = _puller(settings, sessions, f"http://peer.pinned.test:{port}")
    with pytest.raises(PeerUnavailableError, match="HTTP 503"):
        puller.pull("peer-x")
    assert reached == [("/api/v1/feed", f"peer.pinned.test:{port}")]
    assert asked == ["peer.pinned.test"]
    # The PSI initiator of `vigil peers compare` goes to the same pinned address.
    asked = _resolver(monkeypatch, {"peer.pinned.test": [["127.0.0.1"], []]})
    pinned = check_address(f"http://peer.pinned.test:{port}", True)
    with pytest.raises(Exception, match="503"):
        HttpTransport(f"http://peer.pinned.test:{port}", "secret", pinned=pinned).start({"md5": 1})
    assert reached[-1] == ("/api/v1/federation/psi/sessions", f"peer.pinned.test:{port}")
    assert asked == ["peer.pinned.test"]


@pytest.mark.parametrize("answers", [[PUBLIC, "10.1.2.3"], ["127.0.0.1"], ["169.254.169.254"]])
def test_a_private_answer_refuses_the_peer(
    db_settings: Settings,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
    peer_server: tuple[int, list[tuple[str, str]]],
    answers: list[str],
) -> None:
    port, reached = peer_server
    settings = db_settings.model_copy(update={"federation_instance": "here"})
    assert not settings.federation_allow_private  # the default
    _resolver(monkeypatch, {"peer.private.test": [answers]})
    transport = _PublicPeer()
    puller = _puller(
        settings, sessions, f"http://peer.private.test:{port}", httpx.Client(transport=transport)
    )
    with pytest.raises(PeerAddressError, match="VIGIL_FEDERATION_ALLOW_PRIVATE"):
        puller.pull("peer-x")
    assert reached == [] and transport.seen == []


def test_an_unresolvable_peer_is_unavailable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _resolver(monkeypatch, {"peer.gone.test": [[]]})
    with pytest.raises(Exception, match="does not resolve") as caught:
        check_address("https://peer.gone.test", False)
    assert getattr(caught.value, "retry_after", None) == 60
