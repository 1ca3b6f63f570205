"""JSON Canonicalization Scheme (RFC 8785) through the ``rfc8785`` package.

Hand-written "sorted keys, compact separators" differs from RFC 8785 on number formatting and
UTF-16 key ordering, so the real algorithm is used.
"""

from __future__ import annotations

from typing import Any

import rfc8785

from kr_ovid.errors import CanonicalizationError

__all__ = ["jcs_canonicalize"]


def jcs_canonicalize(value: Any) -> bytes:
    """RFC 8785 bytes (UTF-8) of a JSON value; refuses values JCS cannot represent."""
    try:
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, TypeError, ValueError, RecursionError) as exc:
        raise CanonicalizationError(f"JCS failed: {type(exc).__name__}") from None
