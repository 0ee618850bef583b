"""API requests against a real ``vigil serve`` on loopback: schemathesis cases and hand-written hostile ones.

The server runs as its own process over a migrated SQLite database seeded with the benign demo list and
one user per role; its address space is capped once it is up (RLIMIT_AS through prlimit). Findings:
a 5xx answer (``5xx``), no answer within the timeout (``hang``), a dropped connection or a dead server
(``crash``).
"""

from __future__ import annotations

import base64
import json
import math
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx

from tests.fuzz.known import Finding, known_defect
from tests.fuzz.mutate import Mutator
from tests.fuzz.seeds import image_seeds

#: Integers beyond every column and C type, and text numbers that int() or float() treat oddly.
HOSTILE_INTS: Final = (str(2**64), str(-(2**63) - 1), str(10**40), "1e400", "NaN", "-0", "0x10", "9" * 5000)
HOSTILE_TEXT: Final = (
    "..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "%00",
    "%ED%A0%80",
    "%FF%FE",
    "%E2%80%AE" + "x" * 10,
    "a" * 20_000,
    "%0d%0aX-Injected:%201",
)


@dataclass
class Sent:
    """One request as sent (for the finding's record and for replay)."""

    case: str
    method: str
    url: str
    headers: dict[str, str]
    body: bytes = b""

    def describe(self) -> str:
        return f"{self.method} {self.url[:300]} {self.body[:300]!r}"

    def to_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "method": self.method,
            "url": self.url,
            "headers": self.headers,
            "body": base64.b64encode(self.body).decode(),
        }


class Server:
    """``vigil serve`` over a seeded database in a temporary folder, restarted if it dies."""

    def __init__(self, memory_mb: int) -> None:
        from vigil.auth.roles import Role
        from vigil.auth.service import UserService
        from vigil.config import Settings
        from vigil.db.migrate import upgrade
        from vigil.db.session import engine_for_url, make_session_factory
        from vigil.demo import seed as demo

        self.memory_mb = memory_mb
        self.folder = Path(tempfile.mkdtemp(prefix="vigil-fuzz-api-"))
        settings = Settings(data_dir=self.folder)
        upgrade(settings)
        engine = engine_for_url(settings.sqlalchemy_url)
        sessions = make_session_factory(engine)
        listing = demo.hash_listing(demo.write_images(self.folder / "images", 4), self.folder / "demo.csv")
        demo.seed(sessions, self.folder, users=False, listing=listing)
        users = UserService(sessions, "fuzz")
        self.tokens = {role.value: users.add_user(f"fuzz-{role.value}", role.value).secret for role in Role}
        engine.dispose()
        self.process: subprocess.Popen[bytes] | None = None
        self.base = ""
        self.start()

    def start(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        # Federation on, so the feed and PSI routes are fuzzed too (off, they answer a deliberate 503).
        env = dict(
            os.environ,
            VIGIL_DATA_DIR=str(self.folder),
            VIGIL_API_RATE_PER_SECOND="0",
            VIGIL_FEDERATION_INSTANCE="fuzz",
        )
        self.log = (self.folder / "server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "vigil", "serve", "--port", str(port), "--no-access-log"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=self.folder,
        )
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{self.base}/api/v1/health/ready", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"vigil serve did not start: {self.tail()}")
            time.sleep(0.2)
        with open(f"/proc/{self.process.pid}/statm") as f:
            used = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = used + self.memory_mb * 1024 * 1024
        resource.prlimit(self.process.pid, resource.RLIMIT_AS, (limit, limit))

    def tail(self) -> str:
        path = self.folder / "server.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextmanager
def running_server(memory_mb: int) -> Iterator[Server]:
    server = Server(memory_mb)
    try:
        yield server
    finally:
        server.close()


# -- hand-written hostile requests ------------------------------------------------------------------


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, op)
        for path, ops in sorted(doc["paths"].items())
        for method, op in sorted(ops.items())
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _param_type(param: dict[str, Any]) -> str:
    schema = param.get("schema", {})
    types = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
    return "integer" if "integer" in types else "string"


def _fill(path: str, params: list[dict[str, Any]], hostile: dict[str, str]) -> str:
    for param in params:
        if param["in"] == "path":
            plain = "1" if _param_type(param) == "integer" else "demo"
            path = path.replace("{" + param["name"] + "}", hostile.get(param["name"], plain))
    query = "&".join(f"{k}={v}" for k, v in hostile.items() if f"{{{k}}}" not in path and k not in path)
    return path + ("?" + query if query else "")


