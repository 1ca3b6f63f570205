"""DIDs: documents, the resolver protocol, did:key (built in), local registries."""

from kr_ovid.did.document import DidDocument, is_did, split_did_url
from kr_ovid.did.key import DidKeyResolver, did_key_document, public_key_from_did_key
from kr_ovid.did.resolver import (
    CompositeResolver,
    DidResolver,
    LocalDidResolver,
    default_resolver,
    did_method,
    resolve_verification_method,
)

__all__ = [
    "CompositeResolver",
    "DidDocument",
    "DidKeyResolver",
    "DidResolver",
    "LocalDidResolver",
    "default_resolver",
    "did_key_document",
    "did_method",
    "is_did",
    "public_key_from_did_key",
    "resolve_verification_method",
    "split_did_url",
]
