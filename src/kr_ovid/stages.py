"""The verification stages every verifier runs, written once.

:class:`~kr_ovid.verifier.Verifier` (a service policy and a trust list) and
:class:`~kr_ovid.generic_verifier.GenericVerifier` (the data model alone) run the same steps on a
Data Integrity credential: parse → contexts → structure → proof(s) → validity period → status →
JSON Schema. Each step lives here as one function over a :class:`Run`, which collects every
problem with its JSON pointer (prefixed for an embedded credential), so both verifiers decide
alike and report alike. What differs is passed in: the issuer binding of the proofs, whether a
status entry must be present and of a known type, and which schemas apply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from kr_ovid._json import JsonParseError, check_json_value
from kr_ovid.context import VerificationContext
from kr_ovid.credential import (
    check_structure,
    check_validity_period,
    credential_types,
    issuer_id,
    issuer_proof_problems,
)
from kr_ovid.errors import SchemaError
from kr_ovid.integrity import verify_proof
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.resource_integrity import check_related_resources
from kr_ovid.results import VerificationResult, VerifiedProof
from kr_ovid.schema import shipped_schema_ids, validate_credential
from kr_ovid.status.check import StatusChecker

__all__ = [
    "MAX_CREDENTIALS",
    "IssuerProofs",
    "Run",
    "check_contexts",
    "check_data_model",
    "check_parse",
    "check_schemas",
    "check_status",
    "check_validity",
    "join",
    "never_raises",
    "presented_credentials",
    "verify_credential_proofs",
    "verify_presentation_proofs",
]

#: How a credential's proofs must relate to its issuer: ``"every"`` proof is an
#: ``assertionMethod`` proof by the issuer (the overseas-ID policies); ``"one"`` at least one is,
#: each other proof verifying for its own controller and purpose (VC Data Integrity §4.5 sets and
#: chains by several parties); ``"none"``: every proof verifies for its own controller and purpose,
#: none need be the issuer's.
IssuerProofs = Literal["every", "one", "none"]

#: Credentials one presentation may carry: each costs a full verification.
MAX_CREDENTIALS = 8


class Run:
    """Problems collected over one verification, with paths prefixed for nested documents."""

    def __init__(self) -> None:
        self.errors: list[ProblemDetails] = []
        self.warnings: list[ProblemDetails] = []
        self.checks: list[str] = []
        self.retryable = False

    def fail(self, code: ErrorCode, detail: str, path: str | None = None) -> None:
        """Record one failed check; ``path`` is already absolute in the verified input."""
        self.errors.append(ProblemDetails(code, detail, path))

    def extend(self, problems: Sequence[ProblemDetails], prefix: str = "") -> None:
        """Adopt a lower layer's problems with ``prefix`` before their paths, so that a problem
        in an embedded credential points into the presentation (``/verifiableCredential/0/…``)."""
        for p in problems:
            self.errors.append(
                ProblemDetails(p.code, p.detail, join(prefix, p.path), p.title, p.extra)
            )

    def warn(self, problems: Sequence[ProblemDetails], prefix: str = "") -> None:
        """Like :meth:`extend` for findings that never make the result unverified (a status
        message, an unknown status type under a policy that does not require status)."""
        for p in problems:
            self.warnings.append(
                ProblemDetails(p.code, p.detail, join(prefix, p.path), p.title, p.extra)
            )

    def result(
        self, document: Any, claims: Any = None, credentials: tuple[Any, ...] = ()
    ) -> VerificationResult:
        """The outcome: verified only when no stage failed. A failed result carries neither the
        document, the claims nor the presented credentials, so a caller cannot read data that did
        not verify; ``retryable`` is only ever set on a failure."""
        if self.errors:
            return VerificationResult(
                False,
                None,
                tuple(self.errors),
                tuple(self.warnings),
                self.retryable,
                tuple(self.checks),
            )
        return VerificationResult(
            True,
            document,
            (),
            tuple(self.warnings),
            False,
            tuple(self.checks),
            claims,
            credentials=credentials,
        )


def join(prefix: str, path: str | None) -> str | None:
    """``path`` inside the embedded document at ``prefix`` (both JSON pointers)."""
    if not prefix:
        return path
    return prefix + (path or "")


def never_raises(run: Run, verify: Callable[[], VerificationResult]) -> VerificationResult:
    """The safety net of "never raises": whatever an injected part (trust registry, resolver,
    status fetcher, claims view) throws becomes a coded, retryable "no"."""
    try:
        return verify()
    except RecursionError:
        run.fail(ErrorCode.PARSING_ERROR, "document nests too deeply")
    except Exception as exc:  # noqa: BLE001
        run.fail(ErrorCode.INTERNAL_ERROR, f"verification could not finish: {type(exc).__name__}")
        run.retryable = True
    return run.result(None)


def check_parse(document: Any, run: Run, prefix: str = "", *, bounded: bool = False) -> bool:
    """Plain, bounded JSON and an object (``PARSING_ERROR`` otherwise): every later stage
    may then index it without guarding against hostile shapes. ``bounded``: the JSON was
    already checked as part of an enclosing document (a presentation)."""
    run.checks.append("parse")
    try:
        if not bounded:
            check_json_value(document)
    except JsonParseError as exc:
        run.fail(ErrorCode.PARSING_ERROR, str(exc), prefix or None)
        return False
    if not isinstance(document, dict):
        run.fail(ErrorCode.PARSING_ERROR, "expected a JSON object", prefix or None)
        return False
    return True


def check_contexts(
    document: Mapping[str, Any], loader: StaticDocumentLoader, run: Run, prefix: str
) -> None:
    """VC Data Integrity §2.4.1 Validating Contexts, the strict way it allows: only contexts
    the loader holds as local pinned copies. An inline context or an unknown URL could
    redefine the terms the signature covers, so either is ``UNKNOWN_CONTEXT``."""
    run.checks.append("contexts")
    ctx = document.get("@context")
    known = loader.urls
    for i, entry in enumerate(ctx if isinstance(ctx, list) else [ctx]):
        if not isinstance(entry, str):
            run.fail(
                ErrorCode.UNKNOWN_CONTEXT,
                "inline contexts are not accepted: contexts must be pinned URLs",
                join(prefix, f"/@context/{i}"),
            )
        elif entry not in known:
            run.fail(
                ErrorCode.UNKNOWN_CONTEXT,
                f"context not available offline: {entry[:200]}",
                join(prefix, f"/@context/{i}"),
            )


def check_data_model(
    document: Mapping[str, Any],
    loader: StaticDocumentLoader,
    run: Run,
    prefix: str,
    *,
    kind: str = "VerifiableCredential",
) -> None:
    """The conforming-document check (VC DM 2.0 §4, §5.3; VC DM 1.1 for a v1 credential):
    :func:`~kr_ovid.credential.check_structure`, then the ``relatedResource`` digests of the
    contexts the loader holds as pinned files (a mismatch is ``CRYPTOGRAPHIC_SECURITY_ERROR``,
    an unpinned resource a ``RELATED_RESOURCE_NOT_CHECKED`` warning)."""
    run.checks.append("structure")
    problems = check_structure(document, kind=kind)
    run.extend(problems, prefix)
    if not problems:
        errors, warnings = check_related_resources(document, loader.pinned_bytes)
        run.extend(errors, prefix)
        run.warn(warnings, prefix)


def verify_credential_proofs(
    document: Mapping[str, Any],
    context: VerificationContext,
    run: Run,
    prefix: str,
    *,
    now: datetime,
    issuer_proofs: IssuerProofs,
) -> tuple[VerifiedProof, ...] | None:
    """VC Data Integrity §4.4/§4.5 on a credential: every proof verifies (none may be skipped),
    then the issuer binding ``issuer_proofs`` asks for (:data:`IssuerProofs`). Returns the
    verified proofs, or ``None`` with the problems in ``run``."""
    run.checks.append("proof")
    issuer = issuer_id(document)
    every = issuer_proofs == "every"
    proof = verify_proof(
        document,
        proof_purpose="assertionMethod" if every else None,
        context=context.at(now),
        json_checked=True,
        expected_controller=issuer if every else None,
    )
    run.extend(proof.errors, prefix)
    run.retryable = run.retryable or proof.retryable
    if not proof.verified:
        return None
    if issuer_proofs == "one":
        problems = issuer_proof_problems(proof.proofs, issuer)
        if problems:
            run.extend(problems, prefix)
            return None
    return proof.proofs


def check_validity(
    document: Mapping[str, Any],
    run: Run,
    prefix: str,
    *,
    now: datetime,
    context: VerificationContext,
) -> None:
    """VC DM 2.0 §4.9 Validity Period at ``now`` with the context's skew."""
    run.checks.append("validity")
    run.extend(check_validity_period(document, now=now, skew=context.skew), prefix)


