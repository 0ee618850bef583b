"""vigil.logs: the root logger as ``VIGIL_LOG_LEVEL`` and ``VIGIL_LOG_FORMAT`` say (in-process)."""

from __future__ import annotations

import io
import json
import logging
import logging.config
from collections.abc import Iterator

import pytest
from pydantic import ValidationError

from vigil.config import Settings
from vigil.logs import configure_logging, uvicorn_log_config


@pytest.fixture
def restore_root() -> Iterator[None]:
    """Put the root logger back as pytest had it (its capture handlers, its level)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.mark.usefixtures("restore_root")
def test_json_lines_with_exception_and_level() -> None:
    out = io.StringIO()
    configure_logging(Settings(log_format="json", log_level="WARNING"), out)
    log = logging.getLogger("vigil.test")
    log.info("not written")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("failed on %s", "case 7")
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 1
    assert lines[0]["level"] == "ERROR" and lines[0]["logger"] == "vigil.test"
    assert lines[0]["message"] == "failed on case 7"
    assert "ValueError: boom" in lines[0]["exception"]
    assert lines[0]["time"].endswith("+00:00")


@pytest.mark.usefixtures("restore_root")
def test_configuring_again_replaces_the_handler() -> None:
    first, second = io.StringIO(), io.StringIO()
    configure_logging(Settings(log_format="json"), first)
    configure_logging(Settings(log_format="text"), second)
    logging.getLogger("vigil.test").warning("once")
    assert first.getvalue() == ""
    assert second.getvalue().rstrip().endswith("WARNING vigil.test: once")


@pytest.mark.usefixtures("restore_root")
def test_uvicorn_config_routes_access_records_to_json_fields(capsys: pytest.CaptureFixture[str]) -> None:
    logging.config.dictConfig(uvicorn_log_config(Settings(log_format="json")))
    access = logging.getLogger("uvicorn.access")
    access.setLevel(logging.INFO)
    access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5", "GET", "/api/v1/lists", "1.1", 401)
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["logger"] == "uvicorn.access"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/v1/lists", 401)
    assert logging.getLogger("vigil.matching.matcher").disabled is False


def test_settings_accept_any_case_and_refuse_unknown_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VIGIL_LOG_LEVEL", "debug")
    monkeypatch.setenv("VIGIL_LOG_FORMAT", "JSON")
    settings = Settings()
    assert (settings.log_level, settings.log_format) == ("DEBUG", "json")
    monkeypatch.setenv("VIGIL_LOG_FORMAT", "xml")
    with pytest.raises(ValidationError, match="log_format"):
        Settings()
