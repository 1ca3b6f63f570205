"""Issuing ``vc+sd-jwt``: header, plan policy, holder binding, batch unlinkability."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from kr_ovid.clock import FixedClock
from kr_ovid.errors import ConfigurationError, KeyFormatError
from kr_ovid.keys import Ed25519Signer
from kr_ovid.keys.jwk import b64url_decode
from kr_ovid.sdjwt import NON_DISCLOSABLE_CLAIMS, issue_batch, issue_sd_jwt
from kr_ovid.sdjwt.disclosure import Disclosure, split_sd_jwt
from kr_ovid.sdjwt.holder import parse_issued, present
from kr_ovid.sdjwt.verifier import verify_sd_jwt

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ISSUER = Ed25519Signer.from_seed(b"\x11" * 32, verification_method="did:web:mofa.example:la#key-1")
HOLDER = Ed25519Signer.from_seed(b"\x22" * 32)
VC: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential", "OverseasKoreanIdCredential"],
    "issuer": "did:web:mofa.example:la",
    "validFrom": "2026-03-01T00:00:00Z",
    "validUntil": "2031-03-01T00:00:00Z",
    "credentialStatus": {"type": "BitstringStatusListEntry", "statusListIndex": "94567"},
    "credentialSubject": {
        "id": "did:key:z6MkholderExample",
        "givenName": "Minjun",
        "familyName": "Kim",
        "birthDate": "1990-05-01",
        "nationalities": ["KR", "US"],
        "address": {"locality": "Los Angeles", "country": "US"},
    },
}
PLAN = [
    "/credentialSubject/givenName",
    "/credentialSubject/familyName",
    "/credentialSubject/birthDate",
    "/credentialSubject/nationalities/0",
    "/credentialSubject/nationalities/1",
    "/credentialSubject/address",
    "/credentialSubject/address/locality",
]


def _jws_parts(sd_jwt: str) -> tuple[dict[str, Any], dict[str, Any]]:
    h, p, _ = split_sd_jwt(sd_jwt).jws.split(".")
    return json.loads(b64url_decode(h)), json.loads(b64url_decode(p))


def _verify(sd_jwt: str) -> Any:
    return verify_sd_jwt(
        sd_jwt,
        resolve_key=lambda kid, h: ISSUER.public_key if kid == ISSUER.verification_method else None,
        nonce=None,
        audience=None,
        require_key_binding=False,
        clock=FixedClock(NOW),
    )


def test_issue_header_and_payload() -> None:
    sd = issue_sd_jwt(VC, ISSUER, disclosable=PLAN, holder_jwk=HOLDER.public_jwk(), iat=NOW)
    assert sd.endswith("~")
    header, payload = _jws_parts(sd)
    assert header == {
        "alg": "Ed25519",
        "kid": ISSUER.verification_method,
        "typ": "vc+sd-jwt",
        "cty": "vc",
    }
    assert payload["_sd_alg"] == "sha-256"
    assert payload["iat"] == int(NOW.timestamp())
    # cnf carries only the public members (the holder's kid is dropped)
    assert payload["cnf"] == {"jwk": {"kty": "OKP", "crv": "Ed25519", "x": HOLDER.jwk_x()}}
    for claim in ("@context", "type", "issuer", "validFrom", "validUntil", "credentialStatus"):
        assert payload[claim] == VC[claim]
    subject = payload["credentialSubject"]
    assert set(subject) == {"_sd", "id", "nationalities"}
    assert all(set(e) == {"..."} for e in subject["nationalities"])
    # As JSON strings (quoted): a bare "Kim" can occur by chance inside a base64url digest.
    for value in ("Minjun", "Kim", "1990-05-01", "Los Angeles"):
        assert json.dumps(value) not in json.dumps(payload)
    assert len(split_sd_jwt(sd).disclosures) == len(PLAN)
    result = _verify(sd)
    assert result.verified, result.errors
    assert {k: v for k, v in result.document.items() if k not in {"iat", "cnf"}} == VC


def test_typ_cty_and_iat() -> None:
    sd = issue_sd_jwt(VC, ISSUER, disclosable=[], typ="example+sd-jwt", cty=None, iat=NOW)
    header, payload = _jws_parts(sd)
    assert header == {"alg": "Ed25519", "kid": ISSUER.verification_method, "typ": "example+sd-jwt"}
    assert payload["iat"] == int(NOW.timestamp())
    assert "cnf" not in payload
    assert split_sd_jwt(sd).disclosures == ()
    before = int(datetime.now(UTC).timestamp())
    _, payload = _jws_parts(issue_sd_jwt(VC, ISSUER, disclosable=[]))
    assert before <= payload["iat"] <= before + 5


@pytest.mark.parametrize("claim", sorted(NON_DISCLOSABLE_CLAIMS))
def test_plan_refuses_processing_claims(claim: str) -> None:
    payload = {**VC, "iss": "did:web:x", "nbf": 1, "exp": 2, "cnf": {"jwk": {}}}
    pointer = "/" + claim
    with pytest.raises(ConfigurationError):
        issue_sd_jwt(payload, ISSUER, disclosable=[pointer], iat=NOW)
    if isinstance(payload.get(claim), dict | list):
        first = next(iter(payload[claim])) if isinstance(payload[claim], dict) else "0"
        with pytest.raises(ConfigurationError):
            issue_sd_jwt(payload, ISSUER, disclosable=[f"{pointer}/{first}"], iat=NOW)


@pytest.mark.parametrize(
    "plan",
    [
        ["/credentialSubject/missing"],
        ["/credentialSubject/nationalities/5"],
        ["credentialSubject"],
        "/credentialSubject/givenName",
    ],
)
def test_plan_paths_must_exist(plan: Any) -> None:
    with pytest.raises(ConfigurationError):
        issue_sd_jwt(VC, ISSUER, disclosable=plan, iat=NOW)


def test_payload_conflicts() -> None:
    with pytest.raises(ConfigurationError):
        issue_sd_jwt({**VC, "iat": 5}, ISSUER, disclosable=[], iat=NOW)
    with pytest.raises(ConfigurationError):
        issue_sd_jwt({**VC, "cnf": {}}, ISSUER, disclosable=[], holder_jwk=HOLDER.public_jwk())
    with pytest.raises(ConfigurationError):
        issue_sd_jwt({**VC, "_sd": []}, ISSUER, disclosable=[], iat=NOW)
    with pytest.raises(ConfigurationError):
        issue_sd_jwt(VC, ISSUER, disclosable=[], iat=datetime(2026, 1, 1))  # naive
    with pytest.raises(ConfigurationError):
        issue_sd_jwt(VC, ISSUER, disclosable=[], typ="")
    with pytest.raises(ConfigurationError):
        issue_sd_jwt([VC], ISSUER, disclosable=[])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "jwk",
    [
        {**HOLDER.public.jwk, "d": "secret"},
        {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"},
        {"kty": "OKP", "crv": "X25519", "x": HOLDER.jwk_x()},
        {"kty": "OKP", "crv": "Ed25519", "x": "short"},
    ],
)
def test_holder_jwk_must_be_public_ed25519(jwk: dict[str, Any]) -> None:
    with pytest.raises(KeyFormatError):
        issue_sd_jwt(VC, ISSUER, disclosable=[], holder_jwk=jwk, iat=NOW)


def test_signer_must_be_ed25519() -> None:
    class P256:
        verification_method = "did:web:x#1"
        algorithm = "ES256"

        def sign(self, data: bytes) -> bytes:
            return bytes(64)

    with pytest.raises(ConfigurationError):
        issue_sd_jwt(VC, P256(), disclosable=[], iat=NOW)


def test_salt_source_hook_is_used() -> None:
    seen: list[str] = []

    def salts(pointer: str) -> str:
        seen.append(pointer)
        return "fixed-" + str(len(seen))

    sd = issue_sd_jwt(VC, ISSUER, disclosable=PLAN[:2], iat=NOW, decoys=0, salt_source=salts)
    assert sorted(seen) == sorted(PLAN[:2])
    assert {Disclosure.parse(d).salt for d in split_sd_jwt(sd).disclosures} == {
        "fixed-1",
        "fixed-2",
    }


# -- batch issuance ------------------------------------------------------------------------------------
def test_batch_copies_share_no_salt_digest_order_or_key() -> None:
    holders = [Ed25519Signer.generate() for _ in range(4)]
    batch = issue_batch(VC, ISSUER, [h.public.jwk for h in holders], disclosable=PLAN, iat=NOW)
    assert len(batch) == 4
    salts: list[set[str]] = []
    digests: list[set[str]] = []
    orders = set()
    keys = set()
    for sd, holder in zip(batch, holders, strict=True):
        _, payload = _jws_parts(sd)
        held = parse_issued(sd)
        salts.append({c.disclosure.salt for c in held.claims})
        digests.append(set(payload["credentialSubject"]["_sd"]))
        orders.add(
            tuple(
                sorted(payload["credentialSubject"]["_sd"]).index(d)
                for d in payload["credentialSubject"]["_sd"]
            )
        )
        keys.add(payload["cnf"]["jwk"]["x"])
        assert payload["cnf"]["jwk"]["x"] == holder.jwk_x()
        assert payload["iat"] == int(NOW.timestamp())  # documented as common
        assert _verify(sd).verified
    for i in range(4):
        for j in range(i + 1, 4):
            assert not salts[i] & salts[j]
            assert not digests[i] & digests[j]
    assert len(keys) == 4
    assert len(orders) > 1 or len({len(d) for d in digests}) > 1


def test_batch_presentations_share_only_disclosed_values() -> None:
    """Two services, two copies, same claim disclosed: only expected common bytes."""
    holders = [Ed25519Signer.generate() for _ in range(2)]
    batch = issue_batch(VC, ISSUER, [h.public.jwk for h in holders], disclosable=PLAN, iat=NOW)
    shown = ["/credentialSubject/birthDate"]
    p1 = present(
        batch[0],
        shown,
        holder_signer=holders[0],
        nonce="n1",
        aud="https://gov24",
        clock=FixedClock(NOW),
    )
    p2 = present(
        batch[1],
        shown,
        holder_signer=holders[1],
        nonce="n2",
        aud="https://shop",
        clock=FixedClock(NOW),
    )
    s1, s2 = split_sd_jwt(p1), split_sd_jwt(p2)
    assert s1.jws.split(".")[2] != s2.jws.split(".")[2]
    assert set(s1.disclosures).isdisjoint(s2.disclosures)
    d1, d2 = Disclosure.parse(s1.disclosures[0]), Disclosure.parse(s2.disclosures[0])
    assert d1.value == d2.value and d1.salt != d2.salt


def test_batch_refusals() -> None:
    with pytest.raises(ConfigurationError):
        issue_batch(VC, ISSUER, [], disclosable=PLAN)
    with pytest.raises(ConfigurationError):
        issue_batch(VC, ISSUER, [HOLDER.public.jwk, dict(HOLDER.public.jwk)], disclosable=PLAN)
    with pytest.raises(ConfigurationError):
        issue_batch(VC, ISSUER, HOLDER.public.jwk, disclosable=PLAN)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError):
        issue_batch(VC, ISSUER, [HOLDER.public.jwk], disclosable=["/issuer"])
