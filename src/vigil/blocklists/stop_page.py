"""The stop page a blocked visitor sees: text and help links per language, as self-contained HTML.

Operators replace or extend the shipped texts with a JSON file (``VIGIL_STOP_PAGE_FILE``)::

    {"en": {"title": "...", "message": "...", "help": [{"name": "...", "url": "https://..."}]},
     "de": {...}}

A language in the file replaces the shipped text of that language; the first language of the file
(else English) is the fallback. The page names help services; it holds no script, no external
resource, no form and no cookie, so loading it tells no third party anything.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from vigil.errors import Invalid

_LANGUAGE: Final = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")


class StopPageError(Invalid):
    """A stop-page text file that is not well formed."""


@dataclass(frozen=True)
class HelpLink:
    name: str
    url: str

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise StopPageError("a help link needs a name")
        if not re.match(r"^https://[^\s\"'<>]+$", self.url):
            raise StopPageError(f"help link {self.url!r} is not an https address")


@dataclass(frozen=True)
class StopPageText:
    language: str
    title: str
    message: str
    help: tuple[HelpLink, ...] = ()


DEFAULT_TEXTS: Final = {
    "en": StopPageText(
        "en",
        "This page has been blocked",
        "The address you tried to open has been blocked because it was found to hold images of child "
        "sexual abuse. Viewing or downloading them is a crime. If you are worried about your own "
        "thoughts or behaviour, confidential and anonymous help is available.",
        (
            HelpLink("Stop It Now (confidential helpline)", "https://www.stopitnow.org.uk/"),
            HelpLink("INHOPE: report abuse material to a hotline", "https://www.inhope.org/"),
        ),
    ),
    "de": StopPageText(
        "de",
        "Diese Seite wurde gesperrt",
        "Die aufgerufene Adresse wurde gesperrt, weil dort Darstellungen sexuellen Kindesmissbrauchs "
        "gefunden wurden. Ihr Ansehen oder Herunterladen ist strafbar. Wenn Sie sich wegen Ihrer "
        "eigenen Gedanken oder Ihres Verhaltens sorgen, gibt es vertrauliche und anonyme Hilfe.",
        (
            HelpLink("Kein Täter werden (vertrauliche Hilfe)", "https://www.kein-taeter-werden.de/"),
            HelpLink("INHOPE: Missbrauchsdarstellungen melden", "https://www.inhope.org/"),
        ),
    ),
    "fr": StopPageText(
        "fr",
        "Cette page a été bloquée",
        "L'adresse demandée a été bloquée parce qu'elle contient des images d'abus sexuels sur "
        "des enfants. Les consulter ou les télécharger est un délit. Si vos propres pensées ou votre "
        "comportement vous inquiètent, une aide confidentielle et anonyme existe.",
        (HelpLink("INHOPE : signaler des contenus d'abus", "https://www.inhope.org/"),),
    ),
}


def _text(language: str, data: Any) -> StopPageText:
    if not isinstance(data, dict):
        raise StopPageError(f"{language}: not an object")
    title, message, links = data.get("title"), data.get("message"), data.get("help", [])
    if not isinstance(title, str) or not isinstance(message, str) or not title.strip():
        raise StopPageError(f"{language}: title and message must be text")
    if not isinstance(links, list) or not all(isinstance(link, dict) for link in links):
        raise StopPageError(f"{language}: help must be a list of {{name, url}} objects")
    return StopPageText(
        language,
        title,
        message,
        tuple(HelpLink(str(link.get("name", "")), str(link.get("url", ""))) for link in links),
    )


def load_texts(path: Path | None) -> tuple[dict[str, StopPageText], str]:
    """(texts by language, fallback language): the shipped texts, overridden by the file if any."""
    texts = dict(DEFAULT_TEXTS)
    if path is None:
        return texts, "en"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise StopPageError(f"stop page file {path}: {exc}") from None
    if not isinstance(data, dict) or not data:
        raise StopPageError(f"stop page file {path}: expected an object of languages")
    for language, entry in data.items():
        tag = str(language).lower()
        if not _LANGUAGE.match(tag):
            raise StopPageError(f"stop page file {path}: {language!r} is not a language tag")
        texts[tag] = _text(tag, entry)
    return texts, str(next(iter(data))).lower()


def _accepted(header: str) -> list[str]:
    """Languages of an Accept-Language header, most wanted first (q=0 means "not this one")."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:20]):
        pieces = part.strip().split(";")
        tag = pieces[0].strip().lower()
        quality = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def choose_language(
    texts: dict[str, StopPageText], fallback: str, lang: str | None, accept_language: str | None
) -> str:
    """``?lang=`` if there is a text for it, else the best Accept-Language match, else the fallback."""
    wanted = ([lang.lower()] if lang else []) + _accepted(accept_language or "")
    for tag in wanted:
        for candidate in (tag, tag.split("-")[0]):
            if candidate in texts:
                return candidate
    return fallback if fallback in texts else next(iter(texts))


def render_stop_page(texts: dict[str, StopPageText], language: str) -> str:
    """The page in ``language``, with links to the page in every other language."""
    text = texts[language]
    escape = html.escape
    links = "\n".join(
        f'      <li><a href="{escape(link.url)}" rel="noreferrer noopener">{escape(link.name)}</a></li>'
        for link in text.help
    )
    others = " · ".join(
        f'<a href="?lang={escape(code)}" hreflang="{escape(code)}" lang="{escape(code)}">{escape(code)}</a>'
        for code in sorted(texts)
        if code != language
    )
    return f"""<!DOCTYPE html>
<html lang="{escape(language)}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <meta name="robots" content="noindex">
  <title>{escape(text.title)}</title>
  <style>
    body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem;
           line-height: 1.5; color: #222; }}
    h1 {{ font-size: 1.6rem; }}
    nav {{ margin-top: 2rem; font-size: 0.9rem; }}
  </style>
</head>
<body>
  <main>
    <h1>{escape(text.title)}</h1>
    <p>{escape(text.message)}</p>
    <ul>
{links}
    </ul>
  </main>
  <nav>{others}</nav>
</body>
</html>
"""
