"""did:web: the spec's URL mapping, strict DID documents, the resolver's limits, the cache."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kr_ovid.clock import FixedClock
from kr_ovid.did import DidDocument, LocalDidResolver
from kr_ovid.did.resolver import CompositeResolver
from kr_ovid.did.web import (
    CachingResolver,
    WebDidResolver,
    build_did_document,
    did_web_to_url,
    multikey_method,
    url_to_did_web,
    validate_did_document,
)
from kr_ovid.errors import ConfigurationError, ResolutionError
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.keys import Ed25519Signer
from kr_ovid.problems import ErrorCode

from support import VECTORS, example_credential, example_loader, load_json

DID = "did:web:ovid.example:missions:us-losangeles"
OTHER = "did:web:ovid.example:missions:nz-auckland"
NOW = datetime(2024, 9, 1, tzinfo=UTC)
KEY = Ed25519Signer.from_seed(b"\x01" * 32).with_verification_method(DID + "#key-1")
KEY2 = Ed25519Signer.from_seed(b"\x02" * 32).with_verification_method(DID + "#key-2")
OTHER_KEY = Ed25519Signer.from_seed(b"\x03" * 32).with_verification_method(OTHER + "#key-1")
LOADER = example_loader()
CASES = load_json(VECTORS / "did-web" / "url-mapping.json")["cases"]


def doc(did: str = DID, *keys: Any, **kw: Any) -> dict[str, Any]:
    return build_did_document(did, list(keys) or [KEY], **kw)


# --------------------------------------------------------------------------------------------
# URL mapping
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("case", CASES, ids=[c["did"] for c in CASES])
def test_spec_examples_map_both_ways(case: dict[str, str]) -> None:
    assert did_web_to_url(case["did"]) == case["url"]
    assert url_to_did_web(case["url"]) == case["did"]


@pytest.mark.parametrize(
    "did",
    [
        DID,
        "did:web:ovid.example",
        "did:web:localhost%3A8443:a:b",
        "did:web:ovid.example:a%20b",  # percent-encoded space stays encoded in the URL path
        "did:web:xn--9n2bp8q.example:missions:kr",
    ],
)
def test_round_trip(did: str) -> None:
    assert url_to_did_web(did_web_to_url(did)) == did


@pytest.mark.parametrize(
    ("did", "reason"),
    [
        ("did:web:127.0.0.1", "IP addresses"),
        ("did:web:10.0.0.1%3A443:x", "IP addresses"),
        ("did:web:example.123", "IP addresses"),
        ("did:web:example.com%3a3000", "DNS name"),  # only upper-case %3A
        ("did:web:ex%2Dample.com", "DNS name"),  # no other encodings in the host
        ("did:web:-bad.example", "DNS name"),
        ("did:web:example.com%3A0", "port"),
        ("did:web:example.com%3A65536", "port"),
        ("did:web:example.com%3A0443", "port"),
        ("did:web:example.com%3A", "empty port"),
        ("did:web:a.example::b", "empty segment"),
        ("did:web:a.example:..", "'..'"),
        ("did:web:a.example:.", "'.'"),
        ("did:web:a.example:%2E%2E", "unreserved"),
        ("did:web:a.example:%2F", "separator"),
        ("did:web:a.example:%5C", "separator"),
        ("did:web:a.example:%0A", "control"),
        ("did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", "not a did:web"),
        ("did:web:a.example#frag", "not a did:web"),
        ("did:web:a.example/path", "not a did:web"),
        ("did:web:", "not a did:web"),
    ],
)
def test_invalid_dids_are_refused(did: str, reason: str) -> None:
    with pytest.raises(ResolutionError, match=reason) as info:
        did_web_to_url(did)
    assert info.value.code is ErrorCode.DID_RESOLUTION_ERROR
    assert not info.value.retryable


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/.well-known/did.json",
        "https://example.com/.well-known/did.json?x=1",
        "https://example.com/.well-known/did.json#f",
        "https://user@example.com/.well-known/did.json",
        "https://127.0.0.1/.well-known/did.json",
        "https://[::1]/.well-known/did.json",
        "https://example.com",
        "https://example.com/",
        "https://example.com/did.json",
        "https://example.com/u/bob/doc.json",
        "https://example.com/u//bob/did.json",
        "https://example.com/u/../did.json",
        "https://example.com/.well-known/x/did.json",  # would alias did:web:example.com
        "https://example.com/a:b/did.json",
        "https://example.com/~bob/did.json",
        "https://example.com:0/.well-known/did.json",
        "https://example.com:99999/.well-known/did.json",
        "https://exämple.com/.well-known/did.json",
        "https://example.com/a b/did.json",
    ],
)
def test_urls_without_a_did_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        url_to_did_web(url)


# --------------------------------------------------------------------------------------------
# Building and validating documents
# --------------------------------------------------------------------------------------------
def test_built_document_shape() -> None:
    built = doc(DID, KEY, KEY2, assertion=["#key-2"])
    assert built["@context"] == [
        "https://www.w3.org/ns/did/v1",
        "https://w3id.org/security/multikey/v1",
    ]
    assert built["id"] == DID
    assert built["verificationMethod"] == [
        KEY.public_multikey_document(controller=DID),
        KEY2.public_multikey_document(controller=DID),
    ]
    assert built["authentication"] == [KEY.verification_method, KEY2.verification_method]
    assert built["assertionMethod"] == [KEY2.verification_method]
    assert validate_did_document(built).authorizes(KEY2.verification_method, "assertionMethod")


def test_keys_as_tuples_and_method_objects() -> None:
    built = build_did_document(
        DID,
        [
            ("#a", KEY.public.multikey),
            (DID + "#b", KEY2.public_key),
            {"id": "#c", "type": "Multikey", "publicKeyMultibase": OTHER_KEY.public.multikey},
        ],
        authentication=False,
    )
    assert [m["id"] for m in built["verificationMethod"]] == [DID + "#a", DID + "#b", DID + "#c"]
    assert all(m["controller"] == DID for m in built["verificationMethod"])
    assert "authentication" not in built


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ([Ed25519Signer.from_seed(b"\x01" * 32)], "with_verification_method"),  # a did:key id
        ([OTHER_KEY], "with_verification_method"),  # another DID's key
        ([KEY, KEY], "duplicate"),
        ([("#bad fragment", KEY.public.multikey)], "fragment"),
        ([("#a", "zNotAKey")], "key"),
        ([("#a", KEY.public.multikey, "extra")], "tuple"),
        (
            [
                {
                    "id": "#a",
                    "type": "Multikey",
                    "controller": OTHER,
                    "publicKeyMultibase": KEY.public.multikey,
                }
            ],
            "controlled",
        ),
        ([{"id": "#a", "type": "JsonWebKey", "publicKeyJwk": KEY.public.jwk}], "Multikey"),
        ([], "at least one key"),
        ([42], "cannot use int"),
    ],
)
def test_build_refuses(keys: list[Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        build_did_document(DID, keys)


def test_build_refuses_unknown_relationship_key() -> None:
    with pytest.raises(ConfigurationError, match="does not have"):
        doc(DID, KEY, assertion=["#key-9"])


def test_multikey_method_for_a_signer() -> None:
    assert multikey_method(DID, KEY) == KEY.public_multikey_document(controller=DID)


def _mutated(change: Any) -> dict[str, Any]:
    data = doc(DID, KEY, KEY2)
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["verificationMethod"][0].update(controller=OTHER), "controller"),
        (lambda d: d["verificationMethod"][1].update(id=KEY.verification_method), "duplicate"),
        (lambda d: d["verificationMethod"][0].update(id=OTHER + "#key-1"), "<DID>#<fragment>"),
        (lambda d: d["verificationMethod"][0].update(id=DID + "#"), "missing|<DID>#<fragment>"),
        (lambda d: d["verificationMethod"][0].update(expires="2024-01-01"), "dateTimeStamp"),
        (lambda d: d["verificationMethod"][0].update(revoked=5), "dateTimeStamp"),
        (lambda d: d["verificationMethod"][0].update(publicKeyMultibase="z123"), "Ed25519"),
        (lambda d: d.update({"@context": ["https://www.w3.org/ns/did/v1"]}), "Multikey context"),
        (lambda d: d.update({"@context": ["https://w3id.org/security/multikey/v1"]}), "DID v1"),
        (lambda d: d["assertionMethod"].append(KEY.verification_method), "twice"),
        (lambda d: d["assertionMethod"].append(DID + "#key-9"), "lacks"),
        (lambda d: d["assertionMethod"].append(OTHER + "#key-1"), "lacks"),
        (lambda d: d.update(id="not a did"), "not a DID"),
    ],
)
def test_validation_refuses(change: Any, message: str) -> None:
    with pytest.raises(ResolutionError, match=message) as info:
        validate_did_document(_mutated(change))
    assert info.value.code is ErrorCode.INVALID_DID_DOCUMENT


def test_validation_accepts_relative_ids_and_plain_json() -> None:
    data = doc()
    data["verificationMethod"][0]["id"] = "#key-1"
    data["assertionMethod"] = ["#key-1"]
    del data["@context"]  # application/did+json without JSON-LD is allowed
    assert validate_did_document(data).authorizes(KEY.verification_method, "assertionMethod")


# --------------------------------------------------------------------------------------------
# WebDidResolver
# --------------------------------------------------------------------------------------------
@dataclass
class Fetcher:
    """A test double: serves bytes per URL and records its calls."""

    pages: dict[str, bytes] = field(default_factory=dict)
    error: Exception | None = None
    calls: list[tuple[str, float, int]] = field(default_factory=list)

    def __call__(self, url: str, *, timeout: float, max_bytes: int) -> bytes:
        self.calls.append((url, timeout, max_bytes))
        if self.error is not None:
            raise self.error
        if url not in self.pages:
            raise ResolutionError("404", code=ErrorCode.DID_NOT_FOUND)
        return self.pages[url]


def serve(document: Any, did: str = DID) -> Fetcher:
    return Fetcher({did_web_to_url(did): json.dumps(document).encode()})


def resolve_code(resolver: Any, did: str = DID) -> ResolutionError:
    with pytest.raises(ResolutionError) as info:
        resolver.resolve(did)
    return info.value


def test_local_mapping_resolves_without_fetch() -> None:
    resolver = WebDidResolver(documents={DID: doc()})
    resolved = resolver.resolve(DID)
    assert isinstance(resolved, DidDocument) and resolved.id == DID
    assert DID in resolver and OTHER not in resolver


def test_local_iterable_of_documents() -> None:
    resolver = WebDidResolver(documents=[doc(), doc(OTHER, OTHER_KEY)])
    assert resolver.resolve(OTHER).id == OTHER


def test_directory_is_keyed_by_document_id(tmp_path: Path) -> None:
    (tmp_path / "anything.json").write_text(json.dumps(doc()), encoding="utf-8")
    (tmp_path / "root-key.json").write_text(
        json.dumps({"id": "did:key:z6Mk", "note": "other methods are ignored"}), encoding="utf-8"
    )
    (tmp_path / "notes.json").write_text(json.dumps(["not a document"]), encoding="utf-8")
    (tmp_path / "readme.txt").write_text("ignored", encoding="utf-8")
    resolver = WebDidResolver(documents=tmp_path)
    assert resolver.resolve(DID).id == DID
    assert resolve_code(resolver, OTHER).code is ErrorCode.DID_NOT_FOUND


def test_directory_with_an_invalid_document_is_refused(tmp_path: Path) -> None:
    bad = doc()
    bad["verificationMethod"][0]["controller"] = OTHER
    (tmp_path / "bad.json").write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(ResolutionError) as info:
        WebDidResolver(documents=tmp_path)
    assert info.value.code is ErrorCode.INVALID_DID_DOCUMENT
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ResolutionError, match="cannot read"):
        WebDidResolver(documents=tmp_path)


def test_local_documents_are_validated() -> None:
    with pytest.raises(ResolutionError, match="does not match"):
        WebDidResolver(documents={OTHER: doc()})
    with pytest.raises(ResolutionError, match="two local documents"):
        WebDidResolver(documents=[doc(), doc()])
    with pytest.raises(ResolutionError, match="not a did:web"):
        WebDidResolver(
            documents=[build_did_document("did:example:x", [("#k", KEY.public.multikey)])]
        )
    with pytest.raises(ConfigurationError):
        WebDidResolver(documents=Path("/nonexistent/kr-ovid-dir"))


@pytest.mark.parametrize(
    ("kw", "message"), [({"max_bytes": 10}, "max_bytes"), ({"timeout": 0}, "timeout")]
)
def test_resolver_options_are_checked(kw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        WebDidResolver(**kw)


def test_fetch_gets_url_and_budget() -> None:
    fetcher = serve(doc())
    resolver = WebDidResolver(fetcher, max_bytes=4096, timeout=2.5)
    assert resolver.resolve(DID).id == DID
    assert fetcher.calls == [("https://ovid.example/missions/us-losangeles/did.json", 2.5, 4096)]


def test_local_documents_win_over_fetch() -> None:
    fetcher = serve(doc(DID, KEY2))
    resolved = WebDidResolver(fetcher, documents={DID: doc()}).resolve(DID)
    assert resolved.authorizes(KEY.verification_method, "assertionMethod")
    assert fetcher.calls == []


def test_each_resolution_error_has_its_own_code() -> None:
    """Unknown method, not found, malformed, oversize: four codes, none retryable."""
    local = WebDidResolver(documents={DID: doc()})
    codes = {
        "unknown method": resolve_code(local, "did:example:123").code,
        "not found": resolve_code(local, OTHER).code,
        "malformed": resolve_code(WebDidResolver(Fetcher({did_web_to_url(DID): b"{"}))).code,
        "oversize": resolve_code(WebDidResolver(serve(doc()), max_bytes=256)).code,
    }
    assert codes == {
        "unknown method": ErrorCode.UNSUPPORTED_DID_METHOD,
        "not found": ErrorCode.DID_NOT_FOUND,
        "malformed": ErrorCode.INVALID_DID_DOCUMENT,
        "oversize": ErrorCode.SIZE_LIMIT_ERROR,
    }


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'{"id": "did:web:ovid.example:missions:nz-auckland"}',  # another DID's document
        b'{"id": "did:web:ovid.example:missions:us-losangeles", "id": "x"}',  # duplicate key
        b"\xff\xfe",
        b'{"id": "did:web:ovid.example:missions:us-losangeles", "n": NaN}',
    ],
)
def test_malformed_fetched_documents(body: bytes) -> None:
    error = resolve_code(WebDidResolver(Fetcher({did_web_to_url(DID): body})))
    assert error.code is ErrorCode.INVALID_DID_DOCUMENT


def test_fetched_document_with_foreign_controller_is_refused() -> None:
    bad = doc()
    bad["verificationMethod"][0]["controller"] = OTHER
    error = resolve_code(WebDidResolver(serve(bad)))
    assert error.code is ErrorCode.INVALID_DID_DOCUMENT
    assert "controller" in str(error)


def test_fetch_failure_is_retryable() -> None:
    error = resolve_code(WebDidResolver(Fetcher(error=OSError("connection reset"))))
    assert error.code is ErrorCode.DID_RESOLUTION_ERROR
    assert error.retryable


def test_fetcher_verdict_passes_through() -> None:
    error = resolve_code(WebDidResolver(Fetcher()))
    assert error.code is ErrorCode.DID_NOT_FOUND
    assert not error.retryable


def test_fetch_returning_text_is_refused() -> None:
    class TextFetch:
        def __call__(self, url: str, *, timeout: float, max_bytes: int) -> Any:
            return json.dumps(doc())

    assert resolve_code(WebDidResolver(TextFetch())).code is ErrorCode.DID_RESOLUTION_ERROR


def test_late_answer_is_refused() -> None:
    """A fetcher that ignores its timeout still cannot deliver after the deadline."""
    ticks = iter([100.0, 103.5])
    resolver = WebDidResolver(serve(doc()), timeout=3.0, monotonic=lambda: next(ticks))
    error = resolve_code(resolver)
    assert error.code is ErrorCode.DID_RESOLUTION_ERROR
    assert error.retryable
    assert "budget" in str(error)


def test_answer_within_budget_is_used() -> None:
    ticks = iter([100.0, 102.9])
    resolver = WebDidResolver(serve(doc()), timeout=3.0, monotonic=lambda: next(ticks))
    assert resolver.resolve(DID).id == DID


def test_invalid_did_is_refused_before_fetching() -> None:
    fetcher = serve(doc())
    assert (
        resolve_code(WebDidResolver(fetcher), "did:web:127.0.0.1").code
        is ErrorCode.DID_RESOLUTION_ERROR
    )
    assert resolve_code(WebDidResolver(fetcher), "nonsense").code is ErrorCode.DID_RESOLUTION_ERROR
    assert fetcher.calls == []


# --------------------------------------------------------------------------------------------
# Through Data Integrity: key not in the relationship, wrong controller
# --------------------------------------------------------------------------------------------
def issued(signer: Ed25519Signer, issuer: str = DID) -> dict[str, Any]:
    credential = example_credential()
    credential["issuer"] = issuer
    return add_proof(credential, signer, created=NOW - timedelta(days=1), loader=LOADER)


def verify(document: dict[str, Any], resolver: Any, **kw: Any) -> Any:
    return verify_proof(document, resolver=resolver, clock=FixedClock(NOW), loader=LOADER, **kw)


def test_mission_credential_verifies_through_did_web() -> None:
    resolver = CompositeResolver({"web": WebDidResolver(documents=[doc()])})
    result = verify(issued(KEY), resolver, expected_controller=DID)
    assert result.verified
    assert result.proofs[0].controller == DID


def test_key_not_in_assertion_relationship() -> None:
    resolver = WebDidResolver(documents=[doc(DID, KEY, KEY2, assertion=["#key-1"])])
    result = verify(issued(KEY2), resolver)
    assert result.codes == (ErrorCode.KEY_NOT_AUTHORIZED,)


def test_key_of_another_controller() -> None:
    """Signed by a genuine key of another mission, presented as this mission's credential."""
    resolver = WebDidResolver(documents=[doc(), doc(OTHER, OTHER_KEY)])
    result = verify(issued(OTHER_KEY, issuer=DID), resolver, expected_controller=DID)
    assert result.codes == (ErrorCode.KEY_NOT_AUTHORIZED,)


