"""Structured logs: one JSON object per line, on stderr, for a log shipper to read.

What a line holds: time, level, logger, message, the service mode (``test`` lines say so, every
one of them), the worker's pid, and for access lines the method, the *route template* (never the
raw path or query), status, duration and response size. No client address, no header, no body,
no credential or token: an access log must not become a register of who presented which ID.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from typing import Any

__all__ = ["ACCESS_LOGGER", "JsonFormatter", "log_config"]

ACCESS_LOGGER = "kr_ovid.server.access"
SERVICE_LOGGER = "kr_ovid.server"
#: Attribute of a log record holding the structured fields of a line.
FIELDS = "kr_ovid"


class JsonFormatter(logging.Formatter):
    """Formats a record as one JSON line; ``mode`` is ``"test"`` or ``"production"``."""

    def __init__(self, mode: str = "production") -> None:
        super().__init__()
        self.mode = mode

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "mode": self.mode,
            "pid": os.getpid(),
            "message": record.getMessage(),
        }
        fields = getattr(record, FIELDS, None)
        if isinstance(fields, dict):
            line.update(fields)
        if record.exc_info and record.exc_info[0] is not None:
            # The exception's type only: a message or traceback could quote request data.
            line["exception"] = record.exc_info[0].__name__
        return json.dumps(line, ensure_ascii=False, separators=(",", ":"))


def log_config(*, test_mode: bool, level: str) -> dict[str, Any]:
    """A :func:`logging.config.dictConfig` for the service and uvicorn (every worker applies
    it): JSON lines on stderr; uvicorn's own access log is off, :data:`ACCESS_LOGGER` replaces
    it (uvicorn's would print client addresses and raw paths with their queries)."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "json",
        "stream": "ext://sys.stderr",
    }
    named = {"level": level.upper(), "handlers": ["json"], "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {
                "()": "kr_ovid.server.logs.JsonFormatter",
                "mode": "test" if test_mode else "production",
            }
        },
        "handlers": {"json": handler},
        "loggers": {
            "uvicorn": named,
            "uvicorn.error": {**named, "propagate": False},
            "uvicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
            SERVICE_LOGGER: named,
        },
    }
