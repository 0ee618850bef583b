"""``vigil index build|add|query|info`` through Typer's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner, Result

from tests.unit.index.oracle import flip, uniform
from vigil.cli.index import app
from vigil.cli.main import app as main_app

runner = CliRunner()


def _hexes(rows: np.ndarray) -> list[str]:
    return [bytes(r).hex() for r in rows]


def test_build_query_add_info(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    stored = uniform(rng, 30)
    source = tmp_path / "in.txt"
    source.write_text(
        "# known hashes\n" + "".join(f"{h},{100 + i}\n" for i, h in enumerate(_hexes(stored))) + "\n"
    )
    out = tmp_path / "idx.vidx"
    result = runner.invoke(app, ["build", "--signal", "pdq", str(source), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file()

    near = flip(rng, stored[4], 5)
    queries = [bytes(near).hex(), bytes(uniform(rng, 1)[0]).hex(), _hexes(stored)[9].upper()]
    result = runner.invoke(app, ["query", str(out), "-"], input="\n".join(queries) + "\n")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines == [
        {"query": queries[0], "matches": [{"id": 104, "distance": 5}]},
        {"query": queries[1], "matches": []},
        {"query": queries[2].lower(), "matches": [{"id": 109, "distance": 0}]},
    ]
    result = runner.invoke(app, ["query", str(out), queries[0], "--threshold", "4"])
    assert json.loads(result.stdout) == {"query": queries[0], "matches": []}

    result = runner.invoke(app, ["add", str(out), "-"], input=f"{queries[1]}\n")
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["query", str(out), queries[1], "-t", "0"])
    assert json.loads(result.stdout)["matches"] == [{"id": 130, "distance": 0}]

    result = runner.invoke(app, ["info", str(out), "--verify"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["signal"] == "pdq" and info["count"] == 31 and info["verified"] is True


def test_exact_signal_and_queries_from_a_file(tmp_path: Path) -> None:
    digests = _hexes(uniform(np.random.default_rng(1), 5, nbytes=16))
    (tmp_path / "md5.txt").write_text("\n".join(digests))
    out = tmp_path / "md5.vidx"
    assert (
        runner.invoke(app, ["build", "--signal", "md5", str(tmp_path / "md5.txt"), "-o", str(out)]).exit_code
        == 0
    )
    (tmp_path / "q.txt").write_text(f"{digests[3]}\n{'0' * 32}\n")
    result = runner.invoke(app, ["query", str(out), str(tmp_path / "q.txt")])
    assert [json.loads(line)["matches"] for line in result.stdout.splitlines()] == [
        [{"id": 3, "distance": 0}],
        [],
    ]


def test_errors_are_reported_not_raised(tmp_path: Path) -> None:
    """Refused input is one ``error:`` line and exit 2 (an ``Invalid`` input), through the shared mapping."""

    def index(*args: str) -> Result:
        return runner.invoke(main_app, ["index", *args])

    bad = tmp_path / "bad.txt"
    bad.write_text(f"{'ab' * 32},1\n{'cd' * 32}\n")
    result = index("build", str(bad), "-o", str(tmp_path / "x.vidx"))
    assert (
        result.exit_code == 2 and "error: line 2: either every line has an id or none does" in result.stderr
    )
    bad.write_text("not-a-hash\n")
    result = index("build", str(bad), "-o", str(tmp_path / "x.vidx"))
    assert result.exit_code == 2 and "hex digits" in result.stderr
    (tmp_path / "junk.vidx").write_bytes(b"junk" * 100)
    result = index("info", str(tmp_path / "junk.vidx"))
    assert result.exit_code == 2 and "not a Vigil index snapshot" in result.stderr
    result = index("build", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "x.vidx"))
    assert result.exit_code == 2 and "missing.txt: No such file or directory" in result.stderr
    assert not (tmp_path / "x.vidx").exists()


def test_registered_in_the_main_command() -> None:
    result = runner.invoke(main_app, ["index", "--help"])
    assert result.exit_code == 0
    for command in ("build", "add", "query", "info"):
        assert command in result.stdout
