"""Fuzz DID handling: DID documents, did:key resolution, the did:web DID <-> URL mapping.

``DidDocument.from_json``, ``validate_did_document``, ``DidKeyResolver.resolve``,
``did_web_to_url`` and ``WebDidResolver.resolve`` (over a fetch that returns hostile bytes)
return or raise ``KrOvidError`` (``ResolutionError``; ``url_to_did_web``: ``ConfigurationError``).
The did:web mapping is documented as strict and one-to-one: a URL it produces maps back to
the same DID.
"""

from __future__ import annotations

import json
from typing import Any

from fuzzkit import (
    JSON,
    VECTORS,
    keys,
    load_json,
    mutated_json,
    mutated_text,
    returns_or_raises,
    seeds,
    strings,
)
from hypothesis import example, given
from hypothesis import strategies as st

from kr_ovid.did.document import DidDocument, is_did
from kr_ovid.did.key import DidKeyResolver, did_key_document, public_key_from_did_key
from kr_ovid.did.resolver import resolve_verification_method
from kr_ovid.did.web import WebDidResolver, did_web_to_url, url_to_did_web, validate_did_document
from kr_ovid.errors import KrOvidError
from kr_ovid.keys.multikey import encode_public_multikey

ONLY = (KrOvidError,)
DID_KEY = seeds().holder.controller
WEB_DID = seeds().did_document["id"]
DOCUMENTS = [
    seeds().did_document,
    did_key_document(DID_KEY),
    load_json(VECTORS / "did-key" / "spec-example-did-document.json"),
]
URL_CASES = load_json(VECTORS / "did-web" / "url-mapping.json")["cases"]
WEB_DIDS = [WEB_DID, *(c["did"] for c in URL_CASES)]
URLS = [c["url"] for c in URL_CASES]
DID_PIECES = st.sampled_from(
    [":", "%3A", "%3a", "%2F", "%41", ".", "..", "-", "_", "~", "/", "#", "?", "\n", "@", "z6Mk"]
) | st.text(max_size=4)

did_documents = st.sampled_from(DOCUMENTS).flatmap(mutated_json) | JSON
web_dids = st.sampled_from(WEB_DIDS).flatmap(lambda d: mutated_text(d, pieces=DID_PIECES))
key_dids = (
    st.sampled_from([DID_KEY, DOCUMENTS[2]["id"]]).flatmap(
        lambda d: mutated_text(d, pieces=DID_PIECES)
    )
    | st.binary(min_size=32, max_size=32).map(lambda b: "did:key:" + encode_public_multikey(b))
    | st.builds(lambda s: "did:key:" + s, strings)
)


def _use(doc: DidDocument, probe: str) -> None:
    """The lookups a verifier makes on a validated document must not fail unexpectedly."""
    for vm_url in [probe, *doc.methods]:
        returns_or_raises(doc.method, vm_url, allowed=ONLY)
        returns_or_raises(doc.authorizes, vm_url, "assertionMethod", allowed=ONLY)
    for rel in ("authentication", "assertionMethod", "keyAgreement"):
        returns_or_raises(doc.relationship, rel, allowed=ONLY)


@given(did_documents, st.none() | st.sampled_from([WEB_DID, DID_KEY]), strings | keys)
def test_fuzz_did_document_from_json(data: Any, expected: str | None, probe: str) -> None:
    ok, doc = returns_or_raises(DidDocument.from_json, data, expected_id=expected, allowed=ONLY)
    if ok:
        assert is_did(doc.id)
        _use(doc, probe)


@given(did_documents, st.none() | st.sampled_from([WEB_DID, DID_KEY]), strings | keys)
def test_fuzz_validate_did_document(data: Any, expected: str | None, probe: str) -> None:
    ok, doc = returns_or_raises(validate_did_document, data, expected_id=expected, allowed=ONLY)
    if ok:
        _use(doc, probe)


@given(key_dids)
def test_fuzz_did_key_resolution(did: str) -> None:
    ok, doc = returns_or_raises(DidKeyResolver().resolve, did, allowed=ONLY)
    if ok:
        # One key, one spelling: the DID is the canonical Multikey of the key it decodes to.
        key = public_key_from_did_key(did)
        assert did == "did:key:" + encode_public_multikey(key)
        assert doc.authorizes(f"{did}#{did[len('did:key:') :]}", "assertionMethod")


@given(key_dids | web_dids, st.sampled_from(["", "#key-1", "#", "#z6Mk"]) | strings)
def test_fuzz_resolve_verification_method(did: str, fragment: str) -> None:
    returns_or_raises(resolve_verification_method, did + fragment, seeds().resolver, allowed=ONLY)


@given(web_dids | st.sampled_from(WEB_DIDS))
# Found here, fixed in d0daa01: is_did() anchored its regex with '$', which also matches before a
# trailing newline, so this mapped to 'https://example.com\n/.well-known/did.json'.
@example("did:web:example.com\n")
def test_fuzz_did_web_to_url(did: str) -> None:
    ok, url = returns_or_raises(did_web_to_url, did, allowed=ONLY)
    if ok:
        assert url_to_did_web(url) == did


@given(st.sampled_from(URLS).flatmap(lambda u: mutated_text(u, pieces=DID_PIECES)) | strings)
def test_fuzz_url_to_did_web(url: str) -> None:
    ok, did = returns_or_raises(url_to_did_web, url, allowed=ONLY)
    if ok:
        assert did_web_to_url(did) == url


def _fetched(data: bytes) -> WebDidResolver:
    def fetch(url: str, *, timeout: float, max_bytes: int) -> bytes:
        return data

    return WebDidResolver(fetch)


@given(
    st.sampled_from([DOCUMENTS[0]])
    .flatmap(mutated_json)
    .map(lambda d: json.dumps(d, allow_nan=True).encode("utf-8", "surrogatepass"))
    | st.sampled_from([json.dumps(DOCUMENTS[0])])
    .flatmap(lambda t: mutated_text(t, pieces=st.sampled_from(list('{}[],:"\\')) | keys))
    .map(lambda t: t.encode("utf-8", "surrogatepass"))
    | st.binary(max_size=100),
    st.sampled_from(WEB_DIDS) | web_dids,
)
def test_fuzz_web_did_resolver(data: bytes, did: str) -> None:
    ok, doc = returns_or_raises(_fetched(data).resolve, did, allowed=ONLY)
    if ok:
        assert doc.id == did


def _nested(depth: int) -> Any:
    value: Any = "x"
    for _ in range(depth):
        value = {"a": [value]}
    return value


@given(st.integers(0, 2_000), st.sampled_from(["service", "alsoKnownAs", "controller"]))
# Found here, fixed in d0daa01: from_json deep-copied its input without a depth bound, so a member
# nested ~250 levels deep raised RecursionError (only Python objects get that deep: parse_json
# stops at 32).
@example(5_000, "service")
def test_fuzz_did_document_deep_nesting(depth: int, member: str) -> None:
    data = {**DOCUMENTS[0], member: _nested(depth)}
    returns_or_raises(DidDocument.from_json, data, allowed=ONLY)
    returns_or_raises(validate_did_document, data, allowed=ONLY)
