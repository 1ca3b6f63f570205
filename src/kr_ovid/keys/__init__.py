"""Ed25519 keys: the :class:`Signer` protocol, an in-process signer, Multikey and JWK forms.

Ed25519 (RFC 8032) only: every securing mechanism kr_ovid implements uses it (vc-di-eddsa, and
RFC 9901 with JWS ``alg`` ``Ed25519``). A key has three spellings: Multikey (Controlled
Identifiers §2.2.2) in DID documents and key files, JWK (RFC 8037) for the SD-JWT holder key,
and did:key for wallets. Every decoder refuses small-order and non-canonical keys
(:mod:`~kr_ovid.keys.ed25519`), so all three accept exactly the same keys.
"""

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
