"""VC Data Model 2.0 (and 1.1) structure and validity-period checks
(https://www.w3.org/TR/vc-data-model-2.0/, https://www.w3.org/TR/vc-data-model-1.1/).

These checks are independent of how the credential is secured: the Data Integrity path and the
SD-JWT path both run them on the (disclosed) credential.

They return lists of :class:`~kr_ovid.problems.ProblemDetails` instead of raising: VC DM 2.0
§7.1 Verification reports errors as a list, and the verifier shows every failure at once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Literal

from kr_ovid.clock import parse_datetime_stamp
from kr_ovid.jsonld.iri import is_absolute_iri
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.resource_integrity import check_related_resource_shape
from kr_ovid.results import VerifiedProof

__all__ = [
    "TYPED_MEMBERS",
    "VC_V1_CONTEXT",
    "VC_V2_CONTEXT",
    "DataModel",
    "check_structure",
    "check_validity_period",
    "credential_types",
    "data_model_version",
    "issuer_id",
    "issuer_proof_problems",
    "validity_members",
]

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
#: The VC Data Model 1.1 context: credentials with ``issuanceDate``/``expirationDate``.
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
DataModel = Literal["2.0", "1.1"]
_VERSIONS: Mapping[str, DataModel] = MappingProxyType({VC_V2_CONTEXT: "2.0", VC_V1_CONTEXT: "1.1"})


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


def data_model_version(document: Mapping[str, Any]) -> DataModel | None:
    """Which data model a document follows, by its first context (VC DM 2.0 §4.3; VC DM 1.1
    §4.1): ``"2.0"`` for the v2 context, ``"1.1"`` for the 2018 v1 context, else ``None``."""
    ctx = document.get("@context")
    if not isinstance(ctx, list) or not ctx:
        return None
    return _VERSIONS.get(ctx[0]) if isinstance(ctx[0], str) else None


def validity_members(document: Mapping[str, Any]) -> tuple[str, str]:
    """The members that bound a credential's validity: ``validFrom``/``validUntil`` (VC DM 2.0
    §4.9), or ``issuanceDate``/``expirationDate`` in a VC 1.1 credential (VC DM 1.1 §4.6,
    §4.7: the credential is valid from its issuance date until its expiration date)."""
    if data_model_version(document) == "1.1":
        return "issuanceDate", "expirationDate"
    return "validFrom", "validUntil"


#: Members whose objects MUST name their ``type`` (VC DM 2.0 §4.10 Status, §4.11 Data
#: Schemas, §5.4 Refreshing, §5.5 Terms of Use, §5.6 Evidence; the same in VC DM 1.1), and
#: whether each object also MUST carry an ``id`` URL (``credentialSchema``: §4.11).
TYPED_MEMBERS: Mapping[str, bool] = MappingProxyType(
    {
        "credentialStatus": False,
        "credentialSchema": True,
        "refreshService": False,
        "termsOfUse": False,
        "evidence": False,
    }
)
#: The typed members a presentation may carry (VC DM 2.0 §4.13: ``termsOfUse``).
_PRESENTATION_TYPED = ("termsOfUse",)


def check_structure(document: Any, *, kind: str = "VerifiableCredential") -> list[ProblemDetails]:
    """The data model's MUSTs on a credential or presentation; returns every problem found.

    VC DM 2.0 §7.1 wants a *conforming document* once the proof verified; this checks the
    members later decisions read: §4.3 Contexts (a list whose first item is the v2 context, or
    the v1 context of a VC 1.1 document), §4.5 Types (``kind`` present), §4.4 Identifiers
    (``id`` a URL), §4.7 Issuer, §4.8 Credential Subject (non-empty objects whose ``id`` is a
    URL), §4.9 (``validFrom``/``validUntil`` as dateTimeStamps), the typed objects of
    :data:`TYPED_MEMBERS` (each with a ``type``, and an ``id`` URL where it is given or
    required), §5.3 ``relatedResource`` (its form; digests: :mod:`kr_ovid.resource_integrity`)
    and, for a presentation, §4.13 ``holder``.

    A VC 1.1 credential (VC DM 1.1 §4.6, §4.7) has a required ``issuanceDate`` and an optional
    ``expirationDate`` instead; each version refuses the other's date terms, which would state a
    second validity period that a reader of the other version could honour instead. Problems are
    ``MALFORMED_VALUE_ERROR`` (§7.1), a non-object ``PARSING_ERROR``.
    """
    problems: list[ProblemDetails] = []
    if not isinstance(document, dict):
        return [_problem(ErrorCode.PARSING_ERROR, f"a {kind} must be a JSON object", "")]
    version = data_model_version(document)
    if version is None:
        problems.append(
            _problem(
                ErrorCode.MALFORMED_VALUE_ERROR,
                f"@context must be a list starting with {VC_V2_CONTEXT} (or, for VC 1.1, "
                f"{VC_V1_CONTEXT})",
                "/@context",
            )
        )
    elif not all(isinstance(c, str | dict) for c in document["@context"]):
        problems.append(
            _problem(
                ErrorCode.MALFORMED_VALUE_ERROR,
                "@context entries must be URLs or objects",
                "/@context",
            )
        )
    types = document.get("type")
    if not _is_type(types):
        problems.append(
            _problem(
                ErrorCode.MALFORMED_VALUE_ERROR, "type must be a string or list of strings", "/type"
            )
        )
    elif kind not in credential_types(document):
        problems.append(
            _problem(ErrorCode.MALFORMED_VALUE_ERROR, f"type must include {kind}", "/type")
        )
    if "id" in document and not _is_url(document["id"]):
        problems.append(_problem(ErrorCode.MALFORMED_VALUE_ERROR, "id must be a URL", "/id"))
    if kind == "VerifiableCredential":
        problems.extend(_credential_members(document, version))
        for member, needs_id in TYPED_MEMBERS.items():
            problems.extend(_typed_objects(document, member, needs_id=needs_id))
        problems.extend(check_related_resource_shape(document))
    elif kind == "VerifiablePresentation":
        holder = document.get("holder")
        if (
            holder is not None
            and not _is_url(holder)
            and not (isinstance(holder, dict) and isinstance(holder.get("id"), str))
        ):
            problems.append(
                _problem(ErrorCode.MALFORMED_VALUE_ERROR, "holder must be a URL", "/holder")
            )
        for member in _PRESENTATION_TYPED:
            problems.extend(_typed_objects(document, member, needs_id=False))
    return problems


def _credential_members(
    document: Mapping[str, Any], version: DataModel | None
) -> list[ProblemDetails]:
    """§4.7 issuer, §4.8 subjects and the validity members of the document's version."""
    problems: list[ProblemDetails] = []
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
            if sid is not None and not _is_url(sid):
                where = (
                    f"/credentialSubject/{i}/id"
                    if isinstance(subject, list)
                    else "/credentialSubject/id"
                )
                problems.append(
                    _problem(
                        ErrorCode.MALFORMED_VALUE_ERROR, "credentialSubject id must be a URL", where
                    )
                )
    start, end = validity_members(document)
    if version == "1.1" and start not in document:
        problems.append(
            _problem(
                ErrorCode.MALFORMED_VALUE_ERROR,
                "a VC 1.1 credential needs an issuanceDate",
                "/issuanceDate",
            )
        )
    for member in (start, end):
        if member in document and parse_datetime_stamp(document[member]) is None:
            problems.append(
                _problem(
                    ErrorCode.MALFORMED_VALUE_ERROR,
                    f"{member} must be an XSD dateTimeStamp",
                    f"/{member}",
                )
            )
    begins = parse_datetime_stamp(document.get(start))
    ends = parse_datetime_stamp(document.get(end))
    if begins is not None and ends is not None and ends < begins:
        # §4.9: validFrom MUST be the same as or earlier than validUntil (a period that ends
        # before it starts describes a credential that is never valid).
        problems.append(
            _problem(ErrorCode.MALFORMED_VALUE_ERROR, f"{end} is earlier than {start}", f"/{end}")
        )
    foreign = (
        ("validFrom", "validUntil") if version == "1.1" else ("issuanceDate", "expirationDate")
    )
    for member in foreign:
        if member in document:
            problems.append(
                _problem(
                    ErrorCode.MALFORMED_VALUE_ERROR,
                    f"{member} belongs to the other data model version than the @context names",
                    f"/{member}",
                )
            )
    return problems


