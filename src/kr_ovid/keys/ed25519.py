"""Which Ed25519 public keys kr_ovid accepts: canonical encodings of points of large order.

A small-order public key (the identity, or one of the seven other points of order 2, 4 or 8)
makes one fixed signature valid for every message (or for one message in eight): whoever sees the
key can "sign" as its holder. RFC 8032 verification does not exclude such keys, so they are
refused here, wherever a key is decoded (Multikey, JWK, did:key, DID documents) and again before
any signature check. A non-canonical encoding (y ≥ p) is a second spelling of another key and is
refused too.
"""

from __future__ import annotations

from typing import Final

from kr_ovid.errors import KeyFormatError

__all__ = ["SMALL_ORDER_POINTS", "check_ed25519_public_key", "is_acceptable_ed25519_public_key"]

_P: Final = 2**255 - 19

#: The eight points of small order on edwards25519, in canonical encoding.
SMALL_ORDER_POINTS: Final = frozenset(
    bytes.fromhex(h)
    for h in (
        "0100000000000000000000000000000000000000000000000000000000000000",  # identity
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
        "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
        "0000000000000000000000000000000000000000000000000000000000000080",  # order 4
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",  # order 8
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",  # order 8
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",  # order 8
    )
)


def is_acceptable_ed25519_public_key(public_key: bytes) -> bool:
    """32 bytes, canonical (y < p), and not a point of small order."""
    if len(public_key) != 32 or public_key in SMALL_ORDER_POINTS:
        return False
    y = int.from_bytes(public_key, "little") & ((1 << 255) - 1)
    return y < _P


def check_ed25519_public_key(public_key: bytes, *, what: str = "public key") -> bytes:
    """Return ``public_key`` if acceptable, else raise :class:`KeyFormatError` (naming ``what``)."""
    if len(public_key) != 32:
        raise KeyFormatError(f"{what} is not a 32-byte Ed25519 public key")
    if public_key in SMALL_ORDER_POINTS:
        raise KeyFormatError(f"{what} is a small-order Ed25519 point (it would verify forgeries)")
    if not is_acceptable_ed25519_public_key(public_key):
        raise KeyFormatError(f"{what} is not a canonical Ed25519 point encoding")
    return public_key
