"""did:web DID documents: building a mission's document and the rules every published one meets.

Narrower than DID Core §5.2/§5.3: every key is the DID's own Ed25519 Multikey
(``<DID>#<fragment>``, controller the DID), written with absolute ids as did-method-web §2.4
asks (against key confusion).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from kr_ovid.clock import parse_datetime_stamp
from kr_ovid.did.document import (
    DID_CONTEXT,
    MULTIKEY_CONTEXT,
    RELATIONSHIPS,
    DidDocument,
    is_did,
    split_did_url,
)
from kr_ovid.did.web_url import (
    _FRAGMENT_RE,
)
from kr_ovid.errors import ConfigurationError, KeyFormatError, ResolutionError
from kr_ovid.keys.multikey import decode_public_multikey, encode_public_multikey
from kr_ovid.problems import ErrorCode


# --------------------------------------------------------------------------------------------
# DID documents
# --------------------------------------------------------------------------------------------
@runtime_checkable
class PublicKeySource(Protocol):
    """A key that can be published: its verification-method id and raw Ed25519 public key.

    :class:`~kr_ovid.keys.Ed25519Signer` is one; an HSM-backed signer can be another.
    """

    @property
    def verification_method(self) -> str:
        """The key's id, ``<DID>#<fragment>`` of the DID that publishes it."""
        ...

    @property
    def public_key(self) -> bytes:
        """The raw 32-byte Ed25519 public key."""
        ...


#: A key for a DID document: a signer-like object, ``(vm_id, multikey or raw bytes)``, or a
#: verification-method object (type Multikey).
KeyInput = PublicKeySource | tuple[str, str | bytes] | Mapping[str, Any]


def _invalid(message: str) -> ResolutionError:
    return ResolutionError(message, code=ErrorCode.INVALID_DID_DOCUMENT)


def _method_id(did: str, vm_id: object) -> str:
    """``vm_id`` as an absolute ``<did>#<fragment>``; a key bound to another DID (a did:key URL,
    say) is refused until it is re-bound to this one."""
    if not isinstance(vm_id, str):
        raise ConfigurationError("verification method id must be a string")
    absolute = did + vm_id if vm_id.startswith("#") else vm_id
    base, fragment = split_did_url(absolute)
    if base != did or fragment is None or _FRAGMENT_RE.match(fragment) is None:
        raise ConfigurationError(
            f"verification method id must be {did}#<fragment> ([A-Za-z0-9._-]); "
            "re-bind the key with Ed25519Signer.with_verification_method()"
        )
    return absolute


def multikey_method(did: str, key: KeyInput) -> dict[str, Any]:
    """A ``Multikey`` verification method controlled by ``did`` for ``key``.

    Checked as it is built (an Ed25519 key, id ``<did>#<fragment>``, controller the DID), so a
    document is never assembled from a key that :func:`validate_did_document` would refuse.
    """
    try:
        if isinstance(key, Mapping):
            vm = dict(key)
            vm["id"] = _method_id(did, vm.get("id"))
            if vm.get("type") != "Multikey" or vm.setdefault("controller", did) != did:
                raise ConfigurationError(
                    "verification method must be a Multikey controlled by the DID"
                )
            decode_public_multikey(vm.get("publicKeyMultibase"))
            return vm
        if isinstance(key, tuple):
            if len(key) != 2:
                raise ConfigurationError("a key tuple is (verification method id, public key)")
            vm_id, public = key
            multikey = (
                encode_public_multikey(bytes(public))
                if isinstance(public, bytes | bytearray)
                else public
            )
        elif isinstance(key, PublicKeySource):
            vm_id, multikey = key.verification_method, encode_public_multikey(key.public_key)
        else:
            raise ConfigurationError(f"cannot use {type(key).__name__} as a DID document key")
        decode_public_multikey(multikey)
    except KeyFormatError as exc:
        raise ConfigurationError(f"key: {exc}") from None
    return {
        "id": _method_id(did, vm_id),
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": multikey,
    }


def _select(choice: bool | Iterable[str], did: str, all_ids: list[str]) -> list[str]:
    if choice is True:
        return list(all_ids)
    if choice is False:
        return []
    chosen = [_method_id(did, c) for c in choice]
    missing = [c for c in chosen if c not in all_ids]
    if missing:
        raise ConfigurationError(f"relationship names keys the document does not have: {missing}")
    return chosen


def build_did_document(
    did: str,
    keys: Sequence[KeyInput],
    *,
    authentication: bool | Iterable[str] = True,
    assertion: bool | Iterable[str] = True,
) -> dict[str, Any]:
    """A DID document (DID v1 + Multikey contexts) publishing ``keys``.

    ``authentication`` / ``assertion``: ``True`` lists every key, ``False`` none, or name the
    verification-method ids (``"#key-1"`` or absolute). The result passes
    :func:`validate_did_document`; building and validating share one definition of "valid".
    """
    if not is_did(did):
        raise ConfigurationError("not a DID")
    if not keys:
        raise ConfigurationError("a DID document needs at least one key")
    methods = [multikey_method(did, k) for k in keys]
    ids = [m["id"] for m in methods]
    doc: dict[str, Any] = {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": methods,
    }
    for name, choice in (("authentication", authentication), ("assertionMethod", assertion)):
        selected = _select(choice, did, ids)
        if selected:
            doc[name] = selected
    try:
        validate_did_document(doc, expected_id=did)
    except ResolutionError as exc:
        raise ConfigurationError(str(exc)) from None
    return doc


def validate_did_document(data: object, *, expected_id: str | None = None) -> DidDocument:
    """:meth:`DidDocument.from_json` plus the rules kr_ovid holds every published document to.

    Every verification method is ``<DID>#<fragment>`` and controlled by the DID itself (a key
    another party controls cannot speak for a mission); ids are unique; relationships reference
    only methods of this document, each once; ``expires``/``revoked`` are dateTimeStamps;
    Multikey values decode as Ed25519; a document with Multikey methods carries the Multikey
    context. Raises :class:`ResolutionError` with ``INVALID_DID_DOCUMENT``.
    """
    doc = DidDocument.from_json(data, expected_id=expected_id)
    raw = doc.data
    context = raw.get("@context")
    contexts = context if isinstance(context, list) else [context]
    for vm_id, vm in doc.methods.items():
        base, fragment = split_did_url(vm_id)
        if base != doc.id or fragment is None or _FRAGMENT_RE.match(fragment) is None:
            raise _invalid("verification method id is not <DID>#<fragment>")
        if vm.get("controller") != doc.id:
            raise _invalid("verification method controller is not the DID")
        for member in ("expires", "revoked"):
            if member in vm and parse_datetime_stamp(vm[member]) is None:
                raise _invalid(f"verification method '{member}' is not an XSD dateTimeStamp")
        if vm.get("type") == "Multikey":
            try:
                decode_public_multikey(vm.get("publicKeyMultibase"))
            except KeyFormatError:
                raise _invalid("Multikey verification method has no valid Ed25519 key") from None
            if context is not None and MULTIKEY_CONTEXT not in contexts:
                raise _invalid("Multikey verification methods need the Multikey context")
    for rel in RELATIONSHIPS:
        refs = doc.relationship(rel)
        if len(set(refs)) != len(refs):
            raise _invalid(f"'{rel}' lists a verification method twice")
        if any(ref not in doc.methods for ref in refs):
            raise _invalid(f"'{rel}' references a verification method this document lacks")
    return doc
