"""Work and memory bounds on hostile JSON-LD: asserted as counts, never as times.

* pyld's RDF conversion is quadratic in array length (8,000 short strings took about 40 s), so
  the generic mode refuses arrays and documents beyond ``JsonLdLimits`` before pyld runs; the
  strict mode is linear (one statement per item) and has the same bounds.
* A refused request must leave nothing in the loader's caches: pyld would keep every inline
  context it resolved (keyed by its canonical JSON), and our memo of processed contexts too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kr_ovid import JsonLdLimits
from kr_ovid.clock import FixedClock
from kr_ovid.errors import CanonicalizationError
from kr_ovid.integrity import add_proof, verify_proof
from kr_ovid.jsonld import _pyld_engine
from kr_ovid.jsonld.canon import canonicalize_rdfc
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.jsonld.strict import to_quads
from kr_ovid.keys import Ed25519Signer
from kr_ovid.problems import ErrorCode

CTX = "https://example.test/bounds/v1"
LOADER = StaticDocumentLoader(
    {CTX: {"@context": {"@protected": True, "tags": "https://example.test/v#tags"}}}
)
ATTACKER = Ed25519Signer.from_seed(b"\x66" * 32)
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def credential(n: int) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", CTX],
        "type": ["VerifiableCredential"],
        "issuer": ATTACKER.controller,
        "credentialSubject": {"id": "did:example:x", "tags": [f"t{i}" for i in range(n)]},
    }


@pytest.mark.parametrize("mode", ["strict", "generic"])
def test_a_long_array_is_refused_before_any_json_ld_work(
    mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pyld(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("pyld ran on a document beyond the bounds")

    monkeypatch.setattr(_pyld_engine.Processor, "expand", no_pyld)
    with pytest.raises(CanonicalizationError) as refused:
        canonicalize_rdfc(credential(8_000), loader=LOADER, mode=mode)  # type: ignore[arg-type]
    assert refused.value.code is ErrorCode.SIZE_LIMIT_ERROR


def test_the_attackers_signed_long_array_does_not_cost_a_verifier() -> None:
    limits = JsonLdLimits(max_array_items=10_000)
    signed = add_proof(credential(8_000), ATTACKER, created=NOW, loader=LOADER, limits=limits)
    # The default bounds refuse it outright, with a code …
    result = verify_proof(signed, loader=LOADER, clock=FixedClock(NOW))
    assert not result.verified
    assert {p.code for p in result.errors} == {ErrorCode.SIZE_LIMIT_ERROR}
    # … and with wider bounds the strict form does linear work: one statement per item.
    assert verify_proof(signed, loader=LOADER, clock=FixedClock(NOW), limits=limits).verified
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    assert len(to_quads(unsigned, LOADER.compiled, limits=limits)) == 8_000 + 3


def test_statement_and_depth_bounds() -> None:
    with pytest.raises(CanonicalizationError) as refused:
        canonicalize_rdfc(credential(50), loader=LOADER, limits=JsonLdLimits(max_statements=20))
    assert refused.value.code is ErrorCode.SIZE_LIMIT_ERROR
    deep: dict[str, Any] = {"id": "did:example:leaf"}
    for _ in range(80):
        deep = {"credentialSubject": deep} if False else {"tags": [deep]}
    doc = {**credential(1), "credentialSubject": {"id": "did:example:x", **deep}}
    with pytest.raises(CanonicalizationError) as too_deep:
        canonicalize_rdfc(doc, loader=LOADER)
    assert too_deep.value.code is ErrorCode.SIZE_LIMIT_ERROR


@pytest.mark.parametrize("value", [0, -1, True, "5"])
def test_limits_must_be_positive_integers(value: Any) -> None:
    with pytest.raises(CanonicalizationError):
        JsonLdLimits(max_array_items=value)


def test_a_refused_request_leaves_nothing_in_the_loaders_caches() -> None:
    loader = StaticDocumentLoader(
        {CTX: {"@context": {"@protected": True, "tags": "https://example.test/v#tags"}}}
    )
    honest = credential(3)
    canonicalize_rdfc(honest, loader=loader, mode="generic")  # warm the caches with pinned data
    cached, processed = len(loader.context_cache), len(loader.processed_contexts)
    big_inline = {f"term{i}": f"https://example.test/v#t{i}" for i in range(5_000)}
    for i in range(20):
        hostile = {
            **credential(3),
            "@context": [*honest["@context"], {**big_inline, "nonce": f"urn:n:{i}"}],
            "credentialSubject": {"id": "did:example:x", "undefined-term": "x"},
        }
        with pytest.raises(CanonicalizationError):
            canonicalize_rdfc(hostile, loader=loader, mode="generic")
        with pytest.raises(CanonicalizationError):
            canonicalize_rdfc(hostile, loader=loader)  # strict: refused without processing
    assert len(loader.context_cache) == cached
    assert len(loader.processed_contexts) == processed
    assert len(loader.compiled) <= 64


@pytest.mark.parametrize(
    ("n", "ok"), [(2**53 - 1, True), (-(2**53 - 1), True), (2**53, False), (-(2**53), False)]
)
def test_integers_beyond_2_53_are_refused(n: int, ok: bool) -> None:
    ctx = "https://example.test/int/v1"
    loader = StaticDocumentLoader({ctx: {"@context": {"n": "https://example.test/v#n"}}})
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2", ctx],
        "type": ["VerifiableCredential"],
        "issuer": ATTACKER.controller,
        "credentialSubject": {"id": "did:example:x", "n": n},
    }
    if ok:
        assert f'"{n}"^^' in canonicalize_rdfc(doc, loader=loader)
    else:
        with pytest.raises(CanonicalizationError) as refused:
            canonicalize_rdfc(doc, loader=loader)
        assert refused.value.code is ErrorCode.MALFORMED_VALUE_ERROR
