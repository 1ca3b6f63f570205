"""The one exception of the OpenID4VCI layer: a refused request, as the protocol reports it.

On the issuer's side every endpoint function raises :class:`Oid4vciError` and nothing else on
hostile input; the HTTP layer turns it into the error response of the specification that
defines its code (RFC 6749 §5.2 at the token endpoint, RFC 6750 §3.1 for a bad access token,
OpenID4VCI 1.0 §8.3.1.2 at the credential endpoint). On the wallet's side an error response is
read back into the same exception, so a caller branches on ``exc.code`` either way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from kr_ovid.errors import KrOvidError
from kr_ovid.problems import ErrorCode

__all__ = ["PROTOCOL_ERRORS", "Oid4vciError"]

#: Every code an OpenID4VCI endpoint answers with, and its HTTP status.
PROTOCOL_ERRORS: Final[Mapping[ErrorCode, int]] = MappingProxyType(
    {
        ErrorCode.INVALID_REQUEST: 400,
        ErrorCode.INVALID_GRANT: 400,
        ErrorCode.UNSUPPORTED_GRANT_TYPE: 400,
        ErrorCode.INVALID_TOKEN: 401,
        ErrorCode.INVALID_CREDENTIAL_REQUEST: 400,
        ErrorCode.UNKNOWN_CREDENTIAL_CONFIGURATION: 400,
        ErrorCode.INVALID_PROOF: 400,
        ErrorCode.INVALID_NONCE: 400,
        ErrorCode.INVALID_ENCRYPTION_PARAMETERS: 400,
        ErrorCode.CREDENTIAL_REQUEST_DENIED: 400,
    }
)
_BY_WIRE: Final = MappingProxyType({code.oauth_error: code for code in PROTOCOL_ERRORS})
# OpenID4VCI §8.3.1.2 and RFC 6749 §5.2 allow %x20-21 / %x23-5B / %x5D-7E in a description.
_UNSAFE_DESCRIPTION = re.compile(r"[^\x20-\x21\x23-\x5b\x5d-\x7e]")
_MAX_DESCRIPTION = 300


class Oid4vciError(KrOvidError):
    """An OpenID4VCI request refused with ``code``; the message names the rule, never a value
    from the request (no code, token, claim or key)."""

    code = ErrorCode.INVALID_REQUEST

    def __init__(self, code: ErrorCode, message: str, *, status: int | None = None) -> None:
        super().__init__(message, code=code)
        #: The HTTP status the endpoint answers with (500 for a failure of the issuer's own).
        self.status = status if status is not None else PROTOCOL_ERRORS.get(code, 500)

    @property
    def error(self) -> str:
        """The wire ``error`` value; ``server_error`` for a code that is not a protocol one."""
        return self.code.oauth_error if self.code in PROTOCOL_ERRORS else "server_error"

    def to_json(self) -> dict[str, str]:
        """The error response body: ``error`` and an ASCII ``error_description``."""
        description = _UNSAFE_DESCRIPTION.sub("?", str(self))[:_MAX_DESCRIPTION]
        return {"error": self.error, "error_description": description}

    @classmethod
    def from_response(cls, status: int, body: object) -> Oid4vciError:
        """An error response as a wallet receives it: the code it names, or ``INTERNAL_ERROR``
        for an answer that names none (the issuer failed, or answered something else)."""
        error = body.get("error") if isinstance(body, Mapping) else None
        code = _BY_WIRE.get(error) if isinstance(error, str) else None
        if code is None:
            return cls(
                ErrorCode.INTERNAL_ERROR, f"the issuer answered HTTP {status}", status=status
            )
        description = body.get("error_description") if isinstance(body, Mapping) else None
        text = (
            _UNSAFE_DESCRIPTION.sub("?", description)[:_MAX_DESCRIPTION]
            if isinstance(description, str)
            else ""
        )
        return cls(code, f"{code.oauth_error}: {text}" if text else code.oauth_error, status=status)
