"""An OpenID4VP deployment on top of the scenario world: a Gov24-like service with a did:web key
(its DID document served beside its routes), its presentation policies, and a wallet holding the
sample person's ID as ``dc+sd-jwt`` and as a Data Integrity credential."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from kr_ovid.did import CompositeResolver
from kr_ovid.did.web import WebDidResolver, build_did_document
from kr_ovid.errors import Refusal
from kr_ovid.keys import Ed25519Signer
from kr_ovid.oid4vp import HttpRequest, HttpResponse, PresentationService, Wallet
from kr_ovid.ovid.services import presentation_policies

from world import World, seed

SERVICE_DID = "did:web:gov24.example"


def service_signer(name: str = "gov24") -> Ed25519Signer:
    return Ed25519Signer.from_seed(
        seed(f"service/{name}"), verification_method=SERVICE_DID + "#key-1"
    )


def service_did_document(signer: Ed25519Signer) -> dict[str, Any]:
    return build_did_document(SERVICE_DID, [signer])


def make_service(world: World, *, base_url: str, signed: bool = True) -> PresentationService:
    policies = presentation_policies(
        world.registry,
        resolver=world.resolver,
        status_fetcher=world.fetch_status_list,
        policy_overrides={"clock": world.clock},
    )
    return PresentationService(
        base_url=base_url,
        policies=policies,
        signer=service_signer() if signed else None,
        clock=world.clock,
    )


def in_process(service: PresentationService) -> Callable[[HttpRequest], HttpResponse]:
    """The service's routes called directly (the HTTP tests run the real server instead)."""

    def send(request: HttpRequest) -> HttpResponse:
        path = urlsplit(request.url).path
        try:
            if path.startswith("/oid4vp/request/"):
                form = dict(request.form or {})
                token = service.request_object(
                    path.rsplit("/", 1)[1],
                    method=request.method.lower(),
                    wallet_nonce=form.get("wallet_nonce"),
                )
                return HttpResponse(200, "application/oauth-authz-req+jwt", token.encode())
            if path == "/oid4vp/response":
                status, body = service.receive(dict(request.form or {}))
                return HttpResponse(status, "application/json", json.dumps(body).encode())
        except Refusal as exc:
            return HttpResponse(400, "application/json", json.dumps({"error": exc.code}).encode())
        return HttpResponse(404, "text/plain", b"")

    return send


def wallet_resolver(world: World, documents: Mapping[str, Any]) -> CompositeResolver:
    """Mission DIDs as the world serves them, and the service's DID document."""

    def fetch(url: str, *, timeout: float, max_bytes: int) -> bytes:
        host = urlsplit(url).netloc
        did = "did:web:" + host
        if did in documents:
            return json.dumps(documents[did]).encode()
        return world._fetch_did_document(url, timeout=timeout, max_bytes=max_bytes)

    return CompositeResolver({"web": WebDidResolver(fetch)})


@dataclass
class Held:
    dc: str
    di: dict[str, Any]


def issue_both(world: World, holder: str = "alice") -> Held:
    dc = world.issue(formats=("dc+sd-jwt",), holder=holder).sd_jwt()
    di = world.issue(formats=("di",), holder=holder).credential
    return Held(dc, di)


def make_wallet(
    world: World,
    credentials: list[Any],
    transport: Callable[[HttpRequest], HttpResponse],
    *,
    documents: Mapping[str, Any] | None = None,
    holder: str = "alice",
) -> Wallet:
    docs = (
        documents
        if documents is not None
        else {SERVICE_DID: service_did_document(service_signer())}
    )
    return Wallet(
        credentials,
        [world.holders[holder].signer],
        resolver=wallet_resolver(world, docs),
        transport=transport,
        clock=world.clock,
    )


def link_params(link: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(link).query))
