"""Machine-readable error codes and RFC 9457 problem details.

The codes are the specifications' own where one exists (VC Data Model 2.0 §7.2 Problem Details,
VC Data Integrity §4.7 Processing Errors, Bitstring Status List v1.0 §3.5 Processing Errors), each
with the type URL its specification gives; codes that no specification defines live in kr_ovid's
own namespace.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ["ErrorCode", "ProblemDetails"]

_VC = "https://www.w3.org/TR/vc-data-model#"
_DI = "https://w3id.org/security#"
_STATUS = "https://www.w3.org/ns/credentials/status-list#"
_OURS = "https://w3id.org/kr-ovid/errors#"


class ErrorCode(str, enum.Enum):
    """Error codes; ``.type_url`` gives the namespace the defining specification uses.

    ``MALFORMED_PROOF_ERROR`` and ``MISMATCHED_PROOF_PURPOSE_ERROR`` come from the 2023
    Candidate Recommendation of VC Data Integrity; the Recommendation folds them into
    ``PROOF_VERIFICATION_ERROR``. They keep the Data Integrity namespace.
    """

    # VC Data Model 2.0
    PARSING_ERROR = "PARSING_ERROR"
    CRYPTOGRAPHIC_SECURITY_ERROR = "CRYPTOGRAPHIC_SECURITY_ERROR"
    MALFORMED_VALUE_ERROR = "MALFORMED_VALUE_ERROR"
    RANGE_ERROR = "RANGE_ERROR"
    # VC Data Integrity 1.0
    PROOF_GENERATION_ERROR = "PROOF_GENERATION_ERROR"
    PROOF_VERIFICATION_ERROR = "PROOF_VERIFICATION_ERROR"
    PROOF_TRANSFORMATION_ERROR = "PROOF_TRANSFORMATION_ERROR"
    INVALID_DOMAIN_ERROR = "INVALID_DOMAIN_ERROR"
    INVALID_CHALLENGE_ERROR = "INVALID_CHALLENGE_ERROR"
    MALFORMED_PROOF_ERROR = "MALFORMED_PROOF_ERROR"
    MISMATCHED_PROOF_PURPOSE_ERROR = "MISMATCHED_PROOF_PURPOSE_ERROR"
    # Bitstring Status List 1.0
    STATUS_RETRIEVAL_ERROR = "STATUS_RETRIEVAL_ERROR"
    STATUS_VERIFICATION_ERROR = "STATUS_VERIFICATION_ERROR"
    STATUS_LIST_LENGTH_ERROR = "STATUS_LIST_LENGTH_ERROR"
    # kr_ovid's own
    DATA_LOSS_ERROR = "DATA_LOSS_ERROR"
    UNKNOWN_CONTEXT = "UNKNOWN_CONTEXT"
    UNSUPPORTED_CRYPTOSUITE = "UNSUPPORTED_CRYPTOSUITE"
    PROOF_EXPIRED = "PROOF_EXPIRED"
    DID_RESOLUTION_ERROR = "DID_RESOLUTION_ERROR"
    DID_NOT_FOUND = "DID_NOT_FOUND"
    UNSUPPORTED_DID_METHOD = "UNSUPPORTED_DID_METHOD"
    INVALID_DID_DOCUMENT = "INVALID_DID_DOCUMENT"
    KEY_NOT_AUTHORIZED = "KEY_NOT_AUTHORIZED"
    KEY_RETIRED = "KEY_RETIRED"
    KEY_REVOKED = "KEY_REVOKED"
    ISSUER_NOT_ACCREDITED = "ISSUER_NOT_ACCREDITED"
    TRUST_LIST_ERROR = "TRUST_LIST_ERROR"
    TRUST_LIST_EXPIRED = "TRUST_LIST_EXPIRED"
    TRUST_LIST_ROLLBACK = "TRUST_LIST_ROLLBACK"
    VALIDITY_PERIOD_ERROR = "VALIDITY_PERIOD_ERROR"
    CREDENTIAL_REVOKED = "CREDENTIAL_REVOKED"
    CREDENTIAL_SUSPENDED = "CREDENTIAL_SUSPENDED"
    SCHEMA_ERROR = "SCHEMA_ERROR"
    HOLDER_BINDING_ERROR = "HOLDER_BINDING_ERROR"
    PRESENTATION_EXPIRED = "PRESENTATION_EXPIRED"
    CLAIM_NOT_ALLOWED = "CLAIM_NOT_ALLOWED"
    POLICY_ERROR = "POLICY_ERROR"
    MISSING_CLAIM = "MISSING_CLAIM"
    SIZE_LIMIT_ERROR = "SIZE_LIMIT_ERROR"
    #: A warning: a ``relatedResource`` digest (VC DM 2.0 §5.3) that could not be compared,
    #: because the resource is not held offline and is never fetched.
    RELATED_RESOURCE_NOT_CHECKED = "RELATED_RESOURCE_NOT_CHECKED"
    SD_JWT_ERROR = "SD_JWT_ERROR"
    KEY_BINDING_ERROR = "KEY_BINDING_ERROR"
    CONFIGURATION_ERROR = "CONFIGURATION_ERROR"
    VERIFICATION_FAILED = "VERIFICATION_FAILED"
    INTERNAL_ERROR = "INTERNAL_ERROR"

    @property
    def type_url(self) -> str:
        """The problem ``type`` URL, in the namespace of the specification defining the code."""
        return _NAMESPACE.get(self, _OURS) + self.value

    def __str__(self) -> str:
        return self.value


_NAMESPACE: Mapping[ErrorCode, str] = MappingProxyType(
    {
        ErrorCode.PARSING_ERROR: _VC,
        ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR: _VC,
        ErrorCode.MALFORMED_VALUE_ERROR: _VC,
        ErrorCode.RANGE_ERROR: _VC,
        ErrorCode.PROOF_GENERATION_ERROR: _DI,
        ErrorCode.PROOF_VERIFICATION_ERROR: _DI,
        ErrorCode.PROOF_TRANSFORMATION_ERROR: _DI,
        ErrorCode.INVALID_DOMAIN_ERROR: _DI,
        ErrorCode.INVALID_CHALLENGE_ERROR: _DI,
        ErrorCode.MALFORMED_PROOF_ERROR: _DI,
        ErrorCode.MISMATCHED_PROOF_PURPOSE_ERROR: _DI,
        ErrorCode.STATUS_RETRIEVAL_ERROR: _STATUS,
        ErrorCode.STATUS_VERIFICATION_ERROR: _STATUS,
        ErrorCode.STATUS_LIST_LENGTH_ERROR: _STATUS,
    }
)


@dataclass(frozen=True, slots=True)
class ProblemDetails:
    """One failed check (RFC 9457 shape, as VC DM 2.0 §7.2 asks).

    ``detail`` names property paths, URLs or DIDs; it never holds key material or personal values.
    ``path`` is a JSON pointer into the verified document when the problem has a location.
    """

    code: ErrorCode
    detail: str
    path: str | None = None
    title: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def type(self) -> str:
        """RFC 9457 §3.1.1 ``type``: the code's URL in its defining specification's namespace."""
        return self.code.type_url

    def to_dict(self) -> dict[str, Any]:
        """The RFC 9457 object: ``type``, ``title`` (§3.1.3; derived from the code when none was
        given) and ``detail`` (§3.1.4), with ``code``, ``path`` and ``extra`` as extension
        members (§3.2). ``status`` and ``instance`` belong to the HTTP layer that sends it."""
        out: dict[str, Any] = {
            "type": self.type,
            "code": self.code.value,
            "title": self.title or self.code.value.replace("_", " ").lower(),
            "detail": self.detail,
        }
        if self.path is not None:
            out["path"] = self.path
        out.update(self.extra)
        return out
