"""Logging of the long-running processes (``vigil serve``, ``vigil hotline worker`` and ``sweep``).

The root logger is configured once per process from :class:`~vigil.config.Settings`: the level
(``VIGIL_LOG_LEVEL``) and the line format (``VIGIL_LOG_FORMAT``): ``text`` for people, ``json`` for log
collectors (one JSON object per line, nothing else on the stream). Library loggers (uvicorn, huey,
SQLAlchemy) propagate to the root, so every line of a process has one format. Short commands
(``vigil hash``, ``vigil lists ...``) leave logging alone: they talk to people through stdout/stderr.
"""

from __future__ import annotations

import json
import logging
import logging.config
import sys
from datetime import UTC, datetime
from typing import Any, Final, TextIO

from vigil.config import Settings

TEXT_FORMAT: Final = "%(asctime)s %(levelname)s %(name)s: %(message)s"
#: uvicorn's loggers: they propagate to the root instead of keeping handlers of their own.
UVICORN_LOGGERS: Final = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
#: The positional arguments of a uvicorn access record, by name.
_ACCESS_FIELDS: Final = ("client", "method", "path", "http_version", "status")
#: Marks the handler this module installed, so that configuring twice replaces it.
_MARK: Final = "_vigil_handler"


class JsonLineFormatter(logging.Formatter):
    """One JSON object per record on one line: ``time`` (UTC, ISO 8601), ``level``, ``logger``,
    ``message``, plus ``exception`` when there is one and the fields of a uvicorn access record."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == len(_ACCESS_FIELDS):
            out.update(zip(_ACCESS_FIELDS, args, strict=True))
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            out["stack"] = self.formatStack(record.stack_info)
        # default=str: a message argument of any type must not cost the line.
        return json.dumps(out, ensure_ascii=False, default=str)


def formatter(settings: Settings) -> logging.Formatter:
    if settings.log_format == "json":
        return JsonLineFormatter()
    return logging.Formatter(TEXT_FORMAT)


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Send every record at ``settings.log_level`` or above to ``stream`` (default stderr) in the
    configured format. Calling it again replaces what an earlier call installed."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _MARK, False)]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(formatter(settings))
    setattr(handler, _MARK, True)
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    logging.captureWarnings(True)


def uvicorn_log_config(settings: Settings) -> dict[str, Any]:
    """uvicorn's ``log_config``: the same root handler, uvicorn's loggers propagating to it.

    uvicorn applies this in every process it starts (each of ``--workers``), so the workers log like
    the process that started them. Existing loggers stay enabled (Vigil's are made at import time).
    """
    factory = "vigil.logs.JsonLineFormatter" if settings.log_format == "json" else "logging.Formatter"
    vigil_formatter: dict[str, Any] = {"()": factory}
    if settings.log_format != "json":
        vigil_formatter["fmt"] = TEXT_FORMAT
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"vigil": vigil_formatter},
        "handlers": {
            "vigil": {"class": "logging.StreamHandler", "formatter": "vigil", "stream": "ext://sys.stderr"}
        },
        "root": {"handlers": ["vigil"], "level": settings.log_level},
        "loggers": {name: {"handlers": [], "propagate": True} for name in UVICORN_LOGGERS},
    }
