"""Multikey encoding of Ed25519 keys (Controlled Identifiers §2.2.2, VC Data Integrity).

``publicKeyMultibase`` = ``z`` + base58btc(varint(0xed) ‖ 32-byte public key)  → ``z6Mk…``
``secretKeyMultibase`` = ``z`` + base58btc(varint(0x1300) ‖ 32-byte seed)      → ``z3u2…``

The multicodec table comes from ``multiformats``; the header and the length are both checked,
because a wrong-curve key of the right length must not be read as Ed25519.
"""

from __future__ import annotations

import base58
from multiformats import multicodec, varint

from kr_ovid.errors import KeyFormatError
from kr_ovid.keys.ed25519 import check_ed25519_public_key

__all__ = [
    "ED25519_PRIV_HEADER",
    "ED25519_PUB_HEADER",
    "decode_multibase_base58btc",
    "decode_public_multikey",
    "decode_secret_multikey",
    "encode_multibase_base58btc",
    "encode_public_multikey",
    "encode_secret_multikey",
]

ED25519_PUB_HEADER: bytes = varint.encode(multicodec.get("ed25519-pub").code)  # b"\xed\x01"
ED25519_PRIV_HEADER: bytes = varint.encode(multicodec.get("ed25519-priv").code)  # b"\x80\x26"
_KEY_LEN = 32
_MAX_MULTIBASE = 4096


def encode_multibase_base58btc(data: bytes) -> str:
    """Multibase ``z`` + base58btc (Controlled Identifiers §2.4 Multibase): the encoding of
    ``publicKeyMultibase`` and of eddsa ``proofValue`` (vc-di-eddsa §3.2.6 Proof Serialization)."""
    return "z" + base58.b58encode(data).decode("ascii")


def decode_multibase_base58btc(value: object, *, what: str = "value") -> bytes:
    """Decode ``z``-prefixed base58btc; :class:`KeyFormatError` names ``what``, never the value."""
    if not isinstance(value, str) or not value.startswith("z") or len(value) > _MAX_MULTIBASE:
        raise KeyFormatError(f"{what} is not a multibase base58btc string ('z' prefix)")
    decoded = _b58decode(value[1:])
    if decoded is None:
        raise KeyFormatError(f"{what} is not valid base58btc")
    return decoded


_B58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX = {c: i for i, c in enumerate(_B58_ALPHABET)}


def _b58decode(text: str) -> bytes | None:
    """Strict base58btc: only alphabet characters (no whitespace, which ``base58`` strips), so a
    value has exactly one spelling; ``None`` if it is not base58btc."""
    n = 0
    index = _B58_INDEX
    try:
        for char in text:
            n = n * 58 + index[char]
    except KeyError:
        return None
    zeros = len(text) - len(text.lstrip("1"))
    return b"\x00" * zeros + n.to_bytes((n.bit_length() + 7) // 8, "big")


def _decode(value: object, header: bytes, what: str) -> bytes:
    raw = decode_multibase_base58btc(value, what=what)
    if not raw.startswith(header):
        raise KeyFormatError(f"{what} does not carry the Ed25519 multicodec header")
    key = raw[len(header) :]
    if len(key) != _KEY_LEN:
        raise KeyFormatError(f"{what} has {len(key)} key bytes, Ed25519 needs {_KEY_LEN}")
    return key


def encode_public_multikey(public_key: bytes) -> str:
    """``publicKeyMultibase`` (Controlled Identifiers §2.2.2): ``z`` + base58btc(``0xed01`` ‖
    key), which is also the multibase value of a did:key."""
    if len(public_key) != _KEY_LEN:
        raise KeyFormatError("an Ed25519 public key is 32 bytes")
    return encode_multibase_base58btc(ED25519_PUB_HEADER + public_key)


def decode_public_multikey(value: object) -> bytes:
    """The Ed25519 key of a ``z6Mk…`` Multikey; small-order and non-canonical keys are refused."""
    return check_ed25519_public_key(
        _decode(value, ED25519_PUB_HEADER, "publicKeyMultibase"), what="publicKeyMultibase"
    )


def encode_secret_multikey(seed: bytes) -> str:
    """``secretKeyMultibase`` for a 32-byte RFC 8032 seed (multicodec ``ed25519-priv``); for
    key files only."""
    if len(seed) != _KEY_LEN:
        raise KeyFormatError("an Ed25519 seed is 32 bytes")
    return encode_multibase_base58btc(ED25519_PRIV_HEADER + seed)


def decode_secret_multikey(value: object) -> bytes:
    """The 32-byte seed of a ``secretKeyMultibase``; header and length are checked, and errors
    name the member, never the value (it is a secret)."""
    return _decode(value, ED25519_PRIV_HEADER, "secretKeyMultibase")
