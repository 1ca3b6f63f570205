"""Fuzz the N-Quads reader and the bounded RDFC-1.0 run behind it.

``parse_nquads`` returns a dataset or raises ``NQuadsError``; ``canonicalize_nquads_input``
returns canonical N-Quads or raises ``CanonicalizationError`` (``NQuadsError`` or
``CanonicalizationLimitError`` included). Canonical output is a fixed point: it parses, and
canonicalizing it again gives the same text.
"""

from __future__ import annotations

from fuzzkit import mutated_text, nquads_seeds, seeds
from hypothesis import given
from hypothesis import strategies as st

from kr_ovid.errors import CanonicalizationError
from kr_ovid.jsonld.canon import canonicalize_nquads_input, canonicalize_rdfc
from kr_ovid.jsonld.loader import default_loader
from kr_ovid.jsonld.nquads import parse_nquads

SEEDS = [
    *nquads_seeds(),
    canonicalize_rdfc(
        {k: v for k, v in seeds().credential.items() if k != "proof"}, loader=default_loader()
    ),
]
PIECES = st.sampled_from(
    [
        "_:b0",
        "_:c14n1",
        "<http://example.org/p>",
        "<rel>",
        '"x"',
        '"\\u0000"',
        '"\\uD800"',
        '"\\U0010FFFF"',
        '"a"@en-US',
        "^^<http://www.w3.org/2001/XMLSchema#integer>",
        " .",
        " .\n",
        "\n",
        "\r",
        "\u2028",
        "#",
        "\\",
        "<>",
        "< >",
    ]
) | st.text(max_size=6)
nquads_texts = (
    st.sampled_from(SEEDS).flatmap(lambda s: mutated_text(s, pieces=PIECES))
    | st.sampled_from(SEEDS)
    | st.text()
)


@given(nquads_texts)
def test_fuzz_parse_nquads(text: str) -> None:
    try:
        dataset = parse_nquads(text)
    except CanonicalizationError:
        return
    assert isinstance(dataset, dict)


@given(nquads_texts)
def test_fuzz_canonicalize_nquads_input(text: str) -> None:
    try:
        canonical = canonicalize_nquads_input(text)
    except CanonicalizationError:
        return
    parse_nquads(canonical)
    assert canonicalize_nquads_input(canonical) == canonical