def _deep_json(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


def hostile_requests(doc: dict[str, Any], tokens: dict[str, str], rng: random.Random) -> list[Sent]:
    """Every operation with hostile integers, strings, bodies and content types; then whole-request cases."""
    admin = {"Authorization": f"Bearer {tokens['admin']}"}
    out: list[Sent] = []
    for method, path, op in _operations(doc):
        params = [p for p in op.get("parameters", []) if p["in"] in ("path", "query")]
        label = f"{method} {path}"
        for param in params:
            values = HOSTILE_INTS if _param_type(param) == "integer" else HOSTILE_TEXT
            for value in rng.sample(values, 3):
                out.append(
                    Sent(f"hostile-param {label}", method, _fill(path, params, {param["name"]: value}), admin)
                )
        content = op.get("requestBody", {}).get("content", {})
        target = _fill(path, params, {})
        if "application/json" in content:
            json_headers = admin | {"Content-Type": "application/json"}
            for name, body in (
                ("deep-json", _deep_json(100_000)),
                ("deep-object", b'{"a":' * 50_000 + b"1" + b"}" * 50_000),
                ("invalid-json", b'{"a": [1, 2,'),
                ("huge-numbers", b'{"x": 1' + b"0" * 40 + b', "y": -18446744073709551616, "z": 1e400}'),
                ("json-nan", b'{"a": NaN, "b": Infinity}'),
                ("unicode-json", '{"name": "\u202e\ud800\x00"}'.encode("utf-8", "surrogatepass")),
            ):
                out.append(Sent(f"{name} {label}", method, target, json_headers, body))
            for ctype in (
                "text/plain",
                "application/xml",
                "multipart/form-data",
                "application/json; charset=utf-7",
            ):
                out.append(
                    Sent(f"content-type {label}", method, target, admin | {"Content-Type": ctype}, b"{}")
                )
            out.append(
                Sent(f"oversize-body {label}", method, target, json_headers, b" " * (2 * 1024 * 1024) + b"{}")
            )
        if "multipart/form-data" in content:
            seeds = image_seeds()
            for _ in range(3):
                seed = rng.choice(seeds)
                data = Mutator(rng, 1 << 16).bytes_mutation(seed.data).data
                boundary = "fuzzboundary"
                part = f'Content-Disposition: form-data; name="file"; filename="x{seed.suffix}"'
                body = (
                    (f"--{boundary}\r\n{part}\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
                    + data
                    + f"\r\n--{boundary}--\r\n".encode()
                )
                headers = admin | {"Content-Type": f"multipart/form-data; boundary={boundary}"}
                out.append(Sent(f"mutated-upload {label}", method, target, headers, body))
            out.append(
                Sent(
                    f"no-boundary {label}",
                    method,
                    target,
                    admin | {"Content-Type": "multipart/form-data"},
                    b"x",
                )
            )
    for path in (
        "/api/v1/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/api/v1/lists/%2e%2e%2f%2e%2e/export",
    ):
        out.append(Sent("path-traversal", "GET", path, admin))
    out.append(Sent("huge-header", "GET", "/api/v1/me", admin | {"X-Fuzz": "a" * 60_000}))
    out.append(Sent("huge-token", "GET", "/api/v1/me", {"Authorization": "Bearer " + "A" * 50_000}))
    out.append(Sent("odd-token", "GET", "/api/v1/me", {"Authorization": "Bearer \u202e\u00e9"}))
    out.append(Sent("odd-method", "FOO", "/api/v1/lists", admin))
    return out


# -- running ----------------------------------------------------------------------------------------


def send(server: Server, sent: Sent, timeout: float) -> tuple[str, str]:
    """(status, detail) of one request: ok, 5xx, hang or crash."""
    try:
        with httpx.Client(base_url=server.base, timeout=timeout) as client:
            request = client.build_request(
                sent.method, sent.url, headers=sent.headers, content=sent.body or None
            )
            response = client.send(request)
    except httpx.TimeoutException:
        return "hang", f"no answer within {timeout:g} s"
    except (httpx.TransportError, UnicodeError) as exc:
        if isinstance(exc, UnicodeError | httpx.UnsupportedProtocol):
            return "ok", f"not sendable: {exc}"
        return "crash", f"{type(exc).__name__}: {exc}"[:200]
    if response.status_code >= 500:
        return "5xx", f"{response.status_code} {response.text[:160]}"
    return "ok", str(response.status_code)


def _sent(case: Any, token: str, label: str) -> Sent:
    kwargs = case.as_transport_kwargs(base_url="", headers={"Authorization": f"Bearer {token}"})
    body = kwargs.get("data") or (json.dumps(kwargs["json"]).encode() if "json" in kwargs else b"")
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    if not isinstance(body, bytes):
        body = b""
    url = httpx.URL(kwargs["url"], params=kwargs.get("params") or None)
    headers = {str(k): str(v) for k, v in (kwargs.get("headers") or {}).items()}
    return Sent(label, kwargs["method"], str(url), headers, body)


def _examples(server: Server, operation: Any, mode: Any, per: int) -> list[Sent]:
    """Up to ``per`` cases of one operation in one generation mode (derandomized: the same every run)."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    from hypothesis.errors import Unsatisfiable

    made: list[Sent] = []
    label = f"schemathesis {operation.label} {mode.value}"

    @given(case=operation.as_strategy(generation_mode=mode), role=st.sampled_from(sorted(server.tokens)))
    @settings(
        max_examples=per,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def collect(case: Any, role: str) -> None:
        made.append(_sent(case, server.tokens[role], label))

    with suppress(Unsatisfiable):  # nothing invalid to send
        collect()
    return made[:per]


def _schemathesis_cases(server: Server, count: int) -> Iterator[Sent]:
    """About ``count`` cases, positive and negative, spread over every operation, as requests to send."""
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.core.result import Ok

    schema = schemathesis.openapi.from_url(f"{server.base}/api/openapi.json")
    operations = [r.ok() for r in schema.get_all_operations() if isinstance(r, Ok)]
    per = max(1, math.ceil(count / (2 * len(operations))))
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            yield from _examples(server, operation, mode, per)


def run_requests(config: Any, report: Any, progress: Callable[[str], None]) -> None:
    rng = random.Random(f"{config.seed}:requests")
    with running_server(config.memory_mb) as server:
        doc = httpx.get(f"{server.base}/api/openapi.json", timeout=30).json()
        hostile = hostile_requests(doc, server.tokens, rng)
        rng.shuffle(hostile)
        hostile = hostile[: max(config.requests // 2, config.requests - 2 * len(_operations(doc)))]
        cases = [*hostile, *_schemathesis_cases(server, config.requests - len(hostile))]
        for index, sent in enumerate(cases):
            # Wall time, on a machine that may be busy: three timeouts before a request counts as hung.
            status, detail = send(server, sent, 3 * config.timeout)
            if not server.alive():
                status, detail = "crash", f"the server died: {server.tail()[-300:]}"
                server.stop()
                server.start()
            finding = None
            stored = None
            if status != "ok":
                finding = Finding("requests", status, sent.case, detail, sent.describe())
                stored = _store(config, index, sent, finding)
            report.add("requests", status, finding, stored)
            if (index + 1) % 500 == 0:
                progress(f"requests: {index + 1}/{len(cases)}")


def _store(config: Any, index: int, sent: Sent, finding: Finding) -> Path:
    folder = config.findings / "requests"
    folder.mkdir(parents=True, exist_ok=True)
    meta = folder / f"{config.seed}-{index:06d}-{finding.status}.json"
    record = {
        "target": "requests",
        "run_seed": config.seed,
        "index": index,
        "request": sent.to_json(),
        "status": finding.status,
        "detail": finding.detail,
        "known": (d.issue_part if (d := known_defect(finding)) else None),
    }
    meta.write_text(json.dumps(record, indent=1))
    return Path(meta)


def replay_request(record: dict[str, Any], memory_mb: int, timeout: float) -> str:
    """Send a stored request to a fresh server (tokens are re-issued: the stored ones named a role)."""
    raw = record["request"]
    with running_server(memory_mb) as server:
        headers = dict(raw["headers"])
        if "Authorization" in headers and headers["Authorization"].startswith("Bearer "):
            headers["Authorization"] = f"Bearer {server.tokens['admin']}"
        sent = Sent(raw["case"], raw["method"], raw["url"], headers, base64.b64decode(raw["body"]))
        status, detail = send(server, sent, timeout)
    return f"{status}: {detail}"
