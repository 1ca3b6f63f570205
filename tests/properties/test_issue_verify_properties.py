"""Issue → verify properties of the overseas-national ID over generated valid claim sets.

1. Every issued Data Integrity credential (either suite, with or without a holder DID and status)
   verifies with the mission's DID document, validates against the JSON Schema, and reads back
   as the same claims.
2. Every issued SD-JWT copy, presented with a random subset of its disclosable claims and a
   KB-JWT, verifies with :func:`kr_ovid.sdjwt.verify_sd_jwt` to exactly the always-visible members
   plus the chosen claims; what is disclosed validates against the partial schema.
"""

from __future__ import annotations

import functools
import hashlib
from datetime import UTC, date, datetime, time
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kr_ovid.clock import FixedClock
from kr_ovid.did import CompositeResolver, LocalDidResolver
from kr_ovid.integrity import verify_proof
from kr_ovid.keys import Ed25519Signer
from kr_ovid.keys.multikey import decode_public_multikey
from kr_ovid.ovid import OverseasNationalId, load_missions
from kr_ovid.ovid.issuance import Issuer
from kr_ovid.ovid.missions import Mission
from kr_ovid.schema import validate_credential
from kr_ovid.sdjwt import parse_issued, present, verify_sd_jwt
from kr_ovid.sdjwt.disclosure import parse_pointer
from kr_ovid.status import InMemoryStatusListStore

from strategies import issuable_ids

MISSIONS = load_missions()
NONCE, AUD = "n-8f2Kq", "https://gov24.example"
HOLDERS = [Ed25519Signer.from_seed(bytes([0x50 + i]) * 32) for i in range(3)]
STORE = InMemoryStatusListStore()
JOSE = {"iat", "cnf"}


@functools.cache
def mission_key(code: str) -> Ed25519Signer:
    mission = MISSIONS.by_code(code)
    seed = hashlib.sha256(b"kr-ovid-test-mission:" + code.encode()).digest()
    return Ed25519Signer.from_seed(seed, verification_method=mission.did + "#key-1")


def did_document(mission: Mission) -> dict[str, Any]:
    key = mission_key(mission.code)
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": mission.did,
        "verificationMethod": [key.public_multikey_document()],
        "assertionMethod": [key.verification_method],
    }


RESOLVER = CompositeResolver({"web": LocalDidResolver([did_document(m) for m in MISSIONS])})


def issue_instant(issued: date) -> datetime:
    return datetime.combine(issued, time(3, 0), UTC)  # 12:00 in Korea: same calendar day


def issuer_for(person: OverseasNationalId, issued: date, **kw: Any) -> Issuer:
    mission = MISSIONS.by_did(person.issuing_mission.did)
    return Issuer(
        mission,
        mission_key(mission.code),
        clock=FixedClock(issue_instant(issued)),
        did_document=did_document(mission),
        **kw,
    )


def resolve_key(kid: str, _header: dict[str, Any]) -> bytes | None:
    """The issuer key through the DID documents, as a verifier would find it."""
    did = kid.split("#", 1)[0]
    method = RESOLVER.resolve(did).method(kid)
    return None if method is None else decode_public_multikey(method["publicKeyMultibase"])


def _without(document: dict[str, Any], hidden: list[tuple[str, ...]]) -> dict[str, Any]:
    out = {k: (dict(v) if isinstance(v, dict) else v) for k, v in document.items()}
    for segments in hidden:
        node: Any = out
        for s in segments[:-1]:
            node = node[s]
        node.pop(segments[-1], None)
    return out


@given(
    issuable_ids(),
    st.booleans(),
    st.booleans(),
    st.sampled_from(["eddsa-rdfc-2022", "eddsa-jcs-2022"]),
)
def test_issued_credential_verifies_and_validates(
    pair: tuple[OverseasNationalId, date], bound: bool, with_status: bool, suite: str
) -> None:
    person, issued = pair
    holder = HOLDERS[0].controller if bound else None
    iss = issuer_for(person, issued, cryptosuite=suite, status_store=STORE if with_status else None)
    out = iss.issue_id(person, holder=holder)
    credential = out.credential
    assert credential is not None
    result = verify_proof(
        credential,
        resolver=RESOLVER,
        clock=FixedClock(issue_instant(issued)),
        expected_controller=person.issuing_mission.did,
    )
    assert result.verified, result.errors
    assert credential["proof"]["cryptosuite"] == suite
    assert validate_credential(credential) == []
    subject = credential["credentialSubject"]
    assert subject.get("id") == holder
    assert OverseasNationalId.from_subject(subject) == person
    assert ("credentialStatus" in credential) is with_status


@given(issuable_ids(), st.data())
def test_sd_jwt_presents_exactly_the_chosen_claims(
    pair: tuple[OverseasNationalId, date], data: st.DataObject
) -> None:
    person, issued = pair
    holder = data.draw(st.sampled_from(HOLDERS))
    out = issuer_for(person, issued).issue_id(
        person, holder_jwks=[holder.public.jwk], formats=("sd-jwt",)
    )
    token = out.sd_jwts[0].sd_jwt
    held = parse_issued(token)
    assert OverseasNationalId.from_subject(held.document["credentialSubject"]) == person
    pointers = [c.pointer for c in held.claims]
    chosen = data.draw(st.lists(st.sampled_from(pointers), unique=True))
    presentation = present(
        token,
        chosen,
        holder_signer=holder,
        nonce=NONCE,
        aud=AUD,
        clock=FixedClock(issue_instant(issued)),
    )
    result = verify_sd_jwt(
        presentation,
        resolve_key=resolve_key,
        nonce=NONCE,
        audience=AUD,
        clock=FixedClock(issue_instant(issued)),
    )
    assert result.verified, result.errors
    hidden = [parse_pointer(p) for p in pointers if p not in chosen]
    expected = _without(held.document, hidden)
    assert result.document == expected
    disclosed = {k for k in result.document["credentialSubject"]}
    visible = {"type", "nationality", "issuingMission", "predicatesComputedAt"}
    assert disclosed == visible | {parse_pointer(p)[-1] for p in chosen if p != "/evidence"}
    assert ("evidence" in result.document) is ("/evidence" in chosen)
    vc = {k: v for k, v in result.document.items() if k not in JOSE}
    assert validate_credential(vc, partial=True) == []
