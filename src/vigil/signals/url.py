"""The canonical form of a URL, shared by the hotline (deduplicating reports) and the blocklists.

Parsing is the WHATWG URL Standard, through ``ada-url`` (the Ada parser that Node.js uses), so that a
URL means here what it means to the browsers that reporters and blocked users run: hosts go through
UTS-46 to punycode and lowercase, IPv4 literals in any legacy spelling (``0x7f.1``) become dotted quads,
IPv6 literals are compressed, default ports, ``.``/``..`` segments, tabs and newlines are handled.

On top of WHATWG serialisation the canonical form also:

- drops the fragment (never sent to a server) and the userinfo (sent as a header, not part of the
  resource; keeping it would let one page dodge a list entry by adding ``user@``);
- removes the host's trailing dot and an empty ``?``;
- normalises percent-encoding as RFC 3986 §6.2.2 allows without changing meaning: hex digits
  upper-case, escapes of unreserved characters decoded, and characters that RFC 3986 does not allow
  literally (``|``, ``^``, ``[`` ...) escaped, so that ``a|b`` and ``a%7cb`` agree. Escapes of
  delimiters (``%2F``, ``%3F``, ``%26`` ...) are kept: a server may tell them apart.

Scheme-less input (``example.com/x``, as people type it) is read as ``http://``. Only http and https
are accepted: nothing else can be fetched by the hotline or blocked by a proxy.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from ada_url import HostType, idna_to_ascii, idna_to_unicode, parse_url

from vigil.signals.base import ContentKind, InvalidSignalError

SCHEMES: Final = frozenset({"http", "https"})
#: Longer input is refused before parsing: reports come from the public.
MAX_URL_LENGTH: Final = 8192
MAX_HOST_LENGTH: Final = 253
MAX_LABEL_LENGTH: Final = 63

_UNRESERVED: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SUB_DELIMS: Final = frozenset("!$&'()*+,;=")
#: What RFC 3986 allows unescaped in a path and in a query (``pchar`` plus ``/``, and ``?`` in a query).
_PATH_LITERAL: Final = _UNRESERVED | _SUB_DELIMS | frozenset(":@/")
_QUERY_LITERAL: Final = _PATH_LITERAL | frozenset("?")
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_SCHEME_PREFIX: Final = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_PORT_AFTER_COLON: Final = re.compile(r"\d+(?:[/?#]|$)")
#: A DNS label as hosts really use it: letters, digits, hyphens inside, and underscores (which DNS
#: allows and some hosting services put in subdomains).
_LABEL: Final = re.compile(r"^[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$")


class InvalidURLError(InvalidSignalError):
    """Text that is not an http(s) URL with a valid host."""


class InvalidDomainError(InvalidSignalError):
    """Text that is not a registrable-looking DNS name (at least two labels, not an IP address)."""


def _with_scheme(text: str) -> str:
    # "example.com:8080/x" looks like scheme "example.com" to WHATWG: a colon followed by a port is a
    # host, anything else before a colon is a scheme (refused below unless http or https).
    match = _SCHEME_PREFIX.match(text)
    if match and not _PORT_AFTER_COLON.match(text, match.end()):
        return text
    return "http://" + text.removeprefix("//")


def _normalize_escapes(component: str, literal: frozenset[str]) -> str:
    out: list[str] = []
    i = 0
    n = len(component)
    while i < n:
        char = component[i]
        if char == "%" and i + 2 < n and set(component[i + 1 : i + 3]) <= _HEX:
            decoded = chr(int(component[i + 1 : i + 3], 16))
            out.append(decoded if decoded in _UNRESERVED else "%" + component[i + 1 : i + 3].upper())
            i += 3
            continue
        if char in literal:
            out.append(char)
        else:
            # A lone "%" included: it cannot start a valid escape, so it is data.
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
        i += 1
    return "".join(out)


def _check_host_labels(host: str, error: type[InvalidSignalError]) -> None:
    if not host or len(host) > MAX_HOST_LENGTH:
        raise error(f"host name {host!r} is empty or longer than {MAX_HOST_LENGTH} characters")
    for label in host.split("."):
        if not _LABEL.match(label):
            raise error(f"host name {host!r} has an invalid label {label!r}")
        if label.startswith("xn--"):
            # UTS-46 ToUnicode hands back invalid punycode unchanged; a real A-label round-trips.
            decoded = idna_to_unicode(label)
            if decoded == label or idna_to_ascii(decoded).decode("ascii") != label:
                raise error(f"host name {host!r} has an invalid punycode label {label!r}")


def canonical_url(text: str) -> str:
    """The canonical form of ``text``; raises :class:`InvalidURLError` when it is not an http(s) URL."""
    text = text.strip()
    if not text:
        raise InvalidURLError("empty URL")
    if len(text) > MAX_URL_LENGTH:
        raise InvalidURLError(f"URL longer than {MAX_URL_LENGTH} characters")
    try:
        parts = parse_url(
            _with_scheme(text), attributes=("protocol", "hostname", "port", "pathname", "search", "host_type")
        )
    except ValueError:
        raise InvalidURLError(f"not a URL: {text[:200]!r}") from None
    scheme = parts["protocol"].removesuffix(":")
    if scheme not in SCHEMES:
        raise InvalidURLError(f"scheme {scheme!r} is not one of {sorted(SCHEMES)}")
    host = parts["hostname"]
    if parts["host_type"] == HostType.DEFAULT:
        host = host.removesuffix(".")
        _check_host_labels(host, InvalidURLError)
    port = f":{parts['port']}" if parts["port"] else ""
    path = _normalize_escapes(parts["pathname"], _PATH_LITERAL)
    query = _normalize_escapes(parts["search"], _QUERY_LITERAL)
    if query == "?":
        query = ""
    return f"{scheme}://{host}{port}{path}{query}"


def url_sha256(text: str) -> str:
    """SHA-256 (lowercase hex) of the canonical URL's UTF-8 bytes: what Cleanfeed-style proxies match."""
    return hashlib.sha256(canonical_url(text).encode("utf-8")).hexdigest()


