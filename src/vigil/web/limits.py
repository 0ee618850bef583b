"""Request limits: a token bucket per caller, and a cap on request bodies enforced while they arrive."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Final

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Buckets kept before idle ones are dropped (one per token or address seen recently).
MAX_BUCKETS: Final = 100_000
#: An oversize body is read and thrown away up to this many times its limit before the 413 is sent.
#: Most clients send the whole body before reading an answer: closing the connection on unread data
#: resets it, and such a client saw a connection reset instead of the 413. Beyond the bound (or when
#: the client waits for ``100 Continue``) the 413 goes out at once and the connection is closed.
DRAIN_FACTOR: Final = 4


class RateLimiter:
    """In-process token buckets: ``rate`` requests a second on average, ``burst`` at once.

    Each API process limits on its own, so N processes allow up to N times the rate.
    """

    def __init__(self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0 when the request may go ahead, else the seconds until it may."""
        if self.rate <= 0:
            return 0.0
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                if len(self._buckets) >= MAX_BUCKETS and key not in self._buckets:
                    self._drop_full(now)
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _drop_full(self, now: float) -> None:
        """Forget buckets that have refilled: they hold nothing a new bucket would not."""
        for key, (tokens, last) in list(self._buckets.items()):
            if tokens + (now - last) * self.rate >= self.burst:
                del self._buckets[key]
        if len(self._buckets) >= MAX_BUCKETS:
            self._buckets.clear()


class BodyTooLargeError(HTTPException):
    """Raised from ``receive``: an HTTPException, so that the framework's body parsing passes it on
    (it turns any other exception into a 400) and the problem handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class BodyLimitMiddleware:
    """Refuses bodies over the limit with 413: from Content-Length up front, else while they stream in
    (chunked uploads). Multipart uploads get ``upload_limit``, every other body ``body_limit``. The rest
    of an oversize body is drained, up to ``DRAIN_FACTOR`` times the limit, so that the client reads the
    413 (see ``DRAIN_FACTOR``)."""

    def __init__(self, app: ASGIApp, upload_limit: int, body_limit: int) -> None:
        self.app = app
        self.upload_limit = upload_limit
        self.body_limit = body_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        multipart = headers.get(b"content-type", b"").lower().startswith(b"multipart/form-data")
        limit = self.upload_limit if multipart else self.body_limit
        declared = headers.get(b"content-length", b"").strip()
        drain = DRAIN_FACTOR * limit
        if declared.isdigit() and int(declared) > limit:
            # A client waiting for 100 Continue sends nothing more: answer it at once.
            if int(declared) <= drain and headers.get(b"expect", b"").lower() != b"100-continue":
                await _drain(receive, drain)
            await _too_large(send, limit)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Before raising: the app's handler may answer the 413 itself, after which
                    # nothing more of the body can be read.
                    if message.get("more_body", False):
                        await _drain(receive, drain - received)
                    raise BodyTooLargeError(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLargeError:
            if not started:
                await _too_large(send, limit)


async def _drain(receive: Receive, budget: int) -> None:
    """Read and discard the request body until its end, the client's disconnection, or ``budget`` bytes."""
    while budget >= 0:
        message = await receive()
        if message["type"] != "http.request":
            return
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Content Too Large",
            "status": 413,
            "detail": f"the request body is larger than {limit} bytes",
        }
    ).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
