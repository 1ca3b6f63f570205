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

from kr_ovid.errors import KrOvidError
from kr_ovid.problems import ErrorCode

__all__ = ["JsonLimits", "JsonParseError", "check_json_value", "parse_json"]


class JsonParseError(KrOvidError, ValueError):
    """Untrusted JSON was refused; ``reason`` is a short machine-friendly word."""

    code = ErrorCode.PARSING_ERROR

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


_PLAIN_KINDS = frozenset({str, dict, list, bool, int, float, type(None)})


def check_json_value(value: Any, *, limits: JsonLimits = DEFAULT_LIMITS) -> None:
    """Check an already-parsed value is plain bounded JSON (dict/list/str/int/float/bool/None).

    Iterative, so hostile nesting cannot exhaust the Python stack.
    """
    stack: list[tuple[Any, int]] = [(value, 0)]
    items = 0
    max_items, max_depth, max_string = limits.max_items, limits.max_depth, limits.max_string
    int_bound = 10**limits.max_int_digits
    while stack:
        v, depth = stack.pop()
        items += 1
        if items > max_items:
            raise JsonParseError("too-many-items", "document has too many values")
        if depth > max_depth:
            raise JsonParseError("too-deep", "document nests too deeply")
        kind = type(v)
        if kind not in _PLAIN_KINDS:  # subclasses (OrderedDict, str enums) are checked alike
            kind = next((k for k in (bool, str, dict, list) if isinstance(v, k)), kind)
        if kind is str:
            if len(v) > max_string:
                raise JsonParseError("string-too-long", "a string exceeds the size limit")
            continue
        if kind is dict:
            for k, sub in v.items():
                if type(k) is not str:
                    raise JsonParseError("type", "object member names must be strings")
                if len(k) > max_string:
                    raise JsonParseError("string-too-long", "a member name exceeds the size limit")
                stack.append((sub, depth + 1))
            continue
        if kind is list:
            stack.extend((sub, depth + 1) for sub in v)
            continue
        if v is None or kind is bool:
            continue
        if isinstance(v, int):
            if abs(v) >= int_bound:
                raise JsonParseError("number-too-large", "integer too large")
            continue
        if isinstance(v, float):
            if not math.isfinite(v):
                raise JsonParseError("non-json-number", "NaN/Infinity are not JSON")
            continue
        raise JsonParseError("type", f"{type(v).__name__} is not a JSON value")
