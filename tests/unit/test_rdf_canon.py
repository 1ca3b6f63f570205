"""RDFC-1.0 (kr_ovid.jsonld.canon + kr_ovid.jsonld.nquads) against the W3C rdf-canon suite.

The suite is a copy in tests/vectors/rdf-canon/ (see its ABOUT.md for the upstream commit).
Besides the suite: where pyld 3.3.0 alone goes wrong (escaping, self-loops, no work bound) and
that the bounded path gives pyld's own answer for ordinary documents.
"""

from __future__ import annotations

import copy
import json
import random
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pyld import jsonld
from pyld.canon import URDNA2015

from kr_ovid.errors import CanonicalizationError
from kr_ovid.jsonld.canon import (
    canonical_nquads_from_dataset,
    canonicalize_dataset,
    canonicalize_nquads_input,
)
from kr_ovid.jsonld.nquads import (
    CanonicalizationLimitError,
    NQuadsError,
    parse_nquads,
    serialize_canonical_nquads,
)
from kr_ovid.problems import ErrorCode

ROOT = Path(__file__).resolve().parents[2]
SUITE = ROOT / "tests" / "vectors" / "rdf-canon"
MANIFEST = json.loads((SUITE / "manifest.jsonld").read_text(encoding="utf-8"))["entries"]


def _entries(kind: str) -> list[Any]:
    return [pytest.param(e, id=e["id"].lstrip("#")) for e in MANIFEST if e["type"] == kind]


def _read(rel: str) -> str:
    # newline="" keeps the bytes: no universal-newline translation of the N-Quads text.
    with (SUITE / rel).open(encoding="utf-8", newline="") as fh:
        return fh.read()


def _algorithm(entry: dict[str, Any]) -> Any:
    return "sha384" if entry.get("hashAlgorithm") == "SHA384" else "sha256"


def test_suite_is_complete() -> None:
    kinds = [e["type"] for e in MANIFEST]
    assert kinds.count("rdfc:RDFC10EvalTest") == 64
    assert kinds.count("rdfc:RDFC10MapTest") == 21
    assert kinds.count("rdfc:RDFC10NegativeEvalTest") == 1


@pytest.mark.parametrize("entry", _entries("rdfc:RDFC10EvalTest"))
def test_rdfc10_eval(entry: dict[str, Any]) -> None:
    got = canonicalize_nquads_input(_read(entry["action"]), hash_algorithm=_algorithm(entry))
    assert got == _read(entry["result"])


@pytest.mark.parametrize("entry", _entries("rdfc:RDFC10MapTest"))
def test_rdfc10_issued_identifiers_map(entry: dict[str, Any]) -> None:
    dataset = parse_nquads(_read(entry["action"]))
    result = canonicalize_dataset(dataset, hash_algorithm=_algorithm(entry))
    expected = json.loads(_read(entry["result"]))
    assert {
        k.removeprefix("_:"): v.removeprefix("_:") for k, v in result.issued.items()
    } == expected
    assert "".join(result.lines) == result.nquads
    assert len(result.lines) == result.nquads.count("\n")


@pytest.mark.parametrize("entry", _entries("rdfc:RDFC10NegativeEvalTest"))
def test_rdfc10_negative_poison_graph_is_refused_fast(entry: dict[str, Any]) -> None:
    text = _read(entry["action"])
    start = time.perf_counter()
    with pytest.raises(CanonicalizationLimitError) as info:
        canonicalize_nquads_input(text)
    assert time.perf_counter() - start < 0.5
    assert isinstance(info.value, CanonicalizationError)
    assert info.value.code is ErrorCode.SIZE_LIMIT_ERROR


def test_poison_tests_that_must_pass_fit_the_default_budget() -> None:
    """test044-046 are poison graphs "computable given defined limits": they need 3,348 units."""
    text = _read("rdfc10/test044-in.nq")
    assert canonicalize_nquads_input(text, max_work=3348) == _read("rdfc10/test044-rdfc10.nq")
    with pytest.raises(CanonicalizationLimitError):
        canonicalize_nquads_input(text, max_work=3347)


