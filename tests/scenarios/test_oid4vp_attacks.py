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

from world import World

BASE = "https://gov24.example"


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
