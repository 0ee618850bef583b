"""An oversize body is answered 413 that the client can read, from a real uvicorn server on loopback
(issue 20): the body is drained up to DRAIN_FACTOR times the limit first; beyond, or when the client waits
for 100 Continue, the 413 comes at once."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.web.conftest import api_settings
from vigil.auth.service import UserService
from vigil.config import Settings
from vigil.web.app import create_app
from vigil.web.limits import DRAIN_FACTOR

BODY_LIMIT = 64 * 1024
UPLOAD_LIMIT = 128 * 1024
#: Far more than the kernel's socket buffers on loopback: without draining, these bodies were reset.
OVER = 3 * BODY_LIMIT


@dataclass
class Server:
    port: int
    token: str

    def raw(self, head: bytes, body: bytes = b"", *, send_body_after_answer: bool = False) -> bytes:
        """Send a request as a plain client does (everything, then read); the whole answer."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
            s.sendall(head)
            if not send_body_after_answer:
                s.sendall(body)
            out = b""
            while chunk := s.recv(65536):
                out += chunk
            return out

    def head(self, extra: str) -> bytes:
        return (
            "POST /api/v1/lookup/batch HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            f"Authorization: Bearer {self.token}\r\nContent-Type: application/json\r\n{extra}\r\n"
        ).encode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(db_settings: Settings, sessions: sessionmaker[Session]) -> Iterator[Server]:
    token = UserService(sessions, "test").add_user("drain-member", "member").secret
    settings = api_settings(db_settings, api_max_body_bytes=BODY_LIMIT, api_max_upload_bytes=UPLOAD_LIMIT)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.05)
        yield Server(port, token)
    finally:
        server.should_exit = True
        thread.join(10)


def _status_and_problem(answer: bytes) -> tuple[int, dict[str, object]]:
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    if b"transfer-encoding: chunked" in head.lower():
        size, _, rest = body.partition(b"\r\n")
        body = rest[: int(size, 16)]
    return status, json.loads(body)


def _json_body(size: int) -> bytes:
    return b'{"signals": [' + b" " * (size - 16) + b"]}"


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_declared_oversize_body_gets_a_readable_413(server: Server) -> None:
    body = _json_body(OVER)
    status, problem = _status_and_problem(server.raw(server.head(f"Content-Length: {len(body)}\r\n"), body))
    assert status == 413 and problem["status"] == 413
    assert str(BODY_LIMIT) in str(problem["detail"])


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_chunked_oversize_body_gets_a_readable_413(server: Server) -> None:
    body = _json_body(OVER)
    pieces = [body[i : i + 8192] for i in range(0, len(body), 8192)]
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n\r\n"
    status, problem = _status_and_problem(server.raw(server.head("Transfer-Encoding: chunked\r\n"), chunked))
    assert status == 413 and problem["status"] == 413


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
def test_oversize_upload_through_httpx_reads_413(server: Server) -> None:
    response = httpx.post(
        f"http://127.0.0.1:{server.port}/api/v1/hash",
        files={"file": ("big.bin", b"\0" * (3 * UPLOAD_LIMIT))},
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=30,
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    # The connection is clean afterwards: a normal request on a new one works.
    small = httpx.post(
        f"http://127.0.0.1:{server.port}/api/v1/hash",
        files={"file": ("small.bin", b"\0" * 100)},
        headers={"Authorization": f"Bearer {server.token}"},
        timeout=30,
    )
    assert small.status_code == 200 and small.json()["size"] == 100


@pytest.mark.parametrize("db_settings", ["sqlite"], indirect=True)
@pytest.mark.parametrize(
    "extra",
    [
        f"Content-Length: {DRAIN_FACTOR * BODY_LIMIT + 1}\r\n",
        f"Content-Length: {OVER}\r\nExpect: 100-continue\r\n",
    ],
    ids=["beyond-the-drain-bound", "expect-100-continue"],
)
def test_413_comes_at_once_when_the_body_will_not_be_read(server: Server, extra: str) -> None:
    """Nothing of the body is sent: the answer must come without it (a drain would wait for it)."""
    status, problem = _status_and_problem(server.raw(server.head(extra), send_body_after_answer=True))
    assert status == 413 and problem["status"] == 413