def test_key_missing_from_document() -> None:
    ghost = Ed25519Signer.from_seed(b"\x09" * 32).with_verification_method(DID + "#ghost")
    result = verify(issued(ghost), WebDidResolver(documents=[doc()]))
    assert result.codes == (ErrorCode.KEY_NOT_AUTHORIZED,)


def test_verification_reports_resolution_codes() -> None:
    not_found = verify(issued(KEY), WebDidResolver(documents=[doc(OTHER, OTHER_KEY)]))
    assert not_found.codes == (ErrorCode.DID_NOT_FOUND,)
    down = verify(issued(KEY), WebDidResolver(Fetcher(error=TimeoutError())))
    assert down.codes == (ErrorCode.DID_RESOLUTION_ERROR,)
    assert down.retryable


# --------------------------------------------------------------------------------------------
# CachingResolver
# --------------------------------------------------------------------------------------------
class MutableClock:
    def __init__(self, instant: datetime) -> None:
        self.instant = instant

    def now(self) -> datetime:
        return self.instant


class Counting:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def resolve(self, did: str) -> DidDocument:
        self.calls.append(did)
        result: DidDocument = self.inner.resolve(did)
        return result


def test_cache_hits_until_ttl() -> None:
    clock = MutableClock(NOW)
    inner = Counting(WebDidResolver(documents=[doc()]))
    cache = CachingResolver(inner, ttl=timedelta(minutes=5), clock=clock)
    first = cache.resolve(DID)
    clock.instant = NOW + timedelta(minutes=4, seconds=59)
    assert cache.resolve(DID) is first
    assert inner.calls == [DID]
    clock.instant = NOW + timedelta(minutes=5)
    cache.resolve(DID)
    assert inner.calls == [DID, DID]


