"""Bounded JSON parsing for untrusted input.

Python's ``json`` accepts NaN/Infinity, duplicate keys (last wins), unbounded integers and
nesting limited only by the recursion limit. A verifier must refuse all of those up front so
that later layers only see plain, bounded JSON values.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["JsonLimits", "JsonParseError", "check_json_value", "parse_json"]


class JsonParseError(ValueError):
    """Untrusted JSON was refused; ``reason`` is a short machine-friendly word."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class JsonLimits:
    max_bytes: int = 1_000_000
    max_depth: int = 32
    max_string: int = 200_000
    max_items: int = 50_000
    max_int_digits: int = 30


DEFAULT_LIMITS = JsonLimits()


def _reject_constant(name: str) -> Any:
    raise JsonParseError("non-json-number", f"{name} is not JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise JsonParseError("duplicate-key", "duplicate object member name")
        out[k] = v
    return out


def _parse_int(text: str, limit: int) -> int:
    if len(text.lstrip("-")) > limit:
        raise JsonParseError("number-too-large", "integer has too many digits")
    return int(text)


def parse_json(data: str | bytes, *, limits: JsonLimits = DEFAULT_LIMITS) -> Any:
    """Parse untrusted JSON; raise :class:`JsonParseError` on anything outside the limits."""
    if isinstance(data, bytes | bytearray):
        if len(data) > limits.max_bytes:
            raise JsonParseError("too-large", "document exceeds the size limit")
        try:
            text = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise JsonParseError("encoding", "document is not UTF-8") from None
    elif isinstance(data, str):
        text = data
        if len(text) > limits.max_bytes:
            raise JsonParseError("too-large", "document exceeds the size limit")
    else:
        raise JsonParseError("type", "JSON input must be str or bytes")
    try:
        value = json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_reject_constant,
            parse_int=lambda s: _parse_int(s, limits.max_int_digits),
        )
    except JsonParseError:
        raise
    except RecursionError:
        raise JsonParseError("too-deep", "document nests too deeply") from None
    except ValueError:
        raise JsonParseError("syntax", "document is not valid JSON") from None
    check_json_value(value, limits=limits)
    return value


def check_json_value(value: Any, *, limits: JsonLimits = DEFAULT_LIMITS) -> None:
    """Check an already-parsed value is plain bounded JSON (dict/list/str/int/float/bool/None).

    Iterative, so hostile nesting cannot exhaust the Python stack.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    items = 0
    while stack:
        v, depth = stack.pop()
        items += 1
        if items > limits.max_items:
            raise JsonParseError("too-many-items", "document has too many values")
        if depth > limits.max_depth:
            raise JsonParseError("too-deep", "document nests too deeply")
        if v is None or isinstance(v, bool):
            continue
        if isinstance(v, str):
            if len(v) > limits.max_string:
                raise JsonParseError("string-too-long", "a string exceeds the size limit")
            continue
        if isinstance(v, int):
            if abs(v) >= 10**limits.max_int_digits:
                raise JsonParseError("number-too-large", "integer too large")
            continue
        if isinstance(v, float):
            if not math.isfinite(v):
                raise JsonParseError("non-json-number", "NaN/Infinity are not JSON")
            continue
        if isinstance(v, dict):
            for k, sub in v.items():
                if not isinstance(k, str):
                    raise JsonParseError("type", "object member names must be strings")
                if len(k) > limits.max_string:
                    raise JsonParseError("string-too-long", "a member name exceeds the size limit")
                stack.append((sub, depth + 1))
            continue
        if isinstance(v, list):
            stack.extend((sub, depth + 1) for sub in v)
            continue
        raise JsonParseError("type", f"{type(v).__name__} is not a JSON value")
