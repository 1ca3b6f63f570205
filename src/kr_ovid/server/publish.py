"""The open GET routes: status list credentials, DID documents at their did:web paths, the
root-signed trust list, and ``/healthz``.

These are what verifiers elsewhere fetch (Bitstring Status List v1.0 §3.2 step 4 dereferences
``statusListCredential``; did-method-web §2.5.2 reads ``…/did.json``), so they need no
credential and say how long they may be cached.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from kr_ovid.server.http import json_response, problem_response, require_operator, service_state

__all__ = ["publish_routes"]

_STATUS_MEDIA = "application/vc+ld+json"
_DID_MEDIA = "application/did+ld+json"


async def status_list(request: Request) -> Response:
    """``GET /status/{list_id}/{purpose}``: the list credential, signed now from the store."""
    state = service_state(request)
    lists = state.status_lists
    if lists is None:
        return problem_response(404, "this service publishes no status lists (no https public URL)")
    parsed = lists.parse_path(request.path_params["list_id"], request.path_params["purpose"])
    # Signing is CPU work: off the event loop, so other requests keep flowing meanwhile.
    found = await run_in_threadpool(lists.credential, *parsed) if parsed else None
    if found is None:
        return problem_response(404, "no such status list")
    ttl_seconds = int(state.config.status.list_ttl_minutes * 60)
    return json_response(
        found,
        media_type=_STATUS_MEDIA,
        headers={"Cache-Control": f"public, max-age={ttl_seconds}"},
    )


async def publish_status_list(request: Request) -> Response:
    """``POST /status/{list_id}/{purpose}/publish`` (operators): lists are signed on every GET,
    so a change is public at once; this answers 204 for clients that ask to publish."""
    state = service_state(request)
    require_operator(request, state)
    lists = state.status_lists
    parsed = (
        lists.parse_path(request.path_params["list_id"], request.path_params["purpose"])
        if lists is not None
        else None
    )
    if parsed is None or parsed[0] not in state.store.list_ids():
        return problem_response(404, "no such status list")
    return Response(status_code=204)


async def did_document(request: Request) -> Response:
    """A DID document at its did:web path (``/.well-known/did.json``, ``/<path>/did.json``)."""
    state = service_state(request)
    doc = state.did_documents.get(request.url.path)
    if doc is None:
        return problem_response(404, "no DID document here")
    return json_response(
        doc, media_type=_DID_MEDIA, headers={"Cache-Control": "public, max-age=300"}
    )


async def trust_list(request: Request) -> Response:
    """``GET /trust-list``: the root-signed trust list, exactly as published."""
    state = service_state(request)
    if state.trust_list is None:
        return problem_response(404, "this service publishes no trust list")
    return json_response(
        state.trust_list, media_type=_STATUS_MEDIA, headers={"Cache-Control": "public, max-age=300"}
    )


async def healthz(request: Request) -> Response:
    """``GET /healthz``: 200 when the worker's state is up and its status store answers."""
    state = service_state(request)
    try:
        state.store.list_ids()
    except Exception as exc:  # noqa: BLE001 — any store failure means "not healthy"
        return problem_response(503, f"status store unavailable: {type(exc).__name__}")
    return json_response({"status": "ok", "mode": "test" if state.test_mode else "production"})


def publish_routes() -> list[BaseRoute]:
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/status/{list_id}/{purpose}", status_list, methods=["GET"]),
        Route("/status/{list_id}/{purpose}/publish", publish_status_list, methods=["POST"]),
        Route("/trust-list", trust_list, methods=["GET"]),
        Route("/.well-known/did.json", did_document, methods=["GET"]),
        Route("/{did_path:path}/did.json", did_document, methods=["GET"]),
    ]
