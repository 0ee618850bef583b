"""Proxy list for Cleanfeed-style two-stage blocking.

Stage one: the ISP routes traffic for a few IP addresses (those hosting listed URLs) to a proxy.
Stage two: the proxy canonicalizes each requested URL (``vigil.signals.url.canonical_url``), hashes it
with SHA-256 and refuses it when the hash is listed. Only hashes are published, so the list does not
itself tell anyone where the material is.

The text format (version 1) is line-oriented: a header (``vigil-proxy-list 1``, ``list NAME``,
``serial N``), then sections that start with ``[name]``; ``#`` starts a comment line.

- ``[url-sha256]``: one SHA-256 (lowercase hex) of a canonical URL per line. A URL entry for http is
  also listed for https and the other way round (same host, port and path): a proxy sees whichever
  scheme the user typed, and the content is the same.
- ``[host-sha256]``: SHA-256 of a host name from a domain entry, then ``host`` (that name only) or
  ``domain`` (the name and all its subdomains): the proxy hashes the request's host and, for
  ``domain``, each of its parent names.
- ``[route]``: the IP addresses to route to the proxy, IPv4 first, each once.

Addresses come from a resolver passed in (``resolve(name) -> addresses``), so that exports are
testable without a network and the caller chooses which resolver to trust. A name that does not
resolve should give no addresses, not an error: one dead host must not stop a whole export.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from vigil.blocklists.versions import ListVersion
from vigil.signals.url import canonical_url, is_ip_host, sha256_of_canonical

Resolve = Callable[[str], Iterable[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ProxyList:
    name: str
    serial: int
    url_hashes: tuple[str, ...]
    host_hashes: tuple[tuple[str, bool], ...]  # (sha256 of the host, covers subdomains)
    routes: tuple[IPAddress, ...]


def _scheme_twin(canonical: str) -> str:
    scheme, rest = canonical.split("://", 1)
    # Canonicalizing again drops a port that is the default of the other scheme.
    return canonical_url(("https" if scheme == "http" else "http") + "://" + rest)


def _literal_address(host: str) -> IPAddress:
    return ipaddress.ip_address(host.strip("[]"))


def build_proxy_list(version: ListVersion, resolve: Resolve, *, both_schemes: bool = True) -> ProxyList:
    url_hashes: set[str] = set()
    host_hashes: dict[str, bool] = {}
    routes: set[IPAddress] = set()
    resolved: dict[str, list[IPAddress]] = {}

    def addresses_of(host: str) -> list[IPAddress]:
        if is_ip_host(host):
            return [_literal_address(host)]
        if host not in resolved:
            resolved[host] = [ipaddress.ip_address(address) for address in resolve(host)]
        return resolved[host]

    for entry in version.entries:
        if entry.kind == "url":
            url_hashes.add(sha256_of_canonical(entry.target))
            if both_schemes:
                url_hashes.add(sha256_of_canonical(_scheme_twin(entry.target)))
        else:
            digest = sha256_of_canonical(entry.target)
            host_hashes[digest] = host_hashes.get(digest, False) or entry.wildcard
        routes.update(addresses_of(entry.host))
    return ProxyList(
        name=version.name,
        serial=version.serial,
        url_hashes=tuple(sorted(url_hashes)),
        host_hashes=tuple(sorted(host_hashes.items())),
        routes=tuple(sorted(routes, key=lambda address: (address.version, address))),
    )


def render_proxy_list(proxy: ProxyList) -> str:
    lines = [
        f"vigil-proxy-list {FORMAT_VERSION}",
        f"list {proxy.name}",
        f"serial {proxy.serial}",
        "# url-sha256: SHA-256 of the Vigil canonical form of each listed URL (http and https)",
        "# host-sha256: SHA-256 of a listed host; 'domain' also covers its subdomains",
        "# route: addresses whose traffic goes to the proxy",
        "[url-sha256]",
        *proxy.url_hashes,
        "[host-sha256]",
        *(f"{digest} {'domain' if subdomains else 'host'}" for digest, subdomains in proxy.host_hashes),
        "[route]",
        *(str(address) for address in proxy.routes),
    ]
    return "\n".join(lines) + "\n"


def _check_digest(digest: str) -> str:
    if len(digest) != 64 or not all(char in "0123456789abcdef" for char in digest):
        raise ValueError(f"{digest!r} is not a lowercase SHA-256")
    return digest


def parse_proxy_list(text: str) -> ProxyList:
    """Read the text format back (what a proxy does); refuses unknown sections and malformed lines."""
    header: dict[str, str] = {}
    sections: dict[str, list[str]] = {"url-sha256": [], "host-sha256": [], "route": []}
    current: list[str] | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            if line[1:-1] not in sections:
                raise ValueError(f"line {number}: unknown section {line}")
            current = sections[line[1:-1]]
        elif current is not None:
            current.append(line)
        else:
            key, _, value = line.partition(" ")
            header[key] = value
    if header.get("vigil-proxy-list") != str(FORMAT_VERSION):
        raise ValueError(f"not a version {FORMAT_VERSION} Vigil proxy list")
    hosts: list[tuple[str, bool]] = []
    for line in sections["host-sha256"]:
        digest, _, scope = line.partition(" ")
        if scope not in ("host", "domain"):
            raise ValueError(f"host scope {scope!r} is neither host nor domain")
        hosts.append((_check_digest(digest), scope == "domain"))
    return ProxyList(
        name=header.get("list", ""),
        serial=int(header.get("serial", "0")),
        url_hashes=tuple(_check_digest(line) for line in sections["url-sha256"]),
        host_hashes=tuple(hosts),
        routes=tuple(ipaddress.ip_address(line) for line in sections["route"]),
    )
