"""The OpenID4VCI endpoints as Starlette routes (the ``[oid4vci]`` extra): bytes in, bytes out.

:func:`oid4vci_routes` returns the routes of one :class:`~kr_ovid.oid4vci.IssuanceService`
for an app to mount (``kr-ovid serve`` does). Every decision is the service's; this module
bounds and parses bodies, checks media types, runs the service off the event loop, and writes
the answers: JSON with ``Cache-Control: no-store`` (§6.2, §7.2, §8.3), errors as their
specification shapes them (RFC 6749 §5.2, RFC 6750 §3 with ``WWW-Authenticate``, OpenID4VCI
§8.3.1.2). A failure of the issuer's own is a bare ``server_error``: no detail leaves.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from kr_ovid._json import JsonLimits, JsonParseError, parse_json
from kr_ovid.errors import ConfigurationError, KrOvidError
from kr_ovid.oid4vci.errors import Oid4vciError
from kr_ovid.oid4vci.service import (
    CREDENTIAL_PATH,
    NONCE_PATH,
    OFFER_PATH,
    TOKEN_PATH,
    IssuanceService,
    parse_form,
)
from kr_ovid.problems import ErrorCode

__all__ = ["oid4vci_routes"]

MAX_BODY_BYTES: Final = 65_536
_NO_STORE: Final = {"Cache-Control": "no-store"}
_BODY_LIMITS: Final = JsonLimits(max_bytes=MAX_BODY_BYTES, max_depth=8)


def _json(body: object, status: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=_NO_STORE)


def _error(exc: Oid4vciError) -> JSONResponse:
    response = _json(exc.to_json(), exc.status)
    if exc.code is ErrorCode.INVALID_TOKEN:  # RFC 6750 §3
        response.headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    return response


async def _body(request: Request, media_type: str, refusal: ErrorCode) -> bytes:
    """The request body, refused (``refusal``) when of another media type or over
    :data:`MAX_BODY_BYTES`; read in chunks, so a large body is never held whole."""
    given = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if given != media_type:
        raise Oid4vciError(refusal, f"the request body must be {media_type}")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise Oid4vciError(refusal, "the request body is too large")
        chunks.append(chunk)
    return b"".join(chunks)


def _endpoint(
    handle: Callable[[Request], Awaitable[Any]],
) -> Callable[[Request], Awaitable[Response]]:
    """Answer the handler's value as JSON, its :class:`Oid4vciError` as the error response,
    and any other library failure as a bare ``server_error``."""

    async def endpoint(request: Request) -> Response:
        try:
            value = await handle(request)
        except Oid4vciError as exc:
            return _error(exc)
        except KrOvidError:
            return _json({"error": "server_error"}, 500)
        if isinstance(value, Response):
            return value
        return _json(value)

    return endpoint


def oid4vci_routes(
    service: IssuanceService | Callable[[Request], IssuanceService], *, path: str | None = None
) -> list[BaseRoute]:
    """The routes of ``service``: both metadata documents at their well-known URLs (§12.2.2,
    RFC 8414 §3), offers by reference (§4.1.3), the token (§6), nonce (§7) and credential (§8)
    endpoints, all below the Credential Issuer Identifier's path.

    ``service`` may be a function of the request (``kr-ovid serve`` builds one service per
    worker at startup); then ``path``, the identifier's path, is needed to lay out the routes."""
    if isinstance(service, IssuanceService):
        base = service.path
    elif path is None:
        raise ConfigurationError("oid4vci_routes needs the issuer's path with a service getter")
    else:
        base = path

    def get(request: Request) -> IssuanceService:
        return service if isinstance(service, IssuanceService) else service(request)

    async def issuer_metadata(request: Request) -> Any:
        return get(request).metadata()

    async def as_metadata(request: Request) -> Any:
        return get(request).authorization_server_metadata()

    async def offer(request: Request) -> Any:
        found = await run_in_threadpool(
            get(request).offer_document, request.path_params["offer_id"]
        )
        if found is None:
            return _json({"error": "not_found"}, 404)
        return found

    async def token(request: Request) -> Any:
        body = await _body(request, "application/x-www-form-urlencoded", ErrorCode.INVALID_REQUEST)
        return await run_in_threadpool(get(request).token, parse_form(body))

    async def nonce(request: Request) -> Any:
        return await run_in_threadpool(get(request).nonce)

    async def credential(request: Request) -> Any:
        raw = await _body(request, "application/json", ErrorCode.INVALID_CREDENTIAL_REQUEST)
        try:
            body = parse_json(raw, limits=_BODY_LIMITS)
        except JsonParseError:
            raise Oid4vciError(
                ErrorCode.INVALID_CREDENTIAL_REQUEST, "the request body is not acceptable JSON"
            ) from None
        return await run_in_threadpool(
            get(request).credential, request.headers.get("authorization"), body
        )

    return [
        Route(
            f"/.well-known/openid-credential-issuer{base}",
            _endpoint(issuer_metadata),
            methods=["GET"],
        ),
        Route(
            f"/.well-known/oauth-authorization-server{base}",
            _endpoint(as_metadata),
            methods=["GET"],
        ),
        Route(f"{base}{OFFER_PATH}{{offer_id}}", _endpoint(offer), methods=["GET"]),
        Route(f"{base}{TOKEN_PATH}", _endpoint(token), methods=["POST"]),
        Route(f"{base}{NONCE_PATH}", _endpoint(nonce), methods=["POST"]),
        Route(f"{base}{CREDENTIAL_PATH}", _endpoint(credential), methods=["POST"]),
    ]
