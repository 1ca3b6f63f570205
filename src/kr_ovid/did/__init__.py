"""DIDs: documents, the resolver protocol, did:key (built in), did:web (injected fetch),
local registries, caching, and key rotation for mission DID documents.

How it maps to the specifications: :mod:`~kr_ovid.did.document` is DID Core §3.1 DID Syntax,
§5.2 Verification Methods and §5.3 Verification Relationships; :func:`resolve_verification_method`
is Controlled Identifiers §3.3 Retrieve Verification Method over DID Core §7.1 DID Resolution;
did:key follows the did:key method's §3.1.1 Document Creation Algorithm; did:web follows the
did-method-web §2.5.2 Read (Resolve) steps; rotation uses the ``expires``/``revoked`` members
of Controlled Identifiers §2.2.
"""

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
from kr_ovid.did.rotation import active_assertion_method, revoke_key, rotate_key
from kr_ovid.did.web import (
    CachingResolver,
    WebDidResolver,
    build_did_document,
    did_web_to_url,
    url_to_did_web,
    validate_did_document,
)

__all__ = [
    "CachingResolver",
    "CompositeResolver",
    "DidDocument",
    "DidKeyResolver",
    "DidResolver",
    "LocalDidResolver",
    "WebDidResolver",
    "active_assertion_method",
    "build_did_document",
    "default_resolver",
    "did_key_document",
    "did_method",
    "did_web_to_url",
    "is_did",
    "public_key_from_did_key",
    "resolve_verification_method",
    "revoke_key",
    "rotate_key",
    "split_did_url",
    "url_to_did_web",
    "validate_did_document",
]
