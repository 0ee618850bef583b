"""Hosting resolution: name → address → country, AS and the host to notify.

The directory is consulted first (an operator's knowledge beats generic data: a file-hosting service
is notified itself, not its data centre), then the packaged IP data. Nothing here asks the network but
the DNS resolver.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Final

from vigil.hotline.directory import Directory, HostEntry
from vigil.hotline.fetch import IPAddress, NameNotFoundError, Resolver
from vigil.hotline.ipdata import IpData
from vigil.signals.url import is_ip_host

#: What a trace tells of a host, under the names a case's Hosting row stores (and the console shows).
TRACED: Final = (
    "hostname",
    "ip",
    "country",
    "asn",
    "as_name",
    "network",
    "provider",
    "abuse_email",
    "source",
)


@dataclass(frozen=True)
class Trace:
    hostname: str
    ip: str | None
    country: str | None
    asn: int | None
    as_name: str | None
    network: str | None
    entry: HostEntry | None
    #: ``directory``, ``packaged`` or ``none``: which data placed the host.
    source: str

    @property
    def provider(self) -> str | None:
        return self.entry.name if self.entry else None

    @property
    def abuse_email(self) -> str | None:
        return self.entry.abuse_email if self.entry else None


class HostingResolver:
    def __init__(self, resolver: Resolver, ipdata: IpData, directory: Directory) -> None:
        self.resolver = resolver
        self.ipdata = ipdata
        self.directory = directory

    def trace(self, host: str) -> Trace:
        """Where ``host`` (a canonical URL's host) is served from; raises NameNotFoundError."""
        bare = host.strip("[]")
        addresses = [bare] if is_ip_host(host) else self.resolver.resolve(bare)
        ip: IPAddress = ipaddress.ip_address(addresses[0])
        info = self.ipdata.lookup(ip)
        entry = self.directory.host_for(bare, ip, None)
        country = (entry.country if entry else None) or info.country
        source = "directory" if entry else ("packaged" if info.country or info.as_name else "none")
        return Trace(
            hostname=bare,
            ip=str(ip),
            country=country,
            asn=entry.asn if entry else None,
            as_name=info.as_name,
            network=info.network,
            entry=entry,
            source=source,
        )


__all__ = ["HostingResolver", "NameNotFoundError", "Trace"]
