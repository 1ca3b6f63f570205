"""Holder: listing disclosable claims, choosing disclosures, the Key Binding JWT."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from kr_ovid.clock import FixedClock
from kr_ovid.errors import ConfigurationError
from kr_ovid.keys import Ed25519Signer
from kr_ovid.keys.jwk import b64url_decode
from kr_ovid.sdjwt import disclosable_claims, issue_sd_jwt, parse_issued, present
from kr_ovid.sdjwt.disclosure import Disclosure, sd_hash, split_sd_jwt
from kr_ovid.sdjwt.jws import SdJwtError

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ISSUER = Ed25519Signer.from_seed(b"\x11" * 32, verification_method="did:web:mofa.example:la#key-1")
HOLDER = Ed25519Signer.from_seed(b"\x22" * 32)
VC: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "issuer": "did:web:mofa.example:la",
    "credentialSubject": {
        "givenName": "Minjun",
        "birthDate": "1990-05-01",
        "nationalities": ["KR", "US"],
        "address": {"locality": "Los Angeles", "region": "CA", "country": "US"},
        "plain": {"kept": True},
    },
}
PLAN = [
    "/credentialSubject/givenName",
    "/credentialSubject/birthDate",
    "/credentialSubject/nationalities/0",
    "/credentialSubject/nationalities/1",
    "/credentialSubject/address",
    "/credentialSubject/address/locality",
    "/credentialSubject/address/region",
]
SD = issue_sd_jwt(VC, ISSUER, disclosable=PLAN, holder_jwk=HOLDER.public.jwk, iat=NOW)


def _shown(presentation: str) -> dict[str, Any]:
    """name-or-index -> value of the disclosures in a presentation."""
    out = {}
    for d in split_sd_jwt(presentation).disclosures:
        parsed = Disclosure.parse(d)
        out[parsed.name or json.dumps(parsed.value)] = parsed.value
    return out


def test_disclosable_claims_lists_plan_with_full_values() -> None:
    claims = disclosable_claims(SD)
    assert [p for p, _ in claims] == [
        "/credentialSubject/givenName",
        "/credentialSubject/birthDate",
        "/credentialSubject/nationalities/0",
        "/credentialSubject/nationalities/1",
        "/credentialSubject/address",
        "/credentialSubject/address/locality",
        "/credentialSubject/address/region",
    ]
    values = dict(claims)
    assert values["/credentialSubject/address"] == VC["credentialSubject"]["address"]
    assert values["/credentialSubject/nationalities/1"] == "US"
    held = parse_issued(SD)
    assert disclosable_claims(held) == claims
    assert held.document["credentialSubject"] == VC["credentialSubject"]


def test_present_leaf_brings_parent_only() -> None:
    p = present(SD, ["/credentialSubject/address/locality"])
    assert p.endswith("~")
    assert set(_shown(p)) == {"address", "locality"}  # not region, not givenName


def test_present_container_brings_its_subtree() -> None:
    p = present(SD, ["/credentialSubject/address"])
    assert set(_shown(p)) == {"address", "locality", "region"}


def test_present_plain_child_of_disclosable_parent() -> None:
    p = present(SD, ["/credentialSubject/address/country"])
    assert set(_shown(p)) == {"address"}


def test_present_array_element_and_plain_paths() -> None:
    p = present(SD, ["/credentialSubject/nationalities/1", "/type", "/credentialSubject/plain"])
    assert list(_shown(p).values()) == ["US"]


def test_present_nothing_and_everything() -> None:
    assert split_sd_jwt(present(SD, [])).disclosures == ()
    assert split_sd_jwt(present(SD, [""])).disclosures == split_sd_jwt(SD).disclosures


def test_present_keeps_issued_order_and_jws() -> None:
    p = split_sd_jwt(present(SD, ["/credentialSubject/birthDate", "/credentialSubject/givenName"]))
    issued = split_sd_jwt(SD)
    assert p.jws == issued.jws
    assert list(p.disclosures) == [d for d in issued.disclosures if d in p.disclosures]


@pytest.mark.parametrize(
    "paths",
    [
        ["/credentialSubject/missing"],
        ["/credentialSubject/nationalities/2"],
        ["credentialSubject"],
        "/credentialSubject/givenName",
    ],
)
def test_present_unknown_path(paths: Any) -> None:
    with pytest.raises(ConfigurationError):
        present(SD, paths)


def test_kb_jwt_format() -> None:
    p = present(
        SD,
        ["/credentialSubject/birthDate"],
        holder_signer=HOLDER,
        nonce="nonce-123",
        aud="https://www.gov.kr",
        clock=FixedClock(NOW),
    )
    parts = split_sd_jwt(p)
    assert parts.kb_jwt is not None
    h, body, sig = parts.kb_jwt.split(".")
    assert json.loads(b64url_decode(h)) == {"alg": "Ed25519", "typ": "kb+jwt"}
    claims = json.loads(b64url_decode(body))
    assert claims == {
        "iat": int(NOW.timestamp()),
        "aud": "https://www.gov.kr",
        "nonce": "nonce-123",
        "sd_hash": sd_hash(parts.without_kb),
    }
    assert HOLDER.public.verify(b64url_decode(sig), f"{h}.{body}".encode())


def test_kb_jwt_refusals() -> None:
    with pytest.raises(ConfigurationError):  # key is not the cnf key
        present(
            SD,
            [],
            holder_signer=Ed25519Signer.generate(),
            nonce="n",
            aud="a",
            clock=FixedClock(NOW),
        )
    with pytest.raises(ConfigurationError):
        present(SD, [], holder_signer=HOLDER, nonce=None, aud="a", clock=FixedClock(NOW))
    with pytest.raises(ConfigurationError):
        present(SD, [], holder_signer=HOLDER, nonce="", aud="a", clock=FixedClock(NOW))
    with pytest.raises(ConfigurationError):
        present(SD, [], nonce="n", aud="a")  # nonce without a KB-JWT would be silently dropped
    unbound = issue_sd_jwt(VC, ISSUER, disclosable=PLAN, iat=NOW)
    with pytest.raises(ConfigurationError):
        present(unbound, [], holder_signer=HOLDER, nonce="n", aud="a", clock=FixedClock(NOW))


def test_parse_issued_refuses_presentations_and_junk() -> None:
    p = present(SD, [], holder_signer=HOLDER, nonce="n", aud="a", clock=FixedClock(NOW))
    with pytest.raises(SdJwtError, match="issued SD-JWT ends with '~'"):
        parse_issued(p)
    for junk, rule in (
        ("", "not a compact SD-JWT"),
        ("abc", "not a compact SD-JWT"),
        ("a.b.c~", "JWS header is not unpadded base64url"),
        (SD[:-1], "issued SD-JWT ends with '~'"),
        (SD.replace("~", "~~", 1), "SD-JWT has an empty part"),
    ):
        with pytest.raises(SdJwtError, match=rule):
            parse_issued(junk)
