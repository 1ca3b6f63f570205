"""Verifying a trust list against the pinned root (never raises on hostile input)."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any

from kr_ovid._json import JsonParseError, check_json_value
from kr_ovid.clock import Clock, FixedClock, SystemClock
from kr_ovid.context import DEFAULT_SKEW
from kr_ovid.did.document import is_did
from kr_ovid.did.resolver import DidResolver
from kr_ovid.errors import ConfigurationError, Refusal
from kr_ovid.integrity import verify_proof
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.results import VerificationResult
from kr_ovid.trust.model import (
    DEFAULT_GRACE,
    TrustList,
)
from kr_ovid.trust.parse import (
    _parse_content,
)


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------
def verify_trust_list(
    document: Any,
    *,
    root_did: str,
    resolver: DidResolver,
    clock: Clock | None = None,
    grace: timedelta = DEFAULT_GRACE,
    previous_version: int | None = None,
    skew: timedelta = DEFAULT_SKEW,
    loader: StaticDocumentLoader | None = None,
) -> VerificationResult:
    """Verify a trust list against the pinned root; never raises on hostile input.

    Checks, all reported: the proof (every proof by a key of ``root_did`` under
    ``assertionMethod``), the shape, ``issuer == root_did``, ``validFrom`` not in the future,
    ``now <= nextUpdate + grace``, and ``version >= previous_version``. On success
    ``result.claims`` is the :class:`TrustList`.
    """
    checks = ("proof", "trust-list")
    try:
        when = (clock or SystemClock()).now()
        if not isinstance(when, datetime) or when.tzinfo is None:
            raise ConfigurationError("the clock must return timezone-aware times")
        if not isinstance(grace, timedelta) or grace < timedelta(0):
            raise ConfigurationError("grace must be a non-negative timedelta")
        if not is_did(root_did):
            raise ConfigurationError("root_did must be a DID")
    except (ConfigurationError, AttributeError, TypeError) as exc:
        return VerificationResult.failure(
            ProblemDetails(ErrorCode.CONFIGURATION_ERROR, f"invalid verifier options: {exc}")
        )
    proof = verify_proof(
        document,
        proof_purpose="assertionMethod",
        resolver=resolver,
        clock=FixedClock(when),
        skew=skew,
        loader=loader,
        expected_controller=root_did,
    )
    errors = list(proof.errors)
    retryable = proof.retryable
    trust_list: TrustList | None = None
    try:
        check_json_value(document)
        trust_list = _parse_content(document)
    except Refusal as exc:
        errors.append(ProblemDetails(ErrorCode.TRUST_LIST_ERROR, str(exc), exc.path))
    except (JsonParseError, RecursionError):
        if not errors:  # verify_proof has already reported the parse failure
            errors.append(ProblemDetails(ErrorCode.PARSING_ERROR, "trust list is not plain JSON"))
    if trust_list is not None:
        if trust_list.issuer != root_did:
            errors.append(
                ProblemDetails(
                    ErrorCode.TRUST_LIST_ERROR, "issuer is not the pinned root", "/issuer"
                )
            )
        if trust_list.issued > when + skew:
            errors.append(
                ProblemDetails(
                    ErrorCode.TRUST_LIST_ERROR, "trust list is not valid yet", "/validFrom"
                )
            )
        if when > trust_list.next_update + grace:
            errors.append(
                ProblemDetails(
                    ErrorCode.TRUST_LIST_EXPIRED,
                    "trust list is past nextUpdate plus grace",
                    "/credentialSubject/nextUpdate",
                )
            )
            retryable = True
        if previous_version is not None and trust_list.version < previous_version:
            errors.append(
                ProblemDetails(
                    ErrorCode.TRUST_LIST_ROLLBACK,
                    f"version {trust_list.version} is older than the held version {previous_version}",
                    "/credentialSubject/version",
                )
            )
    if errors:
        return VerificationResult(False, None, tuple(errors), (), retryable, checks)
    return VerificationResult(
        True,
        copy.deepcopy(document),
        (),
        (),
        False,
        checks,
        claims=trust_list,
        proofs=proof.proofs,
    )
