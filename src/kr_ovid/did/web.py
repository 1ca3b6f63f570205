"""did:web (W3C CCG did-method-web): DID ↔ URL mapping, DID documents, a resolver, a cache.

One module a concern (:mod:`~kr_ovid.did.web_url`, :mod:`~kr_ovid.did.web_document`,
:mod:`~kr_ovid.did.web_resolver`, :mod:`~kr_ovid.did.cache`); this module gathers their API.

https://w3c-ccg.github.io/did-method-web/ — the method-specific id is ``host[%3Aport][:seg]*``;
the document lives at ``https://host[:port]/seg/.../did.json``, or at
``https://host[:port]/.well-known/did.json`` without a path.

The mapping is strict, so that one DID names one URL and back: https only; a DNS host name
(the spec says the identifier "MUST NOT include IP addresses", so IP literals are refused);
``%3A`` (upper case) is the only percent-encoding allowed in the host; no empty, ``.`` or ``..``
segments; no userinfo, query or fragment.

:class:`WebDidResolver` never opens a socket itself. By default it answers only from documents
the caller registered (a mapping or a directory); given a ``fetch`` callable it asks that for
the bytes, under a size limit and a time budget (see :class:`DidWebFetch`).
"""

from __future__ import annotations

from kr_ovid.did.cache import CachingResolver
from kr_ovid.did.web_document import (
    KeyInput,
    PublicKeySource,
    build_did_document,
    multikey_method,
    validate_did_document,
)
from kr_ovid.did.web_resolver import DidWebFetch, WebDidResolver
from kr_ovid.did.web_url import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, did_web_to_url, url_to_did_web

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "CachingResolver",
    "DidWebFetch",
    "KeyInput",
    "PublicKeySource",
    "WebDidResolver",
    "build_did_document",
    "did_web_to_url",
    "multikey_method",
    "url_to_did_web",
    "validate_did_document",
]
