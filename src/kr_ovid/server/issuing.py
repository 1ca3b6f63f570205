"""What ``POST /credentials/issue`` and ``POST /credentials/status`` do, apart from HTTP.

VC-API ``issueCredential`` signs the client's credential *as sent*: its ``id``, ``issuer`` and
any ``credentialStatus`` included, unlike :class:`~kr_ovid.issuer.CredentialIssuer`, which
sets those members itself. So the checks the issuer recipe makes by construction are made
here on the request: the ``issuer`` must be this service's DID (VC-API answers 400 otherwise),
a ``proof`` already present stays and the issuer's joins it as a proof set (VC Data Integrity
§2.1.2; each proof signs the document without the others),
the data model's MUSTs must hold (:func:`kr_ovid.credential.check_structure`) and the document
must be in the strict JSON-LD form, all before a status index is spent on it.

``options.credentialStatus`` adds exactly one Bitstring Status List v1.0 §2.1 entry of the
requested purpose, at a position the store allocates for the credential, keyed by
``options.credentialId`` (VC-API: the identifier later status changes use), else by the
credential's ``id``, else by a fresh ``urn:uuid`` (such a credential's status cannot be changed
through the API: nothing names it).
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kr_ovid.credential import VC_V2_CONTEXT, check_structure, issuer_id
from kr_ovid.errors import CanonicalizationError, ConfigurationError, KrOvidError, StatusListError
from kr_ovid.integrity import add_proof
from kr_ovid.jsonld.canon import JsonLdMode
from kr_ovid.jsonld.expanded import pinned_view
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.resource_integrity import check_related_resources
from kr_ovid.server.state import ServiceState
from kr_ovid.status.bitstring import parse_status_list_index
from kr_ovid.status.publish import status_entries
from kr_ovid.status.store import PURPOSES, AuditRecord, StatusAllocation
from kr_ovid.suites import SUITES

__all__ = ["IssueRefused", "StatusChange", "change_status", "issue_credential", "issue_id"]

STATUS_CONTEXT = "https://www.w3.org/ns/credentials/status/v1"
_ISSUE_OPTIONS = frozenset({"cryptosuite", "credentialStatus", "credentialId"})
_STATUS_OPTION = frozenset({"type", "statusPurpose"})


class IssueRefused(Exception):
    """The request cannot be honoured: an HTTP status and the problems that say why."""

    def __init__(self, status: int, problems: list[ProblemDetails]) -> None:
        super().__init__(problems[0].detail if problems else str(status))
        self.status = status
        self.problems = problems


def _refuse(status: int, code: ErrorCode, detail: str, path: str | None = None) -> IssueRefused:
    return IssueRefused(status, [ProblemDetails(code, detail, path)])


def _options(body: Mapping[str, Any]) -> dict[str, Any]:
    options = body.get("options", {})
    if not isinstance(options, dict):
        raise _refuse(400, ErrorCode.MALFORMED_VALUE_ERROR, "options must be an object", "/options")
    unknown = sorted(set(options) - _ISSUE_OPTIONS)
    if unknown:
        raise _refuse(
            400, ErrorCode.MALFORMED_VALUE_ERROR, f"unsupported option: {unknown[0]}", "/options"
        )
    return options


def _requested_purpose(options: Mapping[str, Any]) -> str | None:
    requested = options.get("credentialStatus")
    if requested is None:
        return None
    where = "/options/credentialStatus"
    if not isinstance(requested, dict) or set(requested) - _STATUS_OPTION:
        raise _refuse(
            400,
            ErrorCode.MALFORMED_VALUE_ERROR,
            "credentialStatus option is {type, statusPurpose}",
            where,
        )
    if requested.get("type") != "BitstringStatusListEntry":
        raise _refuse(
            400,
            ErrorCode.MALFORMED_VALUE_ERROR,
            "this issuer adds BitstringStatusListEntry status only",
            f"{where}/type",
        )
    purpose = requested.get("statusPurpose")
    if purpose not in PURPOSES:
        raise _refuse(
            400,
            ErrorCode.MALFORMED_VALUE_ERROR,
            f"statusPurpose must be one of {', '.join(PURPOSES)}",
            f"{where}/statusPurpose",
        )
    return str(purpose)


def _with_status(
    state: ServiceState, credential: dict[str, Any], purpose: str, credential_id: Any
) -> tuple[dict[str, Any], StatusAllocation]:
    lists = state.status_lists
    if lists is None:
        raise _refuse(
            400,
            ErrorCode.CONFIGURATION_ERROR,
            "this service has no https public URL, so it publishes no status lists",
            "/options/credentialStatus",
        )
    key = credential_id
    store_key = key if isinstance(key, str) else f"urn:uuid:{uuid.uuid4()}"
    try:
        allocation = state.store.allocate(credential_id=store_key)
    except ConfigurationError as exc:
        if isinstance(key, str) and state.store.find(key) is not None:
            raise _refuse(
                409,
                ErrorCode.MALFORMED_VALUE_ERROR,
                "a credential with this id was already issued with status",
                "/credential/id",
            ) from None
        raise _refuse(400, ErrorCode.MALFORMED_VALUE_ERROR, str(exc), "/credential/id") from None
    entry = next(e for e in status_entries(allocation, lists.base) if e["statusPurpose"] == purpose)
    out = dict(credential)
    existing = out.get("credentialStatus")
    if existing is None:
        out["credentialStatus"] = entry
    else:
        out["credentialStatus"] = [*(existing if isinstance(existing, list) else [existing]), entry]
    contexts = out.get("@context")
    if (
        isinstance(contexts, list)
        and VC_V2_CONTEXT not in contexts
        and STATUS_CONTEXT not in contexts
    ):
        # A VC 1.1 credential: BitstringStatusListEntry is defined by the status context there.
        out["@context"] = [*contexts, STATUS_CONTEXT]
    return out, allocation


def issue_credential(state: ServiceState, body: Mapping[str, Any]) -> dict[str, Any]:
    """The signed credential (VC-API ``issueCredential``), or :class:`IssueRefused`."""
    credential = body.get("credential")
    if not isinstance(credential, dict):
        raise _refuse(
            400, ErrorCode.MALFORMED_VALUE_ERROR, "credential must be a JSON object", "/credential"
        )
    options = _options(body)
    suite = options.get("cryptosuite", state.config.issuer.cryptosuite)
    if suite not in SUITES:
        raise _refuse(
            400,
            ErrorCode.UNSUPPORTED_CRYPTOSUITE,
            f"cryptosuite must be one of {', '.join(sorted(SUITES))}",
            "/options/cryptosuite",
        )
    purpose = _requested_purpose(options)
    # Every check reads the credential's signed meaning: the credential itself in the strict
    # form, else (``[verifier] jsonld = "expanded"``) its pinned view, signed as sent in the
    # generic mode (same RDF, so the same signature).
    view, mode = _view(state, credential)
    if mode == "generic" and suite == "eddsa-jcs-2022":
        # JCS signs the JSON: only the strict form has one meaning a verifier reads.
        raise _refuse(
            400,
            ErrorCode.MALFORMED_VALUE_ERROR,
            "eddsa-jcs-2022 signs only credentials in the strict JSON-LD form",
            "/credential/@context",
        )
    if issuer_id(view) != state.issuer_did:
        raise _refuse(
            400,
            ErrorCode.MALFORMED_VALUE_ERROR,
            f"issuer must be this service's DID, {state.issuer_did}",
            "/credential/issuer",
        )
    problems = check_structure(view)
    if not problems:
        # As CredentialIssuer.sign: a credential naming a pinned context with other bytes than
        # this service uses would fail its own verifier (VC DM 2.0 §5.3), so it is not signed.
        problems, _ = check_related_resources(view, state.loader.pinned_bytes)
    if problems:
        raise IssueRefused(400, [_under_credential(p) for p in problems])
    credential_id = options.get("credentialId")
    if credential_id is not None and not isinstance(credential_id, str):
        raise _refuse(
            400,
            ErrorCode.MALFORMED_VALUE_ERROR,
            "credentialId must be a string",
            "/options/credentialId",
        )
    unsigned = copy.deepcopy(credential)
    if purpose is not None:
        # A dry run first: whatever refuses the document does so before a status index is
        # spent on it (the store never hands an index out twice, so a failure would waste it).
        _sign(state, credential, suite, mode)
        # The id the signed credential has is the view's (an inline alias may spell it).
        key = credential_id if credential_id is not None else view.get("id")
        unsigned, _ = _with_status(state, unsigned, purpose, key)
        if mode == "generic":
            _view(state, unsigned)  # the status entry, read under the credential's contexts
    return _sign(state, unsigned, suite, mode)


def _sign(
    state: ServiceState, document: dict[str, Any], suite: str, mode: JsonLdMode
) -> dict[str, Any]:
    """The service's proof on ``document``; a refusal is a 400 with its code and path."""
    try:
        return add_proof(
            document,
            state.signer,
            cryptosuite=suite,
            loader=state.loader,
            clock=state.clock,
            mode=mode,
        )
    except KrOvidError as exc:
        raise _refuse(400, exc.code, str(exc), exc.path) from None


