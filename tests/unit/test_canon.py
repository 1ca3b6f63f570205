"""Safe-mode JSON-LD: nothing dropped, nothing invented, IRIs checked, work bounded."""

from __future__ import annotations

from typing import Any

import pytest

from kr_ovid.errors import CanonicalizationError
from kr_ovid.jsonld import canonicalize_rdfc, expand, jcs_canonicalize
from kr_ovid.jsonld.loader import StaticDocumentLoader
from kr_ovid.problems import ErrorCode

from support import TEST_CONTEXT, TEST_CTX_URL, example_credential, example_loader

LOADER = example_loader()


def code_of(doc: Any, loader: StaticDocumentLoader = LOADER) -> ErrorCode:
    with pytest.raises(CanonicalizationError) as info:
        canonicalize_rdfc(doc, loader=loader)
    return info.value.code


def test_our_credential_canonicalizes() -> None:
    out = canonicalize_rdfc(example_credential(), loader=LOADER)
    assert '<https://example.test/vocab#name2> "홍길동"' in out
    assert out.endswith("\n")


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        ({**example_credential(), "undefinedTerm": "x"}, ErrorCode.DATA_LOSS_ERROR),
        (
            {**example_credential(), "type": ["VerifiableCredential", "NotDefined"]},
            ErrorCode.DATA_LOSS_ERROR,
        ),
        ({**example_credential(), "id": "relative/path"}, ErrorCode.DATA_LOSS_ERROR),
        ({**example_credential(), "id": "#frag"}, ErrorCode.DATA_LOSS_ERROR),
        ({**example_credential(), "issuer": "issuer-without-scheme"}, ErrorCode.DATA_LOSS_ERROR),
        (
            {**example_credential(), "id": "https://example.test/a b"},
            ErrorCode.MALFORMED_VALUE_ERROR,
        ),
        (
            {**example_credential(), "id": "https://example.test/a#b#c"},
            ErrorCode.MALFORMED_VALUE_ERROR,
        ),
        (
            {
                **example_credential(),
                "@context": ["https://www.w3.org/ns/credentials/v2", "https://nope.example/v1"],
            },
            ErrorCode.UNKNOWN_CONTEXT,
        ),
        ([1, 2], ErrorCode.PARSING_ERROR),
    ],
    ids=[
        "undefined-property",
        "undefined-type",
        "relative-id",
        "fragment-id",
        "relative-issuer",
        "iri-space",
        "iri-two-hashes",
        "unknown-context",
        "not-object",
    ],
)
def test_refusals(doc: Any, code: ErrorCode) -> None:
    assert code_of(doc) is code


def test_nested_undefined_property_is_reported() -> None:
    doc = example_credential(nested={"inner": 1})
    # 'nested' is defined, its member 'inner' is not.
    assert code_of(doc) is ErrorCode.DATA_LOSS_ERROR


def test_control_characters_escaped_per_rdfc() -> None:
    doc = example_credential(tags='a\bb\fc\u0001d\u007fe\tf\ng"h\\i')
    out = canonicalize_rdfc(doc, loader=LOADER)
    assert '"a\\bb\\fc\\u0001d\\u007Fe\\tf\\ng\\"h\\\\i"' in out


def test_blank_node_bound() -> None:
    doc = example_credential(nested=[{"name2": str(i)} for i in range(50)])
    canonicalize_rdfc(doc, loader=LOADER)
    with pytest.raises(CanonicalizationError) as info:
        canonicalize_rdfc(doc, loader=LOADER, max_blank_nodes=10)
    assert info.value.code is ErrorCode.SIZE_LIMIT_ERROR


def test_plain_callable_loader_is_refused() -> None:
    with pytest.raises(CanonicalizationError) as info:
        canonicalize_rdfc(example_credential(), loader=lambda url, options=None: {})  # type: ignore[arg-type]
    assert info.value.code is ErrorCode.CONFIGURATION_ERROR


