"""DID documents (DID Core 1.0) as validated, read-only values.

Only what verification needs is modelled: verification methods (embedded or referenced),
verification relationships, controllers. A document is validated once, when it is built, so
that every later lookup can trust its shape.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kr_ovid._json import JsonParseError, check_json_value
from kr_ovid.errors import ResolutionError
from kr_ovid.problems import ErrorCode

__all__ = [
    "DID_CONTEXT",
    "MULTIKEY_CONTEXT",
    "RELATIONSHIPS",
    "DidDocument",
    "is_did",
    "split_did_url",
]

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"
RELATIONSHIPS = (
    "authentication",
    "assertionMethod",
    "keyAgreement",
    "capabilityInvocation",
    "capabilityDelegation",
)
# DID Core §3.1 syntax: did:method:method-specific-id (pct-encoded allowed; no empty segments at end).
_DID_RE = re.compile(
    r"^did:[a-z0-9]+:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2}|:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})$"
)
_MAX_METHODS = 64


def is_did(value: object) -> bool:
    """DID Core §3.1 DID Syntax (``did:method:method-specific-id``, lower-case method name,
    idchars or pct-encoded, no trailing ``:``), at most 2048 characters. A DID URL with a path,
    query or fragment is not a DID."""
    # fullmatch: the pattern's '$' would also accept a trailing newline.
    return isinstance(value, str) and len(value) <= 2048 and _DID_RE.fullmatch(value) is not None


def split_did_url(url: str) -> tuple[str, str | None]:
    """``did:x:y#frag`` → (``did:x:y``, ``frag``); path and query are not used by kr_ovid."""
    did, _, fragment = url.partition("#")
    return did, (fragment or None)


def _invalid(message: str) -> ResolutionError:
    return ResolutionError(message, code=ErrorCode.INVALID_DID_DOCUMENT)


@dataclass(frozen=True, slots=True)
class DidDocument:
    """A validated DID document. ``data`` is a private deep copy of the JSON."""

    id: str
    data: Mapping[str, Any] = field(repr=False)
    methods: Mapping[str, Mapping[str, Any]] = field(repr=False)

    @classmethod
    def from_json(cls, data: object, *, expected_id: str | None = None) -> DidDocument:
        """Validate once, keep the result: DID Core §6.2.2 JSON consumption, bounded.

        ``id`` is a DID, equal to ``expected_id`` when given; ``@context``, if any, starts with
        the DID v1 context (§6.3.1); each method has an id, a type and a DID as controller
        (§5.2), ids unique, at most 64. A method embedded in one relationship may not be used by
        another (§5.3); a reference to another DID's key authorises nothing. Raises
        ``ResolutionError`` (``INVALID_DID_DOCUMENT``).
        """
        if not isinstance(data, dict):
            raise _invalid("DID document must be a JSON object")
        try:
            check_json_value(data)  # bounded depth and size before any recursive copy
        except JsonParseError as exc:
            raise _invalid(f"DID document is not plain bounded JSON: {exc}") from None
        doc_id = data.get("id")
        if not is_did(doc_id):
            raise _invalid("DID document 'id' is not a DID")
        context = data.get("@context")
        if context is not None:
            ctxs = context if isinstance(context, list) else [context]
            if not ctxs or ctxs[0] != DID_CONTEXT:
                raise _invalid("DID document @context must start with the DID v1 context")
        if expected_id is not None and doc_id != expected_id:
            raise _invalid("DID document 'id' does not match the DID that was resolved")
        methods: dict[str, Mapping[str, Any]] = {}
        #: DID Core §5.3: a method embedded in a relationship is authorised for that one only.
        embedded_in: dict[str, str] = {}

        def add_method(vm: object) -> str:
            if not isinstance(vm, dict):
                raise _invalid("verification method must be an object")
            vm_id = _absolute(vm.get("id"), str(doc_id))
            if vm_id in methods:
                raise _invalid("duplicate verification method id")
            if not isinstance(vm.get("type"), str):
                raise _invalid("verification method 'type' missing")
            if not is_did(vm.get("controller")):
                raise _invalid("verification method 'controller' is not a DID")
            methods[vm_id] = vm
            return vm_id

        vms = data.get("verificationMethod", [])
        if not isinstance(vms, list) or len(vms) > _MAX_METHODS:
            raise _invalid("'verificationMethod' must be a list of at most 64 entries")
        for vm in vms:
            add_method(vm)
        for rel in RELATIONSHIPS:
            entries = data.get(rel, [])
            if not isinstance(entries, list) or len(entries) > _MAX_METHODS:
                raise _invalid(f"'{rel}' must be a list")
            for entry in entries:
                if isinstance(entry, dict):
                    embedded_in[add_method(entry)] = rel  # embedded method
                elif not isinstance(entry, str):
                    raise _invalid(f"'{rel}' entries must be ids or objects")
                elif _absolute(entry, str(doc_id)) not in methods and not _absolute(
                    entry, str(doc_id)
                ).startswith(str(doc_id) + "#"):
                    # A reference to another DID's key is allowed by DID Core but kr_ovid never
                    # follows it: such an entry simply does not authorise anything here.
                    continue
        for rel in RELATIONSHIPS:
            for entry in data.get(rel, []):
                ref = _absolute(entry, str(doc_id)) if isinstance(entry, str) else None
                if ref is not None and embedded_in.get(ref, rel) != rel:
                    raise _invalid(f"'{rel}' references a method embedded in '{embedded_in[ref]}'")
        frozen = copy.deepcopy(data)
        return cls(str(doc_id), frozen, {k: copy.deepcopy(v) for k, v in methods.items()})

    def method(self, vm_url: str) -> Mapping[str, Any] | None:
        """The method ``vm_url`` names (absolute or ``#fragment``), or ``None``; whether it may
        be used for anything is :meth:`authorizes`' question."""
        return self.methods.get(_absolute(vm_url, self.id))

    def relationship(self, name: str) -> tuple[str, ...]:
        """The absolute method ids under one verification relationship (DID Core §5.3),
        references and embedded methods alike, in document order."""
        out: list[str] = []
        for entry in self.data.get(name, []):
            if isinstance(entry, dict):
                out.append(_absolute(entry.get("id"), self.id))
            elif isinstance(entry, str):
                out.append(_absolute(entry, self.id))
        return tuple(out)

    def authorizes(self, vm_url: str, relationship: str) -> bool:
        """True when ``vm_url`` is a method of this document listed under ``relationship``
        (DID Core §5.3: a method serves only the relationships that list it)."""
        vm = _absolute(vm_url, self.id)
        return vm in self.methods and vm in self.relationship(relationship)

    def to_json(self) -> dict[str, Any]:
        """A deep copy of the JSON: the document stays immutable whatever the caller does."""
        return copy.deepcopy(dict(self.data))


def _absolute(value: object, did: str) -> str:
    if not isinstance(value, str) or not value:
        raise _invalid("verification method id missing")
    if value.startswith("#"):
        return did + value
    return value