def _typed_objects(
    document: Mapping[str, Any], member: str, *, needs_id: bool
) -> list[ProblemDetails]:
    """Each object of ``member`` (one or a non-empty list) has a ``type`` (one or more
    strings) and, when present or ``needs_id``, an ``id`` URL."""
    if member not in document:
        return []
    value = document[member]
    many = isinstance(value, list)
    items = value if many else [value]
    if not items:
        return [
            _problem(ErrorCode.MALFORMED_VALUE_ERROR, f"{member} must hold objects", f"/{member}")
        ]
    problems: list[ProblemDetails] = []
    for i, item in enumerate(items):
        where = f"/{member}/{i}" if many else f"/{member}"
        if not isinstance(item, dict):
            problems.append(
                _problem(ErrorCode.MALFORMED_VALUE_ERROR, f"{member} must hold objects", where)
            )
            continue
        if not _is_type(item.get("type")):
            problems.append(
                _problem(
                    ErrorCode.MALFORMED_VALUE_ERROR,
                    f"each {member} object needs a type",
                    f"{where}/type",
                )
            )
        if ("id" in item or needs_id) and not _is_url(item.get("id")):
            problems.append(
                _problem(
                    ErrorCode.MALFORMED_VALUE_ERROR,
                    f"each {member} object needs an id URL" if needs_id else "id must be a URL",
                    f"{where}/id",
                )
            )
    return problems


