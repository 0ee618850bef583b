"""Every setting and every plugin hook is documented, and the docs name none that do not exist.

Settings: each field of ``vigil.config.Settings`` has a row in the reference tables of
docs/configuration.md. Hooks: each hook specification of ``vigil.plugins.Hooks`` is named in docs/.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic.fields import FieldInfo

from vigil.config import Settings
from vigil.plugins import PROJECT, Hooks

DOCS = Path(__file__).resolve().parents[2] / "docs"
CONFIGURATION = DOCS / "configuration.md"
#: A row of a settings table: its first cell is the variable in backticks.
_ROW = re.compile(r"^\|\s*`(VIGIL_[A-Z0-9_]+)`\s*\|", re.MULTILINE)


def _env_name(field: str) -> str:
    return f"VIGIL_{field.upper()}"


def _suggested_row(name: str, info: FieldInfo) -> str:
    default = info.default_factory() if info.default_factory is not None else info.default  # type: ignore[call-arg]
    return f"| `{_env_name(name)}` | `{default}` | {info.description or 'WHAT IT DOES'} |"


def _hookspecs() -> list[str]:
    marker = f"{PROJECT}_spec"
    return sorted(name for name, value in vars(Hooks).items() if hasattr(value, marker))


def test_every_setting_has_a_row_in_the_configuration_reference() -> None:
    rows = set(_ROW.findall(CONFIGURATION.read_text(encoding="utf-8")))
    fields = Settings.model_fields
    assert len(fields) > 10  # the enumeration itself works
    missing = [name for name in fields if _env_name(name) not in rows]
    assert not missing, (
        "settings without a row in docs/configuration.md; add to the table of their section:\n"
        + "\n".join(_suggested_row(name, fields[name]) for name in missing)
    )
    stale = sorted(rows - {_env_name(name) for name in fields})
    assert not stale, (
        f"docs/configuration.md documents settings that vigil.config.Settings lacks: {', '.join(stale)}; "
        "remove their rows (or add the fields)"
    )


def test_every_plugin_hook_is_documented() -> None:
    hooks = _hookspecs()
    assert "vigil_signal_types" in hooks  # the enumeration itself works
    text = "\n".join(path.read_text(encoding="utf-8") for path in sorted(DOCS.glob("*.md")))
    missing = [hook for hook in hooks if not re.search(rf"`{hook}`", text)]
    assert not missing, (
        "plugin hooks not documented in docs/: "
        + ", ".join(missing)
        + "; add each to the hook table of docs/architecture.md (section 'Extension points'): "
        "its name in backticks, what it returns, who reads it"
    )