# --- bounds -------------------------------------------------------------------------------------


def _cycle(n: int) -> str:
    return "".join(f"_:n{i} <urn:p> _:n{(i + 1) % n} .\n" for i in range(n))


def test_blank_node_limit() -> None:
    text = _cycle(20)
    assert canonicalize_nquads_input(text, max_blank_nodes=20).count("\n") == 20
    with pytest.raises(CanonicalizationLimitError, match="20 blank nodes exceed the limit of 19"):
        canonicalize_nquads_input(text, max_blank_nodes=19)


def test_work_limit_on_symmetric_graph() -> None:
    """A 64-cycle needs 64 × 64 Hash N-Degree Quads calls; refused early under a small budget."""
    text = _cycle(64)
    start = time.perf_counter()
    with pytest.raises(CanonicalizationLimitError, match="work units"):
        canonicalize_nquads_input(text, max_work=1000)
    assert time.perf_counter() - start < 0.5


def test_depth_limit_instead_of_recursion_error() -> None:
    text = _cycle(300)  # every node is alike, so recursion would follow the whole cycle
    start = time.perf_counter()
    with pytest.raises(CanonicalizationLimitError, match="deeper than 16"):
        canonicalize_nquads_input(text, max_depth=16, max_work=10**9)
    assert time.perf_counter() - start < 0.5


def test_large_group_is_refused_before_permuting() -> None:
    # A hub with 25 indistinguishable neighbours in two copies: 25! permutations.
    text = "".join(f"_:h{h} <urn:p> _:l{h}_{i} .\n" for h in range(2) for i in range(25))
    start = time.perf_counter()
    with pytest.raises(CanonicalizationLimitError):
        canonicalize_nquads_input(text, max_work=10**12)
    assert time.perf_counter() - start < 0.5


def test_default_budget_stays_in_the_second_range() -> None:
    """A symmetric graph that just fits the defaults finishes in well under two seconds."""
    text = _cycle(48)  # ~7,000 units
    start = time.perf_counter()
    canonicalize_nquads_input(text)
    assert time.perf_counter() - start < 2.0


# --- serializer ---------------------------------------------------------------------------------

# RDF 1.2 N-Triples canonical form (RDFC-1.0 §4.1), as rdf-canon test060 expects.
ESCAPES = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
    "\x00": "\\u0000",
    "\x07": "\\u0007",
    "\x0b": "\\u000B",
    "\x0e": "\\u000E",
    "\x1a": "\\u001A",
    "\x1f": "\\u001F",
    "\x7f": "\\u007F",
    "'": "'",
    " ": " ",
    "\x80": "\x80",
    "\x85": "\x85",
    "\u2028": "\u2028",
    "\ufeff": "\ufeff",
    "\uffff": "\uffff",
    "\U0001f303": "\U0001f303",
    "한": "한",
}


def _literal_dataset(value: str, **extra: str) -> dict[str, list[dict[str, Any]]]:
    obj = {"type": "literal", "value": value, "datatype": jsonld.XSD_STRING, **extra}
    triple = {
        "subject": {"type": "IRI", "value": "urn:s"},
        "predicate": {"type": "IRI", "value": "urn:p"},
        "object": obj,
    }
    return {"@default": [triple]}


@pytest.mark.parametrize(("char", "escaped"), ESCAPES.items())
def test_literal_escaping(char: str, escaped: str) -> None:
    out = serialize_canonical_nquads(_literal_dataset(f"a{char}b"))
    assert out == f'<urn:s> <urn:p> "a{escaped}b" .\n'
    assert canonical_nquads_from_dataset(_literal_dataset(f"a{char}b")) == out


def test_every_c0_control_and_del_is_escaped() -> None:
    value = "".join(chr(c) for c in [*range(0x20), 0x7F])
    out = serialize_canonical_nquads(_literal_dataset(value))
    assert all(chr(c) not in out[:-1] for c in [*range(0x20), 0x7F])


