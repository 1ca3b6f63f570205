"""Shared pieces of the ``kr-ovid`` command line: exit codes, input, output."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from kr_ovid._json import JsonParseError, parse_json
from kr_ovid.errors import KrOvidError
from kr_ovid.results import VerificationResult

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "CliError", "emit", "emit_result", "read_json"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


class CliError(KrOvidError):
    """A usage or input problem: reported on stderr with exit code 2."""


def read_bytes(path: str) -> bytes:
    try:
        return sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


def read_json(path: str) -> Any:
    try:
        return parse_json(read_bytes(path))
    except JsonParseError as exc:
        raise CliError(f"{path}: {exc}") from None


def dumps(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def emit(value: Any) -> None:
    sys.stdout.write(value if isinstance(value, str) else dumps(value))
    sys.stdout.write("\n")


def emit_result(
    result: VerificationResult, *, as_json: bool, extra: dict[str, Any] | None = None
) -> int:
    """Print a verification result; exit 0 when verified, 1 otherwise."""
    if as_json:
        out = result.to_dict()
        out.update(extra or {})
        emit(out)
    elif result.verified:
        emit("verified")
        for key, value in (extra or {}).items():
            emit(f"{key}: {value if isinstance(value, str) else dumps(value)}")
    else:
        emit("NOT verified")
        for p in result.errors:
            where = f" at {p.path}" if p.path else ""
            emit(f"  {p.code.value}{where}: {p.detail}")
        if result.retryable:
            emit("  (retryable: the answer may change when the missing data can be fetched)")
    return EXIT_OK if result.verified else EXIT_INVALID
