"""``vigil blocklist`` and ``vigil keywords`` end to end on each backend."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from vigil.blocklists.export.json import diff_from_json, version_from_json
from vigil.blocklists.versions import apply_diff
from vigil.cli.main import app
from vigil.config import Settings

pytestmark = pytest.mark.slow


def run(*args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result


def test_blocklist_lifecycle_export_and_verify(db_env: Settings, tmp_path: Path) -> None:
    assert (
        "added domain *.dedicated.example"
        in run(
            "blocklist", "add", "dedicated.example", "--by", "alice", "--reason", "made-up", "--wildcard"
        ).output
    )
    run("blocklist", "add", "http://urlhost.example/page", "--by", "alice")
    refused = run("blocklist", "confirm", "dedicated.example", "--by", "Alice", code=1)
    assert "second, different analyst" in refused.output
    assert "(confirmed)" in run("blocklist", "confirm", "dedicated.example", "--by", "bob").output
    assert "serial 1: 1 entries" in run("blocklist", "publish").output
    run("blocklist", "confirm", "http://urlhost.example/page", "--by", "bob")
    assert "serial 2: 2 entries (+1 -0)" in run("blocklist", "publish").output
    assert "unchanged since serial 2" in run("blocklist", "publish").output
    shown = run("blocklist", "show").output
    assert "*.dedicated.example" in shown and "bob" in shown

    zone = tmp_path / "main.rpz"
    run("blocklist", "export", "--format", "rpz", "-o", str(zone))
    signature = tmp_path / "main.rpz.sig"
    assert signature.read_text().startswith("vigil-ed25519 ")
    assert "SOA localhost. hostmaster.localhost. 2 " in zone.read_text()
    assert "verified, signed by key" in run("blocklist", "verify", str(zone), str(signature)).output
    key = db_env.data_dir / "keys" / "blocklist-signing-ed25519.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600

    public = tmp_path / "public.pem"
    public.write_text(run("blocklist", "key").output)
    assert "verified" in run("blocklist", "verify", str(zone), str(signature), "--key", str(public)).output
    zone.write_text(zone.read_text().replace("dedicated", "dedicatee"))
    failed = run("blocklist", "verify", str(zone), str(signature), "--key", str(public), code=1)
    assert "NOT verified" in failed.output

    full, diff = tmp_path / "v1.json", tmp_path / "since1.json"
    run("blocklist", "export", "--format", "json", "--serial", "1", "-o", str(full))
    run("blocklist", "export", "--format", "json", "--since", "1", "-o", str(diff))
    latest = run("blocklist", "export", "--format", "json").stdout
    assert apply_diff(
        version_from_json(full.read_bytes()), diff_from_json(diff.read_bytes())
    ) == version_from_json(latest)
    assert (
        "nothing changed since serial 2"
        in run("blocklist", "export", "--format", "rpz", "--since", "2").output
    )
    assert (
        "no incremental form"
        in run("blocklist", "export", "--format", "hosts", "--since", "1", code=2).output
    )

    run("blocklist", "remove", "dedicated.example", "--by", "carol", "--reason", "made-up")
    assert "(+0 -1)" in run("blocklist", "publish").output
    assert "*.dedicated.example" not in run("blocklist", "show").output
    assert "*.dedicated.example\tremoved\talice\tbob" in run("blocklist", "show", "--removed").output
    assert "serial" in run("blocklist", "versions").output


def test_blocklist_appeals(db_env: Settings) -> None:
    run("blocklist", "add", "appealed.example", "--by", "alice")
    run("blocklist", "confirm", "appealed.example", "--by", "bob")
    out = run(
        "blocklist", "appeal", "appealed.example", "--by", "carol", "--appellant", "owner@appealed.example"
    ).output
    # Ids come from sequences, which PostgreSQL does not rewind between tests: read the id back.
    found = re.search(r"appeal (\d+) against appealed\.example recorded", out)
    assert found is not None, out
    resolved = run("blocklist", "resolve", found.group(1), "--by", "dave", "--uphold", "--note", "cleaned")
    assert "upheld" in resolved.output
    assert "appealed.example" not in run("blocklist", "show").output


def test_blocklist_user_errors(db_env: Settings) -> None:
    assert "error:" in run("blocklist", "add", "ftp://x.example/", "--by", "alice", code=2).output
    assert "unknown URL list" in run("blocklist", "publish", "--list", "nothing", code=1).output
    assert (
        "not an ISO 8601"
        in run("blocklist", "add", "x.example", "--by", "a", "--expires", "soon", code=2).output
    )


def test_keywords_lifecycle_and_check(db_env: Settings, tmp_path: Path) -> None:
    help_args = [
        "--help-name",
        "Example Helpline",
        "--help-url",
        "https://help.example/",
        "--warning",
        "Stop.",
    ]
    run("keywords", "add", "blue widget", "--by", "alice", *help_args)
    run("keywords", "add", "gizmo", "--by", "alice", "--match", "substring", *help_args)
    assert (
        "second, different analyst"
        in run("keywords", "confirm", "blue widget", "--by", "alice", code=1).output
    )
    run("keywords", "confirm", "blue widget", "--by", "bob")
    run("keywords", "confirm", "gizmo", "--by", "bob")
    assert "serial 1: 2 terms" in run("keywords", "publish").output
    assert "blue widget\ten\tphrase\talice\tbob\thttps://help.example/" in run("keywords", "show").output
    out = run("keywords", "check", "cheap B1ue-W1dget and supergizmos").output
    assert "matched: 'blue widget' (en, phrase)" in out
    assert "matched: 'gizmo' (en, substring)" in out
    assert "warning: Stop." in out and "help: Example Helpline <https://help.example/>" in out
    assert "no listed term matched" in run("keywords", "check", "a red gadget").output
    exported = tmp_path / "keywords.json"
    run("keywords", "export", "-o", str(exported))
    signature = exported.with_name("keywords.json.sig")
    assert "verified" in run("blocklist", "verify", str(exported), str(signature)).output
    assert "match" in run("keywords", "add", "x", "--by", "a", "--match", "fuzzy", *help_args, code=2).output