def test_datatype_and_language_forms() -> None:
    lang = _literal_dataset("x", datatype=jsonld.RDF_LANGSTRING, language="ko-KR")
    assert serialize_canonical_nquads(lang) == '<urn:s> <urn:p> "x"@ko-KR .\n'
    typed = _literal_dataset("1", datatype="http://www.w3.org/2001/XMLSchema#integer")
    assert serialize_canonical_nquads(typed) == (
        '<urn:s> <urn:p> "1"^^<http://www.w3.org/2001/XMLSchema#integer> .\n'
    )


def test_pyld_serializer_is_wrong_on_test060_and_ours_is_right() -> None:
    text = _read("rdfc10/test060-in.nq")
    expected = _read("rdfc10/test060-rdfc10.nq")
    dataset = parse_nquads(text)
    # pyld's labelling run with its own serializer: BS, FF, other C0 and DEL come out raw.
    pyld_text = URDNA2015().main(copy.deepcopy(dataset), {"format": "application/n-quads"})
    assert pyld_text != expected
    assert "\x08" in pyld_text and "\x7f" in pyld_text
    # pyld's N-Quads parser does not decode \u escapes either.
    pyld_parsed = jsonld.normalize(
        text,
        {
            "algorithm": "URDNA2015",
            "inputFormat": "application/n-quads",
            "format": "application/n-quads",
        },
    )
    assert "\\u0065" in pyld_parsed
    # Without ``format``, normalize parses its own wrong output back and breaks on FF / U+2028.
    with pytest.raises(ValueError, match="invalid quad"):
        URDNA2015().main(copy.deepcopy(dataset), {})
    assert canonicalize_nquads_input(text) == expected


def test_pyld_mislabels_a_self_loop() -> None:
    """pyld lists ``_:x <p> _:x`` twice for ``_:x`` and so hashes it differently from RDFC-1.0.

    Expected output from rdf-canonize 5.0.0 (Digital Bazaar, RDFC-1.0) and pyoxigraph 0.5.13.
    """
    text = '_:n0 <urn:p> "x" .\n_:n1 <urn:p> _:n1 .\n'
    expected = '_:c14n0 <urn:p> "x" .\n_:c14n1 <urn:p> _:c14n1 .\n'
    pyld_text = URDNA2015().main(parse_nquads(text), {"format": "application/n-quads"})
    assert pyld_text == '_:c14n0 <urn:p> _:c14n0 .\n_:c14n1 <urn:p> "x" .\n'
    assert canonicalize_nquads_input(text) == expected


def test_controls_change_labels_in_pyld_first_degree_hash() -> None:
    """pyld hashes its mis-escaped lines, so even the blank node labels can differ.

    Expected output from rdf-canonize 5.0.0 and pyoxigraph 0.5.13.
    """
    text = '_:a <urn:p> "\\u0008" .\n_:b <urn:p> "\\u000C" .\n'
    expected = '_:c14n0 <urn:p> "\\f" .\n_:c14n1 <urn:p> "\\b" .\n'
    assert canonicalize_nquads_input(text) == expected
    pyld_text = URDNA2015().main(parse_nquads(text), {"format": "application/n-quads"})
    assert pyld_text == '_:c14n0 <urn:p> "\x08" .\n_:c14n1 <urn:p> "\x0c" .\n'


def test_sorted_by_code_point_and_deduplicated() -> None:
    dataset = {
        "@default": [
            {
                "subject": {"type": "IRI", "value": f"urn:{s}"},
                "predicate": {"type": "IRI", "value": "urn:p"},
                "object": {"type": "IRI", "value": "urn:o"},
            }
            for s in ["\U0001f303", "\uffff", "z", "a", "z", "é"]
        ],
        "urn:g": [
            {
                "subject": {"type": "IRI", "value": "urn:a"},
                "predicate": {"type": "IRI", "value": "urn:p"},
                "object": {"type": "IRI", "value": "urn:o"},
            }
        ],
    }
    lines = serialize_canonical_nquads(dataset).split("\n")[:-1]
    assert lines == sorted(set(lines), key=lambda line: line.encode("utf-8"))
    assert len(lines) == 6
    assert "<urn:a> <urn:p> <urn:o> <urn:g> ." in lines