def check_status(
    document: Mapping[str, Any],
    checker: StatusChecker,
    run: Run,
    prefix: str,
    *,
    now: datetime,
    require_status: bool,
    require_known: bool,
) -> None:
    """VC DM 2.0 §4.10 Status through Bitstring Status List v1.0 §3.2. ``require_status``
    decides whether an entry must be there; an entry that is there is always checked, so a
    revoked credential cannot pass a lenient verifier. ``require_known``: an entry of a type
    that cannot be checked is an error (else a warning). A list that cannot be had is a
    retryable ``STATUS_RETRIEVAL_ERROR``."""
    if "credentialStatus" not in document:
        if require_status:
            run.checks.append("status")
            run.fail(
                ErrorCode.STATUS_VERIFICATION_ERROR,
                "the policy requires a status check but the credential has no status entry",
                join(prefix, "/credentialStatus"),
            )
        return
    run.checks.append("status")
    outcome = checker.check(document, now=now, require_known=require_known)
    run.extend(outcome.errors, prefix)
    run.warn(outcome.warnings, prefix)
    run.retryable = run.retryable or outcome.retryable


def check_schemas(
    document: Mapping[str, Any],
    run: Run,
    prefix: str,
    *,
    required_schemas: Mapping[str, str],
    partial: bool,
    unshipped_is_error: bool,
) -> None:
    """VC DM 2.0 §4.11 Data Schemas (Appendix A.9 Schema).

    The schema a credential type requires (``required_schemas``) is applied whatever
    ``credentialSchema`` says, so a document cannot switch it off by leaving out (or
    re-spelling) ``credentialSchema``; then each ``credentialSchema`` entry of type
    ``JsonSchema`` whose ``id`` is a shipped schema. Any other entry (a schema that is not
    shipped, which is never fetched, or another type such as ``JsonSchemaCredential``) cannot be
    applied: ``unshipped_is_error`` makes it a ``SCHEMA_ERROR`` (a schema the issuer declared is
    not silently dropped), else a warning says it was not applied. The entry's form (a ``type``,
    an ``id`` URL) is the data model's and was checked with the structure.
    """
    run.checks.append("schema")
    required = {required_schemas[t] for t in credential_types(document) if t in required_schemas}
    for schema_id in sorted(required):
        _apply_schema(document, schema_id, run, prefix, "/type", partial=partial)
    schemas = document.get("credentialSchema")
    entries = schemas if isinstance(schemas, list) else [schemas] if schemas is not None else []
    shipped = shipped_schema_ids()
    for i, entry in enumerate(entries):
        where = f"/credentialSchema/{i}" if isinstance(schemas, list) else "/credentialSchema"
        declared = (
            entry.get("id")
            if isinstance(entry, dict) and "JsonSchema" in credential_types(entry)
            else None
        )
        if isinstance(declared, str) and declared in required:
            continue  # already validated above
        if isinstance(declared, str) and declared in shipped:
            _apply_schema(document, declared, run, prefix, where, partial=partial)
        elif unshipped_is_error:
            run.fail(
                ErrorCode.SCHEMA_ERROR,
                "credentialSchema must be {id, type: JsonSchema} naming a schema shipped with "
                "kr_ovid (remote schemas are never fetched)",
                join(prefix, where),
            )
        else:
            warning = ProblemDetails(
                ErrorCode.SCHEMA_ERROR,
                "not applied: only shipped JsonSchema schemas are, none is fetched",
                where,
            )
            run.warn([warning], prefix)


