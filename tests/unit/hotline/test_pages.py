"""What a page shows, as a browser without scripts would load it."""

from __future__ import annotations

import base64

import pytest

from vigil.hotline.pages import charset, css_urls, data_url_bytes, extract, is_html, srcset_urls

PAGE = b"""<!doctype html>
<html><head>
<base href="https://cdn.example/base/">
<meta property="og:image" content="/og.jpg">
<meta name="twitter:image" content="tw.png">
<meta property="og:title" content="not an image">
<style>.hero { background: url('hero.webp') }</style>
<script>var img = "script.jpg";</script>
</head><body>
<img src="a.jpg" srcset="a-2x.jpg 2x, a-3x.jpg 3x">
<picture><source srcset="p.avif 1x, p-wide.avif 800w"><img src="p.jpg"></picture>
<video poster="poster.png"><source src="clip.mp4" type="video/mp4"></video>
<audio><source src="song.mp3"></audio>
<div style="background-image: url(&quot;div.gif&quot;)"></div>
<a href="full.JPEG?size=big#top">full</a>
<a href="next-page.html">next</a>
<a href="mailto:x@example">mail</a>
<img src="javascript:alert(1)">
<img src="a.jpg">
<img src="data:image/png;base64,iVBORw0KGgo=">
<img src="data:text/html,hello">
<input type="image" src="button.png">
</body></html>"""


def test_items_in_document_order_resolved_against_base() -> None:
    found = extract(PAGE, "https://site.example/dir/page.html", "text/html; charset=utf-8", 50, 1 << 20)
    base = "https://cdn.example/base/"
    assert found.urls == [
        "https://cdn.example/og.jpg",
        base + "tw.png",
        base + "hero.webp",
        base + "a.jpg",
        base + "a-2x.jpg",
        base + "a-3x.jpg",
        base + "p.avif",
        base + "p-wide.avif",
        base + "p.jpg",
        base + "poster.png",
        base + "clip.mp4",
        base + "div.gif",
        base + "full.JPEG?size=big",
        "data:image/png;base64,iVBORw0KGgo=",
        base + "button.png",
    ]
    assert (found.dropped, found.truncated) == (0, False)


def test_relative_to_the_page_without_base() -> None:
    found = extract(
        b'<img src="../x.png"><img src="//other.example/y.png">', "http://s.example/a/b/", None, 9, 99
    )
    assert found.urls == ["http://s.example/a/x.png", "http://other.example/y.png"]


def test_a_base_that_is_not_http_is_ignored() -> None:
    found = extract(b'<base href="javascript:void(0)/"><img src="x.png">', "http://s.example/p", None, 9, 999)
    assert found.urls == ["http://s.example/x.png"]


def test_caps_on_items_and_html() -> None:
    html = b"".join(b'<img src="/%d.png">' % i for i in range(30))
    found = extract(html, "http://s.example/", "text/html", 10, 1 << 20)
    assert found.urls == [f"http://s.example/{i}.png" for i in range(10)]
    assert found.dropped == 20
    cut = extract(html, "http://s.example/", "text/html", 100, len(b'<img src="/0.png">') * 3)
    assert cut.urls == [f"http://s.example/{i}.png" for i in range(3)] and cut.truncated


def test_hostile_markup_does_not_raise() -> None:
    junk = b"<img src='x.png' srcset=',,, ,'><<<>>><a href=><style>url(</style><img src=\xff\xfe.png>"
    found = extract(junk * 100, "http://s.example/", "text/html; charset=nonsense", 50, 1 << 20)
    assert found.urls[0] == "http://s.example/x.png"


@pytest.mark.parametrize(
    ("value", "urls"),
    [
        ("a.jpg 1x, b.jpg 2x", ["a.jpg", "b.jpg"]),
        ("a.jpg, b.jpg,", ["a.jpg", "b.jpg"]),
        # As browsers read it (HTML's srcset rules): a comma inside a URL belongs to the URL.
        ("a.jpg,b.jpg", ["a.jpg,b.jpg"]),
        ("  a.jpg  640w ,  b.jpg ", ["a.jpg", "b.jpg"]),
        ("", []),
    ],
)
def test_srcset(value: str, urls: list[str]) -> None:
    assert srcset_urls(value) == urls


def test_css_urls() -> None:
    assert css_urls("a{b:url(x.png)} c{d:URL( 'y.gif' )} e{f:url(\"z.jpg\")}") == ["x.png", "y.gif", "z.jpg"]


def test_html_detection_and_charset() -> None:
    assert is_html("text/html; charset=ISO-8859-1", b"")
    assert is_html("application/xhtml+xml", b"")
    assert not is_html("image/jpeg", b"<html>")
    assert is_html(None, b"  <!DOCTYPE html><p>")
    assert not is_html(None, b"\xff\xd8\xff")
    assert charset('text/html; charset="latin-1"') == "latin-1"
    assert charset("text/html") == "utf-8"


def test_data_urls() -> None:
    raw = b"\x89PNG\r\n"
    assert data_url_bytes("data:image/png;base64," + base64.b64encode(raw).decode()) == raw
    assert data_url_bytes("data:image/svg+xml,%3Csvg%3E") == b"<svg>"
    with pytest.raises(ValueError, match="base64"):
        data_url_bytes("data:image/png;base64,***")
    with pytest.raises(ValueError, match="malformed"):
        data_url_bytes("data:image/png")