@pytest.mark.parametrize(
    ("term", "where"),
    [
        ({"type": "IRI", "value": "urn:a b"}, "subject"),
        ({"type": "IRI", "value": "urn:a> <urn:b"}, "object"),
        ({"type": "IRI", "value": "urn:a\nb"}, "object"),
        ({"type": "IRI", "value": ""}, "subject"),
        ({"type": "literal", "value": "x\ud800", "datatype": jsonld.XSD_STRING}, "object"),
        ({"type": "literal", "value": "x", "datatype": jsonld.RDF_LANGSTRING}, "object"),
        (
            {"type": "literal", "value": "x", "datatype": jsonld.RDF_LANGSTRING, "language": "e n"},
            "object",
        ),
        (
            {"type": "literal", "value": "x", "datatype": jsonld.XSD_STRING, "language": "en"},
            "object",
        ),
        ({"type": "literal", "value": "x", "datatype": "urn:dt>"}, "object"),
        ({"type": "literal", "value": 1, "datatype": jsonld.XSD_STRING}, "object"),
        ({"type": "literal", "value": "x", "datatype": jsonld.XSD_STRING}, "subject"),
        ({"type": "blank node", "value": "_:b0"}, "predicate"),
        ({"type": "blank node", "value": "_:a b"}, "subject"),
        ({"type": "weird", "value": "urn:x"}, "object"),
    ],
)
def test_terms_canonical_nquads_cannot_express_are_refused(
    term: dict[str, Any], where: str
) -> None:
    triple: dict[str, Any] = {
        "subject": {"type": "IRI", "value": "urn:s"},
        "predicate": {"type": "IRI", "value": "urn:p"},
        "object": {"type": "IRI", "value": "urn:o"},
    }
    triple[where] = term
    with pytest.raises(NQuadsError) as info:
        serialize_canonical_nquads({"@default": [triple]})
    assert info.value.code is ErrorCode.MALFORMED_VALUE_ERROR
    if where != "subject" or term["type"] != "blank node":  # a bad label is replaced by c14n
        with pytest.raises(NQuadsError):
            canonical_nquads_from_dataset({"@default": [triple]})


def test_malformed_datasets_are_refused() -> None:
    with pytest.raises(NQuadsError):
        canonical_nquads_from_dataset([])  # type: ignore[arg-type]
    with pytest.raises(NQuadsError):
        canonical_nquads_from_dataset(
            {"@default": [{"subject": {"type": "IRI", "value": "urn:s"}}]}
        )


# --- parser -------------------------------------------------------------------------------------


def test_parser_line_ends_and_comments() -> None:
    text = (
        "# comment\r\n"
        '<urn:s> <urn:p> "a\u2028b\u0085c\x1cd" . # trailing comment\r\n'
        "\n"
        "  _:x\t<urn:p>   <urn:o>   <urn:g>.\n"
    )
    dataset = parse_nquads(text)
    assert dataset["@default"][0]["object"]["value"] == "a\u2028b\u0085c\x1cd"
    assert dataset["urn:g"][0]["subject"] == {"type": "blank node", "value": "_:x"}
    assert canonicalize_nquads_input(text) == (
        '<urn:s> <urn:p> "a\u2028b\u0085c\\u001Cd" .\n_:c14n0 <urn:p> <urn:o> <urn:g> .\n'
    )


@pytest.mark.parametrize(
    "line",
    [
        "<urn:s> <urn:p> <urn:o>",  # no dot
        "<rel> <urn:p> <urn:o> .",  # relative IRI
        "<urn:s> <urn:p> <urn:\\u0020x> .",  # escape to a space inside an IRI
        '<urn:s> <urn:p> "\\uD800" .',  # surrogate escape
        '<urn:s> <urn:p> "\\x" .',  # unknown ECHAR
        '<urn:s> <urn:p> "a"@ .',
        '"lit" <urn:p> <urn:o> .',
        "<urn:s> _:p <urn:o> .",
        '<urn:s> <urn:p> <urn:o> "g" .',
        "<urn:s> <urn:p> _:a. .",
    ],
)
def test_parser_refuses(line: str) -> None:
    with pytest.raises(NQuadsError):
        parse_nquads(line + "\n")


