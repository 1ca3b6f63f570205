"""Ed25519 keys: Multikey, JWK, did:key (vectors), the Signer, and secrecy of private keys."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import pytest

from kr_ovid.did import default_resolver, did_key_document, public_key_from_did_key
from kr_ovid.errors import KeyFormatError, ResolutionError
from kr_ovid.keys import (
    Ed25519Signer,
    Signer,
    decode_public_multikey,
    decode_secret_multikey,
    encode_public_multikey,
    encode_secret_multikey,
    public_jwk,
    public_key_from_jwk,
    verify_ed25519,
)
from kr_ovid.keys.jwk import b64url_decode
from kr_ovid.problems import ErrorCode

from support import VECTORS, load_json

FULL = load_json(VECTORS / "did-key" / "ed25519-multikey-full.json")
PRUNED = load_json(VECTORS / "did-key" / "ed25519-multikey.json")
X25519 = load_json(VECTORS / "did-key" / "ed25519-x25519.json")


@pytest.mark.parametrize("did", sorted(FULL))
def test_did_key_vectors(did: str) -> None:
    case = FULL[did]
    signer = Ed25519Signer.from_seed(bytes.fromhex(case["seed"]))
    assert signer.public.did_key == did
    assert signer.public.multikey == case["publicKeyMultibase"]
    assert signer.public.jwk == case["publicKeyJwk"]
    assert did_key_document(did) == case["didDocument"]
    assert default_resolver().resolve(did).to_json() == case["didDocument"]
    # The pruned profile differs only by the two capability relationships.
    pruned = dict(case["didDocument"])
    del pruned["capabilityDelegation"], pruned["capabilityInvocation"]
    assert pruned == PRUNED[did]["didDocument"]


@pytest.mark.parametrize("did", sorted(X25519))
def test_seed_to_did_matches_ccg_vectors(did: str) -> None:
    seed = bytes.fromhex(X25519[did]["seed"])
    assert Ed25519Signer.from_seed(seed).public.did_key == did


def test_vc_di_eddsa_key_pair() -> None:
    kp = load_json(VECTORS / "vc-di-eddsa" / "keyPair.json")
    signer = Ed25519Signer.from_multikey(
        kp["privateKeyMultibase"], public_key_multibase=kp["publicKeyMultibase"]
    )
    assert signer.public.did_key == "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    assert (
        encode_secret_multikey(decode_secret_multikey(kp["privateKeyMultibase"]))
        == kp["privateKeyMultibase"]
    )
    assert kp["privateKeyMultibase"].startswith("z3u2")


def test_multikey_round_trip_and_header_checks() -> None:
    pub = bytes(range(32))
    mk = encode_public_multikey(pub)
    assert mk.startswith("z6Mk")
    assert decode_public_multikey(mk) == pub
    with pytest.raises(KeyFormatError):
        decode_public_multikey(encode_secret_multikey(pub))  # secret header where public expected
    with pytest.raises(KeyFormatError):
        decode_public_multikey("u" + mk[1:])
    with pytest.raises(KeyFormatError):
        decode_public_multikey("z0OIl")  # not base58
    with pytest.raises(KeyFormatError):
        decode_public_multikey(mk[:-2])  # wrong length
    with pytest.raises(KeyFormatError):
        encode_public_multikey(b"short")


def test_jwk_round_trip_and_refusals() -> None:
    pub = bytes(range(32))
    jwk = public_jwk(pub)
    assert public_key_from_jwk(jwk) == pub
    for bad in (
        {"kty": "EC", "crv": "P-256", "x": jwk["x"]},
        {"kty": "OKP", "crv": "X25519", "x": jwk["x"]},
        {"kty": "OKP", "crv": "Ed25519", "x": jwk["x"] + "=="},
        {"kty": "OKP", "crv": "Ed25519", "x": jwk["x"], "d": jwk["x"]},
        {"kty": "OKP", "crv": "Ed25519"},
        "not a dict",
    ):
        with pytest.raises(KeyFormatError):
            public_key_from_jwk(bad)
    with pytest.raises(ValueError):
        b64url_decode("ab+/")


def test_signer_protocol_and_signatures() -> None:
    signer = Ed25519Signer.generate()
    assert isinstance(signer, Signer)
    assert signer.algorithm == "Ed25519"
    assert signer.verification_method.startswith("did:key:z6Mk")
    sig = signer.sign(b"data")
    assert verify_ed25519(signer.public_key, sig, b"data")
    assert not verify_ed25519(signer.public_key, sig, b"datA")
    assert not verify_ed25519(signer.public_key, sig[:-1], b"data")
    assert not verify_ed25519(b"\x00" * 31, sig, b"data")


def test_from_seed_custom_verification_method() -> None:
    vm = "did:web:ovid.example:missions:us-losangeles#key-1"
    signer = Ed25519Signer.from_seed(bytes(32), verification_method=vm)
    assert signer.verification_method == vm
    assert signer.controller == "did:web:ovid.example:missions:us-losangeles"
    with pytest.raises(KeyFormatError):
        Ed25519Signer.from_seed(bytes(32), verification_method="no-fragment")
    with pytest.raises(KeyFormatError):
        Ed25519Signer.from_seed(bytes(31))


def test_private_key_never_in_repr_str_errors_or_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    seed = bytes.fromhex("9b" * 32)
    signer = Ed25519Signer.from_seed(seed)
    secret = signer.export_secret_multikey()
    caplog.set_level(logging.DEBUG)
    logging.getLogger("test").info("signer %s %r", signer, signer)
    texts = [repr(signer), str(signer), f"{signer}", caplog.text]
    for t in texts:
        assert secret not in t
        assert seed.hex() not in t
        assert secret[4:20] not in t
    with pytest.raises(TypeError):
        pickle.dumps(signer)
    # Malformed key material: the error never repeats it.
    bad = secret[:-3] + "000"
    with pytest.raises(KeyFormatError) as info:
        Ed25519Signer.from_multikey(bad)
    assert bad not in str(info.value)
    assert not hasattr(signer, "__dict__")


def test_key_file_round_trip_mode_0600(tmp_path: Path) -> None:
    signer = Ed25519Signer.generate()
    path = tmp_path / "k.json"
    signer.write_key_file(path)
    assert path.stat().st_mode & 0o777 == 0o600
    again = Ed25519Signer.from_key_file(path)
    assert again.public_key == signer.public_key
    assert again.verification_method == signer.verification_method
    data = load_json(path)
    data["publicKeyMultibase"] = Ed25519Signer.generate().public.multikey
    path.write_text(__import__("json").dumps(data))
    with pytest.raises(KeyFormatError, match="does not match"):
        Ed25519Signer.from_key_file(path)
    with pytest.raises(KeyFormatError):
        Ed25519Signer.from_key_file(tmp_path / "missing.json")


def test_did_key_resolution_errors() -> None:
    with pytest.raises(ResolutionError) as info:
        public_key_from_did_key("did:key:zInvalid")
    assert info.value.code is ErrorCode.INVALID_DID_DOCUMENT
    with pytest.raises(ResolutionError):
        default_resolver().resolve("did:example:123")
