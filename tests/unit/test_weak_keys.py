"""Small-order and non-canonical Ed25519 public keys, and non-canonical multibase spellings.

With a small-order key one fixed signature verifies for every message (OpenSSL accepts it, as the
first test shows), so anyone who sees such a holder key could forge the holder's presentation
proof or KB-JWT. Every place that decodes a key refuses them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from kr_ovid.clock import FixedClock
from kr_ovid.did.key import DidKeyResolver, public_key_from_did_key
from kr_ovid.errors import KeyFormatError, KrOvidError
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.keys.ed25519 import (
    SMALL_ORDER_POINTS,
    check_ed25519_public_key,
    is_acceptable_ed25519_public_key,
)
from kr_ovid.keys.jwk import b64url_encode, public_key_from_jwk
from kr_ovid.keys.multikey import (
    ED25519_PUB_HEADER,
    decode_multibase_base58btc,
    decode_public_multikey,
    encode_multibase_base58btc,
)
from kr_ovid.keys.signer import Ed25519Signer, verify_ed25519
from kr_ovid.problems import ErrorCode

IDENTITY = bytes.fromhex("01" + "00" * 31)
UNIVERSAL_SIGNATURE = IDENTITY + bytes(32)  # R = identity, S = 0
SMALL = sorted(SMALL_ORDER_POINTS)
P = 2**255 - 19
NON_CANONICAL = [
    (P).to_bytes(32, "little"),  # y = p, i.e. y = 0 spelled again
    (P + 1).to_bytes(32, "little"),  # y = p + 1, the identity spelled again
    ((2**255 - 1) | 0).to_bytes(32, "little"),  # y = 2^255 - 1
]
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def multikey(point: bytes) -> str:
    return encode_multibase_base58btc(ED25519_PUB_HEADER + point)


def test_the_forgery_is_real_without_the_check() -> None:
    raw = Ed25519PublicKey.from_public_bytes(IDENTITY)
    for message in (b"any", b"message", b"at all"):
        raw.verify(UNIVERSAL_SIGNATURE, message)  # OpenSSL accepts: no exception
    assert not verify_ed25519(IDENTITY, UNIVERSAL_SIGNATURE, b"any")


def test_there_are_eight_small_order_points() -> None:
    assert len(SMALL_ORDER_POINTS) == 8
    assert all(len(p) == 32 for p in SMALL_ORDER_POINTS)


@pytest.mark.parametrize("point", SMALL, ids=[p.hex()[:8] + p.hex()[-2:] for p in SMALL])
def test_small_order_keys_are_refused_everywhere(point: bytes) -> None:
    assert not is_acceptable_ed25519_public_key(point)
    with pytest.raises(KeyFormatError, match="small-order"):
        check_ed25519_public_key(point)
    with pytest.raises(KeyFormatError):
        decode_public_multikey(multikey(point))
    with pytest.raises(KeyFormatError):
        public_key_from_jwk({"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(point)})
    with pytest.raises(KrOvidError):
        public_key_from_did_key("did:key:" + multikey(point))
    with pytest.raises(KrOvidError):
        DidKeyResolver().resolve("did:key:" + multikey(point))
    assert not verify_ed25519(point, UNIVERSAL_SIGNATURE, b"message")


@pytest.mark.parametrize("encoding", NON_CANONICAL, ids=["y=p", "y=p+1", "y=2^255-1"])
def test_non_canonical_keys_are_refused(encoding: bytes) -> None:
    assert not is_acceptable_ed25519_public_key(encoding)
    with pytest.raises(KeyFormatError, match="canonical"):
        check_ed25519_public_key(encoding)
    with pytest.raises(KeyFormatError):
        decode_public_multikey(multikey(encoding))


def test_ordinary_keys_still_work() -> None:
    signer = Ed25519Signer.from_seed(bytes(range(32)))
    key = signer.public.public_key
    assert check_ed25519_public_key(key) == key
    assert decode_public_multikey(signer.public.multikey) == key
    assert verify_ed25519(key, signer.sign(b"m"), b"m")


def test_a_presentation_by_a_small_order_did_key_does_not_verify() -> None:
    """A forged authentication proof by did:key:<identity> is refused at key resolution."""
    did = "did:key:" + multikey(IDENTITY)
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did,
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-rdfc-2022",
            "created": "2026-03-01T00:00:00Z",
            "verificationMethod": f"{did}#{did[8:]}",
            "proofPurpose": "authentication",
            "challenge": "c",
            "domain": "d",
            "proofValue": encode_multibase_base58btc(UNIVERSAL_SIGNATURE),
        },
    }
    result = verify_proof(
        vp, proof_purpose="authentication", challenge="c", domain="d", clock=FixedClock(NOW)
    )
    assert not result.verified
    assert result.errors


@pytest.mark.parametrize("suffix", [" ", "\n", "\t", "\u00a0"])
def test_multibase_with_whitespace_has_no_second_spelling(suffix: str) -> None:
    signer = Ed25519Signer.from_seed(bytes(range(32)))
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": signer.controller,
        "credentialSubject": {"id": "did:example:x"},
    }
    signed = add_proof(doc, signer, created=NOW)
    assert verify_proof(signed, clock=FixedClock(NOW)).verified
    with pytest.raises(KeyFormatError):
        decode_multibase_base58btc(signed["proof"]["proofValue"] + suffix)
    with pytest.raises(KeyFormatError):
        decode_public_multikey(signer.public.multikey + suffix)
    signed["proof"]["proofValue"] += suffix
    result = verify_proof(signed, clock=FixedClock(NOW))
    assert not result.verified
    assert result.errors[0].code is ErrorCode.MALFORMED_PROOF_ERROR