# --- JSON-LD input: the path kr_ovid.jsonld.canon uses ------------------------------------------

CONTEXT_FILES = {
    "https://www.w3.org/ns/credentials/v2": ROOT / "contexts" / "credentials-v2.jsonld",
    "https://www.w3.org/ns/credentials/examples/v2": ROOT
    / "tests"
    / "vectors"
    / "contexts"
    / "credentials-examples-v2.jsonld",
}


def _loader(url: str, options: Any = None) -> dict[str, Any]:
    path = CONTEXT_FILES.get(url)
    if path is None:
        raise RuntimeError(f"no offline copy of {url}")
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(path.read_text(encoding="utf-8")),
    }


# w3c/vc-di-eddsa TestVectors/unsigned.json and eddsa-rdfc-2022/canonDocDataInt.txt
# (commit abb673e), the eddsa-rdfc-2022 input credential and its RDFC-1.0 canonical form.
ALUMNI = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
}
ALUMNI_CANON = """\
<did:example:abcdefgh> <https://www.w3.org/ns/credentials/examples#alumniOf> "The School of Examples" .
<urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://www.w3.org/2018/credentials#VerifiableCredential> .
<urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://www.w3.org/ns/credentials/examples#AlumniCredential> .
<urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> <https://schema.org/description> "A minimum viable example of an Alumni Credential." .
<urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> <https://schema.org/name> "Alumni Credential" .
<urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> <https://www.w3.org/2018/credentials#credentialSubject> <did:example:abcdefgh> .
<urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> <https://www.w3.org/2018/credentials#issuer> <https://vc.example/issuers/5678> .
<urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33> <https://www.w3.org/2018/credentials#validFrom> "2023-01-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime> .
"""

INLINE_CONTEXT = {
    "@vocab": "urn:v#",
    "knows": {"@type": "@id"},
    "tags": {"@container": "@list"},
    "name": {"@language": "ko"},
    "when": {"@type": "http://www.w3.org/2001/XMLSchema#dateTime"},
}

ORDINARY_DOCS = {
    "alumni": ALUMNI,
    "blank-nodes": {
        "@context": INLINE_CONTEXT,
        "@id": "urn:x",
        "name": "홍길동",
        "tags": ["a", "b", {"n": 1}, ["nested"]],
        "knows": [{"n": "a"}, {"n": "a"}, {"n": 2.5, "m": {"n": True}}],
        "when": "2026-01-01T00:00:00Z",
        "quote": 'say "hi"\n\\ and tab\t',
        "g": {
            "@graph": [{"p": True, "q": {"r": None, "s": "x"}}, {"@id": "_:named", "p": {"n": "a"}}]
        },
    },
    "proof-options": {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "proofPurpose": "assertionMethod",
    },
}


def _to_rdf(doc: Any) -> Any:
    return jsonld.JsonLdProcessor().to_rdf(doc, {"documentLoader": _loader})


def test_alumni_vector() -> None:
    assert canonical_nquads_from_dataset(_to_rdf(ALUMNI)) == ALUMNI_CANON


@pytest.mark.parametrize("name", ORDINARY_DOCS)
def test_reproduces_pyld_normalize_for_ordinary_documents(name: str) -> None:
    doc = ORDINARY_DOCS[name]
    dataset = _to_rdf(doc)
    snapshot = copy.deepcopy(dataset)
    ours = canonical_nquads_from_dataset(dataset)
    assert dataset == snapshot  # the caller's dataset is not modified
    options = {"algorithm": "URDNA2015", "documentLoader": _loader}
    assert ours == jsonld.normalize(doc, {**options, "format": "application/n-quads"})
    # pyld's dataset form re-serialized by us gives the same text for such documents.
    assert serialize_canonical_nquads(jsonld.normalize(doc, options)) == ours