def test_clock_stepping_back_expires_the_entry() -> None:
    clock = MutableClock(NOW)
    inner = Counting(WebDidResolver(documents=[doc()]))
    cache = CachingResolver(inner, clock=clock)
    cache.resolve(DID)
    clock.instant = NOW - timedelta(seconds=1)
    cache.resolve(DID)
    assert len(inner.calls) == 2


def test_cache_is_bounded_lru() -> None:
    dids = [f"did:web:ovid.example:m{i}" for i in range(4)]
    docs = [build_did_document(d, [(f"{d}#k", KEY.public.multikey)]) for d in dids]
    inner = Counting(WebDidResolver(documents=docs))
    cache = CachingResolver(inner, max_entries=2, clock=MutableClock(NOW))
    cache.resolve(dids[0])
    cache.resolve(dids[1])
    cache.resolve(dids[0])  # dids[0] is now the most recent
    cache.resolve(dids[2])  # evicts dids[1]
    assert len(cache) == 2
    inner.calls.clear()
    cache.resolve(dids[0])
    cache.resolve(dids[1])
    assert inner.calls == [dids[1]]


def test_failures_are_not_cached() -> None:
    fetcher = Fetcher(error=OSError())
    cache = CachingResolver(WebDidResolver(fetcher), clock=MutableClock(NOW))
    for _ in range(2):
        with pytest.raises(ResolutionError):
            cache.resolve(DID)
    assert len(fetcher.calls) == 2
    assert len(cache) == 0


