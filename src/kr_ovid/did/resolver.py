"""DID resolution: a protocol, per-method drivers, and a local (offline) registry.

Resolution never touches the network by default. did:key is computed from the DID itself; other
methods resolve only documents the caller registered (:class:`LocalDidResolver`), or through
drivers that take an injected fetch function (did:web, :mod:`kr_ovid.did.web`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from kr_ovid._json import JsonParseError, parse_json
from kr_ovid.did.document import DidDocument, is_did, split_did_url
from kr_ovid.errors import KrOvidError, ResolutionError
from kr_ovid.problems import ErrorCode

__all__ = [
    "CompositeResolver",
    "DidResolver",
    "LocalDidResolver",
    "default_resolver",
    "did_method",
    "resolve_verification_method",
]


@runtime_checkable
class DidResolver(Protocol):
    """Resolve a DID to its document; raise :class:`ResolutionError` with a code otherwise."""

    def resolve(self, did: str) -> DidDocument:
        """DID Core §7.1 DID Resolution reduced to what verification needs: the document, or
        a coded ``ResolutionError`` (``DID_NOT_FOUND``, ``INVALID_DID_DOCUMENT``, a retryable
        ``DID_RESOLUTION_ERROR``...) instead of resolution metadata."""
        ...


def did_method(did: str) -> str:
    """The method name of a DID (DID Core §3.1 ``method-name``), or ``""`` for a non-DID."""
    parts = did.split(":", 2)
    return parts[1] if len(parts) == 3 and parts[0] == "did" else ""


class LocalDidResolver:
    """Documents the caller registered (a mapping, or a directory of ``*.json`` with an ``id``)."""

    __slots__ = ("_docs",)

    def __init__(self, documents: Mapping[str, Any] | Iterable[Any] = ()) -> None:
        docs: dict[str, DidDocument] = {}
        items = documents.values() if isinstance(documents, Mapping) else documents
        for raw in items:
            doc = raw if isinstance(raw, DidDocument) else DidDocument.from_json(raw)
            if doc.id in docs:
                raise ResolutionError(
                    f"two local documents for {doc.id}", code=ErrorCode.INVALID_DID_DOCUMENT
                )
            docs[doc.id] = doc
        self._docs = docs

    @classmethod
    def from_directory(cls, directory: str | os.PathLike[str]) -> LocalDidResolver:
        """Every ``*.json`` whose ``id`` is a DID; other files (key files, whose id is a DID URL)
        are skipped, and an unreadable file is an error rather than a silent gap."""
        docs: list[Any] = []
        for path in sorted(Path(directory).glob("*.json")):
            try:
                data = parse_json(path.read_bytes())
            except (OSError, JsonParseError):
                raise ResolutionError(
                    f"cannot read DID document {path.name}", code=ErrorCode.INVALID_DID_DOCUMENT
                ) from None
            if isinstance(data, dict) and isinstance(data.get("id"), str) and is_did(data["id"]):
                docs.append(data)
        return cls(docs)

    def resolve(self, did: str) -> DidDocument:
        """The registered document, or ``DID_NOT_FOUND`` (not retryable: nothing is fetched)."""
        doc = self._docs.get(did)
        if doc is None:
            raise ResolutionError(
                f"DID not found locally: {did[:200]}", code=ErrorCode.DID_NOT_FOUND
            )
        return doc

    def __contains__(self, did: object) -> bool:
        return did in self._docs

    def __repr__(self) -> str:
        return f"LocalDidResolver({len(self._docs)} documents)"


class CompositeResolver:
    """Dispatches by DID method; did:key is always available, other methods only if given."""

    __slots__ = ("_drivers", "_fallback")

    def __init__(
        self,
        drivers: Mapping[str, DidResolver] | None = None,
        *,
        fallback: DidResolver | None = None,
    ) -> None:
        from kr_ovid.did.key import DidKeyResolver

        merged: dict[str, DidResolver] = {"key": DidKeyResolver()}
        merged.update(drivers or {})
        self._drivers = merged
        self._fallback = fallback

    def resolve(self, did: str) -> DidDocument:
        """The driver for the DID's method, else the fallback, else ``UNSUPPORTED_DID_METHOD``:
        a method nobody configured is never guessed at."""
        if not is_did(did):
            raise ResolutionError("not a DID", code=ErrorCode.DID_RESOLUTION_ERROR)
        driver = self._drivers.get(did_method(did))
        if driver is not None:
            return driver.resolve(did)
        if self._fallback is not None:
            return self._fallback.resolve(did)
        raise ResolutionError(
            f"unsupported DID method: {did_method(did)[:40]}", code=ErrorCode.UNSUPPORTED_DID_METHOD
        )


def default_resolver() -> CompositeResolver:
    """did:key only: offline and computed, nothing fetched."""
    return CompositeResolver()


def resolve_verification_method(
    vm_url: object, resolver: DidResolver
) -> tuple[DidDocument, Mapping[str, Any]]:
    """Resolve a DID URL to (controller document, verification method).

    Controlled Identifiers §3.3 Retrieve Verification Method: a fragment is required; the
    document must be that DID's (``INVALID_DID_DOCUMENT`` otherwise); the method must exist with
    the DID as ``controller``. The relationship is the caller's check
    (:meth:`DidDocument.authorizes`): only the caller knows the proof purpose.
    """
    if not isinstance(vm_url, str) or "#" not in vm_url:
        raise ResolutionError(
            "verificationMethod must be a DID URL with a fragment",
            code=ErrorCode.DID_RESOLUTION_ERROR,
        )
    did, _ = split_did_url(vm_url)
    if not is_did(did):
        raise ResolutionError(
            "verificationMethod is not a DID URL", code=ErrorCode.DID_RESOLUTION_ERROR
        )
    try:
        doc = resolver.resolve(did)
    except KrOvidError:
        raise
    except (ValueError, TypeError, KeyError, OSError) as exc:
        raise ResolutionError(
            f"resolver failed: {type(exc).__name__}", code=ErrorCode.DID_RESOLUTION_ERROR
        ) from None
    if not isinstance(doc, DidDocument) or doc.id != did:
        raise ResolutionError(
            "resolver returned a document for another DID", code=ErrorCode.INVALID_DID_DOCUMENT
        )
    method = doc.method(vm_url)
    if method is None:
        raise ResolutionError(
            "verification method not found in the DID document", code=ErrorCode.KEY_NOT_AUTHORIZED
        )
    if method.get("controller") != did:
        raise ResolutionError(
            "verification method controller is not the DID", code=ErrorCode.KEY_NOT_AUTHORIZED
        )
    return doc, method