def test_expand_with_vocab_context_still_checks_iris() -> None:
    loader = StaticDocumentLoader(
        {TEST_CTX_URL: {"@context": {"@vocab": "https://example.test/v#"}}}
    )
    doc = {"@context": [TEST_CTX_URL], "@id": "urn:x:1", "field with space": "v"}
    with pytest.raises(CanonicalizationError):
        expand(doc, loader=loader)


def test_jcs() -> None:
    assert jcs_canonicalize({"b": 1, "a": [1.0, "é"]}) == '{"a":[1,"é"],"b":1}'.encode()
    with pytest.raises(CanonicalizationError):
        jcs_canonicalize({"a": float("nan")})


def test_protected_term_cannot_change_meaning() -> None:
    """credentials/v2 terms are @protected: an override never changes what is signed."""
    doc = example_credential()
    original = canonicalize_rdfc(doc, loader=LOADER)
    doc["@context"] = [*doc["@context"], {"issuer": "https://evil.example/issuer"}]
    # The strict form refuses any inline context; the generic form refuses the override.
    with pytest.raises(CanonicalizationError) as strict:
        canonicalize_rdfc(doc, loader=LOADER)
    assert strict.value.code is ErrorCode.MALFORMED_VALUE_ERROR
    try:
        assert canonicalize_rdfc(doc, loader=LOADER, mode="generic") == original
    except CanonicalizationError as exc:
        assert exc.code is ErrorCode.PROOF_TRANSFORMATION_ERROR


@pytest.mark.parametrize(
    ("extra", "strict_code"),
    [
        ({"tags": None}, ErrorCode.DATA_LOSS_ERROR),
        ({"tags": []}, ErrorCode.DATA_LOSS_ERROR),
        ({"tags": ["a", "a"]}, ErrorCode.DATA_LOSS_ERROR),
        # A keyword key is not the plain compacted form: refused before it could drop anything.
        ({"tags": {"@value": None}}, ErrorCode.MALFORMED_VALUE_ERROR),
        ({"tags": {"@set": []}}, ErrorCode.MALFORMED_VALUE_ERROR),
    ],
    ids=["null", "empty-array", "repeated-item", "null-value-object", "empty-set-object"],
)
def test_values_without_statements_are_refused(
    extra: dict[str, Any], strict_code: ErrorCode
) -> None:
    """Under RDFC these would not be signed: adding or removing them must not go unnoticed."""
    doc = example_credential(**extra)
    assert code_of(doc) is strict_code
    with pytest.raises(CanonicalizationError) as generic:
        canonicalize_rdfc(doc, loader=LOADER, mode="generic")
    assert generic.value.code is ErrorCode.DATA_LOSS_ERROR


def test_processed_context_memo_never_changes_a_result() -> None:
    """canon memoises processed contexts per loader: a warm loader must give exactly what a
    cold one gives, also when scoped contexts differ between documents."""
    from support import VECTORS, load_json, vector_loader

    docs = [
        load_json(VECTORS / "vc-di-eddsa" / "unsigned.json"),
        load_json(VECTORS / "vc-di-eddsa" / "employmentAuth.json"),
    ]
    scoped = {
        "@context": {
            "Thing": {
                "@id": "https://example.test/v#Thing",
                "@context": {"x": "https://example.test/a#x"},
            },
            "Other": {
                "@id": "https://example.test/v#Other",
                "@context": {"x": "https://example.test/b#x"},
            },
        }
    }
    for type_name, iri in (
        ("Thing", "https://example.test/a#x"),
        ("Other", "https://example.test/b#x"),
    ):
        doc = {
            "@context": ["https://example.test/scoped/v1"],
            "@id": "urn:x:1",
            "@type": type_name,
            "x": "v",
        }
        docs.append(doc)
        loader = StaticDocumentLoader({"https://example.test/scoped/v1": scoped})
        assert f"<{iri}>" in canonicalize_rdfc(doc, loader=loader, mode="generic")
    warm = vector_loader().with_documents({"https://example.test/scoped/v1": scoped})
    first = [canonicalize_rdfc(d, loader=warm, mode="generic") for d in docs]
    again = [canonicalize_rdfc(d, loader=warm, mode="generic") for d in reversed(docs)][::-1]
    cold = [
        canonicalize_rdfc(
            d,
            loader=vector_loader().with_documents({"https://example.test/scoped/v1": scoped}),
            mode="generic",
        )
        for d in docs
    ]
    assert first == again == cold
    assert "https://example.test/a#x" in first[2] and "https://example.test/b#x" in first[3]