def _apply_schema(
    document: Mapping[str, Any],
    schema_id: str,
    run: Run,
    prefix: str,
    where: str,
    *,
    partial: bool,
) -> None:
    """One shipped schema's problems into ``run``; a schema that cannot be used is a
    ``SCHEMA_ERROR`` at ``where``."""
    try:
        problems = validate_credential(document, schema_id=schema_id, partial=partial)
    except SchemaError as exc:
        run.fail(ErrorCode.SCHEMA_ERROR, str(exc), join(prefix, where))
        return
    run.extend(problems, prefix)


def verify_presentation_proofs(
    presentation: Mapping[str, Any],
    context: VerificationContext,
    run: Run,
    *,
    now: datetime,
    challenge: str | None,
    domain: str | None,
    holder: str | None,
) -> tuple[VerifiedProof, ...] | None:
    """VC DM 2.0 §4.13 with VC Data Integrity §4.4: every proof on a presentation is an
    ``authentication`` proof, carrying ``challenge`` and ``domain`` when they are given; when
    the presentation names a ``holder``, every proof is by the holder (§9.5.3 Spoofing Attack).
    Returns the verified proofs, or ``None`` with the problems in ``run``."""
    run.checks.append("proof")
    proof = verify_proof(
        presentation,
        proof_purpose="authentication",
        challenge=challenge,
        domain=domain,
        context=context.at(now),
        json_checked=True,
        expected_controller=holder,
    )
    run.extend(proof.errors)
    run.retryable = run.retryable or proof.retryable
    return proof.proofs if proof.verified else None


def presented_credentials(
    presentation: Mapping[str, Any], run: Run
) -> list[tuple[str, Any]] | None:
    """VC DM 2.0 §4.13 ``verifiableCredential``: each presented credential with the JSON pointer
    it sits at (one object or a list; absent is none, which the data model allows). More than
    :data:`MAX_CREDENTIALS` is ``SIZE_LIMIT_ERROR`` and ``None``: the work is bounded first."""
    raw = presentation.get("verifiableCredential")
    items = raw if isinstance(raw, list) else [raw] if raw is not None else []
    if len(items) > MAX_CREDENTIALS:
        run.fail(
            ErrorCode.SIZE_LIMIT_ERROR,
            f"more than {MAX_CREDENTIALS} credentials",
            "/verifiableCredential",
        )
        return None
    if not isinstance(raw, list):
        return [("/verifiableCredential", item) for item in items]
    return [(f"/verifiableCredential/{i}", item) for i, item in enumerate(items)]
