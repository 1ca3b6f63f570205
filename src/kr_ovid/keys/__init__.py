"""Ed25519 keys: the :class:`Signer` protocol, an in-process signer, Multikey and JWK forms."""

from kr_ovid.keys.jwk import public_jwk, public_key_from_jwk
from kr_ovid.keys.multikey import (
    decode_public_multikey,
    decode_secret_multikey,
    encode_public_multikey,
    encode_secret_multikey,
)
from kr_ovid.keys.signer import (
    ED25519,
    Ed25519PublicKeyInfo,
    Ed25519Signer,
    Signer,
    did_key_from_public_key,
    verify_ed25519,
)

__all__ = [
    "ED25519",
    "Ed25519PublicKeyInfo",
    "Ed25519Signer",
    "Signer",
    "decode_public_multikey",
    "decode_secret_multikey",
    "did_key_from_public_key",
    "encode_public_multikey",
    "encode_secret_multikey",
    "public_jwk",
    "public_key_from_jwk",
    "verify_ed25519",
]