def _view(state: ServiceState, credential: dict[str, Any]) -> tuple[dict[str, Any], JsonLdMode]:
    """The credential's pinned view and the JSON-LD mode that signs it: ``("strict")`` for a
    credential in the strict form; with ``[verifier] jsonld = "expanded"`` a credential with
    inline contexts is read on its pinned view and signed by pyld in safe mode (its RDF is the
    view's, :func:`~kr_ovid.jsonld.expanded.pinned_view`)."""
    if state.config.verifier.jsonld != "expanded":
        return credential, "strict"
    try:
        view = pinned_view(credential, loader=state.loader)
    except CanonicalizationError as exc:
        # A data-model MUST the JSON already breaks is the more useful answer (with its path).
        problems = check_structure(credential)
        if problems:
            raise IssueRefused(400, [_under_credential(p) for p in problems]) from None
        path = "/credential" + (exc.path or "")
        raise _refuse(400, exc.code, f"no pinned view: {exc}", path) from None
    return view.document, "strict" if view.document == credential else "generic"


_ID_OPTIONS = frozenset({"holder", "holderJwks"})


def issue_id(state: ServiceState, body: Mapping[str, Any]) -> dict[str, Any]:
    """The overseas-national ID from ``claims`` (the ``credentialSubject`` members), when this
    service is a mission (``[issuer] mission``): the recipe of
    :class:`~kr_ovid.ovid.issuance.Issuer` (context, schema, evidence, validity to the passport's
    expiry, revocation and suspension entries). ``options.holder`` is the wallet's DID;
    ``options.holderJwks`` asks for one SD-JWT copy per key besides the Data Integrity form.
    ``issuingMission`` is this mission unless the claims name it (another one is refused)."""
    issuer = state.mission_issuer
    if issuer is None:
        raise _refuse(
            400,
            ErrorCode.CONFIGURATION_ERROR,
            "this service is not a mission: it issues from claims only with [issuer] mission",
            "/claims",
        )
    claims = body.get("claims")
    if not isinstance(claims, dict):
        raise _refuse(400, ErrorCode.MALFORMED_VALUE_ERROR, "claims must be an object", "/claims")
    options = body.get("options", {})
    if not isinstance(options, dict) or set(options) - _ID_OPTIONS:
        raise _refuse(
            400, ErrorCode.MALFORMED_VALUE_ERROR, "options are {holder, holderJwks}", "/options"
        )
    holder = options.get("holder")
    jwks = options.get("holderJwks", [])
    if holder is not None and not isinstance(holder, str):
        raise _refuse(
            400, ErrorCode.MALFORMED_VALUE_ERROR, "holder must be a DID", "/options/holder"
        )
    if not isinstance(jwks, list) or not all(isinstance(j, dict) for j in jwks) or len(jwks) > 8:
        raise _refuse(
            400,
            ErrorCode.MALFORMED_VALUE_ERROR,
            "holderJwks must be a list of at most 8 JWKs",
            "/options/holderJwks",
        )
    subject = {"issuingMission": issuer.mission.as_issuing_mission().to_json(), **claims}
    try:
        issued = issuer.issue_id(
            subject,
            holder=holder,
            holder_jwks=jwks,
            formats=("di", "sd-jwt") if jwks else ("di",),
        )
    except KrOvidError as exc:
        path = f"/claims{exc.path}" if exc.path else "/claims"
        raise _refuse(400, exc.code, str(exc), path) from None
    out: dict[str, Any] = {"verifiableCredential": issued.credential}
    if issued.sd_jwts:
        out["sdJwt"] = [copy_.sd_jwt for copy_ in issued.sd_jwts]
    return out