def _is_type(value: object) -> bool:
    """§4.5: one or more terms or URLs."""
    return (isinstance(value, str) and bool(value)) or (
        isinstance(value, list) and bool(value) and all(isinstance(t, str) and t for t in value)
    )


def _is_url(value: object) -> bool:
    return isinstance(value, str) and is_absolute_iri(value)


def check_validity_period(
    document: Mapping[str, Any], *, now: datetime, skew: timedelta
) -> list[ProblemDetails]:
    """§4.9 Validity Period: ``validFrom <= now <= validUntil``, each widened by ``skew`` (for a
    VC 1.1 credential ``issuanceDate`` and ``expirationDate``, :func:`validity_members`).

    The comparison is temporal (parsed instants, not strings), as §4.9 asks. A bound that does
    not parse is skipped here because :func:`check_structure` has already reported it.
    An end before the start breaks a §4.9 MUST, so it is a malformed credential
    (``MALFORMED_VALUE_ERROR``), not an expired one.
    """
    problems: list[ProblemDetails] = []
    first, last = validity_members(document)
    start = parse_datetime_stamp(document.get(first)) if first in document else None
    end = parse_datetime_stamp(document.get(last)) if last in document else None
    if start is not None and now + skew < start:
        problems.append(
            _problem(
                ErrorCode.VALIDITY_PERIOD_ERROR,
                f"credential is not yet valid ({first})",
                f"/{first}",
            )
        )
    if end is not None and now - skew > end:
        problems.append(
            _problem(
                ErrorCode.VALIDITY_PERIOD_ERROR,
                f"credential has expired ({last})",
                f"/{last}",
            )
        )
    if start is not None and end is not None and end < start:
        problems.append(
            _problem(ErrorCode.MALFORMED_VALUE_ERROR, f"{last} precedes {first}", f"/{last}")
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
