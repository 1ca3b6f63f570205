"""The Ed25519 public key of a verification method (Controlled Identifiers §2.2): one place.

A DID document lists keys as ``Multikey`` (``publicKeyMultibase``) or ``JsonWebKey``
(``publicKeyJwk``), plus two older type names with the same encodings. Every layer that needs
the key of a method (Data Integrity suites, SD-JWT issuer keys, the issuer's possession probe)
reads it here, so all accept the same encodings and refuse the same weak keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kr_ovid.errors import KeyFormatError
from kr_ovid.keys.jwk import public_key_from_jwk
from kr_ovid.keys.multikey import decode_public_multikey

__all__ = ["ED25519_KEY_TYPES", "method_public_key"]

#: Verification method types whose key material is an Ed25519 public key.
ED25519_KEY_TYPES = frozenset(
    {"Multikey", "Ed25519VerificationKey2020", "JsonWebKey", "JsonWebKey2020"}
)


def method_public_key(method: Mapping[str, Any]) -> bytes:
    """The 32-byte Ed25519 key of ``method``; :class:`KeyFormatError` if it has none we accept.

    Controlled Identifiers §2.2.1 Verification Material: ``publicKeyMultibase`` (§2.2.2) or
    ``publicKeyJwk`` (§2.2.3). A type outside :data:`ED25519_KEY_TYPES` is refused before its
    material is read, so a key of another curve is never decoded as Ed25519.
    """
    if method.get("type") not in ED25519_KEY_TYPES:
        raise KeyFormatError("verification method type is not an Ed25519 key type")
    if "publicKeyMultibase" in method:
        return decode_public_multikey(method["publicKeyMultibase"])
    if "publicKeyJwk" in method:
        return public_key_from_jwk(method["publicKeyJwk"])
    raise KeyFormatError("verification method has no public key")
