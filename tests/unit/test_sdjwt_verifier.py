"""Verifier: every check and its code, key binding, and hostile input that must never raise."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kr_ovid.clock import FixedClock
from kr_ovid.errors import ConfigurationError, ResolutionError
from kr_ovid.keys import Ed25519Signer
from kr_ovid.keys.jwk import b64url_encode
from kr_ovid.problems import ErrorCode
from kr_ovid.results import VerificationResult
from kr_ovid.sdjwt import issue_sd_jwt, present, verify_sd_jwt
from kr_ovid.sdjwt.disclosure import (
    Disclosure,
    SdJwtLimits,
    SdJwtParts,
    disclosure_digest,
    sd_hash,
    split_sd_jwt,
)
from kr_ovid.sdjwt.jws import encode_json, sign_compact_jws

from support import NaiveClock

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ISSUER = Ed25519Signer.from_seed(b"\x11" * 32, verification_method="did:web:mofa.example:la#key-1")
HOLDER = Ed25519Signer.from_seed(b"\x22" * 32)
NONCE, AUD = "n-0S6_WzA2Mj", "https://www.gov.kr"
VC: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2"],
    "type": ["VerifiableCredential"],
    "issuer": "did:web:mofa.example:la",
    "credentialSubject": {
        "givenName": "Minjun",
        "birthDate": "1990-05-01",
        "nationalities": ["KR", "US"],
        "address": {"locality": "Los Angeles", "country": "US"},
    },
}
PLAN = [
    "/credentialSubject/givenName",
    "/credentialSubject/birthDate",
    "/credentialSubject/nationalities/0",
    "/credentialSubject/nationalities/1",
    "/credentialSubject/address",
    "/credentialSubject/address/locality",
]
SD = issue_sd_jwt(VC, ISSUER, disclosable=PLAN, holder_jwk=HOLDER.public.jwk, iat=NOW)


def resolve(kid: str, header: dict[str, Any]) -> bytes | None:
    return ISSUER.public_key if kid == ISSUER.verification_method else None


def verify(presentation: object, **kw: Any) -> VerificationResult:
    args: dict[str, Any] = {
        "resolve_key": resolve,
        "nonce": NONCE,
        "audience": AUD,
        "clock": FixedClock(NOW),
    }
    args.update(kw)
    return verify_sd_jwt(presentation, **args)


def _present(paths: list[str], **kw: Any) -> str:
    args: dict[str, Any] = {
        "holder_signer": HOLDER,
        "nonce": NONCE,
        "aud": AUD,
        "clock": FixedClock(NOW),
    }
    args.update(kw)
    return present(SD, paths, **args)


def _issue_raw(payload: dict[str, Any], disclosures: list[str], **header: Any) -> str:
    jws = sign_compact_jws(
        encode_json(payload),
        ISSUER,
        header={"kid": ISSUER.verification_method, "typ": "vc+sd-jwt", **header},
    )
    return SdJwtParts(jws, tuple(disclosures), None).serialize()


def _kb(
    presented: str, claims: dict[str, Any], signer: Ed25519Signer = HOLDER, **header: Any
) -> str:
    return presented + sign_compact_jws(
        encode_json(claims), signer, header={"typ": "kb+jwt", **header}
    )


def _kb_claims(presented: str, **over: Any) -> dict[str, Any]:
    claims = {
        "iat": int(NOW.timestamp()),
        "aud": AUD,
        "nonce": NONCE,
        "sd_hash": sd_hash(presented),
    }
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


CNF = {"jwk": HOLDER.public.jwk}


# -- the happy path --------------------------------------------------------------------------------------
def test_verifies_and_returns_only_disclosed_claims() -> None:
    p = _present(
        [
            "/credentialSubject/birthDate",
            "/credentialSubject/address/locality",
            "/credentialSubject/nationalities/1",
        ]
    )
    result = verify(p)
    assert result.verified, result.errors
    subject = result.document["credentialSubject"]
    assert subject == {
        "birthDate": "1990-05-01",
        "nationalities": ["US"],
        "address": {"locality": "Los Angeles", "country": "US"},
    }
    text = json.dumps(result.document)
    assert "_sd" not in text and '"..."' not in text
    assert result.sd_jwt.kid == ISSUER.verification_method
    assert result.sd_jwt.holder_jwk == {"kty": "OKP", "crv": "Ed25519", "x": HOLDER.jwk_x()}
    assert result.sd_jwt.key_bound is True
    assert sorted(result.sd_jwt.disclosed_paths) == [
        "/credentialSubject/address",
        "/credentialSubject/address/locality",
        "/credentialSubject/birthDate",
        "/credentialSubject/nationalities/0",
    ]
    assert result.checks == ("typ", "signature", "disclosures", "jwt-time", "key-binding")


def test_key_binding_optional() -> None:
    p = present(SD, ["/credentialSubject/givenName"])
    assert verify(p).codes == (ErrorCode.KEY_BINDING_ERROR,)
    result = verify(p, require_key_binding=False, nonce=None, audience=None)
    assert result.verified
    assert result.sd_jwt.key_bound is False
    assert result.document["credentialSubject"]["givenName"] == "Minjun"


def test_arguments_are_checked() -> None:
    p = _present([])
    for bad in (
        {"nonce": None},
        {"audience": None},
        {"nonce": ""},
        {"audience": 5},
        {"clock": NaiveClock()},  # naive
        {"iat_window": timedelta(-1)},
        {"expected_typ": ""},
    ):
        with pytest.raises(ConfigurationError):
            verify(p, **bad)


# -- issuer JWS -----------------------------------------------------------------------------------------
def test_issuer_key_and_signature() -> None:
    p = _present([])
    assert verify(p, resolve_key=lambda k, h: None).codes == (ErrorCode.KEY_NOT_AUTHORIZED,)
    other = Ed25519Signer.generate()
    assert verify(p, resolve_key=lambda k, h: other.public_key).codes == (
        ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR,
    )

    def down(kid: str, header: dict[str, Any]) -> bytes | None:
        raise ResolutionError("did:web unreachable")

    result = verify(p, resolve_key=down)
    assert result.codes == (ErrorCode.DID_RESOLUTION_ERROR,) and result.retryable


def test_buggy_resolver_is_contained() -> None:
    def buggy(kid: str, header: dict[str, Any]) -> bytes | None:
        raise KeyError(kid)

    assert verify(_present([]), resolve_key=buggy).codes == (ErrorCode.INTERNAL_ERROR,)


def test_typ_and_cty() -> None:
    p = _present([])
    assert verify(p, expected_typ="dc+sd-jwt").codes == (ErrorCode.MALFORMED_VALUE_ERROR,)
    assert verify(p, expected_cty="vc").verified
    assert verify(p, expected_cty="vp").codes == (ErrorCode.MALFORMED_VALUE_ERROR,)
    raw = _issue_raw({"cnf": CNF}, [], typ="JWT")
    assert verify(raw, require_key_binding=False).codes == (ErrorCode.MALFORMED_VALUE_ERROR,)


def test_issuer_exp_and_nbf() -> None:
    stamp = int(NOW.timestamp())
    ok = _issue_raw({"exp": stamp + 3600, "nbf": stamp - 10}, [])
    assert verify(ok, require_key_binding=False).verified
    expired = _issue_raw({"exp": stamp - 3600}, [])
    assert verify(expired, require_key_binding=False).codes == (ErrorCode.VALIDITY_PERIOD_ERROR,)
    early = _issue_raw({"nbf": stamp + 3600}, [])
    assert verify(early, require_key_binding=False).codes == (ErrorCode.VALIDITY_PERIOD_ERROR,)
    skewed = _issue_raw({"exp": stamp - 30}, [])  # within the default 2-minute skew
    assert verify(skewed, require_key_binding=False).verified
    weird = _issue_raw({"exp": "2030-01-01T00:00:00Z", "iat": "2026-01-01T00:00:00Z"}, [])
    assert verify(weird, require_key_binding=False).codes == (ErrorCode.MALFORMED_VALUE_ERROR,)


# -- disclosures -------------------------------------------------------------------------------------------
def test_foreign_disclosure_refused() -> None:
    other = issue_sd_jwt(VC, ISSUER, disclosable=PLAN, holder_jwk=HOLDER.public.jwk, iat=NOW)
    foreign = split_sd_jwt(other).disclosures[0]
    parts = split_sd_jwt(present(SD, []))
    p = SdJwtParts(parts.jws, (foreign,), None).without_kb
    result = verify(p + _kb_claims_token(p))
    assert result.codes == (ErrorCode.SD_JWT_ERROR,)


def _kb_claims_token(presented: str) -> str:
    return _kb(presented, _kb_claims(presented))[len(presented) :]


def test_repeated_disclosure_refused() -> None:
    parts = split_sd_jwt(present(SD, ["/credentialSubject/givenName"]))
    p = SdJwtParts(parts.jws, parts.disclosures * 2, None).without_kb
    assert verify(p + _kb_claims_token(p)).codes == (ErrorCode.SD_JWT_ERROR,)


@pytest.mark.parametrize(
    ("payload", "disclosures"),
    [
        ({"_sd": ["d", "d"]}, []),
        ({"_sd_alg": "sha-512"}, []),
        ({"x": [{"...": "d", "y": 1}]}, []),
        ({"_sd": "d"}, []),
    ],
)
def test_malformed_payload_refused(payload: dict[str, Any], disclosures: list[str]) -> None:
    raw = _issue_raw(payload, disclosures)
    assert verify(raw, require_key_binding=False).codes == (ErrorCode.SD_JWT_ERROR,)


def test_malformed_disclosures_refused() -> None:
    for bad in (
        ["s"],
        ["s", "a", 1, 2],
        [1, "a", 1],
        ["s", 1, 1],
        ["s", "_sd", 1],
        ["s", "...", 1],
    ):
        encoded = b64url_encode(json.dumps(bad).encode())
        raw = _issue_raw({"_sd": [disclosure_digest(encoded)]}, [encoded])  # referenced
        assert verify(raw, require_key_binding=False).codes == (ErrorCode.SD_JWT_ERROR,)
    existing = Disclosure.create("again", name="a")
    raw = _issue_raw({"a": 1, "_sd": [existing.digest]}, [existing.encoded])
    assert verify(raw, require_key_binding=False).codes == (ErrorCode.SD_JWT_ERROR,)


# -- key binding ------------------------------------------------------------------------------------------
def test_nonce_and_audience() -> None:
    p = _present([])
    assert verify(p, nonce="other").codes == (ErrorCode.INVALID_CHALLENGE_ERROR,)
    assert verify(p, audience="https://shop.example").codes == (ErrorCode.INVALID_DOMAIN_ERROR,)
    assert verify(p, nonce="other", audience="x").codes == (
        ErrorCode.INVALID_CHALLENGE_ERROR,
        ErrorCode.INVALID_DOMAIN_ERROR,
    )
    unicode_nonce = _present([], nonce="논스-ü")
    assert verify(unicode_nonce, nonce="논스-ü").verified
    assert verify(unicode_nonce, nonce="논스-u").codes == (ErrorCode.INVALID_CHALLENGE_ERROR,)


def test_iat_window() -> None:
    p = _present([])
    assert verify(p, clock=FixedClock(NOW + timedelta(minutes=5))).verified
    assert verify(p, clock=FixedClock(NOW + timedelta(minutes=5, seconds=1))).codes == (
        ErrorCode.KEY_BINDING_ERROR,
    )
    assert verify(
        p, clock=FixedClock(NOW + timedelta(hours=1)), iat_window=timedelta(hours=2)
    ).verified
    assert verify(p, clock=FixedClock(NOW - timedelta(minutes=2))).verified
    assert verify(p, clock=FixedClock(NOW - timedelta(minutes=2, seconds=1))).codes == (
        ErrorCode.KEY_BINDING_ERROR,
    )
    assert verify(
        p, clock=FixedClock(NOW - timedelta(seconds=10)), clock_skew=timedelta(0)
    ).codes == (ErrorCode.KEY_BINDING_ERROR,)


def test_kb_jwt_sd_hash_binds_the_disclosures() -> None:
    full = _present(["/credentialSubject/givenName", "/credentialSubject/birthDate"])
    parts = split_sd_jwt(full)
    dropped = SdJwtParts(parts.jws, parts.disclosures[:1], parts.kb_jwt).serialize()
    assert verify(dropped).codes == (ErrorCode.KEY_BINDING_ERROR,)
    assert "sd_hash" in verify(dropped).errors[0].detail


@pytest.mark.parametrize(
    ("over", "detail"),
    [
        ({"iat": None}, "iat"),
        ({"iat": "2026-03-01T09:00:00Z"}, "iat"),
        ({"iat": True}, "iat"),
        ({"nonce": None}, "nonce"),
        ({"nonce": 5}, "nonce"),
        ({"aud": [AUD]}, "aud"),
        ({"sd_hash": None}, "sd_hash"),
        ({"sd_hash": "x"}, "sd_hash"),
        ({"exp": 1}, "expired"),
    ],
)
def test_kb_jwt_claims(over: dict[str, Any], detail: str) -> None:
    presented = present(SD, [])
    result = verify(_kb(presented, _kb_claims(presented, **over)))
    assert result.codes == (ErrorCode.KEY_BINDING_ERROR,)
    assert detail in result.errors[0].detail


def test_kb_jwt_header_and_key() -> None:
    presented = present(SD, [])
    claims = _kb_claims(presented)
    assert verify(_kb(presented, claims)).verified
    assert verify(_kb(presented, claims, signer=Ed25519Signer.generate())).codes == (
        ErrorCode.KEY_BINDING_ERROR,
    )
    wrong_typ = presented + sign_compact_jws(encode_json(claims), HOLDER, header={"typ": "JWT"})
    assert verify(wrong_typ).codes == (ErrorCode.KEY_BINDING_ERROR,)
    no_typ = presented + sign_compact_jws(encode_json(claims), HOLDER, header={})
    assert verify(no_typ).codes == (ErrorCode.KEY_BINDING_ERROR,)
    h = b64url_encode(b'{"alg":"ES256","typ":"kb+jwt"}')
    es = f"{presented}{h}.{b64url_encode(encode_json(claims))}.{b64url_encode(bytes(64))}"
    assert verify(es).codes == (ErrorCode.KEY_BINDING_ERROR,)
    h = b64url_encode(b'{"alg":"Ed25519","typ":"kb+jwt","jwk":{}}')
    jwk = f"{presented}{h}.{b64url_encode(encode_json(claims))}.{b64url_encode(bytes(64))}"
    assert verify(jwk).codes == (ErrorCode.KEY_BINDING_ERROR,)


def test_kb_jwt_checked_even_when_not_required() -> None:
    presented = present(SD, [])
    bad = _kb(presented, _kb_claims(presented, sd_hash="x"))
    assert verify(bad, require_key_binding=False, nonce=None, audience=None).codes == (
        ErrorCode.KEY_BINDING_ERROR,
    )
    good = _kb(presented, _kb_claims(presented, nonce="whatever"))
    assert verify(good, require_key_binding=False, nonce=None, audience=None).verified


@pytest.mark.parametrize(
    "cnf",
    [
        None,
        {},
        {"jwk": "x"},
        {"kid": "did:key:z#z"},
        {"jwk": {"kty": "EC", "crv": "P-256", "x": "AA", "y": "AA"}},
        {"jwk": {**HOLDER.public.jwk, "d": "AAAA"}},
    ],
)
def test_cnf_must_be_ed25519_jwk(cnf: dict[str, Any] | None) -> None:
    raw = _issue_raw({} if cnf is None else {"cnf": cnf}, [])
    presented = split_sd_jwt(raw).without_kb
    result = verify(_kb(presented, _kb_claims(presented)))
    assert result.codes == (ErrorCode.KEY_BINDING_ERROR,)


# -- hostile input -------------------------------------------------------------------------------------
def _never_raises(value: object, **kw: Any) -> VerificationResult:
    result = verify(value, **kw)
    assert not result.verified
    assert ErrorCode.INTERNAL_ERROR not in result.codes, result.errors
    return result


@pytest.mark.parametrize(
    "junk",
    [
        None,
        0,
        b"x~",
        [],
        "",
        "~",
        "~~",
        "a~b~c",
        "..~",
        "a.b.c~",
        "a.b.c~d~e.f.g",
        "\x00~",
        "ü~",
        "e30.e30.~",
        "e30.e30.AA~",
        "eyJhbGciOiJFZDI1NTE5In0.e30.~",
    ],
)
def test_junk(junk: object) -> None:
    _never_raises(junk)


def test_every_truncation_and_every_single_byte_change() -> None:
    p = _present(["/credentialSubject/address/locality"])
    for end in range(len(p)):
        _never_raises(p[:end])
    rng = random.Random(7)
    alphabet = "ABCabc012-_.~=+/ "
    for i in range(len(p)):
        c = rng.choice([a for a in alphabet if a != p[i]])
        _never_raises(p[:i] + c + p[i + 1 :])


def test_huge_inputs() -> None:
    assert _never_raises("A" * 2_000_000).codes == (ErrorCode.SIZE_LIMIT_ERROR,)
    assert _never_raises("a.b.c" + "~AAAA" * 5000 + "~").codes == (ErrorCode.SIZE_LIMIT_ERROR,)
    big = _forged_issuer_token(b'{"x":"' + b"y" * 300_000 + b'"}')
    assert _never_raises(big, require_key_binding=False).codes == (ErrorCode.SIZE_LIMIT_ERROR,)
    small = SdJwtLimits(max_chars=100)
    assert _never_raises(_present([]), limits=small).codes == (ErrorCode.SIZE_LIMIT_ERROR,)


def _forged_issuer_token(payload: bytes) -> str:
    """Issuer-signed raw payload bytes (the issuer API refuses to produce such payloads)."""
    header = {"alg": "Ed25519", "kid": ISSUER.verification_method, "typ": "vc+sd-jwt"}
    h, p = b64url_encode(encode_json(header)), b64url_encode(payload)
    return f"{h}.{p}." + b64url_encode(ISSUER.sign(f"{h}.{p}".encode())) + "~"


def test_deep_json() -> None:
    token = _forged_issuer_token(b'{"a":' * 5000 + b"1" + b"}" * 5000)
    assert _never_raises(token, require_key_binding=False).codes == (ErrorCode.SIZE_LIMIT_ERROR,)
    deep_disclosure = b64url_encode(b'["s","n",' + b"[" * 5000 + b"]" * 5000 + b"]")
    raw = _issue_raw({}, [deep_disclosure])
    _never_raises(raw, require_key_binding=False)
    deep_header = b64url_encode(b'{"alg":"Ed25519","x":' + b"[" * 5000 + b"]" * 5000 + b"}")
    _never_raises(f"{deep_header}.e30.AA~", require_key_binding=False)


def test_random_strings() -> None:
    rng = random.Random(11)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~=+/ \x00é"
    for _ in range(300):
        _never_raises("".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 200))))


def test_typ_finding_kept_next_to_key_problem() -> None:
    result = verify(_present([]), expected_typ="dc+sd-jwt", resolve_key=lambda k, h: None)
    assert result.codes == (ErrorCode.MALFORMED_VALUE_ERROR, ErrorCode.KEY_NOT_AUTHORIZED)
