"""Exceptions for misuse and for failures while *producing* something.

Verification never raises on bad input: it returns a :class:`~kr_ovid.results.VerificationResult`.
These exceptions are for the caller's own mistakes (wrong argument types, a signer whose
algorithm does not match the suite) and for issuing steps that cannot complete.

::

    KrOvidError                      every exception this library raises on purpose
    ├── ConfigurationError           misuse: wrong arguments, incompatible options
    ├── KeyFormatError               malformed key material (Multikey, JWK, key file)
    ├── DocumentLoaderError          a JSON-LD context URL that is not served offline
    ├── CanonicalizationError        JSON-LD/RDFC or JCS could not turn a document into bytes
    │   └── NQuadsError              (jsonld.nquads) malformed N-Quads, or an inexpressible term
    ├── ProofGenerationError         a proof could not be created
    ├── ResolutionError              a DID or verification method could not be resolved
    ├── SchemaError                  a document does not match its JSON Schema
    ├── StatusListError              status-list encoding, allocation or store failures
    ├── SdJwtError                   (sdjwt.jws) a JWS, SD-JWT, disclosure or KB-JWT was refused
    ├── JsonParseError               (_json) untrusted JSON refused: size, depth, syntax, type
    ├── CliError                     (cli) a command-line usage or input error (exit code 2)
    ├── VerificationFailed           raised only by ``VerificationResult.raise_for_errors()``
    └── Refusal                      internal: one check refused, carrying its ProblemDetails;
                                     verification code catches it and reports the problem, so
                                     it never reaches a caller of a ``verify*`` function

Each carries a machine-readable ``code`` (an :class:`~kr_ovid.problems.ErrorCode`) so that callers
can branch on it, and a message that names paths or URLs, never key bytes or personal values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kr_ovid.problems import ErrorCode, ProblemDetails

if TYPE_CHECKING:
    from kr_ovid.results import VerificationResult

__all__ = [
    "CanonicalizationError",
    "ConfigurationError",
    "DocumentLoaderError",
    "KeyFormatError",
    "KrOvidError",
    "ProofGenerationError",
    "Refusal",
    "ResolutionError",
    "SchemaError",
    "StatusListError",
    "VerificationFailed",
]


class KrOvidError(Exception):
    """Base of every exception raised on purpose by kr_ovid."""

    code: ErrorCode = ErrorCode.INTERNAL_ERROR

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | None = None,
        path: str | None = None,
        retryable: bool = False,
    ) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code
        self.path = path
        #: True when trying again later could succeed (a fetch that failed), not a verdict.
        self.retryable = retryable


class ConfigurationError(KrOvidError, ValueError):
    """The library was called in a way it cannot honour (caller's mistake)."""

    code = ErrorCode.CONFIGURATION_ERROR


class KeyFormatError(KrOvidError, ValueError):
    """Key material is malformed; the message never repeats the key bytes."""

    code = ErrorCode.MALFORMED_VALUE_ERROR


class DocumentLoaderError(KrOvidError):
    """A URL was requested that the offline loader does not serve."""

    code = ErrorCode.UNKNOWN_CONTEXT


class CanonicalizationError(KrOvidError):
    """The document cannot be canonicalized without losing or inventing data."""

    code = ErrorCode.PROOF_TRANSFORMATION_ERROR


class ProofGenerationError(KrOvidError):
    """A proof could not be created."""

    code = ErrorCode.PROOF_GENERATION_ERROR


class ResolutionError(KrOvidError):
    """A DID or verification method could not be resolved or is not authorised."""

    code = ErrorCode.DID_RESOLUTION_ERROR


class SchemaError(KrOvidError):
    """A document fails its JSON Schema; ``path`` is the JSON pointer of the first failure."""

    code = ErrorCode.MALFORMED_VALUE_ERROR


class StatusListError(KrOvidError):
    """Status-list encoding, decoding or store failure."""

    code = ErrorCode.STATUS_VERIFICATION_ERROR


class VerificationFailed(KrOvidError):
    """Raised by :meth:`VerificationResult.raise_for_errors` when a result is not verified."""

    code = ErrorCode.VERIFICATION_FAILED

    def __init__(self, result: VerificationResult) -> None:
        codes = ", ".join(p.code.value for p in result.errors) or "no error recorded"
        super().__init__(f"verification failed: {codes}")
        if result.errors:
            self.code = result.errors[0].code
        self.result = result


class Refusal(KrOvidError):
    """One check said no: the library's single internal refusal, raised deep inside a
    verification step and turned into its :class:`~kr_ovid.problems.ProblemDetails` by the step's
    caller. ``problems`` carries findings gathered before the refusal (they are all reported)."""

    def __init__(
        self,
        code: ErrorCode,
        detail: str,
        path: str | None = None,
        *,
        retryable: bool = False,
        before: Sequence[ProblemDetails] = (),
    ) -> None:
        super().__init__(detail, code=code, path=path, retryable=retryable)
        self.problem = ProblemDetails(code, detail, path)
        self.problems: tuple[ProblemDetails, ...] = (*before, self.problem)
