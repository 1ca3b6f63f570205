"""OpenID4VP 1.0 between the library's wallet and the library's service, in process: DCQL,
both client identifier prefixes, request_uri by GET and POST, both response modes, and the
refusals, each with the code that must fire."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from oid4vp_world import (
    SERVICE_DID,
    in_process,
    issue_both,
    link_params,
    make_service,
    make_wallet,
)

from kr_ovid.errors import ConfigurationError, Refusal
from kr_ovid.keys import Ed25519Signer
from kr_ovid.oid4vp import AuthorizationRequest, DcqlQuery, HttpRequest, HttpResponse
from kr_ovid.oid4vp.request import sign_request
from kr_ovid.problems import ErrorCode
from kr_ovid.sdjwt.holder import parse_issued, present

from world import World, seed

BASE = "https://gov24.example"


@pytest.mark.parametrize("mode", ["direct_post", "direct_post.jwt"])
@pytest.mark.parametrize("method", [None, "post"])
def test_gov24_login_with_dc_sd_jwt(world: World, mode: str, method: str | None) -> None:
    service = make_service(world, base_url=BASE)
    held = issue_both(world)
    wallet = make_wallet(world, [held.dc, held.di], in_process(service))
    created = service.create("gov24-login", response_mode=mode, request_uri_method=method)
    assert created.link.startswith("openid4vp://?client_id=decentralized_identifier%3Adid%3Aweb")
    read = wallet.read(created.link, wallet_nonce="wn-1" if method else None)
    assert read.verified, read.errors
    request = read.claims
    assert request.client_id == "decentralized_identifier:" + SERVICE_DID
    offer = wallet.match(request)
    assert [s.query_id for s in offer.selections] == ["id_dc"]  # the SD-JWT VC is preferred
    assert dict(offer.selections[0].shown) == {
        "/birthDate": "1990-02-28",
        "/familyName": "홍",
        "/givenName": "길동",
        "/isOverseasNational": True,
    }
    assert service.result(created.transaction_id) is None  # pending
    answer = wallet.respond(request, offer)
    assert answer.status == 200, answer.body
    result = service.result(created.transaction_id)
    assert result is not None and result.verified, result.errors
    assert result.claims["id_dc"][0]["familyName"] == "홍"
    # the KB-JWT was bound to the client identifier and the nonce
    presented = result.document["id_dc"][0]
    assert presented.count("~") >= 5


def test_gov24_login_with_data_integrity(world: World) -> None:
    service = make_service(world, base_url=BASE)
    held = issue_both(world)
    wallet = make_wallet(world, [held.di], in_process(service))
    created = service.create("gov24-login")
    request = wallet.read(created.link).claims
    offer = wallet.match(request)
    assert [s.query_id for s in offer.selections] == ["id_ldp"]
    assert wallet.respond(request, offer).status == 200
    result = service.result(created.transaction_id)
    assert result is not None and result.verified, result.errors
    vp = result.document["id_ldp"][0]
    assert vp["proof"]["challenge"] == request.nonce
    assert vp["proof"]["domain"] == request.client_id


def test_age_check_unsigned_redirect_uri(world: World) -> None:
    service = make_service(world, base_url=BASE, signed=False)
    held = issue_both(world)
    wallet = make_wallet(world, [held.dc], in_process(service))
    created = service.create("age-check", response_mode="direct_post")
    params = link_params(created.link)
    assert params["client_id"] == "redirect_uri:" + BASE + "/oid4vp/response"
    assert "request_uri" not in params and "dcql_query" in params
    request = wallet.read(created.link).claims
    offer = wallet.match(request)
    assert offer.selections[0].disclose == ("/ageOver19",)
    assert wallet.respond(request, offer).status == 200
    result = service.result(created.transaction_id)
    assert result is not None and result.verified, result.errors
    assert result.claims["id_dc"][0]["ageOver19"] is True
    assert "birthDate" not in result.claims["id_dc"][0]


# --------------------------------------------------------------------------- refusals


def _flow(world: World, policy: str = "gov24-login", **kw: Any) -> tuple[Any, Any, Any, Any]:
    service = make_service(world, base_url=BASE)
    held = issue_both(world)
    wallet = make_wallet(world, [held.dc], in_process(service))
    created = service.create(policy, **kw)
    request = wallet.read(created.link).claims
    return service, wallet, created, request


def _post_token(wallet: Any, request: AuthorizationRequest, token: dict[str, Any]) -> Any:
    form = {"vp_token": json.dumps(token), "state": request.state}
    return wallet.post(request, form)


def _refused(service: Any, created: Any, code: ErrorCode) -> None:
    result = service.result(created.transaction_id)
    assert result is not None and not result.verified
    assert code in result.codes, result.errors


def test_wrong_nonce(world: World) -> None:
    service, wallet, created, request = _flow(world, response_mode="direct_post")
    offer = wallet.match(request)
    token = wallet.vp_token(replace(request, nonce="another-nonce"), offer)
    answer = _post_token(wallet, request, token)
    assert answer.status == 400 and answer.body["error_description"] == "INVALID_CHALLENGE_ERROR"
    _refused(service, created, ErrorCode.INVALID_CHALLENGE_ERROR)


def test_wrong_audience(world: World) -> None:
    service, wallet, created, request = _flow(world, response_mode="direct_post")
    offer = wallet.match(request)
    token = wallet.vp_token(replace(request, client_id="decentralized_identifier:did:web:x"), offer)
    assert _post_token(wallet, request, token).status == 400
    _refused(service, created, ErrorCode.INVALID_DOMAIN_ERROR)


def test_replayed_response(world: World) -> None:
    service, wallet, created, request = _flow(world, response_mode="direct_post")
    form = wallet.response_form(request, wallet.match(request))
    assert wallet.post(request, form).status == 200
    again = wallet.post(request, form)
    assert again.status == 400 and again.body["error_description"] == "INVALID_TRANSACTION"
    result = service.result(created.transaction_id)
    assert result is not None and result.verified  # the first answer stands


def test_replayed_request_object(world: World) -> None:
    _service, wallet, created, request = _flow(world, response_mode="direct_post")
    wallet.respond(request, wallet.match(request))
    again = wallet.read(created.link)
    assert again.codes == (ErrorCode.INVALID_REQUEST,)


def test_extra_claim_disclosed(world: World) -> None:
    service, wallet, created, request = _flow(world, response_mode="direct_post")
    offer = wallet.match(request)
    token = wallet.vp_token(request, offer)
    sel = offer.selections[0]
    held = parse_issued(sel.credential)
    signer = world.holders["alice"].signer
    token["id_dc"] = [
        present(
            held,
            [*sel.disclose, "/passportNumber"],
            holder_signer=signer,
            nonce=request.nonce,
            aud=request.client_id,
            clock=world.clock,
        )
    ]
    assert _post_token(wallet, request, token).status == 400
    _refused(service, created, ErrorCode.CLAIM_NOT_ALLOWED)


def test_missing_claim(world: World) -> None:
    service, wallet, created, request = _flow(world, response_mode="direct_post")
    offer = wallet.match(request)
    sel = offer.selections[0]
    token = {
        "id_dc": [
            present(
                parse_issued(sel.credential),
                sel.disclose[:-1],
                holder_signer=world.holders["alice"].signer,
                nonce=request.nonce,
                aud=request.client_id,
                clock=world.clock,
            )
        ]
    }
    assert _post_token(wallet, request, token).status == 400
    _refused(service, created, ErrorCode.MISSING_CLAIM)


def test_credential_not_requested(world: World) -> None:
    service, wallet, created, request = _flow(world, response_mode="direct_post")
    token = wallet.vp_token(request, wallet.match(request))
    token["something_else"] = token["id_dc"]
    assert _post_token(wallet, request, token).status == 400
    _refused(service, created, ErrorCode.CREDENTIAL_NOT_REQUESTED)


def test_both_options_returned_is_refused(world: World) -> None:
    service = make_service(world, base_url=BASE)
    held = issue_both(world)
    wallet = make_wallet(world, [held.dc, held.di], in_process(service))
    created = service.create("gov24-login", response_mode="direct_post")
    request = wallet.read(created.link).claims
    dc = wallet.vp_token(request, wallet.match(request))
    ldp_wallet = make_wallet(world, [held.di], in_process(service))
    ldp = ldp_wallet.vp_token(request, ldp_wallet.match(request))
    assert _post_token(wallet, request, {**dc, **ldp}).status == 400
    _refused(service, created, ErrorCode.CREDENTIAL_NOT_REQUESTED)


def test_unencrypted_response_where_encryption_required(world: World) -> None:
    service, wallet, created, request = _flow(world, response_mode="direct_post.jwt")
    token = wallet.vp_token(request, wallet.match(request))
    answer = _post_token(wallet, request, token)
    assert answer.status == 400
    assert answer.body["error_description"] == "ENCRYPTED_RESPONSE_REQUIRED"
    _refused(service, created, ErrorCode.ENCRYPTED_RESPONSE_REQUIRED)


def test_response_encrypted_to_another_key(world: World) -> None:
    from kr_ovid.oid4vp.jwe import EphemeralKey, encrypt_response

    service, wallet, created, request = _flow(world, response_mode="direct_post.jwt")
    token = wallet.vp_token(request, wallet.match(request))
    stranger = EphemeralKey()
    jwk = {**stranger.public_jwk, "kid": request.encryption_jwk()["kid"]}
    jwe = encrypt_response({"vp_token": token, "state": request.state}, jwk, "A128GCM")
    assert wallet.post(request, {"response": jwe}).status == 400
    _refused(service, created, ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR)


def test_request_signed_by_unlisted_key(world: World) -> None:
    service, _, created, _ = _flow(world)
    rogue = Ed25519Signer.from_seed(seed("rogue"), verification_method=SERVICE_DID + "#key-2")
    held = issue_both(world)
    tx_req = service._store.by_tx[created.transaction_id].request  # the genuine request

    def transport(request: HttpRequest) -> HttpResponse:
        body = sign_request(tx_req, rogue).encode()
        return HttpResponse(200, "application/oauth-authz-req+jwt", body)

    wallet = make_wallet(world, [held.dc], transport)
    assert wallet.read(created.link).codes == (ErrorCode.KEY_NOT_AUTHORIZED,)
    # the key listed under the right id but with other key material: the signature fails
    impostor = Ed25519Signer.from_seed(seed("rogue"), verification_method=SERVICE_DID + "#key-1")

    def transport2(request: HttpRequest) -> HttpResponse:
        return HttpResponse(
            200, "application/oauth-authz-req+jwt", sign_request(tx_req, impostor).encode()
        )

    wallet2 = make_wallet(world, [held.dc], transport2)
    assert wallet2.read(created.link).codes == (ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR,)


def test_wallet_refuses_malformed_requests(world: World) -> None:
    _service, wallet, created, request = _flow(world)
    params = link_params(created.link)
    assert wallet.read({**params, "request_uri_method": "put"}).codes == (
        ErrorCode.INVALID_REQUEST_URI_METHOD,
    )
    assert wallet.read({"client_id": params["client_id"]}).codes == (ErrorCode.INVALID_REQUEST,)
    unsigned = {**request.to_params(), "client_id": "redirect_uri:https://evil.example/cb"}
    flat = {k: v if isinstance(v, str) else json.dumps(v) for k, v in unsigned.items()}
    assert wallet.read(flat).codes == (ErrorCode.INVALID_REQUEST,)  # response_uri differs
    bad_format = dict(flat, client_id="redirect_uri:" + request.response_uri)
    bad_format["dcql_query"] = json.dumps(
        {"credentials": [{"id": "x", "format": "mso_mdoc", "meta": {}}]}
    )
    assert wallet.read(bad_format).codes == (ErrorCode.VP_FORMATS_NOT_SUPPORTED,)


def test_no_matching_credential_means_no_offer(world: World) -> None:
    service = make_service(world, base_url=BASE)
    held = issue_both(world)
    wallet = make_wallet(world, [held.di], in_process(service))
    created = service.create("age-check")
    request = wallet.read(created.link).claims
    offer = wallet.match(request)
    assert not offer.possible and offer.problems
    with pytest.raises(ConfigurationError):
        wallet.vp_token(request, offer)
    assert wallet.decline(request).status == 400
    _refused(service, created, ErrorCode.ACCESS_DENIED)


def test_dcql_validation() -> None:
    with pytest.raises(ConfigurationError):
        DcqlQuery(())

    for bad in (
        {"credentials": [{"id": "a b", "format": "dc+sd-jwt", "meta": {"vct_values": ["x"]}}]},
        {"credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {}}]},
        {
            "credentials": [
                {
                    "id": "a",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": ["x"]},
                    "claim_sets": [["c"]],
                }
            ]
        },
        {
            "credentials": [{"id": "a", "format": "dc+sd-jwt", "meta": {"vct_values": ["x"]}}],
            "credential_sets": [{"options": [["b"]]}],
        },
        {
            "credentials": [
                {
                    "id": "a",
                    "format": "dc+sd-jwt",
                    "meta": {"vct_values": ["x"]},
                    "claims": [{"path": [-1]}],
                }
            ]
        },
    ):
        with pytest.raises(Refusal) as info:
            DcqlQuery.from_json(bad)
        assert info.value.code is ErrorCode.INVALID_REQUEST
