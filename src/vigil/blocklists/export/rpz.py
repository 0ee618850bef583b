"""DNS Response Policy Zone export, and IXFR-style changes between two versions.

The zone is what ``shared/conformance/rpz`` shows resolvers load: ``$TTL``, ``$ORIGIN``, a SOA whose
serial is the list serial, an NS record, then one trigger per listed name, written relative to the
origin. A listed name answers NXDOMAIN (``CNAME .``) or, when a stop page is configured, a CNAME to the
stop-page host; a wildcard entry adds ``*.name``, since in RPZ the apex and its subdomains are two
rules. Names are already punycode (see ``vigil.signals.url``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from vigil.blocklists.versions import ListVersion, dns_triggers

_ABSOLUTE_NAME: Final = re.compile(r"^(?:[A-Za-z0-9_-]{1,63}\.)+$")


def _absolute(field: str, name: str) -> str:
    # Every name written into rdata must end with a dot, or a resolver appends the origin to it.
    if name != "." and not _ABSOLUTE_NAME.match(name):
        raise ValueError(f"{field} {name!r} must be an absolute DNS name (ending with a dot)")
    return name.lower()


@dataclass(frozen=True)
class RpzOptions:
    """How the zone is written. ``origin`` is the policy zone's name in the resolver's configuration."""

    origin: str
    #: None: listed names answer NXDOMAIN. Else the absolute name of the host serving the stop page.
    stop_page_host: str | None = None
    ttl: int = 300
    #: Primary server and contact in the SOA; resolvers ignore them, zone tools want them present.
    primary: str = "localhost."
    contact: str = "hostmaster.localhost."
    refresh: int = 3600
    retry: int = 600
    expire: int = 604800
    minimum: int = 300
    #: List the hosts of URL entries (blocking every page of those hosts); see ``dns_triggers``.
    url_hosts: bool = True

    def __post_init__(self) -> None:
        _absolute("origin", self.origin)
        _absolute("primary", self.primary)
        _absolute("contact", self.contact)
        if self.origin == ".":
            raise ValueError("a policy zone cannot be the root")
        if self.stop_page_host is not None:
            _absolute("stop_page_host", self.stop_page_host)
        for field in ("ttl", "refresh", "retry", "expire", "minimum"):
            value = getattr(self, field)
            if not 0 <= value <= 2**31 - 1:
                raise ValueError(f"{field} {value} out of range")

    @property
    def target(self) -> str:
        return self.stop_page_host.lower() if self.stop_page_host else "."


def _soa_rdata(serial: int, options: RpzOptions) -> str:
    return (
        f"{options.primary} {options.contact} {serial} {options.refresh} {options.retry} "
        f"{options.expire} {options.minimum}"
    )


def trigger_records(version: ListVersion, options: RpzOptions) -> list[tuple[str, str]]:
    """(owner relative to the origin, CNAME target) for every rule of ``version``."""
    records: list[tuple[str, str]] = []
    for name, wildcard in dns_triggers(version.entries, url_hosts=options.url_hosts).items():
        records.append((name, options.target))
        if wildcard:
            records.append((f"*.{name}", options.target))
    return records


def render_rpz(version: ListVersion, options: RpzOptions) -> str:
    """The whole zone file of ``version``."""
    origin = options.origin.lower()
    lines = [
        f'; Vigil blocklist "{version.name}", serial {version.serial}, '
        f"published {version.published_at.isoformat()}",
        f"$TTL {options.ttl}",
        f"$ORIGIN {origin}",
        f"@ SOA {_soa_rdata(version.serial, options)}",
        f"@ NS {options.primary}",
    ]
    lines.extend(f"{owner} CNAME {target}" for owner, target in trigger_records(version, options))
    return "\n".join(lines) + "\n"


def render_rpz_ixfr(old: ListVersion, new: ListVersion, options: RpzOptions) -> str:
    """The changes from ``old`` to ``new`` as an incremental zone transfer prints them (RFC 1995).

    New SOA; old SOA, then the records deleted; new SOA, then the records added; new SOA again.
    Names are absolute, so the text stands alone. It is worked out from the records of both zones,
    not from the entry diff: removing a URL entry must not delete its host's record while a domain
    entry still lists that host.
    """
    if old.name != new.name or new.serial <= old.serial:
        raise ValueError(f"no changes from {old.name}@{old.serial} to {new.name}@{new.serial}")
    origin = options.origin.lower()
    before = set(trigger_records(old, options))
    after = set(trigger_records(new, options))

    def record(owner: str, target: str) -> str:
        return f"{owner}.{origin} {options.ttl} IN CNAME {target}"

    def soa(serial: int) -> str:
        return f"{origin} {options.ttl} IN SOA {_soa_rdata(serial, options)}"

    lines = [
        f'; Vigil blocklist "{new.name}", changes from serial {old.serial} to {new.serial}',
        soa(new.serial),
        soa(old.serial),
        *(record(*item) for item in sorted(before - after)),
        soa(new.serial),
        *(record(*item) for item in sorted(after - before)),
        soa(new.serial),
    ]
    return "\n".join(lines) + "\n"
