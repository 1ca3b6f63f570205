"""VC Data Model 2.0 structure and validity-period checks (https://www.w3.org/TR/vc-data-model-2.0/).

These checks are independent of how the credential is secured: the Data Integrity path and the
SD-JWT path both run them on the (disclosed) credential.

They return lists of :class:`~kr_ovid.problems.ProblemDetails` instead of raising: VC DM 2.0
§7.1 Verification reports errors as a list, and the verifier shows every failure at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from kr_ovid.clock import parse_datetime_stamp
from kr_ovid.jsonld.iri import is_absolute_iri
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.results import VerifiedProof

__all__ = [
    "VC_V2_CONTEXT",
    "check_structure",
    "check_validity_period",
    "credential_types",
    "issuer_id",
    "issuer_proof_problems",
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


def _problem(code: ErrorCode, detail: str, path: str) -> ProblemDetails:
    return ProblemDetails(code, detail, path)


def issuer_id(credential: Mapping[str, Any]) -> str | None:
    """VC DM 2.0 §4.7 Issuer: the URL itself or the object's ``id``. Anything else is ``None``
    (never a guess), so trust and status decisions treat a malformed issuer as no issuer;
    :func:`check_structure` reports why."""
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    return issuer if isinstance(issuer, str) else None


def credential_types(document: Mapping[str, Any]) -> tuple[str, ...]:
    """VC DM 2.0 §4.5 Types: ``type`` as a string or a list of strings. Non-string members are
    dropped, never matched (:func:`check_structure` reports them)."""
    t = document.get("type")
    if isinstance(t, str):
        return (t,)
    if isinstance(t, list):
        return tuple(x for x in t if isinstance(x, str))
    return ()


def check_structure(document: Any, *, kind: str = "VerifiableCredential") -> list[ProblemDetails]:
    """§4 Basic Concepts: contexts, types, ids, issuer, subject; returns every problem found.

    VC DM 2.0 §7.1 wants a *conforming document* once the proof verified; this checks the
    members later decisions read: §4.3 Contexts (a list whose first item is the v2 context),
    §4.5 Types (``kind`` present), §4.4 Identifiers (``id`` a URL), §4.7 Issuer, §4.8 Credential
    Subject (non-empty objects whose ``id`` is a URL), §4.9 (``validFrom``/``validUntil`` as
    dateTimeStamps) and, for a presentation, §4.13 ``holder``. The VC 1.1 members
    ``issuanceDate``/``expirationDate`` are refused: they would state a second validity period
    that a 1.1-aware verifier could honour instead of §4.9's. Problems are
    ``MALFORMED_VALUE_ERROR`` (§7.1), a non-object ``PARSING_ERROR``.
    """
    problems: list[ProblemDetails] = []
    if not isinstance(document, dict):
        return [_problem(ErrorCode.PARSING_ERROR, f"a {kind} must be a JSON object", "")]
    ctx = document.get("@context")
    if not isinstance(ctx, list) or not ctx or ctx[0] != VC_V2_CONTEXT:
        problems.append(
            _problem(
                ErrorCode.MALFORMED_VALUE_ERROR,
                f"@context must be a list starting with {VC_V2_CONTEXT}",
                "/@context",
            )
        )
    elif not all(isinstance(c, str | dict) for c in ctx):
        problems.append(
            _problem(
                ErrorCode.MALFORMED_VALUE_ERROR,
                "@context entries must be URLs or objects",
                "/@context",
            )
        )
    types = document.get("type")
    if not (
        isinstance(types, str)
        or (isinstance(types, list) and all(isinstance(t, str) for t in types))
    ):
        problems.append(
            _problem(
                ErrorCode.MALFORMED_VALUE_ERROR, "type must be a string or list of strings", "/type"
            )
        )
    elif kind not in credential_types(document):
        problems.append(
            _problem(ErrorCode.MALFORMED_VALUE_ERROR, f"type must include {kind}", "/type")
        )
    if "id" in document and not (
        isinstance(document["id"], str) and is_absolute_iri(document["id"])
    ):
        problems.append(_problem(ErrorCode.MALFORMED_VALUE_ERROR, "id must be a URL", "/id"))
    if kind == "VerifiableCredential":
        iss = issuer_id(document)
        if iss is None or not is_absolute_iri(iss):
            problems.append(
                _problem(
                    ErrorCode.MALFORMED_VALUE_ERROR,
                    "issuer must be a URL or an object with an id URL",
                    "/issuer",
                )
            )
        subject = document.get("credentialSubject")
        subjects = subject if isinstance(subject, list) else [subject]
        if not subjects or not all(isinstance(s, dict) and s for s in subjects):
            problems.append(
                _problem(
                    ErrorCode.MALFORMED_VALUE_ERROR,
                    "credentialSubject must be a non-empty object",
                    "/credentialSubject",
                )
            )
        else:
            for i, s in enumerate(subjects):
                sid = s.get("id")
                if sid is not None and not (isinstance(sid, str) and is_absolute_iri(sid)):
                    where = (
                        f"/credentialSubject/{i}/id"
                        if isinstance(subject, list)
                        else "/credentialSubject/id"
                    )
                    problems.append(
                        _problem(
                            ErrorCode.MALFORMED_VALUE_ERROR,
                            "credentialSubject id must be a URL",
                            where,
                        )
                    )
        for member in ("validFrom", "validUntil"):
            if member in document and parse_datetime_stamp(document[member]) is None:
                problems.append(
                    _problem(
                        ErrorCode.MALFORMED_VALUE_ERROR,
                        f"{member} must be an XSD dateTimeStamp",
                        f"/{member}",
                    )
                )
        if "issuanceDate" in document or "expirationDate" in document:
            problems.append(
                _problem(
                    ErrorCode.MALFORMED_VALUE_ERROR,
                    "VC 1.1 date terms are not allowed in a VC 2.0 credential",
                    "/",
                )
            )
    elif kind == "VerifiablePresentation":
        holder = document.get("holder")
        if (
            holder is not None
            and not (isinstance(holder, str) and is_absolute_iri(holder))
            and not (isinstance(holder, dict) and isinstance(holder.get("id"), str))
        ):
            problems.append(
                _problem(ErrorCode.MALFORMED_VALUE_ERROR, "holder must be a URL", "/holder")
            )
    return problems


def check_validity_period(
    document: Mapping[str, Any], *, now: datetime, skew: timedelta
) -> list[ProblemDetails]:
    """§4.9 Validity Period: ``validFrom <= now <= validUntil``, each widened by ``skew``.

    The comparison is temporal (parsed instants, not strings), as §4.9 asks. A bound that does
    not parse is skipped here because :func:`check_structure` has already reported it.
    ``validUntil`` before ``validFrom`` breaks a §4.9 MUST, so it is a malformed credential
    (``MALFORMED_VALUE_ERROR``), not an expired one.
    """
    problems: list[ProblemDetails] = []
    start = parse_datetime_stamp(document.get("validFrom")) if "validFrom" in document else None
    end = parse_datetime_stamp(document.get("validUntil")) if "validUntil" in document else None
    if start is not None and now + skew < start:
        problems.append(
            _problem(
                ErrorCode.VALIDITY_PERIOD_ERROR,
                "credential is not yet valid (validFrom)",
                "/validFrom",
            )
        )
    if end is not None and now - skew > end:
        problems.append(
            _problem(
                ErrorCode.VALIDITY_PERIOD_ERROR,
                "credential has expired (validUntil)",
                "/validUntil",
            )
        )
    if start is not None and end is not None and end < start:
        problems.append(
            _problem(
                ErrorCode.MALFORMED_VALUE_ERROR, "validUntil precedes validFrom", "/validUntil"
            )
        )
    return problems


def issuer_proof_problems(
    proofs: Sequence[VerifiedProof], issuer: str | None
) -> list[ProblemDetails]:
    """Who signed a credential (VC DM 2.0 §4.7 Issuer with VC Data Integrity §4.5 proof sets and
    chains): each proof has already verified for its own controller and purpose; at least one
    ``assertionMethod`` proof must be the issuer's, or the issuer asserted nothing. A witness or
    notary may add proofs of its own, or start a chain the issuer's proof extends.
    The problem is ``KEY_NOT_AUTHORIZED`` at ``/proof``.
    """
    if issuer is not None and any(
        p.proof_purpose == "assertionMethod" and p.controller == issuer for p in proofs
    ):
        return []
    return [
        _problem(
            ErrorCode.KEY_NOT_AUTHORIZED,
            "no assertionMethod proof by the credential's issuer",
            "/proof",
        )
    ]
