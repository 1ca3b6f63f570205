"""The service's OpenID4VP routes for ``kr-ovid serve`` (Starlette, the ``[server]`` extra):
thin moves of strings and dicts to and from :class:`~kr_ovid.oid4vp.PresentationService`.

========================================  ===============================================
``POST /oid4vp/requests``                 backend: create (JSON ``{policy, response_mode,
                                          request_uri_method}``) → ``{transaction_id, link,
                                          request_uri, expires, qr_svg}``
``GET /oid4vp/requests/{tx}``             backend: poll → pending (202) or the result
``GET|POST /oid4vp/request/{id}``         wallet: the signed Request Object (§5.10)
``POST /oid4vp/response``                 wallet: the response (§8.2, §8.3)
``GET /oid4vp/did.json``                  the service's DID document (did:web ``…:oid4vp``)
``GET /oid4vp/type-metadata/{name}``      shipped SD-JWT VC Type Metadata
========================================  ===============================================

The backend routes answer only callers that present a backend token (bearer; compared by its
SHA-256 digest in constant time, as the operator routes compare theirs): the transaction id
alone would otherwise hand a wallet's disclosed claims to anyone who saw it.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from kr_ovid._json import JsonLimits, JsonParseError, parse_json
from kr_ovid.errors import ConfigurationError, Refusal
from kr_ovid.oid4vp.request import REQUEST_TYP
from kr_ovid.oid4vp.verifier import PresentationService
from kr_ovid.sdjwt.vc import type_metadata
from kr_ovid.server.config import token_digest

__all__ = ["oid4vp_routes"]

_MAX_FORM = 1_048_576
_JSON_LIMITS = JsonLimits(max_bytes=65_536, max_depth=8)


def _form(raw: bytes) -> dict[str, str]:
    """An ``application/x-www-form-urlencoded`` body (UTF-8, §8.2); a repeated or undecodable
    parameter leaves the form empty, which every endpoint refuses."""
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=32)
    except (UnicodeDecodeError, ValueError):
        return {}
    form = dict(pairs)
    return form if len(form) == len(pairs) else {}


def oid4vp_routes(
    service: PresentationService | Callable[[Any], PresentationService],
    *,
    backend_token: str | None = None,
    backend_token_sha256: Sequence[str] = (),
    open_backend: bool = False,
    did_document: Mapping[str, Any] | None = None,
    type_metadata_names: Mapping[str, str] | None = None,
) -> list[Any]:
    """The route list to pass as ``create_app(config, extra_routes=...)``.

    ``service`` is the :class:`PresentationService` (or a function of the Starlette request
    returning it, e.g. built from ``request.app.state.kr_ovid`` at startup). The backend routes
    accept ``backend_token`` or any token whose SHA-256 is in ``backend_token_sha256``;
    ``open_backend`` (test mode only) opens them when no token is given. ``did_document`` is
    served at ``/oid4vp/did.json`` when given; ``type_metadata_names`` maps a path name to a
    shipped ``vct``.
    """
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    if backend_token is not None and len(backend_token) < 16:
        raise ConfigurationError("backend_token must be a secret of at least 16 characters")
    digests = tuple(backend_token_sha256) + (
        (token_digest(backend_token),) if backend_token is not None else ()
    )
    if not digests and not open_backend:
        raise ConfigurationError("the backend routes need a backend token")

    def get(request: Request) -> PresentationService:
        return service if isinstance(service, PresentationService) else service(request)

    def problem(status: int, code: str) -> JSONResponse:
        return JSONResponse({"error": "invalid_request", "error_description": code}, status)

    def backend(request: Request) -> bool:
        if not digests:
            return open_backend
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return False
        given = token_digest(token.strip())
        matched = False
        for known in digests:
            matched |= hmac.compare_digest(given, known)
        return matched

    async def create(request: Request) -> Response:
        if not backend(request):
            return problem(401, "UNAUTHORIZED")
        try:
            # Bounded, and refusing repeated members: json.loads would take the last of two
            # "policy" members and recurse until it failed with an internal error.
            body = parse_json(await request.body() or b"{}", limits=_JSON_LIMITS)
            svc = get(request)
            created = svc.create(
                str(body.get("policy")),
                response_mode=str(body.get("response_mode", "direct_post.jwt")),
                request_uri_method=body.get("request_uri_method"),
            )
        except JsonParseError:
            return problem(400, "PARSING_ERROR")
        except (ValueError, ConfigurationError, AttributeError):
            return problem(400, "CONFIGURATION_ERROR")
        from kr_ovid.oid4vp.qr import qr_svg

        return JSONResponse(
            {
                "transaction_id": created.transaction_id,
                "link": created.link,
                "request_uri": created.request_uri,
                "expires": created.expires.isoformat(),
                "qr_svg": qr_svg(created.link),
            },
            201,
        )

    async def poll(request: Request) -> Response:
        if not backend(request):
            return problem(401, "UNAUTHORIZED")
        result = get(request).result(request.path_params["tx"])
        if result is None:
            return JSONResponse({"status": "pending"}, 202)
        out: dict[str, Any] = {"status": "done", **result.to_dict()}
        if result.verified:
            out["claims"] = {
                qid: [dict(getattr(view, "claims", view) or {}) for view in views]
                for qid, views in (result.claims or {}).items()
            }
        return JSONResponse(out, 200)

    async def request_object(request: Request) -> Response:
        form: dict[str, str] = {}
        if request.method == "POST":
            raw = await request.body()
            if len(raw) > _MAX_FORM:
                return problem(413, "SIZE_LIMIT_ERROR")
            form = _form(raw)
        try:
            token = get(request).request_object(
                request.path_params["id"],
                method=request.method.lower(),
                wallet_nonce=form.get("wallet_nonce"),
            )
        except Refusal as exc:
            return problem(400, exc.code.value)
        return Response(token, 200, media_type="application/" + REQUEST_TYP)

    async def response(request: Request) -> Response:
        raw = await request.body()
        if len(raw) > _MAX_FORM:
            return problem(413, "SIZE_LIMIT_ERROR")
        form = _form(raw)
        status, body = get(request).receive(form)
        return JSONResponse(body, status, headers={"cache-control": "no-store"})

    async def did(request: Request) -> Response:
        if did_document is None:
            return problem(404, "DID_NOT_FOUND")
        return JSONResponse(dict(did_document), media_type="application/did+json")

    async def metadata(request: Request) -> Response:
        vct = (type_metadata_names or {}).get(request.path_params["name"])
        if vct is None:
            return problem(404, "NOT_FOUND")
        return JSONResponse(type_metadata(vct))

    return [
        Route("/oid4vp/requests", create, methods=["POST"]),
        Route("/oid4vp/requests/{tx}", poll, methods=["GET"]),
        Route("/oid4vp/request/{id}", request_object, methods=["GET", "POST"]),
        Route("/oid4vp/response", response, methods=["POST"]),
        Route("/oid4vp/did.json", did, methods=["GET"]),
        Route("/oid4vp/type-metadata/{name}", metadata, methods=["GET"]),
    ]
