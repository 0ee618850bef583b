"""The stop page's texts, language choice and HTML."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from vigil.blocklists.stop_page import (
    DEFAULT_TEXTS,
    StopPageError,
    choose_language,
    load_texts,
    render_stop_page,
)


def test_shipped_texts_are_the_default() -> None:
    texts, fallback = load_texts(None)
    assert fallback == "en"
    assert {"en", "de", "fr"} <= set(texts)
    assert all(link.url.startswith("https://") for text in texts.values() for link in text.help)


@pytest.mark.parametrize(
    ("lang", "header", "expected"),
    [
        (None, None, "en"),
        ("de", None, "de"),
        ("DE", "fr", "de"),  # ?lang= wins over the header
        ("xx", "fr", "fr"),  # unknown ?lang= falls through to the header
        (None, "fr-CH, fr;q=0.9, en;q=0.8", "fr"),
        (None, "nl, de;q=0.5, fr;q=0.7", "fr"),
        (None, "de;q=0, en", "en"),
        (None, "nl", "en"),
        (None, "garbage;q=x, de", "de"),
    ],
)
def test_choose_language(lang: str | None, header: str | None, expected: str) -> None:
    texts, fallback = load_texts(None)
    assert choose_language(texts, fallback, lang, header) == expected


def test_a_file_overrides_and_adds_languages(tmp_path: Path) -> None:
    path = tmp_path / "stop.json"
    path.write_text(
        json.dumps(
            {
                "nl": {
                    "title": "Deze pagina is geblokkeerd",
                    "message": "Test <b>tekst</b>",
                    "help": [{"name": "Hulp", "url": "https://help.example/nl"}],
                },
                "en": {"title": "Blocked", "message": "Custom text", "help": []},
            }
        ),
        encoding="utf-8",
    )
    texts, fallback = load_texts(path)
    assert fallback == "nl"
    assert texts["en"].message == "Custom text"
    assert texts["de"] == DEFAULT_TEXTS["de"]
    page = render_stop_page(texts, "nl")
    assert '<html lang="nl">' in page
    assert "Test &lt;b&gt;tekst&lt;/b&gt;" in page  # escaped
    assert 'href="https://help.example/nl"' in page
    assert 'href="?lang=de"' in page


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "[]",
        '{"en": {"title": "x"}}',
        '{"en": {"title": "x", "message": "y", "help": [{"name": "n", "url": "http://plain.example/"}]}}',
        '{"not a tag!": {"title": "x", "message": "y"}}',
    ],
)
def test_bad_files_are_refused(tmp_path: Path, content: str) -> None:
    path = tmp_path / "stop.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(StopPageError):
        load_texts(path)


def test_the_page_has_no_script_or_external_resource() -> None:
    texts, _ = load_texts(None)
    page = render_stop_page(texts, "en")
    assert "<script" not in page and "src=" not in page and "<form" not in page
    assert "<link" not in page