def sha256_of_canonical(canonical: str) -> str:
    """SHA-256 of a URL already in canonical form (skips re-parsing on bulk exports)."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def url_host(canonical: str) -> str:
    """The host of a canonical URL: a DNS name, a dotted IPv4 address or a bracketed IPv6 address."""
    rest = canonical.split("://", 1)[1]
    end = len(rest)
    for stop in "/?":
        at = rest.find(stop)
        if at != -1:
            end = min(end, at)
    authority = rest[:end]
    if authority.startswith("["):
        return authority[: authority.index("]") + 1]
    return authority.rsplit(":", 1)[0] if ":" in authority else authority


def is_ip_host(host: str) -> bool:
    """True for the IP-literal hosts of canonical URLs (no DNS name to block or resolve)."""
    return host.startswith("[") or bool(re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", host))


def canonical_domain(text: str) -> str:
    """A DNS name in canonical form: UTS-46 to punycode, lowercase, no trailing dot.

    Hosts are put through the same WHATWG host parser as URLs, so a domain entry and the host of a
    URL entry agree exactly. IP addresses and single-label names are refused: neither is a site.
    """
    name = text.strip()
    if not name:
        raise InvalidDomainError("empty domain name")
    if any(char in name for char in "/\\?#@:[] \t") or name.startswith("."):
        raise InvalidDomainError(f"not a bare domain name: {name[:200]!r}")
    try:
        parts = parse_url(f"http://{name}/", attributes=("hostname", "pathname", "host_type"))
    except ValueError:
        raise InvalidDomainError(f"not a domain name: {name[:200]!r}") from None
    if parts["host_type"] != HostType.DEFAULT or parts["pathname"] != "/":
        raise InvalidDomainError(f"{name!r} is an IP address or more than a domain name")
    host = parts["hostname"].removesuffix(".")
    _check_host_labels(host, InvalidDomainError)
    if "." not in host:
        raise InvalidDomainError(f"{name!r} is a single label, not a site's domain")
    return host


class UrlSignal:
    """The ``url`` signal type: the canonical URL; equal canonical forms match."""

    name: Final = "url"
    content_kind: Final[ContentKind] = "url"
    content_kinds: Final[tuple[ContentKind, ...]] = ("url",)
    bits: Final = 0
    default_threshold: Final = 0

    def normalize(self, value: str) -> str:
        return canonical_url(value)

    def distance(self, a: str, b: str) -> int:
        return 0 if canonical_url(a) == canonical_url(b) else 1


URL: Final = UrlSignal()
