"""The one result type every ``verify*`` call returns, whatever the input."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NoReturn

from kr_ovid.problems import ErrorCode, ProblemDetails

__all__ = ["SdJwtFacts", "VerificationResult", "VerifiedProof"]


@dataclass(frozen=True, slots=True)
class VerifiedProof:
    """What a verified Data Integrity proof established (VC Data Integrity §4.4 outputs): the
    method and its controller, the key it verified with, its purpose and times. Higher layers
    (holder binding, key rotation, trust at issuance time) decide on it without resolving the
    DID a second time."""

    cryptosuite: str
    verification_method: str
    controller: str
    proof_purpose: str
    created: datetime | None
    expires: datetime | None
    proof_id: str | None
    public_key: bytes = field(default=b"", repr=False)


@dataclass(frozen=True, slots=True)
class SdJwtFacts:
    """What a verified SD-JWT (RFC 9901 §7.1, §7.3) established: the issuer's ``kid``, protected
    header and key, the holder's ``cnf`` key (when the credential carries one), whether a KB-JWT
    bound the presentation, and the JSON pointers of the disclosed claims."""

    kid: str
    header: dict[str, Any]
    issuer_key: bytes = field(repr=False)
    holder_jwk: dict[str, Any] | None = None
    holder_key: bytes | None = field(default=None, repr=False)
    key_bound: bool = False
    disclosed_paths: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """Outcome of a verification: the result VC DM 2.0 §7.1 Verification describes, and more.

    ``verified`` is true only when every check ran and passed. ``errors`` lists every failed check
    (not just the first); ``retryable`` says whether trying again later could change the answer
    (a status list or DID document that could not be fetched), as opposed to "verified, and it is
    invalid". ``document`` is the verified document (or the disclosed claims for SD-JWT) and is set
    only when ``verified`` is true. ``claims`` carries a typed view when a higher layer supplies one.

    Truth-testing a result raises: ``if result:`` would read as "verified" for any non-empty
    object, so it is refused; test ``result.verified`` or call :meth:`raise_for_errors`.
    """

    verified: bool
    document: Any = None
    errors: tuple[ProblemDetails, ...] = ()
    warnings: tuple[ProblemDetails, ...] = ()
    retryable: bool = False
    checks: tuple[str, ...] = ()
    claims: Any = None
    #: The verified credentials of a Data Integrity presentation (each as verified).
    credentials: tuple[Any, ...] = field(default=(), compare=False)
    #: What each verified Data Integrity proof established (empty for other results).
    proofs: tuple[VerifiedProof, ...] = field(default=(), compare=False)
    #: What a verified SD-JWT established (``None`` for other results).
    sd_jwt: SdJwtFacts | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if self.verified and self.errors:
            raise ValueError("a verified result cannot carry errors")

    def __bool__(self) -> NoReturn:
        raise TypeError(
            "VerificationResult has no truth value; test .verified or call .raise_for_errors()"
        )

    @property
    def codes(self) -> tuple[ErrorCode, ...]:
        """The error codes in report order: what programs branch on (``detail`` is for people)."""
        return tuple(p.code for p in self.errors)

    def has_error(self, code: ErrorCode) -> bool:
        """Whether ``code`` is among the errors (by identity: a plain string never matches)."""
        return any(p.code is code for p in self.errors)

    def raise_for_errors(self) -> VerificationResult:
        """Return ``self`` when verified, else raise :class:`~kr_ovid.errors.VerificationFailed`."""
        if not self.verified:
            from kr_ovid.errors import VerificationFailed

            raise VerificationFailed(self)
        return self

    def to_dict(self) -> dict[str, Any]:
        """Verdict, RFC 9457 problems, retryability and checks as JSON; never document or claims."""
        out: dict[str, Any] = {
            "verified": self.verified,
            "errors": [p.to_dict() for p in self.errors],
            "warnings": [p.to_dict() for p in self.warnings],
            "retryable": self.retryable,
        }
        if self.checks:
            out["checks"] = list(self.checks)
        return out

    @classmethod
    def failure(
        cls,
        *errors: ProblemDetails,
        retryable: bool = False,
        warnings: tuple[ProblemDetails, ...] = (),
        checks: tuple[str, ...] = (),
    ) -> VerificationResult:
        """An unverified result; at least one problem is required: a failure must say why."""
        if not errors:
            raise ValueError("a failure needs at least one problem")
        return cls(False, None, tuple(errors), warnings, retryable, checks)
