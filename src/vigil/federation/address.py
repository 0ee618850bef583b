"""A peer's address, checked once and pinned for the connections that follow.

A peer's host is resolved before a pull (or a comparison) and refused when any of its addresses is
private, loopback or reserved (unless ``VIGIL_FEDERATION_ALLOW_PRIVATE``). Were the HTTP client to
resolve the name again when it connects, a peer's DNS could answer a public address to the check and a
private one to the connection (DNS rebinding), and the pull's token and requests would reach a service
of this instance's own network. So every request to the peer's host is sent to the address that was
checked: the URL's host becomes that address, while the name stays in the Host header and in TLS
(SNI, and the certificate is checked against the name), as the hotline's fetcher does.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from vigil.errors import Invalid, Unavailable
from vigil.hotline.fetch import refusal

Resolve = Callable[..., list[tuple[Any, ...]]]


class PeerAddressError(Invalid):
    """The peer's host resolves to an address this instance does not connect to."""


class PeerUnresolvedError(Unavailable):
    """The peer's host does not resolve (now): a later attempt may succeed."""

    retry_after = 60


@dataclass(frozen=True)
class PinnedAddress:
    """Where requests to ``host`` go: ``address``, checked."""

    host: str
    port: int
    address: str

    def apply(self, request: httpx.Request) -> httpx.Request:
        """``request`` sent to the pinned address if it is for the peer's host (its Host header, made
        from the URL it was built with, keeps the name)."""
        url = request.url
        if url.host == self.host and (url.port or _default_port(url.scheme)) == self.port:
            request.url = url.copy_with(host=self.address)
            request.extensions = {**request.extensions, "sni_hostname": self.host}
        return request


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def pin_address(url: str, allow_private: bool, resolve: Resolve | None = None) -> PinnedAddress:
    """Resolve the host of ``url`` once, refuse it when any answer is private (unless allowed; one
    forbidden answer refuses the name, since a mix is how rebinding hedges), and pin the first."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port or _default_port(parts.scheme)
    try:
        infos = (resolve or socket.getaddrinfo)(host, port, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise PeerUnresolvedError(f"peer host {host!r} does not resolve: {exc}") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise PeerUnresolvedError(f"peer host {host!r} has no address")
    if not allow_private:
        for ip in addresses:
            why = refusal(ip)
            if why:
                raise PeerAddressError(
                    f"peer {url} resolves to {why} (VIGIL_FEDERATION_ALLOW_PRIVATE allows it)"
                )
    return PinnedAddress(host=host, port=port, address=str(addresses[0]))


class PinnedTransport(httpx.BaseTransport):
    """An httpx transport sending the peer's requests to its pinned address (for clients that are
    handed a base URL, such as the PSI initiator's)."""

    def __init__(self, pinned: PinnedAddress, inner: httpx.BaseTransport | None = None) -> None:
        self.pinned = pinned
        self.inner = inner or httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        return self.inner.handle_request(self.pinned.apply(request))

    def close(self) -> None:
        self.inner.close()
