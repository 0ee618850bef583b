"""The host directory: an editable TOML file naming hosting providers and their abuse contacts, the
partner hotline of each country, and the law-enforcement contact of each country.

    [[host]]
    name = "Example Hosting Ltd"
    domains = ["pics.example"]          # the name and its subdomains
    networks = ["192.0.2.0/24"]
    asns = [64500]
    country = "GB"                      # overrides the packaged IP data
    asn = 64500
    abuse_email = "abuse@hosting.example"
    webhook_url = "https://hosting.example/abuse-hook"   # optional, signed (HMAC-SHA256)
    webhook_secret = "…"

    [[partner]]
    country = "NL"
    name = "Partner hotline NL"
    endpoint = "https://hotline.nl.example/api/v1/reports"
    token = "…"                         # our API token at the partner
    public_key = "-----BEGIN PUBLIC KEY-----…"   # verifies the reports it forwards to us

    [[law_enforcement]]
    country = "GB"
    name = "National crime agency"
    email = "referrals@police.example"

Hotlines keep such a list by hand (no live WHOIS in the notice path: a WHOIS answer is neither stable
nor authenticated). A domain entry wins over a network entry, which wins over an AS entry.
"""

from __future__ import annotations

import ipaddress
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vigil.errors import Invalid
from vigil.hotline.fetch import IPAddress, IPNetwork


class DirectoryError(Invalid):
    """The directory file is malformed."""


@dataclass(frozen=True)
class HostEntry:
    name: str
    domains: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = ()
    asns: tuple[int, ...] = ()
    country: str | None = None
    asn: int | None = None
    abuse_email: str | None = None
    webhook_url: str | None = None
    webhook_secret: str | None = None


@dataclass(frozen=True)
class Partner:
    country: str
    name: str
    endpoint: str
    token: str = ""
    #: The partner's Ed25519 public key (PEM): reports it forwards to us must be signed with it.
    public_key: str = ""


@dataclass(frozen=True)
class LawEnforcement:
    country: str
    name: str
    email: str


@dataclass(frozen=True)
class Directory:
    hosts: tuple[HostEntry, ...] = ()
    partners: tuple[Partner, ...] = ()
    law_enforcement: tuple[LawEnforcement, ...] = ()
    _by_country: dict[str, Partner] = field(default_factory=dict, compare=False, repr=False)

    def host_for(self, hostname: str, ip: IPAddress | None, asn: int | None) -> HostEntry | None:
        name = hostname.lower().rstrip(".")
        for entry in self.hosts:
            if any(name == d or name.endswith("." + d) for d in entry.domains):
                return entry
        if ip is not None:
            for entry in self.hosts:
                if any(ip.version == n.version and ip in n for n in entry.networks):
                    return entry
        if asn is not None:
            for entry in self.hosts:
                if asn in entry.asns:
                    return entry
        return None

    def partner(self, country: str | None) -> Partner | None:
        return next((p for p in self.partners if country and p.country == country), None)

    def police(self, country: str | None) -> LawEnforcement | None:
        return next((p for p in self.law_enforcement if country and p.country == country), None)


def _strings(raw: dict[str, Any], key: str) -> tuple[str, ...]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DirectoryError(f"{key!r} must be a list of strings")
    return tuple(value)


def _country(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != 2 or not value.isalpha():
        raise DirectoryError(f"{where}: country must be an ISO 3166 two-letter code, not {value!r}")
    return value.upper()


def _host(raw: dict[str, Any]) -> HostEntry:
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise DirectoryError("every [[host]] needs a name")
    try:
        networks = tuple(ipaddress.ip_network(n, strict=False) for n in _strings(raw, "networks"))
    except ValueError as exc:
        raise DirectoryError(f"host {name!r}: {exc}") from None
    asns = raw.get("asns", [])
    if not isinstance(asns, list) or not all(isinstance(a, int) for a in asns):
        raise DirectoryError(f"host {name!r}: asns must be a list of numbers")
    return HostEntry(
        name=name,
        domains=tuple(d.lower().rstrip(".") for d in _strings(raw, "domains")),
        networks=networks,
        asns=tuple(asns),
        country=_country(raw.get("country"), f"host {name!r}"),
        asn=raw.get("asn"),
        abuse_email=raw.get("abuse_email"),
        webhook_url=raw.get("webhook_url"),
        webhook_secret=raw.get("webhook_secret"),
    )


def _entries(raw: dict[str, Any], key: str) -> Iterable[dict[str, Any]]:
    value = raw.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise DirectoryError(f"[[{key}]] must be tables")
    return value


def parse_directory(text: str) -> Directory:
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DirectoryError(f"not valid TOML: {exc}") from None
    try:
        partners = tuple(
            Partner(
                str(_country(p["country"], "partner")),
                p["name"],
                p["endpoint"],
                p.get("token", ""),
                p.get("public_key", ""),
            )
            for p in _entries(raw, "partner")
        )
        police = tuple(
            LawEnforcement(str(_country(p["country"], "law_enforcement")), p["name"], p["email"])
            for p in _entries(raw, "law_enforcement")
        )
    except KeyError as exc:
        raise DirectoryError(f"missing field {exc}") from None
    return Directory(tuple(_host(h) for h in _entries(raw, "host")), partners, police)


def load_directory(path: Path | None) -> Directory:
    """The directory at ``path``; an empty one when there is no file yet."""
    if path is None or not path.exists():
        return Directory()
    return parse_directory(path.read_text(encoding="utf-8"))
