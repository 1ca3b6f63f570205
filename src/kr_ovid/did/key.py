"""did:key for Ed25519 (W3C CCG did:key, Multikey form).

The document follows the method's creation algorithm: one Multikey verification method referenced
from ``authentication``, ``assertionMethod``, ``capabilityDelegation`` and
``capabilityInvocation`` (no ``keyAgreement``: encryption-key derivation is off).

That is did:key §3.1.1 Document Creation and §3.1.2 Signature Method Creation with Multikey,
for Ed25519 (multicodec ``0xed``) only. did:key has no update or deactivation (§3.3, §3.4): a
wallet that loses its key needs a new DID.
"""

from __future__ import annotations

from typing import Any

from kr_ovid.did.document import DID_CONTEXT, MULTIKEY_CONTEXT, DidDocument
from kr_ovid.errors import KeyFormatError, ResolutionError
from kr_ovid.keys.multikey import decode_public_multikey
from kr_ovid.problems import ErrorCode

__all__ = ["DidKeyResolver", "did_key_document", "public_key_from_did_key"]

_PREFIX = "did:key:"


def public_key_from_did_key(did: str) -> bytes:
    """The Ed25519 key a did:key encodes (did:key §3.1.3 Decode Public Key, with the length
    check of §3.1.2). A DID URL with a fragment is refused (``DID_RESOLUTION_ERROR``); a bad
    key is ``INVALID_DID_DOCUMENT``, as a bad published document would be."""
    if not isinstance(did, str) or not did.startswith(_PREFIX) or "#" in did:
        raise ResolutionError("not a did:key DID", code=ErrorCode.DID_RESOLUTION_ERROR)
    try:
        return decode_public_multikey(did[len(_PREFIX) :])
    except KeyFormatError as exc:
        raise ResolutionError(
            f"invalid did:key: {exc}", code=ErrorCode.INVALID_DID_DOCUMENT
        ) from None


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document a did:key expands to (did:key §3.1.1), computed, never fetched; the key
    is decoded and checked first, so a weak key never gets a document."""
    public_key_from_did_key(did)  # validates header and length
    multikey = did[len(_PREFIX) :]
    vm_id = f"{did}#{multikey}"
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": multikey}
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityDelegation": [vm_id],
        "capabilityInvocation": [vm_id],
    }


class DidKeyResolver:
    """Resolves did:key (Ed25519) by computation; nothing is fetched."""

    __slots__ = ()

    def resolve(self, did: str) -> DidDocument:
        """did:key §3.2 Read: deterministic expansion, validated like any other document."""
        return DidDocument.from_json(did_key_document(did), expected_id=did)
