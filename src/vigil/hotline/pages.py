"""What a reported page shows: the pictures and videos a browser would load from its HTML without running
scripts, as absolute URLs in document order.

Followed: ``img`` ``src``/``srcset``, ``picture``/``video`` ``source`` (``srcset``, and ``src`` inside a
video), ``video`` ``poster``, ``og:image`` and ``twitter:image`` meta tags, ``url(...)`` in ``style``
attributes and ``<style>`` elements, ``input type=image``, and ``a href`` links whose path ends in an
image or video extension. Relative URLs resolve against the first ``<base href>`` (when it is http(s))
or the page's own URL. ``data:`` URLs of images carry their bytes in the page and are decoded here.

The page is hostile input: only its first ``max_html_bytes`` are parsed, by the standard library's
tolerant parser, and at most ``max_items`` URLs are kept (the rest are only counted).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Final
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

HTML_TYPES: Final = ("text/html", "application/xhtml+xml")
LINKED_MEDIA: Final = frozenset(
    {
        ".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff", ".avif",
        ".heic", ".heif", ".mp4", ".webm", ".mov", ".m4v", ".avi", ".mkv", ".wmv",
    }
)  # fmt: skip
META_IMAGES: Final = frozenset(
    {"og:image", "og:image:url", "og:image:secure_url", "twitter:image", "twitter:image:src"}
)
_CSS_URL: Final = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""", re.IGNORECASE)
#: A data: URL's bytes are bounded by the parsed HTML anyway; this keeps one from being all of it.
MAX_DATA_URL: Final = 8 * 1024 * 1024


def is_html(content_type: str | None, body: bytes) -> bool:
    """Whether fetched content is a page: its declared type, or (undeclared) what it starts with."""
    if content_type:
        return content_type.split(";", 1)[0].strip().lower() in HTML_TYPES
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html"))


def charset(content_type: str | None) -> str:
    for part in (content_type or "").split(";")[1:]:
        name, _, value = part.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return "utf-8"


@dataclass
class PageItems:
    #: Absolute http(s) URLs and ``data:`` URLs, each once, in document order, at most ``max_items``.
    urls: list[str] = field(default_factory=list)
    #: Distinct URLs found beyond ``max_items``.
    dropped: int = 0
    #: True when the HTML was longer than what was parsed.
    truncated: bool = False


def srcset_urls(value: str) -> list[str]:
    """The URLs of a ``srcset``: comma-separated candidates, each a URL and an optional descriptor."""
    out: list[str] = []
    position = 0
    while position < len(value):
        while position < len(value) and (value[position].isspace() or value[position] == ","):
            position += 1
        start = position
        while position < len(value) and not value[position].isspace():
            position += 1
        url = value[start:position]
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # skip the descriptor ("2x", "640w") up to the next comma
            while position < len(value) and value[position] != ",":
                position += 1
        if url:
            out.append(url)
    return out


def css_urls(text: str) -> list[str]:
    return [next(g for g in m.groups() if g is not None) for m in _CSS_URL.finditer(text)]


class _Collector(HTMLParser):
    def __init__(self, page_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.base: str | None = None
        self.raw: list[tuple[str, bool]] = []  # (url as written, linked-only: keep media paths only)
        self.video = 0
        self.style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): (v or "") for k, v in attrs}
        if tag == "base" and self.base is None and a.get("href"):
            joined = urljoin(self.page_url, a["href"].strip())
            if urlsplit(joined).scheme in ("http", "https"):
                self.base = joined
        elif tag == "img":
            self._add(a.get("src"))
            self._add_all(srcset_urls(a.get("srcset", "")))
        elif tag == "source":
            self._add_all(srcset_urls(a.get("srcset", "")))
            if self.video:
                self._add(a.get("src"))
        elif tag == "video":
            self.video += 1
            self._add(a.get("poster"))
            self._add(a.get("src"))
        elif tag == "input" and a.get("type", "").lower() == "image":
            self._add(a.get("src"))
        elif tag == "meta":
            key = (a.get("property") or a.get("name") or "").strip().lower()
            if key in META_IMAGES:
                self._add(a.get("content"))
        elif tag == "a":
            self._add(a.get("href"), linked=True)
        elif tag == "style":
            self.style = True
        if "style" in a:
            self._add_all(css_urls(a["style"]))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "video" and self.video:
            self.video -= 1
        elif tag == "style":
            self.style = False

    def handle_data(self, data: str) -> None:
        if self.style:
            self._add_all(css_urls(data))

    def _add_all(self, urls: list[str]) -> None:
        for url in urls:
            self._add(url)

    def _add(self, url: str | None, linked: bool = False) -> None:
        if url and url.strip():
            self.raw.append((url.strip(), linked))


def extract(html: bytes, page_url: str, content_type: str | None, max_items: int, max_html: int) -> PageItems:
    """The items of a page (see the module's description)."""
    text = html[:max_html].decode(_codec(charset(content_type)), errors="replace")
    collector = _Collector(page_url)
    collector.feed(text)
    collector.close()
    base = collector.base or page_url
    found: list[str] = []
    seen: set[str] = set()
    for raw, linked in collector.raw:
        url = raw if raw.lower().startswith("data:") else urljoin(base, raw)
        parts = urlsplit(url)
        if parts.scheme == "data":
            if not url[5:].lower().startswith(("image/", "video/")):
                continue
        elif parts.scheme not in ("http", "https") or (
            linked and not any(parts.path.lower().endswith(ext) for ext in LINKED_MEDIA)
        ):
            continue
        url = url.split("#", 1)[0]
        if url not in seen:
            seen.add(url)
            found.append(url)
    return PageItems(found[:max_items], max(0, len(found) - max_items), len(html) > max_html)


def _codec(name: str) -> str:
    import codecs

    try:
        return codecs.lookup(name).name
    except LookupError:
        return "utf-8"


def data_url_bytes(url: str) -> bytes:
    """The bytes a ``data:`` URL carries; ValueError when it is malformed or too large."""
    header, sep, payload = url[5:].partition(",")
    if not sep:
        raise ValueError("malformed data: URL")
    if len(payload) > MAX_DATA_URL * 2:
        raise ValueError("data: URL too large")
    if header.lower().endswith(";base64"):
        try:
            return base64.b64decode("".join(payload.split()), validate=True)
        except binascii.Error:
            raise ValueError("data: URL is not valid base64") from None
    return unquote_to_bytes(payload)