def test_pyld_normalize_dataset_is_lossy() -> None:
    """Why ``normalize``'s dataset is no input for the serializer: backslash + n is changed."""
    doc = {"@context": {"@vocab": "urn:v#"}, "@id": "urn:x", "n": "a\\nb"}
    options = {"algorithm": "URDNA2015", "documentLoader": _loader}
    value = jsonld.normalize(doc, options)["@default"][0]["object"]["value"]
    assert value == "a\\\nb"  # pyld turned the backslash + "n" into backslash + newline
    assert canonical_nquads_from_dataset(_to_rdf(doc)) == '<urn:x> <urn:v#n> "a\\\\nb" .\n'


def test_jsonld_self_loop_differs_from_pyld() -> None:
    """Expected labels checked with rdf-canonize 5.0.0 on the same quads."""
    doc = {
        "@context": {"@vocab": "urn:v#"},
        "@graph": [{"@id": "_:s", "p": {"@id": "_:s"}}, {"@id": "urn:x", "q": {"n": "a"}}],
    }
    ours = canonical_nquads_from_dataset(_to_rdf(doc))
    assert ours == (
        '<urn:x> <urn:v#q> _:c14n0 .\n_:c14n0 <urn:v#n> "a" .\n_:c14n1 <urn:v#p> _:c14n1 .\n'
    )
    theirs = jsonld.normalize(
        doc, {"algorithm": "URDNA2015", "documentLoader": _loader, "format": "application/n-quads"}
    )
    assert theirs == (
        '<urn:x> <urn:v#q> _:c14n1 .\n_:c14n0 <urn:v#p> _:c14n0 .\n_:c14n1 <urn:v#n> "a" .\n'
    )


def test_jsonld_string_with_controls_differs_from_pyld() -> None:
    doc = {"@context": {"@vocab": "urn:v#"}, "@id": "urn:x", "n": "a\bb\fc\x01\x7f"}
    ours = canonical_nquads_from_dataset(_to_rdf(doc))
    assert ours == '<urn:x> <urn:v#n> "a\\bb\\fc\\u0001\\u007F" .\n'
    theirs = jsonld.normalize(
        doc, {"algorithm": "URDNA2015", "documentLoader": _loader, "format": "application/n-quads"}
    )
    assert theirs == '<urn:x> <urn:v#n> "a\bb\fc\x01\x7f" .\n'


# --- properties ---------------------------------------------------------------------------------

_LITERALS = ['"x"', '"y"', '"\\u0008"', '"l"@en', '"1"^^<urn:dt>', "<urn:o>"]


@st.composite
def _graphs(draw: st.DrawFn) -> str:
    n = draw(st.integers(1, 6))
    node = st.integers(0, n - 1).map(lambda i: f"_:n{i}")
    lines = draw(
        st.lists(
            st.tuples(
                node,
                st.sampled_from(["<urn:p>", "<urn:q>"]),
                st.one_of(node, st.sampled_from(_LITERALS)),
                st.one_of(st.just(""), st.just(" <urn:g>"), node.map(lambda b: f" {b}")),
            ),
            min_size=1,
            max_size=12,
        )
    )
    return "".join(f"{s} {p} {o}{g} .\n" for s, p, o, g in lines)


@given(_graphs(), st.randoms(use_true_random=False))
def test_canonical_form_ignores_labels_and_order(text: str, rnd: random.Random) -> None:
    """Isomorphic inputs (renamed blank nodes, shuffled and repeated lines) canonicalize alike."""
    expected = canonicalize_nquads_input(text)
    names = [f"_:n{i}" for i in range(6)]
    renamed = dict(zip(names, rnd.sample([f"_:r{i}x" for i in range(6)], 6), strict=True))
    lines = text.splitlines(keepends=True)
    lines += rnd.sample(lines, min(2, len(lines)))
    rnd.shuffle(lines)
    other = "".join(lines)
    for old in sorted(names, key=len, reverse=True):
        other = other.replace(old + " ", renamed[old] + " ")
    assert canonicalize_nquads_input(other) == expected
