"""Starting Debian's chromium for Playwright (browsers cannot be downloaded here), a real uvicorn on
loopback, and the page checks every test runs: axe-core, keyboard reachability, no foreign request."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import pytest

HERE: Final = Path(__file__).parent
AXE: Final = HERE / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS: Final = Path(os.environ.get("VIGIL_SCREENSHOTS", HERE / "artefacts"))
CHROMIUM_ARGS: Final = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def need(what: str, present: bool) -> None:
    """Skip without ``what`` on a developer's machine; fail in CI, where .ci/run installs it."""
    if present:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing (.ci/run installs it)")
    pytest.skip(f"{what} is missing")


@contextmanager
def chromium() -> Iterator[Any]:
    executable = shutil.which("chromium")
    need("Debian's chromium", executable is not None)
    need("axe-core (npm ci in tests/browser)", AXE.is_file())
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class Watch:
    """What a page asked for and what the browser refused, over a whole test."""

    def __init__(self, page: Any, base: str) -> None:
        self.base = base
        self.foreign: list[str] = []
        self.csp: list[str] = []
        page.on("request", self._request)
        page.on("console", self._console)

    def _request(self, request: Any) -> None:
        url = str(request.url)
        if not (url.startswith(self.base) or url.startswith(("data:", "about:"))):
            self.foreign.append(url)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp.append(message.text)


def axe(page: Any) -> list[str]:
    """Serious and critical axe-core violations of the page (injected through the devtools protocol,
    which the page's CSP does not govern: the page itself runs no inline script)."""
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate(
        "async () => { const r = await axe.run(document);"
        " return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', ')); }"
    )
    return list(result)


def keyboard_unreachable(page: Any) -> list[str]:
    """Focusable controls that Tab never reaches (starting from the top of the page)."""
    count = page.evaluate(
        "() => { const els = [...document.querySelectorAll("
        "'a[href], button:not([disabled]), input:not([type=hidden]), select, textarea, [tabindex]')]"
        ".filter(e => e.offsetParent !== null && e.tabIndex >= 0)"
        # A radio group is one Tab stop (arrow keys move inside it), which lands on its checked radio,
        # or on its first when none is checked: that one stands for the group.
        ".filter(e => { if (e.type !== 'radio' || !e.form) return true;"
        " const group = 'input[type=radio][name=\"' + e.name + '\"]';"
        " return (e.form.querySelector(group + ':checked') || e.form.querySelector(group)) === e; });"
        " els.forEach((e, i) => e.setAttribute('data-kb', String(i))); return els.length; }"
    )
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    reached: set[str] = set()
    for _ in range(count + 5):
        page.keyboard.press("Tab")
        mark = page.evaluate("() => document.activeElement && document.activeElement.getAttribute('data-kb')")
        if mark is not None:
            reached.add(mark)
    return [
        page.evaluate(f"() => document.querySelector('[data-kb=\"{i}\"]').outerHTML.slice(0, 80)")
        for i in range(count)
        if str(i) not in reached
    ]


def check_page(page: Any, name: str) -> None:
    """axe-core finds nothing serious, every control is reachable by keyboard, and a screenshot."""
    violations = axe(page)
    assert violations == [], (name, violations)
    unreachable = keyboard_unreachable(page)
    assert unreachable == [], (name, unreachable)
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)
