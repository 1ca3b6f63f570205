"""Fuzz strict JSON-LD: ``canonicalize_rdfc`` and ``check_strict`` over the pinned contexts.

Both return or raise ``CanonicalizationError`` (nothing else, whatever the Python value). What
the strict form accepts it must also turn into RDF the way JSON-LD does: the canonical N-Quads
are a fixed point of RDFC-1.0 and equal what pyld's expansion ("generic" mode) produces.
"""

from __future__ import annotations

from typing import Any

from fuzzkit import ANY_VALUE, mutated_json, returns_or_raises, seeds
from hypothesis import given
from hypothesis import strategies as st

from kr_ovid.errors import CanonicalizationError
from kr_ovid.jsonld.canon import canonicalize_nquads_input, canonicalize_rdfc, check_strict
from kr_ovid.jsonld.loader import default_loader

LOADER = default_loader()
ONLY = (CanonicalizationError,)


def _unsecured(doc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "proof"}


SEEDS: list[Any] = [
    seeds().credential,
    _unsecured(seeds().credential),
    seeds().vp,
    _unsecured(seeds().vp_enveloped),
    seeds().status_list_credential,
    seeds().did_document,
    seeds().credential["proof"] | {"@context": seeds().credential["@context"]},
]
documents = st.sampled_from(SEEDS).flatmap(mutated_json) | ANY_VALUE


@given(documents)
def test_fuzz_canonicalize_rdfc(doc: Any) -> None:
    ok, nquads = returns_or_raises(canonicalize_rdfc, doc, loader=LOADER, allowed=ONLY)
    if ok:
        assert isinstance(nquads, str)
        check_strict(doc, loader=LOADER)  # accepted by one entry point, accepted by the other


@given(documents)
def test_fuzz_check_strict(doc: Any) -> None:
    returns_or_raises(check_strict, doc, loader=LOADER, allowed=ONLY)


@given(st.sampled_from(SEEDS).flatmap(mutated_json))
def test_fuzz_strict_rdf_is_canonical_and_matches_pyld(doc: Any) -> None:
    ok, nquads = returns_or_raises(canonicalize_rdfc, doc, loader=LOADER, allowed=ONLY)
    if not ok:
        return
    assert canonicalize_nquads_input(nquads) == nquads
    ok, generic = returns_or_raises(
        canonicalize_rdfc, doc, loader=LOADER, mode="generic", allowed=ONLY
    )
    if ok:
        assert generic == nquads


@given(documents)
def test_fuzz_canonicalize_rdfc_generic(doc: Any) -> None:
    returns_or_raises(canonicalize_rdfc, doc, loader=LOADER, mode="generic", allowed=ONLY)
