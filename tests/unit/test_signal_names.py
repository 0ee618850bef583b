"""Modules ask the registry for signal types: outside ``signals/`` (and ``builtins.py``, which
contributes them), a string literal spelling a built-in signal type's name is refused, except where
the name is fixed by something other than the registry (the allow-list says what, per module).

``url`` is not checked: the word names URL fields, columns and entry kinds far more often than the
URL signal type, and the URL signal type is reached through ``vigil.signals.url`` anyway.
"""

from __future__ import annotations

import ast
from pathlib import Path

from vigil.signals import registry

SRC = Path(__file__).resolve().parents[2] / "src" / "vigil"
#: Signal types contributed by builtins.py, less ``url`` (module docstring).
CHECKED = frozenset({"pdq", "md5", "sha1", "sha256", "vpdq", "pdq_regions"})
OWNERS = ("signals/", "builtins.py", "video/signal.py")

#: Module → why it may spell built-in signal names.
ALLOWED: dict[str, str] = {
    "formats/vics_fields.py": "VICS 1.x/2.0 field and hash names, fixed by the VICS schema",
    "formats/pytx.py": "python-threatexchange's signal type names, fixed by its file format",
    "formats/csv.py": "the CSV format's built-in columns and their order (files already written)",
    "web/api/hma.py": "HMA's signal type names (its API, which HMA clients speak)",
    "db/migrations/versions/0001_create_hash_database.py": "columns as created (a migration never changes)",
    "db/migrations/versions/0016_pdq_regions_four.py": "the values it rewrites, named as when it ran",
    "hashlists/service.py": "the audit journal's 'sha256' of an imported file (not a signal)",
    "blocklists/export/json.py": "the blocklist JSON export's 'sha256' of a URL (its published schema)",
    "index/exact.py": "widths of built-in digests' index files from before types carried widths",
    "federation/pytx_names.py": "python-threatexchange's signal type names (video_md5, video_sha256)",
    "web/list_exports.py": "'md5' as the file extension of md5sum exports, not a signal type",
}


def _literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in CHECKED
        and id(node) not in docstrings
    ]


def _spelled() -> dict[str, list[tuple[int, str]]]:
    out = {}
    for path in sorted(SRC.rglob("*.py")):
        module = path.relative_to(SRC).as_posix()
        if module.startswith(OWNERS[0]) or module in OWNERS[1:]:
            continue
        found = _literals(path)
        if found:
            out[module] = found
    return out


def test_the_checked_names_are_the_registrys() -> None:
    assert set(registry.signal_types()) - {"url"} == CHECKED


def test_no_module_spells_a_signal_name_it_can_ask_the_registry_for() -> None:
    offenders = {m: lines for m, lines in _spelled().items() if m not in ALLOWED}
    assert offenders == {}, (
        "ask vigil.signals.registry (or use PDQ.name, SHA256.name ...) instead of spelling signal names: "
        + "; ".join(f"{m}: {lines}" for m, lines in offenders.items())
    )


def test_the_allow_list_is_not_stale() -> None:
    assert sorted(set(ALLOWED) - set(_spelled())) == []


def test_the_scan_sees_literals_and_skips_docstrings(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('"""pdq"""\n\n\ndef f():\n    """md5"""\n    return {"sha1": 1, "other": "pdq"}\n')
    assert sorted(_literals(module)) == [(6, "pdq"), (6, "sha1")]
