"""The console in a second language: the French catalogue covers every message of the templates and the
navigation (same placeholders), and pages render in French by Accept-Language or by the user's choice."""

from __future__ import annotations

import re
from importlib import resources

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.console.helpers import field, make_staff, sign_in
from vigil.config import Settings
from vigil.web.app import create_app
from vigil.web.console import nav

CONSOLE = resources.files("vigil.web.console")
OPTIONS = {"**.html": {"extensions": "jinja2.ext.i18n", "newstyle_gettext": "true"}}


def _messages() -> set[str]:
    """Messages of the templates, and the navigation's labels (registered as vigil.web.app imports the
    console's modules)."""
    found = {
        m for _, _, m, _, _ in extract_from_dir(str(CONSOLE / "templates"), [("**.html", "jinja2")], OPTIONS)
    }
    return {m for m in found if isinstance(m, str)} | {item.label for item in nav.NAV}


def test_french_catalogue_is_complete() -> None:
    with (CONSOLE / "locale" / "fr" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f, locale="fr")
    translated = {
        m.id: m.string
        for m in catalogue
        if isinstance(m.id, str) and isinstance(m.string, str) and m.string and not m.fuzzy
    }
    wanted = _messages()
    assert len(wanted) > 100
    assert sorted(wanted - translated.keys()) == []
    for msgid in wanted:
        assert sorted(re.findall(r"%\(\w+\)s", msgid)) == sorted(re.findall(r"%\(\w+\)s", translated[msgid]))


def test_pages_in_french_by_browser_and_by_choice(
    db_settings: Settings, sessions: sessionmaker[Session]
) -> None:
    make_staff(sessions, "ana", "analyst")
    with TestClient(create_app(db_settings), base_url="http://127.0.0.1") as client:
        french = client.get("/console/sign-in", headers={"Accept-Language": "fr-BE, fr;q=0.9, en;q=0.5"})
        assert '<html lang="fr">' in french.text
        assert "Connexion à la console Vigil" in french.text and "Mot de passe" in french.text
        english = client.get("/console/sign-in", headers={"Accept-Language": "de-DE, en;q=0.5, fr;q=0.2"})
        assert '<html lang="en">' in english.text and "Sign in to the Vigil console" in english.text

        client.headers["Accept-Language"] = "en"
        queue = sign_in(client, "ana", {})
        assert "Cases awaiting assessment" in queue.text
        prefs = client.get("/console/preferences")
        saved = client.post(
            "/console/preferences", data={"csrf": field(prefs.text, "csrf"), "language": "fr"}
        )
        assert saved.status_code == 200 and "Langue de la console" in saved.text
        queue = client.get("/console/queue")
        assert '<html lang="fr">' in queue.text
        assert "Dossiers en attente d’évaluation" in queue.text and ">File<" in queue.text
        # An unknown language is the browser's choice again.
        prefs = client.get("/console/preferences")
        client.post("/console/preferences", data={"csrf": field(prefs.text, "csrf"), "language": "xx"})
        assert "Cases awaiting assessment" in client.get("/console/queue").text
