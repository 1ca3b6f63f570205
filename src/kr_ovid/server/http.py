"""HTTP helpers every route shares: RFC 9457 problem responses, bounded JSON bodies, the operator
check (bearer token or client certificate) and the service state of a request.

Problems: a failure the specifications name is answered with its
:class:`~kr_ovid.problems.ErrorCode` (``type`` in that specification's namespace); a failure that
is only HTTP (401, 404, 405, 413, 415, 429) uses ``type: about:blank`` with the status phrase as
title (RFC 9457 §4.2.1), since it has no meaning beyond its status code.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from kr_ovid._json import JsonLimits, JsonParseError, parse_json
from kr_ovid.problems import ErrorCode, ProblemDetails
from kr_ovid.server.config import token_digest
from kr_ovid.server.state import ServiceState

__all__ = [
    "PROBLEM_JSON",
    "HttpProblem",
    "Operator",
    "http_problem",
    "json_response",
    "problem_response",
    "read_json_object",
    "require_operator",
    "service_state",
]

PROBLEM_JSON = "application/problem+json"


class HttpProblem(Exception):
    """Raised by a helper to end the request with a problem response (handled by the app)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def _problem_body(status: int, problem: ProblemDetails | None, detail: str) -> dict[str, Any]:
    if problem is None:
        return {
            "type": "about:blank",
            "title": HTTPStatus(status).phrase,
            "status": status,
            "detail": detail,
        }
    body = problem.to_dict()
    body["status"] = status
    return body


def problem_response(
    status: int,
    detail: str,
    code: ErrorCode | None = None,
    *,
    headers: dict[str, str] | None = None,
    problems: Iterable[ProblemDetails] = (),
    path: str | None = None,
) -> Response:
    """An ``application/problem+json`` response; ``code`` None means an HTTP-only problem.
    ``problems`` (the verifier's findings) travel in an ``errors`` extension member."""
    main = ProblemDetails(code, detail, path) if code is not None else None
    body = _problem_body(status, main, detail)
    found = [p.to_dict() for p in problems]
    if found:
        body["errors"] = found
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def http_problem(status: int, detail: str, code: ErrorCode | None = None, **kw: Any) -> HttpProblem:
    return HttpProblem(problem_response(status, detail, code, **kw))


def json_response(body: Any, status: int = 200, **kw: Any) -> Response:
    return JSONResponse(body, status_code=status, **kw)


def service_state(request: Request) -> ServiceState:
    """The worker's :class:`~kr_ovid.server.state.ServiceState` (``request.app.state.kr_ovid``)."""
    state = getattr(request.app.state, "kr_ovid", None)
    if not isinstance(state, ServiceState):
        raise http_problem(503, "the service is not started", ErrorCode.CONFIGURATION_ERROR)
    return state


async def read_json_object(request: Request, state: ServiceState) -> dict[str, Any]:
    """The request body as a JSON object, within the configured size and depth bounds.

    ``Content-Type`` must be JSON (415 otherwise: a form post is not a credential); the bytes
    must parse under :func:`kr_ovid._json.parse_json` (no duplicate keys, no NaN, bounded depth
    and size; 400 ``PARSING_ERROR``, or 413 ``SIZE_LIMIT_ERROR`` for a body too large).
    """
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media != "application/json" and not (
        media.startswith("application/") and media.endswith("+json")
    ):
        raise http_problem(415, "the request body must be application/json")
    limits = state.config.limits
    body = await request.body()  # the body limit middleware has bounded it already
    try:
        value = parse_json(
            body,
            limits=JsonLimits(max_bytes=limits.max_body_bytes, max_depth=limits.max_json_depth),
        )
    except JsonParseError as exc:
        if exc.reason == "too-large":
            raise http_problem(413, str(exc), ErrorCode.SIZE_LIMIT_ERROR) from None
        raise http_problem(
            400, f"the body is not acceptable JSON: {exc}", ErrorCode.PARSING_ERROR
        ) from None
    if not isinstance(value, dict):
        raise http_problem(400, "the body must be a JSON object", ErrorCode.PARSING_ERROR)
    return value


class Operator:
    """Who called an operator route: ``kind`` (``bearer``, ``client-cert``, ``test-mode``) and a
    non-secret label for the audit log (a digest prefix or the certificate subject)."""

    __slots__ = ("kind", "label")

    def __init__(self, kind: str, label: str) -> None:
        self.kind = kind
        self.label = label

    @property
    def actor(self) -> str:
        """The status store's ``actor``: one printable line naming the credential used."""
        return f"vc-api {self.kind} {self.label}"[:128]


def client_certificate_subject(request: Request) -> str | None:
    """The verified client certificate's subject (RFC 4514), when the connection had one.

    uvicorn does not hand the certificate to the application; :mod:`kr_ovid.server.tls` adds it
    to the scope as the ASGI TLS extension (``extensions.tls.client_cert_name``).
    """
    tls = request.scope.get("extensions", {}).get("tls")
    if isinstance(tls, dict):
        name = tls.get("client_cert_name")
        if isinstance(name, str) and name:
            return name
    return None


def require_operator(request: Request, state: ServiceState) -> Operator:
    """Allow the configured operators only (401 otherwise, with ``WWW-Authenticate``).

    The token is compared by SHA-256 digest in constant time against every configured digest,
    so neither the token nor how much of it matched can leak through timing.
    """
    auth = state.config.auth
    if not auth.configured:
        if state.test_mode:
            return Operator("test-mode", "open")
        raise http_problem(
            401,
            "operator routes are closed: no credentials are configured",
            headers={"WWW-Authenticate": "Bearer"},
        )
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if header and scheme.lower() == "bearer" and token.strip():
        digest = token_digest(token.strip())
        matched = False
        for known in auth.bearer_token_sha256:
            matched |= hmac.compare_digest(digest, known)
        if matched:
            return Operator("bearer", digest[:12])
        raise http_problem(
            401,
            "the bearer token is not accepted",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    subject = client_certificate_subject(request)
    if subject is not None and subject in auth.client_cert_subjects:
        return Operator("client-cert", subject)
    if subject is not None:
        raise http_problem(403, "this client certificate is not an operator's")
    raise http_problem(
        401,
        "an operator credential is required (bearer token or client certificate)",
        headers={"WWW-Authenticate": "Bearer"},
    )