def test_the_one_private_pyld_hook_still_has_its_shape() -> None:
    """jsonld/_pyld_engine.py overrides JsonLdProcessor._process_context (pyld pinned to 3.3.x);
    a pyld release that changes it must fail here, not silently skip the memo or the checks."""
    import inspect

    from pyld import jsonld

    params = list(inspect.signature(jsonld.JsonLdProcessor._process_context).parameters)
    assert params == [
        "self",
        "active_ctx",
        "local_ctx",
        "options",
        "override_protected",
        "propagate",
        "validate_scoped",
        "cycles",
    ]


# --------------------------------------------------------------------------- repeated items
# Two equal objects without an id are two blank nodes, two sets of statements (RDF keeps both);
# only a repeated RDF term (the same IRI or literal as the object of one predicate) is one
# statement whose copy would go unsigned.
_TWO_BLANK = [{"type": "ExampleCredential"}, {"type": "ExampleCredential"}]


@pytest.mark.parametrize("mode", ["strict", "generic"])
def test_repeated_objects_without_id_are_two_blank_nodes(mode: str) -> None:
    doc = example_credential(nested=_TWO_BLANK)
    out = canonicalize_rdfc(doc, loader=LOADER, mode=mode)  # type: ignore[arg-type]
    assert out.count("<https://example.test/vocab#nested> _:c14n") == 2
    assert (
        canonicalize_rdfc(doc, loader=LOADER, mode=mode)
        != canonicalize_rdfc(  # type: ignore[arg-type]
            example_credential(nested=_TWO_BLANK[:1]), loader=LOADER, mode=mode
        )
    )


@pytest.mark.parametrize("mode", ["strict", "generic"])
@pytest.mark.parametrize(
    "subject",
    [
        {"tags": ["a", "a"]},
        {"nested": [{"id": "urn:x:1"}, {"id": "urn:x:1"}]},
        {"nested": [{"id": "urn:x:1", "tags": "a"}, {"id": "urn:x:1", "tags": "b"}]},
        {"score": 3, "scoreAgain": 3},
    ],
    ids=["literal", "iri", "iri-with-other-members", "two-names-one-predicate"],
)
def test_a_repeated_rdf_term_is_refused(mode: str, subject: dict[str, Any]) -> None:
    loader = StaticDocumentLoader(
        {
            TEST_CTX_URL: {
                "@context": {
                    **TEST_CONTEXT["@context"],
                    "scoreAgain": {
                        "@id": "https://example.test/vocab#score",
                        "@type": "http://www.w3.org/2001/XMLSchema#integer",
                    },
                }
            }
        }
    )
    with pytest.raises(CanonicalizationError) as info:
        canonicalize_rdfc(example_credential(**subject), loader=loader, mode=mode)  # type: ignore[arg-type]
    assert info.value.code is ErrorCode.DATA_LOSS_ERROR


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_repeated_objects_without_id_sign_and_verify(suite: str) -> None:
    from kr_ovid.integrity import add_proof, verify_proof
    from kr_ovid.keys import Ed25519Signer

    signer = Ed25519Signer.from_seed(b"\x31" * 32)
    doc = {**example_credential(nested=_TWO_BLANK), "issuer": signer.controller}
    signed = add_proof(doc, signer, cryptosuite=suite, loader=LOADER)
    assert verify_proof(signed, loader=LOADER).verified
    dropped = {**signed, "credentialSubject": {**signed["credentialSubject"]}}
    dropped["credentialSubject"]["nested"] = _TWO_BLANK[:1]
    assert verify_proof(dropped, loader=LOADER).codes == (ErrorCode.PROOF_VERIFICATION_ERROR,)