def test_differently_configured_caches_never_share() -> None:
    """Same DID, two resolvers with different documents: each cache answers its own."""
    clock = MutableClock(NOW)
    a = CachingResolver(WebDidResolver(documents=[doc(DID, KEY)]), clock=clock)
    b = CachingResolver(WebDidResolver(documents=[doc(DID, KEY2)]), clock=clock)
    assert a.resolve(DID).method(KEY.verification_method) is not None
    assert b.resolve(DID).method(KEY.verification_method) is None
    assert b.resolve(DID).method(KEY2.verification_method) is not None


def test_invalidate_and_clear() -> None:
    inner = Counting(WebDidResolver(documents=[doc()]))
    cache = CachingResolver(inner, clock=MutableClock(NOW))
    cache.resolve(DID)
    cache.invalidate(DID)
    cache.invalidate(OTHER)  # unknown: no error
    cache.resolve(DID)
    cache.clear()
    cache.resolve(DID)
    assert len(inner.calls) == 3
    assert "CachingResolver" in repr(cache)


def test_cache_in_front_of_a_composite_with_did_key() -> None:
    cache = CachingResolver(CompositeResolver({"web": LocalDidResolver([doc()])}))
    assert cache.resolve(KEY.public.did_key).id == KEY.public.did_key
    assert cache.resolve(DID).id == DID


@pytest.mark.parametrize(
    "kw", [{"ttl": timedelta(0)}, {"ttl": 5}, {"max_entries": 0}, {"max_entries": 1.5}]
)
def test_cache_options_are_checked(kw: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        CachingResolver(WebDidResolver(), **kw)
