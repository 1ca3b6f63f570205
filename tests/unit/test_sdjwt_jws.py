"""Compact JWS for SD-JWT: Ed25519 only, explicit allowlist, no key from the token."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kr_ovid.errors import ConfigurationError
from kr_ovid.keys import Ed25519Signer
from kr_ovid.keys.jwk import b64url_decode, b64url_encode
from kr_ovid.problems import ErrorCode
from kr_ovid.sdjwt.jws import (
    ACCEPTED_ALGORITHMS,
    JwsLimits,
    SdJwtError,
    decode_compact_jws,
    encode_json,
    media_type_matches,
    sign_compact_jws,
    verify_compact_jws,
    verify_jws_signature,
)

SIGNER = Ed25519Signer.from_seed(b"\x01" * 32, verification_method="did:web:m.example#k1")
KEYS = {SIGNER.verification_method: SIGNER.public_key}


def resolve(kid: str, header: dict[str, Any]) -> bytes | None:
    return KEYS.get(kid)


def _token(payload: dict[str, Any] | None = None, **header: Any) -> str:
    return sign_compact_jws(
        encode_json(payload or {"a": 1}),
        SIGNER,
        header={"kid": SIGNER.verification_method, "typ": "vc+sd-jwt", **header},
    )


def _forge(header: dict[str, Any], payload: bytes = b'{"a":1}') -> str:
    """A token with an arbitrary header, signed by SIGNER over exactly that header."""
    h = b64url_encode(json.dumps(header).encode())
    p = b64url_encode(payload)
    return f"{h}.{p}." + b64url_encode(SIGNER.sign(f"{h}.{p}".encode()))


def test_round_trip_and_output_header() -> None:
    token = _token({"x": "ü"})
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header == {"alg": "Ed25519", "kid": SIGNER.verification_method, "typ": "vc+sd-jwt"}
    result = verify_compact_jws(token, resolve_key=resolve, expected_typ="vc+sd-jwt")
    assert result.verified
    assert result.document == {"x": "ü"}
    assert result.sd_jwt.kid == SIGNER.verification_method


def test_eddsa_accepted_on_input() -> None:
    assert {"Ed25519", "EdDSA"} == ACCEPTED_ALGORITHMS
    token = _forge({"alg": "EdDSA", "kid": SIGNER.verification_method})
    assert verify_compact_jws(token, resolve_key=resolve).verified


@pytest.mark.parametrize(
    "alg",
    [
        "none",
        "None",
        "HS256",
        "HS512",
        "RS256",
        "PS256",
        "ES256",
        "ES384",
        "ES256K",
        "ed25519",
        "EDDSA",
        "",
        None,
        1,
        ["Ed25519"],
    ],
)
def test_algorithm_allowlist(alg: object) -> None:
    token = _forge({"alg": alg, "kid": SIGNER.verification_method})
    result = verify_compact_jws(token, resolve_key=resolve)
    assert result.codes == (ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR,)


def test_alg_none_with_empty_signature_refused() -> None:
    h = b64url_encode(b'{"alg":"none","kid":"did:web:m.example#k1"}')
    result = verify_compact_jws(f"{h}.{b64url_encode(b'{}')}.", resolve_key=resolve)
    assert not result.verified


@pytest.mark.parametrize("param", ["jwk", "jku", "x5u", "x5c"])
def test_header_may_not_carry_a_key(param: str) -> None:
    token = _forge({"alg": "Ed25519", "kid": SIGNER.verification_method, param: "x"})
    result = verify_compact_jws(token, resolve_key=resolve)
    assert result.codes == (ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR,)
    assert param in result.errors[0].detail
    with pytest.raises(ConfigurationError):
        sign_compact_jws(b"{}", SIGNER, header={param: "x"})


def test_crit_refused() -> None:
    token = _forge({"alg": "Ed25519", "kid": SIGNER.verification_method, "crit": ["exp"]})
    assert verify_compact_jws(token, resolve_key=resolve).codes == (
        ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR,
    )
    with pytest.raises(ConfigurationError):
        sign_compact_jws(b"{}", SIGNER, header={"crit": ["b64"]})


def test_signer_must_be_ed25519_and_alg_is_not_settable() -> None:
    class Other:
        verification_method = "did:x#1"
        algorithm = "ES256"

        def sign(self, data: bytes) -> bytes:
            return b"\0" * 64

    with pytest.raises(ConfigurationError):
        sign_compact_jws(b"{}", Other(), header={})
    with pytest.raises(ConfigurationError):
        sign_compact_jws(b"{}", SIGNER, header={"alg": "EdDSA"})


def test_bad_signature_and_unknown_kid() -> None:
    token = _token()
    h, p, _s = token.split(".")
    other = Ed25519Signer.from_seed(b"\x02" * 32)
    wrong = f"{h}.{p}." + b64url_encode(other.sign(f"{h}.{p}".encode()))
    assert verify_compact_jws(wrong, resolve_key=resolve).codes == (
        ErrorCode.CRYPTOGRAPHIC_SECURITY_ERROR,
    )
    assert verify_compact_jws(token, resolve_key=lambda k, h: None).codes == (
        ErrorCode.KEY_NOT_AUTHORIZED,
    )
    assert verify_compact_jws(token, resolve_key=lambda k, h: b"short").codes == (
        ErrorCode.KEY_NOT_AUTHORIZED,
    )
    no_kid = _forge({"alg": "Ed25519"})
    assert verify_compact_jws(no_kid, resolve_key=resolve).codes == (
        ErrorCode.MALFORMED_VALUE_ERROR,
    )


def test_resolver_errors_are_reported_with_their_code() -> None:
    from kr_ovid.errors import ResolutionError

    def failing(kid: str, header: dict[str, Any]) -> bytes | None:
        raise ResolutionError("did:web fetch failed")

    result = verify_compact_jws(_token(), resolve_key=failing)
    assert result.codes == (ErrorCode.DID_RESOLUTION_ERROR,)
    assert result.retryable


def test_resolver_sees_kid_and_header() -> None:
    seen: list[tuple[str, dict[str, Any]]] = []

    def spy(kid: str, header: dict[str, Any]) -> bytes | None:
        seen.append((kid, header))
        return SIGNER.public_key

    assert verify_compact_jws(_token(), resolve_key=spy).verified
    assert seen == [
        (
            SIGNER.verification_method,
            {"alg": "Ed25519", "kid": SIGNER.verification_method, "typ": "vc+sd-jwt"},
        )
    ]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t + "=",  # padding
        lambda t: t.replace("-", "+", 1) if "-" in t else t[:-1] + "+",
        lambda t: t + ".x",  # 4 parts
        lambda t: t.rsplit(".", 1)[0],  # 2 parts
        lambda t: " " + t,
        lambda t: t[:-1] + ("B" if t[-1] != "B" else "C"),  # non-canonical / other signature
    ],
)
def test_strict_base64url_and_shape(mutate: Any) -> None:
    result = verify_compact_jws(mutate(_token()), resolve_key=resolve)
    assert not result.verified


def test_sizes_limited() -> None:
    limits = JwsLimits(max_token_chars=200, max_header_chars=100, max_payload_chars=150)
    big = _token({"x": "a" * 300})
    assert verify_compact_jws(big, resolve_key=resolve, limits=limits).codes == (
        ErrorCode.SIZE_LIMIT_ERROR,
    )
    big_header = _token(typ="t" * 200)
    with pytest.raises(SdJwtError) as info:
        decode_compact_jws(big_header, limits=JwsLimits(max_header_chars=100))
    assert info.value.code is ErrorCode.SIZE_LIMIT_ERROR


def test_header_and_payload_must_be_json_objects() -> None:
    for header in (b"[]", b"not json", b'{"alg":"Ed25519","alg":"EdDSA"}'):
        h = b64url_encode(header)
        token = f"{h}.{b64url_encode(b'{}')}.{b64url_encode(bytes(64))}"
        assert verify_compact_jws(token, resolve_key=resolve).codes == (ErrorCode.PARSING_ERROR,)
    token = _forge({"alg": "Ed25519", "kid": SIGNER.verification_method}, payload=b"[1]")
    assert verify_compact_jws(token, resolve_key=resolve).codes == (ErrorCode.PARSING_ERROR,)


def test_typ_comparison() -> None:
    assert media_type_matches("application/VC+SD-JWT", "vc+sd-jwt")
    assert not media_type_matches("vc+jwt", "vc+sd-jwt")
    assert not media_type_matches(None, "vc+sd-jwt")
    result = verify_compact_jws(
        _token(typ="dc+sd-jwt"), resolve_key=resolve, expected_typ="vc+sd-jwt"
    )
    assert result.codes == (ErrorCode.MALFORMED_VALUE_ERROR,)


def test_verify_signature_never_raises() -> None:
    jws = decode_compact_jws(_token())
    assert verify_jws_signature(jws, SIGNER.public_key)
    assert not verify_jws_signature(jws, b"\0" * 31)


@pytest.mark.parametrize("junk", [None, 1, b"a.b.c", "", ".", "..", "a.b.c", "\x00" * 10])
def test_junk_never_raises(junk: object) -> None:
    assert not verify_compact_jws(junk, resolve_key=resolve).verified


def test_encode_json_refuses_non_json() -> None:
    with pytest.raises(ConfigurationError):
        encode_json({"x": float("nan")})
    with pytest.raises(ConfigurationError):
        encode_json({"x": object()})
