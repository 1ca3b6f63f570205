"""The W3C CCG VC-API routes: issue, verify, challenges, status changes.

- ``POST /credentials/issue`` (operators; VC-API ``issueCredential``): 201
  ``{"verifiableCredential": …}``, see :mod:`kr_ovid.server.issuing`; a mission service also
  takes ``{"claims": …}`` and issues the overseas-national ID from them;
- ``POST /credentials/verify`` and ``POST /presentations/verify`` (open): 200 with
  ``"verified": true`` and empty ``errors``; a request that is not what the route takes is 400;
  a credential or presentation that does not verify is 422, both as RFC 9457 problem details
  with every finding in ``errors``;
- ``POST /challenges`` (open): a one-time challenge, spent by the first presentation that
  verifies with it;
- ``POST /credentials/status`` (operators; VC-API ``updateCredentialStatus``).

Verification is :class:`~kr_ovid.generic_verifier.GenericVerifier` (data model, proofs,
validity, status whenever an entry is present), then the service's issuer trust
(:mod:`kr_ovid.server.trust`). A verifier is made per request: its status cache must not keep
a list the operator has just changed (the service's own lists are read from the store).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kr_ovid.errors import ConfigurationError
from kr_ovid.generic_verifier import GenericVerifier
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.results import VerificationResult
from kr_ovid.server.http import (
    PROBLEM_JSON,
    http_problem,
    json_response,
    problem_response,
    read_json_object,
    require_operator,
    service_state,
)
from kr_ovid.server.issuing import IssueRefused, change_status, issue_credential, issue_id
from kr_ovid.server.middleware import mark_operator
from kr_ovid.server.state import ServiceState

__all__ = ["CHALLENGE_AUDIENCE", "vcapi_routes"]

#: The audience every ``POST /challenges`` challenge is issued for: VC-API challenges are not
#: bound to a domain when issued; the presentation's ``domain`` is checked on its own.
CHALLENGE_AUDIENCE = "vc-api"
_CREDENTIAL_OPTIONS = frozenset({"checks"})
_PRESENTATION_OPTIONS = frozenset({"checks", "challenge", "domain"})


def _refused(exc: IssueRefused) -> Response:
    first = exc.problems[0]
    return problem_response(
        exc.status, first.detail, first.code, problems=exc.problems, path=first.path
    )


def _options(body: dict[str, Any], allowed: frozenset[str]) -> dict[str, Any]:
    options = body.get("options", {})
    if not isinstance(options, dict):
        raise http_problem(400, "options must be an object", ErrorCode.MALFORMED_VALUE_ERROR)
    unknown = sorted(set(options) - allowed)
    if unknown:
        raise http_problem(
            400, f"unsupported option: {unknown[0][:60]}", ErrorCode.MALFORMED_VALUE_ERROR
        )
    for name in ("challenge", "domain"):
        if name in options and not isinstance(options[name], str):
            raise http_problem(400, f"{name} must be a string", ErrorCode.MALFORMED_VALUE_ERROR)
    return options


def _verifier(state: ServiceState) -> GenericVerifier:
    return GenericVerifier(
        context=state.context,
        status_fetcher=state.status_fetcher,
        jsonld=state.config.verifier.jsonld or "strict",
    )


def _verdict(result: VerificationResult, extra: list[ProblemDetails]) -> Response:
    """200 when verified and trusted; else 422 (400 when the input was not even parseable)."""
    errors = [*result.errors, *extra]
    body: dict[str, Any] = {
        "verified": result.verified and not extra,
        "checks": list(result.checks),
        "warnings": [p.to_dict() for p in result.warnings],
        "errors": [p.to_dict() for p in errors],
    }
    if body["verified"]:
        return json_response(body)
    status = 400 if any(p.code is ErrorCode.PARSING_ERROR for p in errors) else 422
    first = errors[0] if errors else ProblemDetails(ErrorCode.VERIFICATION_FAILED, "not verified")
    body = {
        **first.to_dict(),
        "status": status,
        "detail": first.detail,
        **body,
        "retryable": result.retryable,
    }
    return json_response(body, status, media_type=PROBLEM_JSON)


# --------------------------------------------------------------------------------------------
# Verify
# --------------------------------------------------------------------------------------------
def _verify_credential(state: ServiceState, credential: Any) -> Response:
    result = _verifier(state).verify_credential(credential)
    extra = state.trust.problems(result.document, result.proofs) if result.verified else []
    return _verdict(result, extra)


async def verify_credential(request: Request) -> Response:
    """``POST /credentials/verify`` (VC-API ``verifyCredential``)."""
    state = service_state(request)
    body = await read_json_object(request, state)
    _options(body, _CREDENTIAL_OPTIONS)
    if "verifiableCredential" not in body:
        raise http_problem(400, "verifiableCredential is required", ErrorCode.PARSING_ERROR)
    return await run_in_threadpool(_verify_credential, state, body["verifiableCredential"])


def _verify_presentation(
    state: ServiceState, presentation: Any, options: dict[str, Any]
) -> Response:
    challenge = options.get("challenge")
    result = _verifier(state).verify_presentation(
        presentation, challenge=challenge, domain=options.get("domain")
    )
    extra: list[ProblemDetails] = []
    if result.verified:
        for i, credential in enumerate(result.credentials):
            extra.extend(state.trust.problems(credential, (), path=f"/verifiableCredential/{i}"))
    if result.verified and not extra and challenge is not None:
        # Spent only by a presentation that verifies with it: one answer per challenge.
        spent = state.challenges.consume(challenge, CHALLENGE_AUDIENCE)
        if not spent and not state.config.verifier.accept_unknown_challenges:
            extra.append(
                ProblemDetails(
                    ErrorCode.INVALID_CHALLENGE_ERROR,
                    "the challenge was not issued by this service, was used already or expired",
                    "/proof/challenge",
                )
            )
    return _verdict(result, extra)


async def verify_presentation(request: Request) -> Response:
    """``POST /presentations/verify`` (VC-API ``verifyPresentation``; the proofless form is
    ``{"presentation": …}``)."""
    state = service_state(request)
    body = await read_json_object(request, state)
    options = _options(body, _PRESENTATION_OPTIONS)
    members = [m for m in ("verifiablePresentation", "presentation") if m in body]
    if len(members) != 1:
        raise http_problem(
            400,
            "give verifiablePresentation (or presentation, without a proof): exactly one",
            ErrorCode.PARSING_ERROR,
        )
    return await run_in_threadpool(_verify_presentation, state, body[members[0]], options)


# --------------------------------------------------------------------------------------------
# Challenges
# --------------------------------------------------------------------------------------------
async def create_challenge(request: Request) -> Response:
    """``POST /challenges`` (VC-API ``createChallenge``): a fresh one-time challenge, stored
    until a presentation verifies with it once, or it expires."""
    state = service_state(request)
    try:
        challenge = state.challenges.issue(CHALLENGE_AUDIENCE)
    except ConfigurationError:
        raise http_problem(503, "too many outstanding challenges; retry later") from None
    return json_response({"challenge": challenge.value})


# --------------------------------------------------------------------------------------------
# Issue and status (operators)
# --------------------------------------------------------------------------------------------
async def issue(request: Request) -> Response:
    """``POST /credentials/issue``: 201 with the signed credential."""
    state = service_state(request)
    operator = require_operator(request, state)
    mark_operator(request.scope, operator.kind)
    body = await read_json_object(request, state)
    try:
        if "claims" in body and "credential" not in body:
            return json_response(await run_in_threadpool(issue_id, state, body), 201)
        signed = await run_in_threadpool(issue_credential, state, body)
    except IssueRefused as exc:
        return _refused(exc)
    return json_response({"verifiableCredential": signed}, 201)


async def update_status(request: Request) -> Response:
    """``POST /credentials/status``: revoke, suspend or reinstate; 200 with what changed."""
    state = service_state(request)
    operator = require_operator(request, state)
    mark_operator(request.scope, operator.kind)
    body = await read_json_object(request, state)
    try:
        change = await run_in_threadpool(change_status, state, body, actor=operator.actor)
    except IssueRefused as exc:
        return _refused(exc)
    record = change.record
    return json_response(
        {
            "credentialId": change.credential_id,
            "statusPurpose": record.purpose,
            "status": bool(record.new_value),
            "previousStatus": bool(record.old_value),
        }
    )


def vcapi_routes() -> list[BaseRoute]:
    return [
        Route("/credentials/issue", issue, methods=["POST"]),
        Route("/credentials/verify", verify_credential, methods=["POST"]),
        Route("/presentations/verify", verify_presentation, methods=["POST"]),
        Route("/challenges", create_challenge, methods=["POST"]),
        Route("/credentials/status", update_status, methods=["POST"]),
    ]
