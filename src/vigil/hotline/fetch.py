"""Fetching a reported URL: hostile input from end to end.

A reported URL may point at the hotline's own network (``http://10.0.0.5/admin``), at a cloud metadata
service, or at a name whose DNS answer changes between the check and the connection (DNS rebinding).
So the fetcher resolves every name itself, refuses any answer that is not a public unicast address
(unless an operator-set allow-list says otherwise; tests use it for 127.0.0.1 only), connects to the
address it checked (the name travels only in the Host header and TLS SNI, so nothing resolves it
again), follows redirects by hand and checks each target the same way, and caps the size, the time and
the number of redirects.
"""

from __future__ import annotations

import ipaddress
import ssl
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol
from urllib.parse import urljoin, urlsplit

import dns.exception
import dns.resolver
import httpx

from vigil.config import Settings
from vigil.fields import pick
from vigil.signals.url import InvalidURLError, canonical_url, is_ip_host, url_host

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS: Final = {"http": 80, "https": 443}
_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL: Final = ipaddress.IPv6Network("64:ff9b:1::/48")
USER_AGENT: Final = "Vigil-hotline/1 (notice and takedown; see the hotline's contact page)"


class FetchError(Exception):
    """The fetch failed: network error, limits exceeded, malformed answer."""


class FetchRefusedError(FetchError):
    """The fetch was refused before any connection: a forbidden address or scheme."""


class FetchTooLargeError(FetchError):
    """The content is larger than the fetch may read."""


class NameNotFoundError(FetchError):
    """The name does not resolve (NXDOMAIN or no address): for a re-check, the site is gone."""


@dataclass(frozen=True)
class FetchPolicy:
    max_bytes: int = 32 * 1024 * 1024
    #: Seconds for the whole fetch, redirects included.
    timeout: float = 20.0
    max_redirects: int = 5
    #: Networks fetched although not public. Empty in production.
    allow: tuple[IPNetwork, ...] = ()
    user_agent: str = USER_AGENT

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPolicy:
        return cls(
            **pick(settings, "max_bytes", "timeout", "max_redirects", prefix="hotline_fetch_"),
            allow=tuple(ipaddress.ip_network(n, strict=False) for n in settings.hotline_fetch_allow),
        )


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries to the IPv4 network (mapped, 6to4, Teredo, NAT64)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64 or ip in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refusal(ip: IPAddress, allow: Iterable[IPNetwork] = ()) -> str | None:
    """Why ``ip`` must not be fetched from, or None when it is a public unicast address (or allowed)."""
    if any(ip.version == net.version and ip in net for net in allow):
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if inner is not None:
            why = refusal(inner, allow)
            return f"{ip} embeds {inner}: {why}" if why else None
    for flag in ("unspecified", "loopback", "link_local", "multicast", "private", "reserved"):
        if getattr(ip, f"is_{flag}"):
            return f"{ip} is a {flag.replace('_', '-')} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


class Resolver(Protocol):
    def resolve(self, name: str) -> list[str]:
        """Every address of ``name`` (A and AAAA); raises :class:`NameNotFoundError` when there is none."""
        ...


class DnsResolver:
    """dnspython, on the system's name servers or the configured ones (tests: a local server)."""

    def __init__(self, nameservers: Sequence[str] = (), port: int = 53, timeout: float = 5.0) -> None:
        self._resolver = dns.resolver.Resolver(configure=not nameservers)
        if nameservers:
            self._resolver.nameservers = list(nameservers)
        self._resolver.port = port
        self._resolver.lifetime = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> DnsResolver:
        return cls(settings.hotline_dns_nameservers, settings.hotline_dns_port, settings.hotline_dns_timeout)

    def resolve(self, name: str) -> list[str]:
        addresses: list[str] = []
        missing = 0
        for rdtype in ("A", "AAAA"):
            try:
                answer = self._resolver.resolve(name, rdtype, search=False)
            except dns.resolver.NXDOMAIN:
                raise NameNotFoundError(f"{name}: no such domain (NXDOMAIN)") from None
            except dns.resolver.NoAnswer:
                missing += 1
                continue
            except dns.exception.DNSException as exc:
                raise FetchError(f"{name}: DNS failure: {exc}") from None
            addresses.extend(str(r) for r in answer)
        if not addresses:
            raise NameNotFoundError(f"{name}: the name has no address")
        return addresses


