"""hosts-file export: ``0.0.0.0 name`` per listed name, for resolvers and devices without RPZ.

A hosts file cannot say "and every subdomain": wildcard entries contribute their apex only, and the
header says so. ``0.0.0.0`` (not 127.0.0.1) makes a blocked connection fail at once instead of
reaching whatever listens on the device itself.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from vigil.blocklists.versions import ListVersion, dns_triggers

#: The "this host, no network" address: a sink, never a bind (hence the lint exemption).
UNROUTABLE = "0.0.0.0"  # noqa: S104


def render_hosts(
    version: ListVersion, *, addresses: Sequence[str] = (UNROUTABLE,), url_hosts: bool = True
) -> str:
    """The hosts file of ``version``; ``addresses`` may add ``::`` for IPv6-only clients."""
    if not addresses:
        raise ValueError("at least one address is needed")
    sinks = [str(ipaddress.ip_address(address)) for address in addresses]
    lines = [
        f'# Vigil blocklist "{version.name}", serial {version.serial}, '
        f"published {version.published_at.isoformat()}",
        "# Entries that also cover subdomains are listed by their own name only: use the RPZ export.",
    ]
    for name in dns_triggers(version.entries, url_hosts=url_hosts):
        lines.extend(f"{sink} {name}" for sink in sinks)
    return "\n".join(lines) + "\n"
