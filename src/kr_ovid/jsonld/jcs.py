"""JSON Canonicalization Scheme (RFC 8785) through the ``rfc8785`` package, with a fast path.

Hand-written "sorted keys, compact separators" differs from RFC 8785 on number formatting and
UTF-16 key ordering, so the real algorithm is the reference. It is also most of the cost of an
``eddsa-jcs-2022`` verification, so values that are known to hold no floats and only integers
of magnitude ≤ 2^53 − 1 (the strict JSON-LD form guarantees both) are serialized by the C ``json``
encoder, which then produces exactly RFC 8785's bytes — *unless* the text holds a character at
or above U+D800 (where code-point order and RFC 8785's UTF-16 order of keys can differ, and lone
surrogates need RFC 8785's handling): then the reference runs. A differential property test
checks the two against each other.
"""

from __future__ import annotations

import json
import re
from typing import Any

import rfc8785

from kr_ovid.errors import CanonicalizationError

__all__ = ["jcs_canonicalize"]

_NEEDS_REFERENCE = re.compile("[\ud800-\U0010ffff]")


def jcs_canonicalize(value: Any, *, plain: bool = False) -> bytes:
    """RFC 8785 bytes (UTF-8) of a JSON value; refuses values JCS cannot represent.

    ``plain=True`` promises that ``value`` holds no float and no integer beyond ±(2^53 − 1) (the caller
    has checked it, as the strict JSON-LD walk does); it enables the fast path.
    """
    if plain:
        try:
            text = json.dumps(
                value, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
            )
        except (TypeError, ValueError, RecursionError):
            text = None
        if text is not None and _NEEDS_REFERENCE.search(text) is None:
            return text.encode("utf-8")
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as exc:
        raise CanonicalizationError(f"JCS failed: {type(exc).__name__}") from None
