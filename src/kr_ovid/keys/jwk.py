"""Ed25519 keys as JWK (RFC 8037: ``kty`` OKP, ``crv`` Ed25519).

Used for the SD-JWT holder key (``cnf.jwk``, RFC 7800 §3.2) and for ``JsonWebKey`` verification
methods (Controlled Identifiers §2.2.3). Only public keys are read: a JWK with ``d`` is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from kr_ovid.errors import KeyFormatError
from kr_ovid.keys.ed25519 import check_ed25519_public_key

__all__ = ["b64url_decode", "b64url_encode", "jwk_thumbprint", "public_jwk", "public_key_from_jwk"]


def b64url_encode(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2), the only form JOSE uses."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(value: str) -> bytes:
    """Strict base64url without padding: rejects ``=``, ``+``, ``/``, whitespace, bad lengths
    and non-zero unused bits, so a value has exactly one accepted spelling."""
    if not isinstance(value, str) or any(c in value for c in "=+/ \n\r\t"):
        raise ValueError("not unpadded base64url")
    if len(value) % 4 == 1:
        raise ValueError("not unpadded base64url")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        raise ValueError("not unpadded base64url") from None
    if b64url_encode(raw) != value:  # non-canonical trailing bits
        raise ValueError("non-canonical base64url")
    return raw


def public_jwk(public_key: bytes) -> dict[str, str]:
    """The public JWK of an Ed25519 key (RFC 8037 §2: ``kty``, ``crv``, ``x``), never with
    ``d``: the form written into ``cnf.jwk``."""
    if len(public_key) != 32:
        raise KeyFormatError("an Ed25519 public key is 32 bytes")
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(public_key)}


def public_key_from_jwk(jwk: object) -> bytes:
    """The 32 raw public-key bytes of an OKP/Ed25519 JWK; refuses private members (a ``d`` here
    means a secret travels where it should not) and weak keys."""
    if not isinstance(jwk, dict):
        raise KeyFormatError("JWK must be a JSON object")
    if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        raise KeyFormatError("JWK is not kty=OKP, crv=Ed25519")
    if "d" in jwk:
        raise KeyFormatError("JWK carries a private key ('d') where a public key is expected")
    x = jwk.get("x")
    try:
        raw = b64url_decode(x) if isinstance(x, str) else b""
    except ValueError:
        raise KeyFormatError("JWK 'x' is not base64url") from None
    if len(raw) != 32:
        raise KeyFormatError("JWK 'x' is not a 32-byte Ed25519 key")
    return check_ed25519_public_key(raw, what="JWK 'x'")


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint (SHA-256) of an OKP key: only ``crv``, ``kty``, ``x`` (RFC 8037), so
    ``kid`` or ``use`` cannot change it."""
    members = {k: jwk[k] for k in ("crv", "kty", "x")}
    data = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return b64url_encode(hashlib.sha256(data).digest())
