"""Real parts on loopback for the hotline tests: an HTTP server whose pages the test edits while it
runs, a DNS server answering from a table, and a guard that fails any connection off loopback."""

from __future__ import annotations

import ipaddress
import socket
import socketserver
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest
import uvicorn
from fastapi import FastAPI

from vigil.hotline.fetch import NameNotFoundError


@dataclass
class Page:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    #: Seconds to wait between chunks of 1 byte (a slow server).
    drip: float = 0.0


class Site:
    """Pages by (host, path); anything else is 404. Records each request's Host header and path."""

    def __init__(self) -> None:
        self.pages: dict[tuple[str, str], Page] = {}
        self.requests: list[tuple[str, str]] = []
        #: (path, headers, body) of every POST; answered 201 with ``post_answer``.
        self.posts: list[tuple[str, dict[str, str], bytes]] = []
        self.post_answer = b'{"case_id": 77}'
        self.port = 0

    def put(self, host: str, path: str, page: Page) -> str:
        self.pages[(host, path)] = page
        return f"http://{host}:{self.port}{path}"

    def url(self, host: str, path: str) -> str:
        return f"http://{host}:{self.port}{path}"

    def remove(self, host: str, path: str) -> None:
        self.pages.pop((host, path), None)


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            site.requests.append((host, self.path))
            page = site.pages.get((host, self.path), Page(404, b"not found"))
            self.send_response(page.status)
            for name, value in page.headers.items():
                self.send_header(name, value)
            if page.drip:
                self.send_header("Content-Length", str(len(page.body)))
                self.end_headers()
                for i in range(len(page.body)):
                    self.wfile.write(page.body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(page.drip)
                return
            self.send_header("Content-Length", str(len(page.body)))
            self.end_headers()
            self.wfile.write(page.body)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            site.posts.append((self.path, dict(self.headers.items()), body))
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(site.post_answer)))
            self.end_headers()
            self.wfile.write(site.post_answer)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def http_site() -> Iterator[Site]:
    site = Site()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


class StubResolver:
    """Answers from a table; a list of answers per name is handed out in turn (the last one repeats),
    which is how a rebinding name behaves. Counts questions."""

    def __init__(self, table: Mapping[str, list[list[str]] | list[str]] | None = None) -> None:
        self.table: dict[str, list[list[str]]] = {}
        self.asked: list[str] = []
        for name, answers in (table or {}).items():
            self.set(name, answers)

    def set(self, name: str, answers: list[list[str]] | list[str]) -> None:
        if answers and isinstance(answers[0], str):
            self.table[name] = [[str(a) for a in answers]]
        else:
            self.table[name] = [list(a) for a in answers]

    def resolve(self, name: str) -> list[str]:
        self.asked.append(name)
        answers = self.table.get(name)
        if not answers:
            raise NameNotFoundError(f"{name}: NXDOMAIN")
        return answers.pop(0) if len(answers) > 1 else answers[0]


class _DnsHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data, sock = self.request
        query = dns.message.from_wire(data)
        reply = dns.message.make_response(query)
        question = query.question[0]
        name = question.name.to_text().rstrip(".").lower()
        records: dict[str, list[str]] = self.server.records  # type: ignore[attr-defined]
        addresses = records.get(name)
        if addresses is None:
            reply.set_rcode(dns.rcode.NXDOMAIN)
        else:
            wanted = 4 if question.rdtype == dns.rdatatype.A else 6
            found = [a for a in addresses if ipaddress.ip_address(a).version == wanted]
            if found:
                reply.answer.append(dns.rrset.from_text_list(question.name, 60, "IN", question.rdtype, found))
        sock.sendto(reply.to_wire(), self.client_address)


@contextmanager
def dns_server(records: dict[str, list[str]]) -> Iterator[int]:
    """A UDP DNS server on 127.0.0.1 answering A/AAAA from ``records`` (NXDOMAIN otherwise)."""
    server = socketserver.ThreadingUDPServer(("127.0.0.1", 0), _DnsHandler)
    server.records = records  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


class ConnectGuard:
    """Every outgoing connection of the test process; anything off loopback fails the test at once."""

    def __init__(self) -> None:
        self.connected: list[str] = []


@pytest.fixture
def connect_guard(monkeypatch: pytest.MonkeyPatch) -> ConnectGuard:
    guard = ConnectGuard()
    original = socket.socket.connect

    def connect(self: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else str(address)
        if self.family in (socket.AF_INET, socket.AF_INET6):
            ip = ipaddress.ip_address(host.split("%")[0])
            if not ip.is_loopback:
                raise AssertionError(f"attempted a connection off loopback: {address}")
            guard.connected.append(str(ip))
        original(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return guard


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """The app under a real uvicorn on a free loopback port, in a thread; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
