"""A small NCMEC hash-sharing server on loopback, answering the endpoints python-threatexchange's NCMEC
client calls (``GET {base}/v2/entries?from=&to=`` and its ``paging/next`` links, basic auth) with the XML
its parser reads (``threatexchange/exchanges/clients/ncmec/hash_api.py``), and the pytx exchange pointed
at it: pytx's own ``NCMECSignalExchangeAPI`` with only the base URL changed (NCMEC's are fixed in an enum).
The entries are made-up benign hashes."""

from __future__ import annotations

import base64
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from xml.sax.saxutils import escape

from threatexchange.exchanges.clients.ncmec import hash_api
from threatexchange.exchanges.impl.ncmec_api import NCMECSignalExchangeAPI

USER, PASSWORD = "esp-user", "esp-password"
DATE = "%Y-%m-%dT%H:%M:%SZ"
#: The server's base URL, read by :class:`LoopbackNCMECExchange` (set by the test).
BASE: dict[str, str] = {}


@dataclass
class Entry:
    id: str
    member: int
    kind: str  # image, video
    at: int  # unix time of its last change
    fingerprints: dict[str, str]
    deleted: bool = False
    classification: str = "A1"


@dataclass
class Database:
    entries: list[Entry] = field(default_factory=list)
    page: int = 2
    requests: list[str] = field(default_factory=list)


def _time(text: str) -> int:
    return int(datetime.strptime(text, DATE).replace(tzinfo=UTC).timestamp())


def _xml(db: Database, query: dict[str, str]) -> str:
    start_ts, end_ts = _time(query["from"]), _time(query["to"])
    chosen = sorted((e for e in db.entries if start_ts <= e.at < end_ts), key=lambda e: e.id)
    start = int(query.get("start", "0"))
    page = chosen[start : start + db.page]
    groups = []
    for kind in ("image", "video"):
        items = [e for e in page if e.kind == kind]
        if not items:
            continue
        most = datetime.fromtimestamp(max(e.at for e in items), UTC).strftime(DATE)
        body = []
        for e in items:
            tag = f"deleted{kind.capitalize()}" if e.deleted else kind
            prints = "".join(f"<{k}>{escape(v)}</{k}>" for k, v in e.fingerprints.items())
            body.append(
                f'<{tag}><id>{e.id}</id><member id="{e.member}">ESP {e.member}</member>'
                f"<classification>{e.classification}</classification>"
                f"<fingerprints>{'' if e.deleted else prints}</fingerprints></{tag}>"
            )
        groups.append(f'<{kind}s count="{len(items)}" maxTimestamp="{most}">{"".join(body)}</{kind}s>')
    nxt = ""
    if start + db.page < len(chosen):
        params = urllib.parse.urlencode(
            {
                "from": query["from"],
                "to": query["to"],
                "start": start + db.page,
                "size": db.page,
                "max": len(chosen),
            }
        )
        nxt = escape(f"/v2/entries?{params}")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<queryResult xmlns="https://hashsharing.ncmec.org/hashsharing/v2">'
        f"{''.join(groups)}<paging><next>{nxt}</next></paging></queryResult>"
    )


def _handler(db: Database) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            expected = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
            if self.headers.get("Authorization") != f"Basic {expected}":
                self.send_response(401)
                self.end_headers()
                return
            url = urllib.parse.urlsplit(self.path)
            db.requests.append(self.path)
            if url.path != "/v2/entries":
                self.send_response(404)
                self.end_headers()
                return
            query = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
            data = _xml(db, query).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


@contextmanager
def ncmec_server(db: Database) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(db))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    BASE["url"] = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield BASE["url"]
    finally:
        server.shutdown()
        server.server_close()


class LoopbackNCMECExchange(NCMECSignalExchangeAPI):
    """pytx's NCMEC exchange, its client's base URL set to the loopback server."""

    def get_client(self, environment: hash_api.NCMECEnvironment) -> hash_api.NCMECHashAPI:
        client = super().get_client(environment)
        client._base_url = BASE["url"]  # the one thing NCMEC's enum fixes
        return client
