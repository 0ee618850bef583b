"""IP address → country and autonomous system, from data shipped inside installed packages (no live
look-up: a trace must not tell the host that a hotline is looking).

Country: ``iptocc`` (compiled-in RIR delegation data, a Rust extension, no files to load).
AS: ``geoip2fast``'s packaged ASN file (GeoLite2 derived; it carries the AS *name* and its network, not
the number; the host directory supplies numbers where they matter). That file is a pickle: only the
copy inside the installed package is ever loaded (the path is not configurable), which trusts it
exactly as much as the package's code, and its download helpers are never called.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any, Final, Protocol

import iptocc

from vigil.hotline.fetch import IPAddress

_ASN_FILE: Final = "geoip2fast-asn-ipv6.dat.gz"


@dataclass(frozen=True)
class IpInfo:
    country: str | None
    as_name: str | None
    network: str | None


class IpData(Protocol):
    def lookup(self, ip: IPAddress) -> IpInfo: ...


class PackagedIpData:
    """Loaded on first use (half a second, about 100 MB for the ASN table), then shared."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._asn: Any = None

    def _asn_table(self) -> Any:
        with self._lock:
            if self._asn is None:
                from geoip2fast import GeoIP2Fast

                self._asn = GeoIP2Fast(verbose=False, geoip2fast_data_file=_ASN_FILE)
            return self._asn

    def lookup(self, ip: IPAddress) -> IpInfo:
        if not ip.is_global:
            return IpInfo(None, None, None)
        country = iptocc.country_code(str(ip))
        detail = self._asn_table().lookup(str(ip))
        as_name = getattr(detail, "asn_name", "") or None
        network = getattr(detail, "asn_cidr", "") or None
        return IpInfo(country, as_name, network)


class NoIpData:
    """No packaged data (tests that do not need it, minimal installs)."""

    def lookup(self, ip: IPAddress) -> IpInfo:
        return IpInfo(None, None, None)
