"""One entry of a URL blocklist: a domain (optionally with its subdomains) or a single URL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from vigil.errors import Invalid
from vigil.signals.url import (
    canonical_domain,
    canonical_url,
    is_ip_host,
    sha256_of_canonical,
    url_host,
)

EntryKind = Literal["domain", "url"]
ENTRY_KINDS: tuple[EntryKind, ...] = ("domain", "url")


class InvalidEntryError(Invalid):
    """An entry whose fields contradict each other or are not in canonical form."""


def _check_text(field: str, value: str, *, required: bool) -> None:
    if required and not value.strip():
        raise InvalidEntryError(f"{field} is empty")
    # Exports are line-oriented (zone comments, hosts files): a newline would forge a line.
    if any(char in value for char in "\r\n\x00"):
        raise InvalidEntryError(f"{field} contains a line break or NUL")


def _check_aware(field: str, value: datetime | None) -> None:
    if value is not None and value.utcoffset() is None:
        raise InvalidEntryError(f"{field} must carry a time zone")


@dataclass(frozen=True, slots=True)
class ListEntry:
    """A published entry. ``target`` is already canonical (see :meth:`create` to build one from text).

    ``wildcard`` (domains only) extends the entry to every subdomain: the form for sites dedicated to
    abuse material, where any name under the domain serves it.
    """

    kind: EntryKind
    target: str
    category: str
    added_at: datetime
    reason: str = ""
    wildcard: bool = False
    expires_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.kind not in ENTRY_KINDS:
            raise InvalidEntryError(f"unknown entry kind {self.kind!r}")
        if self.wildcard and self.kind != "domain":
            raise InvalidEntryError("only a domain entry can cover subdomains")
        _check_text("target", self.target, required=True)
        _check_text("category", self.category, required=True)
        _check_text("reason", self.reason, required=False)
        _check_aware("added_at", self.added_at)
        _check_aware("expires_at", self.expires_at)
        if self.expires_at is not None and self.expires_at <= self.added_at:
            raise InvalidEntryError("expires_at is not after added_at")

    @classmethod
    def create(
        cls,
        text: str,
        *,
        category: str,
        added_at: datetime,
        reason: str = "",
        wildcard: bool = False,
        expires_at: datetime | None = None,
    ) -> ListEntry:
        """An entry from what an analyst typed: ``example.com``, ``*.example.com`` or a full URL.

        Raises :class:`vigil.signals.url.InvalidURLError` / ``InvalidDomainError`` for bad input.
        """
        kind, target, star = parse_target(text)
        return cls(
            kind=kind,
            target=target,
            category=category,
            added_at=added_at,
            reason=reason,
            wildcard=wildcard or star,
            expires_at=expires_at,
        )

    @property
    def key(self) -> tuple[EntryKind, str]:
        """Identity within a list: one entry per kind and target."""
        return (self.kind, self.target)

    @property
    def host(self) -> str:
        return self.target if self.kind == "domain" else url_host(self.target)

    @property
    def dns_name(self) -> str | None:
        """The name a resolver can block, or None for a URL on a bare IP address."""
        host = self.host
        return None if is_ip_host(host) else host

    @property
    def url_sha256(self) -> str | None:
        return sha256_of_canonical(self.target) if self.kind == "url" else None

    def is_active(self, at: datetime) -> bool:
        return self.added_at <= at and (self.expires_at is None or at < self.expires_at)


def parse_target(text: str) -> tuple[EntryKind, str, bool]:
    """(kind, canonical target, wildcard) of a typed target.

    Anything with a scheme, a path, a query or a port is a URL; ``*.name`` is a domain with its
    subdomains; anything else must be a bare domain name.
    """
    stripped = text.strip()
    if stripped.startswith("*."):
        return ("domain", canonical_domain(stripped[2:]), True)
    if any(mark in stripped for mark in "/?#:@"):
        return ("url", canonical_url(stripped), False)
    return ("domain", canonical_domain(stripped), False)
