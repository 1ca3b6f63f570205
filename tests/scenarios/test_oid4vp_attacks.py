"""A hostile wallet or relay against the OpenID4VP service (security review): answers in the
wrong format for their credential query, replays across transactions, responses that burn a
transaction. Each refusal with the code that must fire."""

from __future__ import annotations

import json
from typing import Any

from oid4vp_world import in_process, issue_both, make_service, make_wallet

from kr_ovid.oid4vp import (
    ClaimsQuery,
    CredentialQuery,
    CredentialSetQuery,
    DcqlQuery,
    PresentationPolicy,
    PresentationService,
)
from kr_ovid.problems import ErrorCode
from kr_ovid.sdjwt.holder import parse_issued, present

from world import World

BASE = "https://gov24.example"
LOGIN_CLAIMS = ("familyName", "givenName", "birthDate", "isOverseasNational")


def _post(wallet: Any, request: Any, token: dict[str, Any]) -> Any:
    return wallet.post(request, {"vp_token": json.dumps(token), "state": request.state})


def _dc_answer(world: World, service: PresentationService, policy: str) -> tuple[Any, Any, Any]:
    held = issue_both(world)
    wallet = make_wallet(world, [held.dc], in_process(service))
    created = service.create(policy, response_mode="direct_post")
    request = wallet.read(created.link).claims
    return wallet, created, request


def test_sd_jwt_answer_to_a_data_integrity_query_is_refused(world: World) -> None:
    """The wallet answers the ``ldp_vc`` query (``id_ldp``) with the SD-JWT VC it made for
    ``id_dc``: the VP Token of an ``ldp_vc`` query is a Data Integrity presentation (OpenID4VP
    Appendix B.1.3.2), and an SD-JWT there skipped the DCQL type and claim checks."""
    service = make_service(world, base_url=BASE)
    wallet, created, request = _dc_answer(world, service, "gov24-login")
    token = wallet.vp_token(request, wallet.match(request))
    answer = _post(wallet, request, {"id_ldp": token["id_dc"]})
    assert answer.status == 400
    result = service.result(created.transaction_id)
    assert result is not None and not result.verified
    assert result.codes == (ErrorCode.PARSING_ERROR,)
    assert result.errors[0].path == "/vp_token/id_ldp/0"


def test_sd_jwt_in_a_data_integrity_slot_cannot_skip_requested_claims(world: World) -> None:
    """A DCQL ``ldp_vc`` query that asks for a claim the verifier's policy does not require
    itself: an SD-JWT answer without that claim must not verify."""
    base = make_service(world, base_url=BASE)
    login = base.policies["gov24-login"]
    verifier = next(iter(login.verifiers.values()))
    dc = login.query["id_dc"]
    ldp = CredentialQuery(
        "id_ldp",
        "ldp_vc",
        {"type_values": (("https://w3id.org/kr-ovid/vocab#OverseasNationalIdCredential",),)},
        (
            *login.query["id_ldp"].claims,
            ClaimsQuery(("credentialSubject", "passportNumber")),
        ),
    )
    query = DcqlQuery((dc, ldp), (CredentialSetQuery((("id_dc",), ("id_ldp",))),))
    service = PresentationService(
        base_url=BASE,
        policies={"strict": PresentationPolicy(query, {"id_dc": verifier, "id_ldp": verifier})},
        signer=None,
        clock=world.clock,
    )
    wallet, created, request = _dc_answer(world, service, "strict")
    token = wallet.vp_token(request, wallet.match(request))
    assert _post(wallet, request, {"id_ldp": token["id_dc"]}).status == 400
    result = service.result(created.transaction_id)
    assert result is not None and not result.verified
    assert ErrorCode.PARSING_ERROR in result.codes


def test_a_response_replayed_into_another_transaction_is_refused(world: World) -> None:
    """A relay keeps a wallet's VP Token and posts it to a second transaction of the same
    service (same client_id): the nonce is that transaction's own."""
    service = make_service(world, base_url=BASE)
    wallet, _first, request = _dc_answer(world, service, "gov24-login")
    token = wallet.vp_token(request, wallet.match(request))
    second = service.create("gov24-login", response_mode="direct_post")
    other = wallet.read(second.link).claims
    assert _post(wallet, other, token).status == 400
    result = service.result(second.transaction_id)
    assert result is not None and result.codes == (ErrorCode.INVALID_CHALLENGE_ERROR,)


def test_vc_sd_jwt_answer_to_a_dc_sd_jwt_query_is_refused(world: World) -> None:
    """``typ`` confusion: a ``vc+sd-jwt`` (VC-JOSE-COSE) copy of the ID in the ``dc+sd-jwt``
    slot verifies as a credential but names no ``vct``, so it is not what was requested."""
    service = make_service(world, base_url=BASE)
    wallet, created, request = _dc_answer(world, service, "gov24-login")
    vc_form = world.issue(formats=("sd-jwt",)).sd_jwt()
    token = {
        "id_dc": [
            present(
                parse_issued(vc_form),
                [f"/credentialSubject/{n}" for n in LOGIN_CLAIMS],
                holder_signer=world.holders["alice"].signer,
                nonce=request.nonce,
                aud=request.client_id,
                clock=world.clock,
            )
        ]
    }
    assert _post(wallet, request, token).status == 400
    result = service.result(created.transaction_id)
    assert result is not None and result.codes == (ErrorCode.CREDENTIAL_NOT_REQUESTED,)


def test_a_compressed_encrypted_response_is_refused(world: World) -> None:
    """``zip: DEF`` in a JWE would inflate after decryption (a small response, a large
    plaintext); only ECDH-ES with A128GCM/A256GCM is accepted, without compression."""
    from joserfc import jwe
    from joserfc.jwk import ECKey

    service = make_service(world, base_url=BASE)
    held = issue_both(world)
    wallet = make_wallet(world, [held.dc], in_process(service))
    created = service.create("gov24-login", response_mode="direct_post.jwt")
    request = wallet.read(created.link).claims
    jwk = request.encryption_jwk()
    plaintext = json.dumps({"vp_token": {"id_dc": ["x" * 100_000]}, "state": request.state})
    token = jwe.encrypt_compact(
        {"alg": "ECDH-ES", "enc": "A128GCM", "zip": "DEF", "kid": jwk["kid"]},
        plaintext.encode(),
        ECKey.import_key(jwk),
        algorithms=["ECDH-ES", "A128GCM", "DEF"],
    )
    assert len(token) < 10_000
    assert wallet.post(request, {"response": token}).status == 400
    result = service.result(created.transaction_id)
    assert result is not None and result.codes == (ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR,)