@dataclass
class Fetched:
    url: str
    final_url: str
    ip: str
    status: int
    content_type: str | None
    body: bytes
    redirects: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Target:
    url: str
    host: str
    ip: IPAddress
    connect_url: str
    host_header: str


class Fetcher:
    def __init__(
        self,
        policy: FetchPolicy,
        resolver: Resolver,
        transport: httpx.BaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self.policy = policy
        self.resolver = resolver
        self._transport = transport
        #: Certificates are checked against the URL's name (sent as SNI), not the pinned address.
        self._verify = verify

    def target(self, url: str) -> _Target:
        """Check ``url`` and pin its address; raises before anything connects."""
        try:
            canonical = canonical_url(url)
        except InvalidURLError as exc:
            raise FetchRefusedError(f"not an http(s) URL: {exc}") from None
        parts = urlsplit(canonical)
        host = url_host(canonical)
        bare = host.strip("[]")
        addresses = [bare] if is_ip_host(host) else self.resolver.resolve(bare)
        checked: list[IPAddress] = []
        for text in addresses:
            try:
                ip = ipaddress.ip_address(text)
            except ValueError:
                raise FetchRefusedError(f"{host}: the resolver answered {text!r}, not an address") from None
            why = refusal(ip, self.policy.allow)
            if why:
                # One forbidden answer refuses the name: a mix is how rebinding attacks hedge.
                raise FetchRefusedError(f"{host}: {why}")
            checked.append(ip)
        ip = checked[0]
        port = parts.port or DEFAULT_PORTS[parts.scheme]
        literal = f"[{ip}]" if ip.version == 6 else str(ip)
        rest = canonical.split("://", 1)[1]
        path = rest[len(parts.netloc) :] or "/"
        default = port == DEFAULT_PORTS[parts.scheme]
        return _Target(
            url=canonical,
            host=bare,
            ip=ip,
            connect_url=f"{parts.scheme}://{literal}:{port}{path}",
            host_header=host if default else f"{host}:{port}",
        )

    def fetch(self, url: str, *, max_bytes: int | None = None, timeout: float | None = None) -> Fetched:
        """``url`` through the guard; ``max_bytes`` and ``timeout`` only tighten the policy's caps (a
        page's items share the page's budget)."""
        limit = self.policy.max_bytes if max_bytes is None else min(max_bytes, self.policy.max_bytes)
        seconds = self.policy.timeout if timeout is None else min(timeout, self.policy.timeout)
        deadline = time.monotonic() + seconds
        redirects: list[str] = []
        current = url
        with httpx.Client(
            transport=self._transport, trust_env=False, follow_redirects=False, verify=self._verify
        ) as client:
            while True:
                target = self.target(current)
                status, location, content_type, body = self._get(client, target, deadline, limit)
                if status in REDIRECTS and location:
                    if len(redirects) >= self.policy.max_redirects:
                        raise FetchError(f"more than {self.policy.max_redirects} redirects")
                    redirects.append(target.url)
                    current = urljoin(target.url, location)
                    continue
                return Fetched(
                    url=redirects[0] if redirects else target.url,
                    final_url=target.url,
                    ip=str(target.ip),
                    status=status,
                    content_type=content_type,
                    body=body,
                    redirects=redirects,
                )

    def _get(
        self, client: httpx.Client, target: _Target, deadline: float, max_bytes: int
    ) -> tuple[int, str | None, str | None, bytes]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("time limit exceeded")
        headers = {
            "Host": target.host_header,
            "User-Agent": self.policy.user_agent,
            "Accept-Encoding": "identity",
        }
        try:
            with client.stream(
                "GET",
                target.connect_url,
                headers=headers,
                timeout=httpx.Timeout(remaining),
                extensions={"sni_hostname": target.host},
            ) as response:
                if response.status_code in REDIRECTS:
                    return response.status_code, response.headers.get("location"), None, b""
                declared = response.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise FetchTooLargeError(f"content of {declared} bytes exceeds {max_bytes}")
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchTooLargeError(f"content exceeds {max_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise FetchError("time limit exceeded")
                    chunks.append(chunk)
                return response.status_code, None, response.headers.get("content-type"), b"".join(chunks)
        except httpx.TimeoutException:
            raise FetchError("time limit exceeded") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{target.url}: {type(exc).__name__}: {exc}") from None