def _under_credential(problem: ProblemDetails) -> ProblemDetails:
    path = "/credential" + (problem.path or "")
    return ProblemDetails(problem.code, problem.detail, path.rstrip("/") or "/credential")


# --------------------------------------------------------------------------------------------
# Status changes (VC-API updateCredentialStatus)
# --------------------------------------------------------------------------------------------
_STATUS_BODY = frozenset({"credentialId", "credentialStatus", "status"})
_STATUS_ENTRY = frozenset(
    {"id", "type", "statusPurpose", "statusListIndex", "statusListCredential"}
)


@dataclass(frozen=True, slots=True)
class StatusChange:
    """What a status change did: the audit record the store wrote."""

    credential_id: str
    record: AuditRecord


def change_status(state: ServiceState, body: Mapping[str, Any], *, actor: str) -> StatusChange:
    """Revoke, suspend or unsuspend one credential this service issued with status.

    ``status`` (default ``true``) sets the bit of ``credentialStatus.statusPurpose``: revocation
    ``true`` revokes (for good: ``false`` afterwards is 409 ``CREDENTIAL_REVOKED``), suspension
    ``true``/``false`` suspends and reinstates. The credential is found by ``credentialId`` in the
    store (404 when it was not issued here with status); a ``statusListCredential`` or
    ``statusListIndex`` in the request must name the position the store holds for it.
    """
    unknown = sorted(set(body) - _STATUS_BODY)
    if unknown:
        raise _refuse(400, ErrorCode.MALFORMED_VALUE_ERROR, f"unknown member: {unknown[0]}", "/")
    credential_id = body.get("credentialId")
    if not isinstance(credential_id, str) or not credential_id:
        raise _refuse(
            400, ErrorCode.MALFORMED_VALUE_ERROR, "credentialId must be a string", "/credentialId"
        )
    entry = body.get("credentialStatus")
    if not isinstance(entry, dict) or set(entry) - _STATUS_ENTRY:
        raise _refuse(
            400,
            ErrorCode.MALFORMED_VALUE_ERROR,
            "credentialStatus must be a status entry object",
            "/credentialStatus",
        )
    if entry.get("type") not in ("BitstringStatusListEntry", "BitstringStatusList"):
        raise _refuse(
            400,
            ErrorCode.MALFORMED_VALUE_ERROR,
            "credentialStatus type must be BitstringStatusListEntry",
            "/credentialStatus/type",
        )
    purpose = entry.get("statusPurpose")
    if purpose not in PURPOSES:
        raise _refuse(
            400,
            ErrorCode.MALFORMED_VALUE_ERROR,
            f"statusPurpose must be one of {', '.join(PURPOSES)}",
            "/credentialStatus/statusPurpose",
        )
    value = body.get("status", True)
    if not isinstance(value, bool):
        raise _refuse(
            400, ErrorCode.MALFORMED_VALUE_ERROR, "status must be true or false", "/status"
        )
    try:
        found = state.store.find(credential_id)
    except ConfigurationError:
        found = None
    if found is None:
        raise _refuse(
            404,
            ErrorCode.MALFORMED_VALUE_ERROR,
            "no credential with this id was issued here with status",
            "/credentialId",
        )
    _check_named_position(state, entry, found, str(purpose))
    try:
        record = state.store.set_status(
            found.list_id,
            found.index,
            str(purpose),
            int(value),
            actor=actor,
            reason="vc-api updateCredentialStatus",
        )
    except StatusListError as exc:
        status = 409 if exc.code is ErrorCode.CREDENTIAL_REVOKED else 400
        raise _refuse(status, exc.code, str(exc), "/status") from None
    return StatusChange(credential_id, record)


def _check_named_position(
    state: ServiceState, entry: Mapping[str, Any], found: StatusAllocation, purpose: str
) -> None:
    where = "/credentialStatus"
    if "statusListIndex" in entry:
        try:
            index = parse_status_list_index(entry["statusListIndex"])
        except StatusListError as exc:
            raise _refuse(400, exc.code, str(exc), f"{where}/statusListIndex") from None
        if index != found.index:
            raise _refuse(
                400,
                ErrorCode.MALFORMED_VALUE_ERROR,
                "statusListIndex is not this credential's position",
                f"{where}/statusListIndex",
            )
    url = entry.get("statusListCredential")
    if url is not None:
        lists = state.status_lists
        if lists is None or url != lists.url(found.list_id, purpose):
            raise _refuse(
                400,
                ErrorCode.MALFORMED_VALUE_ERROR,
                "statusListCredential is not this credential's list",
                f"{where}/statusListCredential",
            )
